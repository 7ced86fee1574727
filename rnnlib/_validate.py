"""Argument checks shared by the reference layers and the rest of rnnlib.

Every public function of :mod:`rnnlib.rnn`, :mod:`rnnlib.lstm` and :mod:`rnnlib.gru`
checks its arguments here first (the other modules use :func:`positive_int` and
:func:`check_rng`), so that a wrong shape, dtype, key or a NaN gives a
``ValueError`` that names the argument and the expected shape, instead of a bare
broadcasting error deep inside a matrix product or a silent NaN in the output.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def positive_int(value: object, name: str) -> int:
    """Return ``value`` if it is a positive ``int`` (not a bool); else a ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return value


def check_rng(rng: object) -> np.random.Generator:
    """Return ``rng`` if it is a numpy ``Generator``; else a ``ValueError`` that says how to make one."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng must be a numpy Generator, e.g. np.random.default_rng(0); got {type(rng).__name__}"
        )
    return rng


def as_float64_array(value: object, name: str, expected: str) -> np.ndarray:
    """Return ``value`` if it is a finite float64 ndarray, else raise ``ValueError``.

    ``expected`` describes the expected shape, e.g. ``"(T, N, D)"``; it goes into the
    message so the reader sees what was wanted, not only what was wrong.
    """
    if not isinstance(value, np.ndarray):
        raise ValueError(
            f"{name} must be a float64 numpy array of shape {expected}; "
            f"got {type(value).__name__}"
        )
    if value.dtype != np.float64:
        raise ValueError(
            f"{name} must be a float64 numpy array of shape {expected}; got dtype "
            f"{value.dtype} (convert with {name}.astype(np.float64))"
        )
    if not np.isfinite(value).all():
        raise ValueError(f"{name} contains NaN or infinite values; expected finite numbers")
    return value


def check_shape(value: np.ndarray, name: str, expected: tuple[int, ...], legend: str) -> None:
    """Raise ``ValueError`` unless ``value.shape == expected``.

    ``legend`` names the dimensions, e.g. ``"(T, N, H)"``.
    """
    if value.shape != expected:
        raise ValueError(
            f"{name} must have shape {legend} = {expected}; got shape {value.shape}"
        )


def check_params(params: object, num_gates: int, layer: str) -> tuple[int, int]:
    """Check a parameter dict of a layer with ``num_gates`` gate blocks; return (H, D).

    Expected (PyTorch's names and shapes): ``weight_ih (G*H, D)``, ``weight_hh (G*H, H)``,
    ``bias_ih (G*H,)``, ``bias_hh (G*H,)`` with ``G = num_gates``.
    """
    if not isinstance(params, Mapping):
        raise ValueError(
            f"params must be a dict with keys {list(PARAM_NAMES)}; got {type(params).__name__}"
        )
    keys = set(params)
    if keys != set(PARAM_NAMES):
        missing = sorted(set(PARAM_NAMES) - keys)
        extra = sorted(str(k) for k in keys - set(PARAM_NAMES))
        raise ValueError(
            f"params of a {layer} layer must have exactly the keys {list(PARAM_NAMES)}; "
            f"missing {missing}, unexpected {extra}"
        )
    g = num_gates
    gh = f"{g}*H" if g > 1 else "H"
    w_hh = as_float64_array(params["weight_hh"], "params['weight_hh']", f"({gh}, H)")
    if w_hh.ndim != 2 or w_hh.shape[1] == 0 or w_hh.shape[0] != g * w_hh.shape[1]:
        raise ValueError(
            f"params['weight_hh'] of a {layer} layer must have shape ({gh}, H) with H >= 1; "
            f"got shape {w_hh.shape}"
        )
    hidden = w_hh.shape[1]
    w_ih = as_float64_array(params["weight_ih"], "params['weight_ih']", f"({gh}, D)")
    if w_ih.ndim != 2 or w_ih.shape[0] != g * hidden or w_ih.shape[1] == 0:
        raise ValueError(
            f"params['weight_ih'] of a {layer} layer must have shape ({gh}, D) = "
            f"({g * hidden}, D) with D >= 1 (H = {hidden} from params['weight_hh']); "
            f"got shape {w_ih.shape}"
        )
    for key in ("bias_ih", "bias_hh"):
        b = as_float64_array(params[key], f"params[{key!r}]", f"({gh},)")
        check_shape(b, f"params[{key!r}]", (g * hidden,), f"({gh},)")
    return hidden, w_ih.shape[1]


def check_inputs(x: object, input_size: int) -> tuple[int, int]:
    """Check the input sequence ``x (T, N, D)``; return (T, N)."""
    x = as_float64_array(x, "x", "(T, N, D)")
    if x.ndim != 3 or x.shape[0] == 0 or x.shape[1] == 0 or x.shape[2] != input_size:
        raise ValueError(
            f"x must have shape (T, N, D) = (seq_len, batch, input_size) with T, N >= 1 and "
            f"D = {input_size} (the columns of params['weight_ih']); got shape {x.shape}"
        )
    return x.shape[0], x.shape[1]


def check_hidden(h: object, name: str, batch: int, hidden: int) -> np.ndarray:
    """Check one hidden or cell state of shape ``(N, H)``."""
    h = as_float64_array(h, name, "(N, H)")
    check_shape(h, name, (batch, hidden), "(N, H)")
    return h


def check_lstm_state(state: object, name: str, batch: int, hidden: int) -> tuple[np.ndarray, np.ndarray]:
    """Check an LSTM state ``(h, c)``, each of shape ``(N, H)``."""
    if not isinstance(state, tuple | list) or len(state) != 2:
        raise ValueError(
            f"{name} of an LSTM must be a tuple (h, c) of two arrays of shape (N, H) = "
            f"({batch}, {hidden}); got {type(state).__name__}"
        )
    return (
        check_hidden(state[0], f"{name}[0] (h)", batch, hidden),
        check_hidden(state[1], f"{name}[1] (c)", batch, hidden),
    )


def check_d_outputs(d_outputs: object, steps: int, batch: int, hidden: int) -> np.ndarray:
    """Check the upstream gradient of the outputs, shape ``(T, N, H)``."""
    d_outputs = as_float64_array(d_outputs, "d_outputs", "(T, N, H)")
    check_shape(d_outputs, "d_outputs", (steps, batch, hidden), "(T, N, H)")
    return d_outputs


def check_cache(cache: object, layer: str) -> dict:
    """Check that ``cache`` is what ``<layer>.forward`` returned."""
    if not isinstance(cache, dict) or cache.get("layer") != layer:
        found = cache.get("layer") if isinstance(cache, dict) else type(cache).__name__
        raise ValueError(
            f"cache must be the third value returned by rnnlib.{layer}.forward; got {found!r}"
        )
    return cache
