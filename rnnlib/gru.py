"""The GRU layer (PyTorch's convention): forward over a sequence, backward through time.

Forward (the GRU chapter), in PyTorch's gate order :math:`r, z, n` and shapes:

.. math::

    \\begin{aligned}
    r_t &= \\sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}),\\\\
    z_t &= \\sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}),\\\\
    n_t &= \\tanh\\big(W_{in} x_t + b_{in} + r_t \\odot (W_{hn} h_{t-1} + b_{hn})\\big),\\\\
    h_t &= (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}.
    \\end{aligned}

The reset gate multiplies :math:`W_{hn} h_{t-1} + b_{hn}` *after* the product ("reset
after", as in ``torch.nn.GRU`` and cuDNN); the GRU chapter compares it with "reset
before", :math:`W_{hn}(r_t \\odot h_{t-1})`, and with the convention
:math:`h_t = z_t \\odot n_t + (1 - z_t) \\odot h_{t-1}` of other texts.
Shapes: ``weight_ih (3H, D)`` = :math:`[W_{ir}; W_{iz}; W_{in}]`, ``weight_hh (3H, H)``,
``bias_ih (3H,)``, ``bias_hh (3H,)``; state ``h (N, H)``.

Backward (derived in the GRU chapter). With :math:`\\bar h_t` the total gradient reaching
:math:`h_t` and :math:`u_t = W_{hn} h_{t-1} + b_{hn}`:

.. math::

    \\begin{aligned}
    \\delta^n_t &= \\bar h_t \\odot (1 - z_t) \\odot (1 - n_t^2),\\qquad
    \\delta^z_t = \\bar h_t \\odot (h_{t-1} - n_t) \\odot z_t (1 - z_t),\\\\
    \\delta^r_t &= \\delta^n_t \\odot u_t \\odot r_t(1 - r_t),\\\\
    \\bar h_{t-1} &\\mathrel{+}= \\bar h_t \\odot z_t
        + W_{hh}^\\top [\\delta^r_t;\\, \\delta^z_t;\\, r_t \\odot \\delta^n_t].
    \\end{aligned}

The input side sees :math:`[\\delta^r_t; \\delta^z_t; \\delta^n_t]`, the recurrent side
:math:`[\\delta^r_t; \\delta^z_t; r_t \\odot \\delta^n_t]`: the only place where the two
differ, because :math:`r_t` multiplies the recurrent part of the candidate alone.
"""

from __future__ import annotations

import numpy as np

from rnnlib import _common, _validate
from rnnlib.activations import sigmoid, tanh

NUM_GATES = 3


def init_params(
    input_size: int, hidden_size: int, rng: np.random.Generator | None = None
) -> dict[str, np.ndarray]:
    """Parameters ``weight_ih (3H, D)``, ``weight_hh (3H, H)``, ``bias_ih (3H,)``, ``bias_hh (3H,)``.

    Initialised as ``torch.nn.GRU`` does: uniform in :math:`[-1/\\sqrt{H}, 1/\\sqrt{H}]`.
    """
    return _common.init_params(NUM_GATES, input_size, hidden_size, rng)


def forward(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    state: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Run the GRU over ``x (T, N, D)`` from ``state`` = :math:`h_0` ``(N, H)`` (None: zeros).

    Returns ``outputs (T, N, H)``, the final state :math:`h_T` ``(N, H)`` and a cache for
    :func:`backward`.
    """
    hidden, input_size = _validate.check_params(params, NUM_GATES, "gru")
    steps, batch = _validate.check_inputs(x, input_size)
    if state is None:
        h = np.zeros((batch, hidden))
    else:
        h = _validate.check_hidden(state, "state", batch, hidden)
    H = hidden

    w_hh_t, b_hh = params["weight_hh"].T, params["bias_hh"]
    pre_x = _common.project_inputs(x, params["weight_ih"], params["bias_ih"])  # (T, N, 3H)
    gates = np.empty((steps, batch, 3 * H))    # activated r, z, n at every step
    hidden_n = np.empty((steps, batch, H))     # u_t = W_hn h_{t-1} + b_hn
    outputs = np.empty((steps, batch, H))
    h0 = h
    for t in range(steps):
        pre_h = h @ w_hh_t + b_hh
        act = gates[t]
        act[:, : 2 * H] = sigmoid(pre_x[t, :, : 2 * H] + pre_h[:, : 2 * H])  # r, z
        r, z = act[:, :H], act[:, H : 2 * H]
        hidden_n[t] = pre_h[:, 2 * H :]
        act[:, 2 * H :] = tanh(pre_x[t, :, 2 * H :] + r * hidden_n[t])     # n
        n = act[:, 2 * H :]
        h = (1.0 - z) * n + z * h
        outputs[t] = h
    cache = {"layer": "gru", "params": params, "x": x, "h0": h0, "gates": gates,
             "hidden_n": hidden_n, "outputs": outputs}
    return outputs, h, cache


def backward(
    d_outputs: np.ndarray, d_final_state: np.ndarray | None, cache: dict
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Backpropagation through time for :func:`forward`.

    ``d_outputs (T, N, H)``: :math:`\\partial L/\\partial h_t` from the loss terms at each
    step; ``d_final_state (N, H)``: :math:`\\partial L/\\partial h_T` from whatever
    consumes the final state (None: zero). Returns the parameter gradients,
    ``dx (T, N, D)`` and ``d_state0`` :math:`= \\partial L/\\partial h_0` ``(N, H)``.
    """
    cache = _validate.check_cache(cache, "gru")
    params, x, outputs = cache["params"], cache["x"], cache["outputs"]
    steps, batch, H = outputs.shape
    d_outputs = _validate.check_d_outputs(d_outputs, steps, batch, H)
    if d_final_state is None:
        dh = np.zeros((batch, H))
    else:
        dh = _validate.check_hidden(d_final_state, "d_final_state", batch, H).copy()

    w_hh = params["weight_hh"]
    gates, hidden_n = cache["gates"], cache["hidden_n"]
    delta_x = np.empty_like(gates)  # dL/d(W_ih x_t + b_ih), blocks r, z, n
    delta_h = np.empty_like(gates)  # dL/d(W_hh h_{t-1} + b_hh), blocks r, z, n
    for t in range(steps - 1, -1, -1):
        act = gates[t]
        r, z, n = act[:, :H], act[:, H : 2 * H], act[:, 2 * H :]
        h_prev = outputs[t - 1] if t > 0 else cache["h0"]
        dh += d_outputs[t]                                   # total gradient reaching h_t
        d_n = dh * (1.0 - z) * (1.0 - n * n)                 # h_t = (1-z) n + ..., n = tanh(.)
        d_z = dh * (h_prev - n) * z * (1.0 - z)              # h_t = n + z (h_{t-1} - n)
        d_r = d_n * hidden_n[t] * r * (1.0 - r)              # a_n = ... + r * u_t
        dx_t, dh_t = delta_x[t], delta_h[t]
        dx_t[:, :H] = dh_t[:, :H] = d_r
        dx_t[:, H : 2 * H] = dh_t[:, H : 2 * H] = d_z
        dx_t[:, 2 * H :] = d_n
        dh_t[:, 2 * H :] = d_n * r                           # r multiplies u_t only
        dh = dh * z + dh_t @ w_hh                            # into h_{t-1}
    h_prev_all = np.concatenate([cache["h0"][None], outputs[:-1]])
    grads, dx = _common.parameter_gradients(delta_x, delta_h, x, h_prev_all, params["weight_ih"])
    return grads, dx, dh
