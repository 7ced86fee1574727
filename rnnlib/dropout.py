"""Dropout masks for recurrent networks: inverted scaling, per-step and per-sequence masks, zoneout.

Derived and checked in ``chapters/08_dropout``. Everything here is numpy (no torch); the
PyTorch LSTM with the different placements is :mod:`rnnlib.recurrent_dropout`.

**Inverted dropout** (Srivastava et al. 2014, in the "inverted" form every library uses).
With drop probability :math:`p`, each unit is multiplied by

.. math:: m = \\frac{b}{1 - p}, \\qquad b \\sim \\mathrm{Bernoulli}(1 - p),

so :math:`\\mathbb{E}[m] = 1` and :math:`\\mathbb{E}[m \\odot x] = x`: in evaluation mode
the layer is the identity and needs no rescaling. :math:`\\operatorname{Var}[m] = p / (1 - p)`.
Backward: :math:`\\partial L / \\partial x = m \\odot \\partial L / \\partial y`.

**Per-step or per-sequence masks.** For a sequence ``(T, N, D)`` a *per-step* mask draws
a fresh mask for every step :math:`t` (and every sequence :math:`n`); a *per-sequence*
(variational, Gal & Ghahramani 2016) mask draws one mask of shape ``(N, D)`` per sequence
and uses it at every step.

**Zoneout** (Krueger et al. 2017). A unit keeps its previous value with probability
:math:`p` instead of being set to zero:

.. math:: h_t = d_t \\odot h_{t-1} + (1 - d_t) \\odot \\tilde h_t, \\qquad d_t \\sim \\mathrm{Bernoulli}(p),

and in evaluation mode the expectation :math:`h_t = p\\, h_{t-1} + (1 - p)\\, \\tilde h_t`.
Backward: :math:`\\partial L/\\partial h_{t-1} \\mathrel{+}= d_t \\odot \\bar h_t`,
:math:`\\partial L/\\partial \\tilde h_t = (1 - d_t) \\odot \\bar h_t` (with :math:`p` and
:math:`1 - p` in place of :math:`d_t` and :math:`1 - d_t` in evaluation mode).
"""

from __future__ import annotations

import numpy as np

from rnnlib._validate import as_float64_array, check_rng

PER = ("step", "sequence")


def _check_p(p: object, name: str = "p") -> float:
    if isinstance(p, bool) or not isinstance(p, int | float) or not 0.0 <= p < 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1); got {p!r}")
    return float(p)


def _check_shape(shape: object, name: str = "shape") -> tuple[int, ...]:
    if not isinstance(shape, tuple) or not all(
        isinstance(s, int | np.integer) and not isinstance(s, bool) and s >= 1 for s in shape
    ):
        raise ValueError(f"{name} must be a tuple of positive integers; got {shape!r}")
    return tuple(int(s) for s in shape)


def bernoulli_mask(shape: tuple[int, ...], p: float, rng: np.random.Generator) -> np.ndarray:
    """An inverted-dropout mask: entries 0 (probability ``p``) or ``1 / (1 - p)``; float64.

    :math:`m = b / (1 - p)` with :math:`b \\sim \\mathrm{Bernoulli}(1 - p)`, so
    :math:`\\mathbb{E}[m] = 1` and :math:`\\operatorname{Var}[m] = p / (1 - p)`.
    """
    shape, p, rng = _check_shape(shape), _check_p(p), check_rng(rng)
    keep = rng.random(shape) >= p
    return keep / (1.0 - p)


def sequence_masks(
    steps: int, batch: int, size: int, p: float, rng: np.random.Generator, *, per: str = "step"
) -> np.ndarray:
    """Masks ``(T, N, D)`` for a sequence: fresh at every step (``per="step"``) or drawn once
    per sequence and repeated over time (``per="sequence"``, variational dropout).

    With ``per="sequence"``, ``masks[t, n] == masks[0, n]`` for every ``t``, and the masks of
    two sequences ``n != n'`` are independent.
    """
    steps, batch, size = _check_shape((steps, batch, size), "(steps, batch, size)")
    if per not in PER:
        raise ValueError(f"per must be one of {PER}; got {per!r}")
    if per == "step":
        return bernoulli_mask((steps, batch, size), p, rng)
    one = bernoulli_mask((batch, size), p, rng)
    return np.broadcast_to(one, (steps, batch, size)).copy()


