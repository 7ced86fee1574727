"""One visual style for the book's figures (matplotlib).

The colours follow the diagrams of the course: inputs blue, hidden states orange,
outputs green, the LSTM's cell state purple (:data:`COLORS`); curves of the three cells
always have the same colours (:data:`MODEL_COLORS`), and other curves take their colours
from :data:`PALETTE` in order.

Every function draws on ``ax`` (a new figure when None), returns the ``Axes`` and never
calls ``plt.show()``: a notebook shows the figure itself. The style settings
(:data:`STYLE`) are applied only inside :func:`style`, a context manager, never to
matplotlib's global ``rcParams``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

#: Colours of the diagrams: inputs, hidden states, outputs, the LSTM's cell state.
COLORS = {"inputs": "#2f6fb0", "hidden": "#d9822b", "outputs": "#3c8d2f", "cell": "#7b3294"}
#: Colours of the curves of the three cells, the same in every chapter.
MODEL_COLORS = {"rnn": "#c0392b", "lstm": "#7b3294", "gru": "#2f6fb0"}
#: Colours for other curves, in order.
PALETTE = ("#2f6fb0", "#d9822b", "#3c8d2f", "#7b3294", "#c0392b", "#5d6d7e", "#b8860b", "#17a2b8")
#: Colour of baselines and bounds drawn as reference lines.
BASELINE_COLOR = "#555555"

#: matplotlib settings of the book, applied by :func:`style`.
STYLE: dict[str, Any] = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": plt.cycler(color=list(PALETTE)),
    "font.size": 10,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
}


@contextmanager
def style() -> Iterator[None]:
    """Apply :data:`STYLE` inside a ``with`` block only (``matplotlib.rc_context``)."""
    with plt.rc_context(STYLE):
        yield


def color_for(name: str, index: int = 0) -> str:
    """The colour of a curve called ``name``: the cell's colour if the name is or contains
    ``"lstm"``, ``"gru"`` or ``"rnn"`` (in that order), else ``PALETTE[index]`` (cycled)."""
    key = name.lower()
    for cell in ("lstm", "gru", "rnn"):
        if key == cell or cell in key:
            return MODEL_COLORS[cell]
    return PALETTE[index % len(PALETTE)]


def _new_axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots()
    elif not isinstance(ax, Axes):
        raise ValueError(f"ax must be a matplotlib Axes or None; got {type(ax).__name__}")
    return ax


def _check_curves(curves: object, name: str) -> None:
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError(f"{name} must be a non-empty dict name -> values; got {type(curves).__name__}")


def learning_curves(
    histories: Mapping[str, Any],
    baseline: float | None = None,
    ax: Axes | None = None,
    *,
    baseline_label: str = "baseline",
    log_y: bool = False,
    title: str | None = None,
) -> Axes:
    """Training loss against step, one line per run, and a dashed ``baseline`` line.

    ``histories`` maps a label to a :class:`rnnlib.training.History` (or anything with a
    ``loss`` sequence). ``baseline`` is a reference loss, e.g. that of predicting the
    mean; it is drawn as a dashed horizontal line labelled ``baseline_label``.
    Draws ``len(histories)`` lines, plus one for the baseline.
    """
    _check_curves(histories, "histories")
    for label, history in histories.items():
        if not hasattr(history, "loss") or len(history.loss) == 0:
            raise ValueError(f"histories[{label!r}] must have a non-empty 'loss' list (a History)")
    if baseline is not None and not np.isfinite(baseline):
        raise ValueError(f"baseline must be a finite number or None; got {baseline!r}")
    with style():
        ax = _new_axes(ax)
        for i, (label, history) in enumerate(histories.items()):
            loss = np.asarray(history.loss, dtype=np.float64)
            ax.plot(np.arange(len(loss)), loss, color=color_for(str(label), i), label=str(label))
        if baseline is not None:
            ax.axhline(baseline, color=BASELINE_COLOR, linestyle="--", linewidth=1.2, label=baseline_label)
        if log_y:
            ax.set_yscale("log")
        _label(ax, "step", "training loss", title)
    return ax


def _label(ax: Axes, xlabel: str, ylabel: str, title: str | None) -> None:
    """Axis labels, the optional title and the legend: the common ending of the line plots."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.legend()


