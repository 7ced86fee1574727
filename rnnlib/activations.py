"""Numerically stable activations and their derivatives.

Every derivative is written in terms of the activation's *output*, because that is what
a forward pass caches and what the backward passes of :mod:`rnnlib.rnn`,
:mod:`rnnlib.lstm` and :mod:`rnnlib.gru` use (chapter 1 states the identities; the BPTT
chapter uses them):

.. math::

    \\sigma'(a) = \\sigma(a)\\,(1 - \\sigma(a)), \\qquad
    \\tanh'(a) = 1 - \\tanh^2(a), \\qquad
    \\operatorname{relu}'(a) = [a > 0] = [\\operatorname{relu}(a) > 0].

All functions take and return float arrays of any shape and never overflow: for inputs
of magnitude 1e3 they return finite values without a floating-point warning.
"""

from __future__ import annotations

import numpy as np


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Logistic sigmoid :math:`\\sigma(a) = 1 / (1 + e^{-a})`, with no NaN and no warning.

    The textbook formula is already accurate everywhere in floating point: for
    :math:`a \\gg 0`, :math:`e^{-a} \\to 0` and the result tends to 1; for :math:`a \\ll 0`
    the quotient :math:`1/(1 + e^{-a})` keeps full relative precision. Its one flaw is
    that :math:`e^{-a}` overflows to ``inf`` for :math:`a < -709.78`, which numpy reports
    with a ``RuntimeWarning``; but :math:`1/(1 + \\infty) = 0` is then the correctly
    rounded result (the true value is below :math:`10^{-308}`). So the overflow is
    harmless and is silenced here, deliberately and only for this one ``exp``. Written
    in place, this is about five times faster than the two-branch form with ``np.where``,
    which matters inside the time loop of :mod:`rnnlib.lstm`.
    """
    with np.errstate(over="ignore"):
        s = np.exp(-a)
    if np.ndim(s) == 0:  # a 0-d input gives a numpy scalar, which cannot be updated in place
        return 1.0 / (1.0 + s)
    s += 1.0
    return np.reciprocal(s, out=s)


def tanh(a: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent; numpy's ``tanh`` saturates to ±1 without overflow."""
    return np.tanh(a)


def relu(a: np.ndarray) -> np.ndarray:
    """Rectified linear unit :math:`\\max(a, 0)`."""
    return np.maximum(a, 0.0)


def sigmoid_grad_from_output(s: np.ndarray) -> np.ndarray:
    """:math:`\\sigma'(a)` given :math:`s = \\sigma(a)`: :math:`s(1 - s)`."""
    return s * (1.0 - s)


def tanh_grad_from_output(y: np.ndarray) -> np.ndarray:
    """:math:`\\tanh'(a)` given :math:`y = \\tanh(a)`: :math:`1 - y^2`."""
    return 1.0 - y * y


def relu_grad_from_output(y: np.ndarray) -> np.ndarray:
    """:math:`\\operatorname{relu}'(a)` given :math:`y = \\operatorname{relu}(a)`.

    The derivative at exactly 0 is taken as 0, as PyTorch does.
    """
    return (y > 0.0).astype(y.dtype)
