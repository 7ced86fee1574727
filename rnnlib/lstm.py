"""The LSTM layer: forward over a sequence, backward through time.

Forward (the LSTM chapter), in PyTorch's gate order :math:`i, f, g, o` and shapes, for
:math:`t = 1, \\dots, T`:

.. math::

    \\begin{aligned}
    a_t &= W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}
          = [a^i_t;\\, a^f_t;\\, a^g_t;\\, a^o_t] \\in \\mathbb{R}^{4H},\\\\
    i_t &= \\sigma(a^i_t),\\quad f_t = \\sigma(a^f_t),\\quad
    g_t = \\tanh(a^g_t),\\quad o_t = \\sigma(a^o_t),\\\\
    c_t &= f_t \\odot c_{t-1} + i_t \\odot g_t,\\qquad
    h_t = o_t \\odot \\tanh(c_t).
    \\end{aligned}

Shapes: ``weight_ih (4H, D)``, ``weight_hh (4H, H)``, ``bias_ih (4H,)``, ``bias_hh (4H,)``;
rows ``[0:H]`` belong to :math:`i`, ``[H:2H]`` to :math:`f`, ``[2H:3H]`` to :math:`g` and
``[3H:4H]`` to :math:`o`, as in ``torch.nn.LSTM``. State ``(h, c)``, each ``(N, H)``.

Backward (derived in the LSTM chapter). With :math:`\\bar h_t, \\bar c_t` the total
gradients reaching :math:`h_t` and :math:`c_t`:

.. math::

    \\begin{aligned}
    \\bar c_t &\\mathrel{+}= \\bar h_t \\odot o_t \\odot (1 - \\tanh^2 c_t), \\\\
    \\delta^o_t &= \\bar h_t \\odot \\tanh(c_t) \\odot o_t(1 - o_t),\\quad
    \\delta^i_t = \\bar c_t \\odot g_t \\odot i_t(1 - i_t),\\\\
    \\delta^f_t &= \\bar c_t \\odot c_{t-1} \\odot f_t(1 - f_t),\\quad
    \\delta^g_t = \\bar c_t \\odot i_t \\odot (1 - g_t^2),\\\\
    \\bar c_{t-1} &= \\bar c_t \\odot f_t,\\qquad
    \\bar h_{t-1} \\mathrel{+}= W_{hh}^\\top \\delta^a_t,
    \\quad \\delta^a_t = [\\delta^i_t; \\delta^f_t; \\delta^g_t; \\delta^o_t].
    \\end{aligned}
"""

from __future__ import annotations

import numpy as np

from rnnlib import _common, _validate
from rnnlib.activations import sigmoid, tanh

NUM_GATES = 4


def init_params(
    input_size: int, hidden_size: int, rng: np.random.Generator | None = None
) -> dict[str, np.ndarray]:
    """Parameters ``weight_ih (4H, D)``, ``weight_hh (4H, H)``, ``bias_ih (4H,)``, ``bias_hh (4H,)``.

    Initialised as ``torch.nn.LSTM`` does: uniform in :math:`[-1/\\sqrt{H}, 1/\\sqrt{H}]`.
    """
    return _common.init_params(NUM_GATES, input_size, hidden_size, rng)


