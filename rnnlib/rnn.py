"""The simple (Elman) recurrent layer: forward over a sequence, backward through time.

Forward (chapter 1, "The Elman RNN"), for :math:`t = 1, \\dots, T`, in the column-vector
notation of the course,

.. math::

    a_t = W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}, \\qquad h_t = \\phi(a_t),

with :math:`\\phi = \\tanh` or :math:`\\operatorname{relu}`, exactly as ``torch.nn.RNN``
(and, beyond it, :math:`\\phi = \\sigma` with ``nonlinearity="sigmoid"``).
Shapes: ``weight_ih (H, D)``, ``weight_hh (H, H)``, ``bias_ih (H,)``, ``bias_hh (H,)``;
``x (T, N, D)``, outputs ``(T, N, H)``, state ``h (N, H)``. In code the batch is stored
in rows, so the step reads ``h = phi(x[t] @ W_ih.T + b_ih + h @ W_hh.T + b_hh)``.

Backward (derived in the BPTT chapter). Let :math:`\\bar h_t` be the total gradient
reaching :math:`h_t`: the gradient of the output at step :math:`t` plus what flows back
from step :math:`t+1` (and, at :math:`t = T`, the gradient of the final state). Then

.. math::

    \\delta^a_t = \\bar h_t \\odot \\phi'(a_t), \\qquad
    \\bar h_{t-1} \\mathrel{+}= W_{hh}^\\top \\delta^a_t,

where :math:`\\bar h_t` is the course's error signal :math:`\\delta_t = \\partial L/\\partial h_t` and
:math:`\\delta^a_t = \\partial L/\\partial a_t` the pre-activation gradient. The parameter
gradients are sums over time of :math:`\\delta^a_t` against the inputs of
step :math:`t` (see ``rnnlib._common.parameter_gradients``).
"""

from __future__ import annotations

import numpy as np

from rnnlib import _common, _validate
from rnnlib.activations import (
    relu,
    relu_grad_from_output,
    sigmoid,
    sigmoid_grad_from_output,
    tanh,
    tanh_grad_from_output,
)

NUM_GATES = 1
#: nonlinearity -> (phi, phi' computed from phi's output). "sigmoid" is not in torch.nn.RNN;
#: the vanishing-gradient chapter uses it for its derivative bound of 1/4.
ACTIVATIONS = {
    "tanh": (tanh, tanh_grad_from_output),
    "relu": (relu, relu_grad_from_output),
    "sigmoid": (sigmoid, sigmoid_grad_from_output),
}


def init_params(
    input_size: int, hidden_size: int, rng: np.random.Generator | None = None
) -> dict[str, np.ndarray]:
    """Parameters ``weight_ih (H, D)``, ``weight_hh (H, H)``, ``bias_ih (H,)``, ``bias_hh (H,)``.

    Initialised as ``torch.nn.RNN`` does: uniform in :math:`[-1/\\sqrt{H}, 1/\\sqrt{H}]`.
    Pass a seeded ``rng`` (``np.random.default_rng(0)``) for reproducible values.
    """
    return _common.init_params(NUM_GATES, input_size, hidden_size, rng)


def forward(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    state: np.ndarray | None = None,
    *,
    nonlinearity: str = "tanh",
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Run the RNN over ``x (T, N, D)`` from ``state`` = :math:`h_0` ``(N, H)`` (None: zeros).

    Returns ``outputs (T, N, H)`` (the states :math:`h_1, \\dots, h_T`), the final state
    :math:`h_T` ``(N, H)``, and a cache for :func:`backward`.
    """
    hidden, input_size = _validate.check_params(params, NUM_GATES, "rnn")
    steps, batch = _validate.check_inputs(x, input_size)
    if nonlinearity not in ACTIVATIONS:
        raise ValueError(f"nonlinearity must be 'tanh', 'relu' or 'sigmoid'; got {nonlinearity!r}")
    if state is None:
        h = np.zeros((batch, hidden))
    else:
        h = _validate.check_hidden(state, "state", batch, hidden)
    phi, _ = ACTIVATIONS[nonlinearity]

    w_hh_t = params["weight_hh"].T
    # W_ih x_t + b_ih + b_hh for all steps in one product; the loop adds W_hh h_{t-1}.
    pre = _common.project_inputs(x, params["weight_ih"], params["bias_ih"] + params["bias_hh"])
    outputs = np.empty((steps, batch, hidden))
    h0 = h
    for t in range(steps):
        h = phi(pre[t] + h @ w_hh_t)
        outputs[t] = h
    cache = {"layer": "rnn", "params": params, "x": x, "h0": h0, "outputs": outputs,
             "nonlinearity": nonlinearity}
    return outputs, h, cache


def backward(
    d_outputs: np.ndarray, d_final_state: np.ndarray | None, cache: dict
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Backpropagation through time for :func:`forward`.

    ``d_outputs (T, N, H)`` is :math:`\\partial L / \\partial h_t` from the loss terms at
    every step; ``d_final_state (N, H)`` is :math:`\\partial L / \\partial h_T` from
    whatever consumes the final state (None: zero). Returns the parameter gradients (a
    dict with the keys of ``params``), ``dx (T, N, D)`` and ``d_state0``
    :math:`= \\partial L/\\partial h_0` ``(N, H)``.
    """
    cache = _validate.check_cache(cache, "rnn")
    params, x, outputs = cache["params"], cache["x"], cache["outputs"]
    steps, batch, hidden = outputs.shape
    d_outputs = _validate.check_d_outputs(d_outputs, steps, batch, hidden)
    if d_final_state is None:
        dh = np.zeros((batch, hidden))
    else:
        dh = _validate.check_hidden(d_final_state, "d_final_state", batch, hidden).copy()
    _, phi_grad = ACTIVATIONS[cache["nonlinearity"]]

    w_hh = params["weight_hh"]
    da = np.empty_like(outputs)  # da[t] = dL/da_t, the pre-activation gradient
    for t in range(steps - 1, -1, -1):
        dh += d_outputs[t]                             # total gradient reaching h_t
        da[t] = dh * phi_grad(outputs[t])              # through h_t = phi(a_t)
        dh = da[t] @ w_hh                              # into h_{t-1}: W_hh^T da_t
    h_prev = np.concatenate([cache["h0"][None], outputs[:-1]])  # h_0 .. h_{T-1}
    grads, dx = _common.parameter_gradients(da, da, x, h_prev, params["weight_ih"])
    return grads, dx, dh
