"""Gradient checking: central differences and the two relative errors.

A backward pass is checked against the definition of the derivative. For a scalar loss
:math:`L` and one entry :math:`\\theta_k` of a parameter, the central difference

.. math:: \\frac{L(\\theta + \\epsilon e_k) - L(\\theta - \\epsilon e_k)}{2 \\epsilon}
          = \\frac{\\partial L}{\\partial \\theta_k} + O(\\epsilon^2)

has truncation error :math:`O(\\epsilon^2)` and rounding error about
:math:`u\\,|L| / \\epsilon` (:math:`u \\approx 1.1 \\times 10^{-16}` in float64); the two
balance near :math:`\\epsilon \\approx u^{1/3} \\approx 10^{-5}`, which is the default step.

Two ways to compare an analytic gradient :math:`a` with a numerical one :math:`b`:

* :func:`relative_error`, norm-wise: :math:`\\|a - b\\| / (\\|a\\| + \\|b\\|)`. One number
  for the whole array, dominated by its large entries. The course asserts on this one.
* :func:`max_relative_error`, element-wise, as CS231n prints it:
  :math:`\\max_k |a_k - b_k| / \\max(10^{-8}, |a_k| + |b_k|)`. Tiny entries, whose
  numerical estimate is mostly rounding error, dominate it, so it can be large for a
  correct backward pass.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import NamedTuple

import numpy as np


def numerical_gradient(f: Callable[[], float], x: np.ndarray, step: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of ``f()`` with respect to every entry of ``x``.

    ``f`` takes no argument and reads ``x`` (which is perturbed in place, one entry at a
    time, and restored exactly afterwards). Returns an array of ``x``'s shape.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise ValueError("x must be a float64 numpy array (any shape); central differences "
                         "in lower precision are dominated by rounding error")
    grad = np.empty_like(x)
    flat, grad_flat = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x must be contiguous so that it can be perturbed in place")
    for k in range(flat.size):
        saved = flat[k]
        flat[k] = saved + step
        f_plus = f()
        flat[k] = saved - step
        f_minus = f()
        flat[k] = saved
        grad_flat[k] = (f_plus - f_minus) / (2.0 * step)
    return grad


def _real_arrays(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if np.iscomplexobj(a) or np.iscomplexobj(b):
        raise ValueError("a and b must be real arrays; compare real and imaginary parts separately")
    return np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Norm-wise relative error :math:`\\|a - b\\| / (\\|a\\| + \\|b\\|)` (0 if both are 0)."""
    a, b = _real_arrays(a, b)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denominator == 0.0 else float(np.linalg.norm(a - b) / denominator)


def max_relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Element-wise relative error, as CS231n prints it.

    :math:`\\max_k |a_k - b_k| / \\max(10^{-8}, |a_k| + |b_k|)`
    """
    a, b = _real_arrays(a, b)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)), initial=0.0))


class GradientError(NamedTuple):
    """The two relative errors between an analytic and a numerical gradient."""

    normwise: float
    elementwise: float


def _state_arrays(state: object) -> list[tuple[str, np.ndarray]]:
    if state is None:
        return []
    if isinstance(state, tuple | list):  # the LSTM's (h, c)
        return [("state_h", state[0]), ("state_c", state[1])]
    return [("state", state)]


def _upstream_loss(outputs, final_state, d_outputs, d_final) -> float:
    loss = float(np.sum(outputs * d_outputs))
    finals = final_state if isinstance(final_state, tuple) else (final_state,)
    d_finals = d_final if isinstance(d_final, tuple) else (d_final,)
    return loss + sum(float(np.sum(s * d)) for s, d in zip(finals, d_finals, strict=True))


def layer_gradient_errors(
    layer: ModuleType,
    params: dict[str, np.ndarray],
    x: np.ndarray,
    state: np.ndarray | tuple[np.ndarray, np.ndarray] | None = None,
    *,
    rng: np.random.Generator,
    step: float = 1e-5,
    **forward_kwargs: object,
) -> dict[str, GradientError]:
    """Check ``layer.backward`` (``layer`` is :mod:`rnnlib.rnn`, :mod:`~rnnlib.lstm` or :mod:`~rnnlib.gru`).

    The loss is a random linear function of every output and of the final state,
    :math:`L = \\sum_t \\langle G_t, h_t \\rangle + \\langle G_T, h_T \\rangle` (plus
    :math:`\\langle G^c, c_T\\rangle` for the LSTM), with :math:`G` drawn from ``rng``;
    then ``d_outputs`` and ``d_final_state`` are exactly those :math:`G`. Every parameter,
    the input ``x`` and (if given) the initial state are checked. Returns, for each name
    (the parameter keys, ``"x"``, and ``"state"`` or ``"state_h"``/``"state_c"``), the
    norm-wise and element-wise relative errors.
    """
    outputs, final_state, cache = layer.forward(params, x, state, **forward_kwargs)
    d_outputs = rng.standard_normal(outputs.shape)
    if isinstance(final_state, tuple):
        d_final = tuple(rng.standard_normal(s.shape) for s in final_state)
    else:
        d_final = rng.standard_normal(final_state.shape)
    grads, dx, d_state0 = layer.backward(d_outputs, d_final, cache)

    def loss() -> float:
        out, fin, _ = layer.forward(params, x, state, **forward_kwargs)
        return _upstream_loss(out, fin, d_outputs, d_final)

    analytic = dict(grads, x=dx)
    checked = [(name, params[name]) for name in params] + [("x", x)] + _state_arrays(state)
    for name, value in _state_arrays(d_state0 if state is not None else None):
        analytic[name] = value
    errors = {}
    for name, value in checked:
        numeric = numerical_gradient(loss, value, step)
        errors[name] = GradientError(
            relative_error(analytic[name], numeric), max_relative_error(analytic[name], numeric)
        )
    return errors


def check_close(what: str, a: np.ndarray, b: np.ndarray, tol: float) -> None:
    """Assert that :func:`relative_error` of ``a`` and ``b`` is below ``tol``, and say so.

    The chapters call it after every derivation: it prints one deterministic line,
    ``"<what>: relative error below <tol>"``, and on failure raises an ``AssertionError``
    with the measured error.
    """
    err = relative_error(np.asarray(a), np.asarray(b))
    assert err < tol, f"{what}: relative error {err:.1e} is not below {tol:.0e}"
    print(f"{what}: relative error below {tol:.0e}")