def forward(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    state: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], dict]:
    """Run the LSTM over ``x (T, N, D)`` from ``state = (h_0, c_0)`` (None: zeros).

    Returns ``outputs (T, N, H)`` (:math:`h_1, \\dots, h_T`), the final state
    ``(h_T, c_T)`` and a cache for :func:`backward`.
    """
    hidden, input_size = _validate.check_params(params, NUM_GATES, "lstm")
    steps, batch = _validate.check_inputs(x, input_size)
    if state is None:
        h, c = np.zeros((batch, hidden)), np.zeros((batch, hidden))
    else:
        h, c = _validate.check_lstm_state(state, "state", batch, hidden)
    H = hidden

    w_hh_t = params["weight_hh"].T
    pre = _common.project_inputs(x, params["weight_ih"], params["bias_ih"] + params["bias_hh"])
    gates = np.empty((steps, batch, 4 * H))  # activated i, f, g, o at every step
    cells = np.empty((steps, batch, H))      # c_1 .. c_T
    tanh_cells = np.empty((steps, batch, H))
    outputs = np.empty((steps, batch, H))
    h0, c0 = h, c
    for t in range(steps):
        a = pre[t] + h @ w_hh_t
        act = gates[t]
        act[:, : 2 * H] = sigmoid(a[:, : 2 * H])          # i, f
        act[:, 2 * H : 3 * H] = tanh(a[:, 2 * H : 3 * H])  # g
        act[:, 3 * H :] = sigmoid(a[:, 3 * H :])           # o
        i, f, g, o = act[:, :H], act[:, H : 2 * H], act[:, 2 * H : 3 * H], act[:, 3 * H :]
        c = f * c + i * g
        cells[t] = c
        tanh_cells[t] = tanh(c)
        h = o * tanh_cells[t]
        outputs[t] = h
    cache = {"layer": "lstm", "params": params, "x": x, "h0": h0, "c0": c0, "gates": gates,
             "cells": cells, "tanh_cells": tanh_cells, "outputs": outputs}
    return outputs, (h, c), cache


def backward(
    d_outputs: np.ndarray,
    d_final_state: tuple[np.ndarray, np.ndarray] | None,
    cache: dict,
) -> tuple[dict[str, np.ndarray], np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Backpropagation through time for :func:`forward`.

    ``d_outputs (T, N, H)``: :math:`\\partial L/\\partial h_t` from the loss terms at each
    step; ``d_final_state``: ``(dh_T, dc_T)`` from whatever consumes the final state (None:
    zeros). Returns the parameter gradients, ``dx (T, N, D)`` and
    ``d_state0 = (dh_0, dc_0)``.
    """
    cache = _validate.check_cache(cache, "lstm")
    params, x, outputs = cache["params"], cache["x"], cache["outputs"]
    steps, batch, H = outputs.shape
    d_outputs = _validate.check_d_outputs(d_outputs, steps, batch, H)
    if d_final_state is None:
        dh, dc = np.zeros((batch, H)), np.zeros((batch, H))
    else:
        dh, dc = _validate.check_lstm_state(d_final_state, "d_final_state", batch, H)
        dh, dc = dh.copy(), dc.copy()

    w_hh = params["weight_hh"]
    gates, cells, tanh_cells = cache["gates"], cache["cells"], cache["tanh_cells"]
    da = np.empty_like(gates)  # da[t] = dL/da_t, pre-activation gradients i, f, g, o
    for t in range(steps - 1, -1, -1):
        act = gates[t]
        i, f, g, o = act[:, :H], act[:, H : 2 * H], act[:, 2 * H : 3 * H], act[:, 3 * H :]
        c_prev = cells[t - 1] if t > 0 else cache["c0"]
        tc = tanh_cells[t]
        dh += d_outputs[t]                                  # total gradient reaching h_t
        dc += dh * o * (1.0 - tc * tc)                      # h_t = o_t * tanh(c_t)
        d = da[t]
        d[:, :H] = dc * g * i * (1.0 - i)                   # c_t = ... + i_t * g_t
        d[:, H : 2 * H] = dc * c_prev * f * (1.0 - f)       # c_t = f_t * c_{t-1} + ...
        d[:, 2 * H : 3 * H] = dc * i * (1.0 - g * g)
        d[:, 3 * H :] = dh * tc * o * (1.0 - o)
        dc = dc * f                                         # into c_{t-1}
        dh = d @ w_hh                                       # into h_{t-1}: W_hh^T da_t
    h_prev = np.concatenate([cache["h0"][None], outputs[:-1]])
    grads, dx = _common.parameter_gradients(da, da, x, h_prev, params["weight_ih"])
    return grads, dx, (dh, dc)
