"""Pieces shared by the three reference layers: initialisation, the input projection for
all time steps at once, and the parameter gradients summed over all time steps at once.

Why these are done outside the time loop: the input projection :math:`W_{ih} x_t + b`
does not depend on the state, so the products for all :math:`T` steps are one matrix
product of shape ``(T*N, D) @ (D, G*H)``; and the weight gradients are sums over time of
outer products, :math:`\\sum_t \\delta a_t\\, x_t^\\top`, which are again one matrix
product once the per-step pre-activation gradients are stacked. Only the genuinely
sequential work (the recurrence through :math:`W_{hh}`) stays in the Python loop.
"""

from __future__ import annotations

import numpy as np

from rnnlib._validate import PARAM_NAMES, check_rng


def init_params(
    num_gates: int, input_size: int, hidden_size: int, rng: np.random.Generator | None
) -> dict[str, np.ndarray]:
    """PyTorch's default initialisation: every entry uniform in :math:`[-k, k]`, :math:`k = 1/\\sqrt{H}`."""
    for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    if rng is None:
        rng = np.random.default_rng()
    check_rng(rng)
    k = 1.0 / np.sqrt(hidden_size)
    gh = num_gates * hidden_size
    shapes = {
        "weight_ih": (gh, input_size),
        "weight_hh": (gh, hidden_size),
        "bias_ih": (gh,),
        "bias_hh": (gh,),
    }
    return {name: rng.uniform(-k, k, size=shapes[name]) for name in PARAM_NAMES}


def project_inputs(x: np.ndarray, weight_ih: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """:math:`W_{ih} x_t + b` for every step at once: ``(T, N, D) -> (T, N, G*H)``."""
    steps, batch, input_size = x.shape
    projected = x.reshape(steps * batch, input_size) @ weight_ih.T
    projected += bias
    return projected.reshape(steps, batch, -1)


def parameter_gradients(
    d_pre_ih: np.ndarray,
    d_pre_hh: np.ndarray,
    x: np.ndarray,
    h_prev: np.ndarray,
    weight_ih: np.ndarray,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Gradients of the parameters and of the inputs, summed over time and batch.

    ``d_pre_ih`` (T, N, G*H) is the gradient of the loss with respect to the input
    projection :math:`W_{ih} x_t + b_{ih}` at every step, and ``d_pre_hh`` (T, N, G*H) the
    one with respect to :math:`W_{hh} h_{t-1} + b_{hh}`; for the RNN and the LSTM the two
    are the same array, for the GRU they differ in the candidate block. ``h_prev``
    (T, N, H) holds :math:`h_0, \\dots, h_{T-1}`. Then

    .. math::

        \\frac{\\partial L}{\\partial W_{ih}} = \\sum_t \\delta^{ih}_t x_t^\\top,\\quad
        \\frac{\\partial L}{\\partial W_{hh}} = \\sum_t \\delta^{hh}_t h_{t-1}^\\top,\\quad
        \\frac{\\partial L}{\\partial b_{ih}} = \\sum_t \\delta^{ih}_t,\\quad
        \\frac{\\partial L}{\\partial b_{hh}} = \\sum_t \\delta^{hh}_t,\\quad
        \\frac{\\partial L}{\\partial x_t} = W_{ih}^\\top \\delta^{ih}_t,

    each sum also running over the batch.
    """
    steps, batch, input_size = x.shape
    rows = steps * batch
    d_ih = d_pre_ih.reshape(rows, -1)
    d_hh = d_ih if d_pre_hh is d_pre_ih else d_pre_hh.reshape(rows, -1)
    grads = {
        "weight_ih": d_ih.T @ x.reshape(rows, input_size),
        "weight_hh": d_hh.T @ h_prev.reshape(rows, -1),
        "bias_ih": d_ih.sum(axis=0),
        "bias_hh": d_ih.sum(axis=0) if d_hh is d_ih else d_hh.sum(axis=0),
    }
    dx = (d_ih @ weight_ih).reshape(steps, batch, input_size)
    return grads, dx