def dropout_forward(
    x: np.ndarray, p: float, rng: np.random.Generator | None = None, *, train: bool = True,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Inverted dropout ``y = m * x``; returns ``(y, m)``.

    In training mode ``m`` is ``mask`` if given (any shape that broadcasts to ``x``, e.g. a
    per-sequence mask ``(1, N, D)`` for ``x (T, N, D)``), else a fresh
    :func:`bernoulli_mask` of ``x``'s shape drawn from ``rng``. In evaluation mode
    (``train=False``) ``m`` is all ones and ``y`` is ``x``.
    """
    x = as_float64_array(x, "x", "(..., D)")
    p = _check_p(p)
    if not train:
        return x.copy(), np.ones_like(x)
    if mask is None:
        if rng is None:
            raise ValueError("rng must be a numpy Generator when train=True and no mask is given")
        mask = bernoulli_mask(x.shape, p, rng)
    else:
        mask = as_float64_array(mask, "mask", f"broadcastable to {x.shape}")
        try:
            np.broadcast_shapes(mask.shape, x.shape)
        except ValueError:
            raise ValueError(f"mask must have a shape broadcastable to x's {x.shape}; "
                             f"got {mask.shape}") from None
    return x * mask, np.broadcast_to(mask, x.shape)


def dropout_backward(dy: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Gradient of :func:`dropout_forward`: ``dx = m * dy``."""
    dy = as_float64_array(dy, "dy", "the shape of y")
    mask = as_float64_array(mask, "mask", "the shape of dy")
    if mask.shape != dy.shape:
        raise ValueError(f"mask must have the shape of dy, {dy.shape}; got {mask.shape}")
    return mask * dy


def zoneout_forward(
    h_prev: np.ndarray, h_new: np.ndarray, p: float, rng: np.random.Generator | None = None, *,
    train: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Zoneout of one step: ``h = d * h_prev + (1 - d) * h_new``; returns ``(h, d)``.

    In training mode ``d`` is 1 with probability ``p`` (the unit keeps its old value), drawn
    from ``rng``; in evaluation mode ``d`` is the constant ``p`` (the expectation).
    """
    h_prev = as_float64_array(h_prev, "h_prev", "(N, H)")
    h_new = as_float64_array(h_new, "h_new", "(N, H)")
    if h_prev.shape != h_new.shape:
        raise ValueError(f"h_prev and h_new must have the same shape (N, H); got {h_prev.shape} "
                         f"and {h_new.shape}")
    p = _check_p(p)
    if train:
        if rng is None:
            raise ValueError("rng must be a numpy Generator when train=True")
        d = (check_rng(rng).random(h_new.shape) < p).astype(np.float64)
    else:
        d = np.full(h_new.shape, p)
    return d * h_prev + (1.0 - d) * h_new, d


def zoneout_backward(dh: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of :func:`zoneout_forward`: ``(dh_prev, dh_new) = (d * dh, (1 - d) * dh)``."""
    dh = as_float64_array(dh, "dh", "(N, H)")
    d = as_float64_array(d, "d", "(N, H)")
    if d.shape != dh.shape:
        raise ValueError(f"d must have the shape of dh, {dh.shape}; got {d.shape}")
    return d * dh, (1.0 - d) * dh


def survival_probability(p: float, steps: int, *, per: str = "step") -> float:
    """Probability that a unit is kept at every one of ``steps`` steps.

    :math:`(1 - p)^T` with a fresh mask per step, :math:`1 - p` with one mask per sequence.
    """
    p = _check_p(p)
    (steps,) = _check_shape((steps,), "steps")
    if per not in PER:
        raise ValueError(f"per must be one of {PER}; got {per!r}")
    return (1.0 - p) ** steps if per == "step" else 1.0 - p


__all__ = ["PER", "bernoulli_mask", "dropout_backward", "dropout_forward", "sequence_masks",
           "survival_probability", "zoneout_backward", "zoneout_forward"]