def gradient_norm_over_lag(
    lags: Any,
    norms: Mapping[str, Any],
    bounds: Mapping[str, Any] | None = None,
    ax: Axes | None = None,
    *,
    ylabel: str = r"$\|\partial h_t / \partial h_{t-k}\|$",
    title: str | None = None,
) -> Axes:
    """Gradient norm against the lag :math:`k`, log scale, one line per entry of ``norms``.

    Each ``bounds[name]`` (same length as ``lags``) is drawn dashed in the colour of
    ``norms[name]`` and labelled ``"<name> bound"``. Draws ``len(norms) + len(bounds)``
    lines. Values must be positive (log scale).
    """
    lags = np.asarray(lags, dtype=np.float64)
    if lags.ndim != 1 or lags.size == 0:
        raise ValueError(f"lags must be a non-empty 1-d sequence; got shape {lags.shape}")
    _check_curves(norms, "norms")
    bounds = {} if bounds is None else bounds
    if not isinstance(bounds, Mapping):
        raise ValueError(f"bounds must be a dict name -> values or None; got {type(bounds).__name__}")
    curves: dict[str, dict[str, np.ndarray]] = {"norms": {}, "bounds": {}}
    for kind, mapping in (("norms", norms), ("bounds", bounds)):
        for name, values in mapping.items():
            values = np.asarray(values, dtype=np.float64)
            if values.shape != lags.shape:
                raise ValueError(f"{kind}[{name!r}] must have the shape of lags, {lags.shape}; "
                                 f"got {values.shape}")
            if not (values > 0).all():
                raise ValueError(f"{kind}[{name!r}] must be positive (the y axis is logarithmic)")
            curves[kind][name] = values
    with style():
        ax = _new_axes(ax)
        colors = {}
        for i, (name, values) in enumerate(curves["norms"].items()):
            colors[name] = color_for(str(name), i)
            ax.plot(lags, values, color=colors[name], label=str(name), marker="o", markersize=3)
        for i, (name, values) in enumerate(curves["bounds"].items()):
            color = colors.get(name, color_for(str(name), len(colors) + i))
            ax.plot(lags, values, color=color, linestyle="--", linewidth=1.2, label=f"{name} bound")
        ax.set_yscale("log")
        _label(ax, "lag $k$", ylabel, title)
    return ax


def gate_heatmap(
    values: Any,
    title: str,
    ax: Axes | None = None,
    *,
    vmin: float = 0.0,
    vmax: float = 1.0,
    cmap: str = "viridis",
    colorbar: bool = True,
) -> Axes:
    """A heat map of gate activations ``values (T, H)``: time on x, hidden unit on y.

    Gates are sigmoids, hence the default colour range ``[0, 1]``; pass ``vmin``/``vmax``
    for other quantities (e.g. ``-1, 1`` for a tanh).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or 0 in values.shape:
        raise ValueError(f"values must have shape (T, H) with T, H >= 1; got shape {values.shape}")
    if not isinstance(title, str):
        raise ValueError(f"title must be a string; got {type(title).__name__}")
    if not vmin < vmax:
        raise ValueError(f"vmin must be smaller than vmax; got vmin={vmin!r}, vmax={vmax!r}")
    with style():
        ax = _new_axes(ax)
        image = ax.imshow(values.T, aspect="auto", origin="lower", interpolation="nearest",
                          vmin=vmin, vmax=vmax, cmap=cmap)
        ax.grid(False)
        ax.set_xlabel("time step $t$")
        ax.set_ylabel("hidden unit")
        ax.set_title(title)
        if colorbar:
            ax.figure.colorbar(image, ax=ax)
    return ax
