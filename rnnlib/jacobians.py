"""Jacobians of the RNN state update, their products over time, and spectral helpers.

For the Elman RNN :math:`h_t = \\phi(a_t)`, :math:`a_t = W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}`
(:mod:`rnnlib.rnn`), the Jacobian of one step is (the BPTT chapter derives it)

.. math:: J_t = \\frac{\\partial h_t}{\\partial h_{t-1}} = \\operatorname{diag}(\\phi'(a_t))\\, W_{hh},

and the Jacobian over several steps is the *ordered* product

.. math:: \\frac{\\partial h_t}{\\partial h_k} = J_t J_{t-1} \\cdots J_{k+1}.

The vanishing-gradient chapter bounds its norm by
:math:`\\prod \\|\\operatorname{diag}(\\phi')\\| \\|W_{hh}\\| \\le (\\gamma\\, s_{\\max}(W_{hh}))^{t-k}`,
with :math:`\\gamma = \\sup |\\phi'|` (:data:`DERIVATIVE_BOUND`) and :math:`s_{\\max}` the
largest singular value (:func:`spectral_norm`).

Shapes: ``outputs (T, N, H)`` as returned by :func:`rnnlib.rnn.forward`; Jacobians are
stacked as ``(T, N, H, H)``, one ``H x H`` matrix per step and example.
"""

from __future__ import annotations

import numpy as np

from rnnlib import _validate
from rnnlib.rnn import ACTIVATIONS

#: :math:`\gamma = \sup_a |\phi'(a)|` for each nonlinearity: 1 for tanh and relu, 1/4 for the sigmoid.
DERIVATIVE_BOUND = {"tanh": 1.0, "relu": 1.0, "sigmoid": 0.25}


def _check_square(matrix: object, name: str) -> np.ndarray:
    matrix = _validate.as_float64_array(matrix, name, "(H, H)")
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"{name} must have shape (H, H), non-empty and square; got shape {matrix.shape}")
    return matrix


def step_jacobians(
    weight_hh: np.ndarray, outputs: np.ndarray, nonlinearity: str = "tanh"
) -> np.ndarray:
    """:math:`J_t = \\operatorname{diag}(\\phi'(a_t)) W_{hh}` for every step and example.

    ``outputs (T, N, H)`` are the states :math:`h_1, \\dots, h_T` (``phi'`` is computed from
    them, e.g. :math:`1 - h_t^2` for tanh). Returns ``(T, N, H, H)``.
    """
    weight_hh = _check_square(weight_hh, "weight_hh")
    if nonlinearity not in ACTIVATIONS:
        raise ValueError(f"nonlinearity must be one of {sorted(ACTIVATIONS)}; got {nonlinearity!r}")
    hidden = weight_hh.shape[0]
    outputs = _validate.as_float64_array(outputs, "outputs", "(T, N, H)")
    if outputs.ndim != 3 or outputs.shape[2] != hidden:
        raise ValueError(f"outputs must have shape (T, N, H) with H = {hidden}; got shape {outputs.shape}")
    _, phi_grad = ACTIVATIONS[nonlinearity]
    return phi_grad(outputs)[..., :, None] * weight_hh  # row i of W_hh scaled by phi'(a_t)_i


def products_from_start(jacobians: np.ndarray) -> np.ndarray:
    """:math:`\\partial h_t / \\partial h_0 = J_t \\cdots J_1` for :math:`t = 1, \\dots, T`.

    Returns ``(T, ..., H, H)``, the shape of ``jacobians``.
    """
    out = np.empty_like(jacobians)
    product = np.broadcast_to(np.eye(jacobians.shape[-1]), jacobians.shape[1:])
    for t in range(jacobians.shape[0]):
        product = jacobians[t] @ product
        out[t] = product
    return out


def products_to_end(jacobians: np.ndarray) -> np.ndarray:
    """:math:`\\partial h_T / \\partial h_t = J_T \\cdots J_{t+1}` for :math:`t = 0, \\dots, T`.

    Returns ``(T + 1, ..., H, H)``; entry ``t`` is the Jacobian of the last state with
    respect to :math:`h_t`, so entry ``T`` is the identity and entry ``0`` is
    :math:`\\partial h_T / \\partial h_0`. Its norm against the lag :math:`T - t` is the
    curve of the vanishing-gradient chapter.
    """
    steps = jacobians.shape[0]
    out = np.empty((steps + 1, *jacobians.shape[1:]))
    out[steps] = np.eye(jacobians.shape[-1])
    for t in range(steps - 1, -1, -1):
        out[t] = out[t + 1] @ jacobians[t]  # jacobians[t] is J_{t+1} (0-based storage)
    return out


def spectral_norm(matrix: np.ndarray) -> float:
    """Largest singular value :math:`s_{\\max}(W) = \\|W\\|_2`."""
    return float(np.linalg.norm(_validate.as_float64_array(matrix, "matrix", "(M, K)"), ord=2))


def spectral_radius(matrix: np.ndarray) -> float:
    """Spectral radius :math:`\\rho(W) = \\max_i |\\lambda_i|`; never above :func:`spectral_norm`."""
    return float(np.max(np.abs(np.linalg.eigvals(_check_square(matrix, "matrix")))))


def with_spectral_norm(matrix: np.ndarray, target: float) -> np.ndarray:
    """``matrix`` rescaled so that its largest singular value is ``target``."""
    return matrix * (target / spectral_norm(matrix))


def with_spectral_radius(matrix: np.ndarray, target: float) -> np.ndarray:
    """``matrix`` rescaled so that its spectral radius is ``target``."""
    return matrix * (target / spectral_radius(matrix))


def random_orthogonal(size: int, rng: np.random.Generator) -> np.ndarray:
    """A random orthogonal matrix (Haar distributed): QR of a Gaussian matrix with sign correction.

    All its singular values are 1, so ``gain * random_orthogonal(H, rng)`` has every singular
    value equal to ``gain`` (orthogonal initialisation, as ``torch.nn.init.orthogonal_``).
    """
    q, r = np.linalg.qr(rng.standard_normal((size, size)))
    return q * np.sign(np.diag(r))
