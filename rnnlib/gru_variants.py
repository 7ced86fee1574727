"""The "reset before" GRU of Cho et al. (2014): forward over a sequence, backward through time.

Forward (the GRU chapter), in PyTorch's gate order :math:`r, z, n`, shapes and update
convention, differing from :mod:`rnnlib.gru` in the candidate only:

.. math::

    \\begin{aligned}
    r_t &= \\sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}),\\\\
    z_t &= \\sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}),\\\\
    n_t &= \\tanh\\big(W_{in} x_t + b_{in} + W_{hn} (r_t \\odot h_{t-1}) + b_{hn}\\big),\\\\
    h_t &= (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}.
    \\end{aligned}

The reset gate multiplies the previous state *before* the product with :math:`W_{hn}`
("reset before", the final version of Cho et al. 2014), where :mod:`rnnlib.gru` and
``torch.nn.GRU`` compute :math:`r_t \\odot (W_{hn} h_{t-1} + b_{hn})` ("reset after").
The two are different functions of the same parameters; they agree at a step whose
previous state is zero (:math:`W_{hn}(r \\odot 0) + b_{hn} = b_{hn}` while
:math:`r \\odot (W_{hn} 0 + b_{hn}) = r \\odot b_{hn}`, so exactly when also
:math:`b_{hn} = 0`). PyTorch has no module for this form.
Shapes: ``weight_ih (3H, D)``, ``weight_hh (3H, H)``, ``bias_ih (3H,)``, ``bias_hh (3H,)``;
state ``h (N, H)``.

Backward (derived in the GRU chapter). With :math:`\\bar h_t` the total gradient reaching
:math:`h_t` and :math:`s_t = r_t \\odot h_{t-1}`:

.. math::

    \\begin{aligned}
    \\delta^n_t &= \\bar h_t \\odot (1 - z_t) \\odot (1 - n_t^2),\\qquad
    \\delta^z_t = \\bar h_t \\odot (h_{t-1} - n_t) \\odot z_t (1 - z_t),\\\\
    \\bar s_t &= W_{hn}^\\top \\delta^n_t,\\qquad
    \\delta^r_t = \\bar s_t \\odot h_{t-1} \\odot r_t (1 - r_t),\\\\
    \\bar h_{t-1} &\\mathrel{+}= \\bar h_t \\odot z_t + r_t \\odot \\bar s_t
        + W_{hr}^\\top \\delta^r_t + W_{hz}^\\top \\delta^z_t,\\\\
    \\frac{\\partial L}{\\partial W_{hn}} &= \\sum_t \\delta^n_t\\, s_t^\\top,
    \\end{aligned}

and every other parameter gradient is as in :mod:`rnnlib.gru`, with the same
:math:`[\\delta^r_t; \\delta^z_t; \\delta^n_t]` on the input side and on the bias sides.
"""

from __future__ import annotations

import numpy as np

from rnnlib import _common, _validate
from rnnlib.activations import sigmoid, tanh

NUM_GATES = 3
LAYER = "gru_variants"  # check_cache names rnnlib.gru_variants.forward


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
    """Run the reset-before GRU over ``x (T, N, D)`` from ``state`` = :math:`h_0` ``(N, H)``.

    ``state=None`` means zeros. Returns ``outputs (T, N, H)``, the final state :math:`h_T`
    ``(N, H)`` and a cache for :func:`backward`.
    """
    hidden, input_size = _validate.check_params(params, NUM_GATES, "gru")
    steps, batch = _validate.check_inputs(x, input_size)
    if state is None:
        h = np.zeros((batch, hidden))
    else:
        h = _validate.check_hidden(state, "state", batch, hidden)
    H = hidden

    w_hh, b_hh = params["weight_hh"], params["bias_hh"]
    w_rz_t, b_rz = w_hh[: 2 * H].T, b_hh[: 2 * H]
    w_hn_t, b_hn = w_hh[2 * H :].T, b_hh[2 * H :]
    pre_x = _common.project_inputs(x, params["weight_ih"], params["bias_ih"])  # (T, N, 3H)
    gates = np.empty((steps, batch, 3 * H))    # activated r, z, n at every step
    reset_h = np.empty((steps, batch, H))      # s_t = r_t * h_{t-1}
    outputs = np.empty((steps, batch, H))
    h0 = h
    for t in range(steps):
        act = gates[t]
        act[:, : 2 * H] = sigmoid(pre_x[t, :, : 2 * H] + h @ w_rz_t + b_rz)   # r, z
        r, z = act[:, :H], act[:, H : 2 * H]
        reset_h[t] = r * h
        act[:, 2 * H :] = tanh(pre_x[t, :, 2 * H :] + reset_h[t] @ w_hn_t + b_hn)  # n
        n = act[:, 2 * H :]
        h = (1.0 - z) * n + z * h
        outputs[t] = h
    cache = {"layer": LAYER, "params": params, "x": x, "h0": h0, "gates": gates,
             "reset_h": reset_h, "outputs": outputs}
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
    cache = _validate.check_cache(cache, LAYER)
    params, x, outputs = cache["params"], cache["x"], cache["outputs"]
    steps, batch, H = outputs.shape
    d_outputs = _validate.check_d_outputs(d_outputs, steps, batch, H)
    if d_final_state is None:
        dh = np.zeros((batch, H))
    else:
        dh = _validate.check_hidden(d_final_state, "d_final_state", batch, H).copy()

    w_hh = params["weight_hh"]
    w_rz, w_hn = w_hh[: 2 * H], w_hh[2 * H :]
    gates, reset_h = cache["gates"], cache["reset_h"]
    da = np.empty_like(gates)  # dL/d(pre-activations), blocks r, z, n (input and bias sides)
    for t in range(steps - 1, -1, -1):
        act = gates[t]
        r, z, n = act[:, :H], act[:, H : 2 * H], act[:, 2 * H :]
        h_prev = outputs[t - 1] if t > 0 else cache["h0"]
        dh += d_outputs[t]                                   # total gradient reaching h_t
        d_n = dh * (1.0 - z) * (1.0 - n * n)                 # h_t = (1-z) n + ..., n = tanh(.)
        d_z = dh * (h_prev - n) * z * (1.0 - z)              # h_t = n + z (h_{t-1} - n)
        d_s = d_n @ w_hn                                     # s_t = r * h_{t-1} enters via W_hn
        d_r = d_s * h_prev * r * (1.0 - r)
        da[t, :, :H], da[t, :, H : 2 * H], da[t, :, 2 * H :] = d_r, d_z, d_n
        dh = dh * z + r * d_s + da[t, :, : 2 * H] @ w_rz  # into h_{t-1}
    h_prev_all = np.concatenate([cache["h0"][None], outputs[:-1]])
    grads, dx = _common.parameter_gradients(da, da, x, h_prev_all, params["weight_ih"])
    rows = steps * batch
    # The candidate block of W_hh multiplies s_t = r_t * h_{t-1}, not h_{t-1}.
    grads["weight_hh"][2 * H :] = da[..., 2 * H :].reshape(rows, H).T @ reset_h.reshape(rows, H)
    return grads, dx, dh
