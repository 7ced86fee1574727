"""Three LSTM variants that ``torch.nn`` lacks: no forget gate, peepholes, coupled gates.

Each variant changes one part of the standard LSTM of :mod:`rnnlib.lstm` (the LSTM
chapter derives all of them and checks their gradients). With
:math:`a_t = W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}` split into blocks of
:math:`H` rows:

``variant="no_forget"`` (the original LSTM of Hochreiter & Schmidhuber, 1997), blocks
:math:`i, g, o`, so ``weight_ih (3H, D)``, ``weight_hh (3H, H)``, biases ``(3H,)``:

.. math::

    c_t = c_{t-1} + i_t \\odot g_t,\\qquad h_t = o_t \\odot \\tanh(c_t).

``variant="peephole"`` (Gers & Schmidhuber, 2000), blocks :math:`i, f, g, o` as in
PyTorch, plus three diagonal peephole weights ``peephole_i, peephole_f, peephole_o``
of shape ``(H,)``; the input and forget gates look at :math:`c_{t-1}`, the output gate
at :math:`c_t`:

.. math::

    \\begin{aligned}
    i_t &= \\sigma(a^i_t + p_i \\odot c_{t-1}),\\quad
    f_t = \\sigma(a^f_t + p_f \\odot c_{t-1}),\\quad g_t = \\tanh(a^g_t),\\\\
    c_t &= f_t \\odot c_{t-1} + i_t \\odot g_t,\\quad
    o_t = \\sigma(a^o_t + p_o \\odot c_t),\\quad h_t = o_t \\odot \\tanh(c_t).
    \\end{aligned}

With zero peephole weights it is exactly :mod:`rnnlib.lstm`.

``variant="coupled"`` (coupled input and forget gate), blocks :math:`i, g, o`:

.. math::

    c_t = (1 - i_t) \\odot c_{t-1} + i_t \\odot g_t,\\qquad h_t = o_t \\odot \\tanh(c_t).

Backward (hand-derived in the LSTM chapter). With :math:`\\bar h_t, \\bar c_t` the total
gradients reaching :math:`h_t` and :math:`c_t`, and :math:`\\delta^k_t` the gradient of
the pre-activation of gate :math:`k`:

.. math::

    \\begin{aligned}
    \\delta^o_t &= \\bar h_t \\odot \\tanh(c_t) \\odot o_t (1 - o_t),\\qquad
    \\bar c_t \\mathrel{+}= \\bar h_t \\odot o_t \\odot (1 - \\tanh^2 c_t)
        \\;[+\\, \\delta^o_t \\odot p_o],\\\\
    \\delta^g_t &= \\bar c_t \\odot i_t \\odot (1 - g_t^2),\\qquad
    \\delta^i_t = \\bar c_t \\odot \\Big(g_t \\;[-\\, c_{t-1}]_{\\text{coupled}}\\Big)
        \\odot i_t (1 - i_t),\\\\
    \\delta^f_t &= \\bar c_t \\odot c_{t-1} \\odot f_t (1 - f_t)\\quad\\text{(peephole)},\\\\
    \\bar c_{t-1} &= \\bar c_t \\odot f_t \\;[+\\, \\delta^i_t \\odot p_i
        + \\delta^f_t \\odot p_f],\\qquad \\bar h_{t-1} = W_{hh}^\\top \\delta^a_t,
    \\end{aligned}

where :math:`f_t` is 1 without a forget gate and :math:`1 - i_t` for coupled gates, and
the bracketed peephole terms are present for ``"peephole"`` only. The peephole weights
get :math:`\\partial L/\\partial p_i = \\sum_t \\delta^i_t \\odot c_{t-1}`,
:math:`\\partial L/\\partial p_f = \\sum_t \\delta^f_t \\odot c_{t-1}` and
:math:`\\partial L/\\partial p_o = \\sum_t \\delta^o_t \\odot c_t` (summed over the batch).
"""

from __future__ import annotations

import numpy as np

from rnnlib import _common, _validate
from rnnlib.activations import sigmoid, tanh

VARIANTS = ("no_forget", "peephole", "coupled")
NUM_GATES = {"no_forget": 3, "peephole": 4, "coupled": 3}
PEEPHOLE_NAMES = ("peephole_i", "peephole_f", "peephole_o")
_LAYER = "lstm_variants"


def _check_variant(variant: object) -> str:
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {list(VARIANTS)}; got {variant!r}")
    return variant


def init_params(
    input_size: int, hidden_size: int, variant: str, rng: np.random.Generator | None = None
) -> dict[str, np.ndarray]:
    """Parameters of ``variant``, uniform in :math:`[-1/\\sqrt{H}, 1/\\sqrt{H}]` as in PyTorch.

    ``weight_ih (G*H, D)``, ``weight_hh (G*H, H)``, ``bias_ih (G*H,)``, ``bias_hh (G*H,)``
    with ``G = 3`` (``"no_forget"``, ``"coupled"``: blocks i, g, o) or ``G = 4``
    (``"peephole"``: blocks i, f, g, o), and for ``"peephole"`` also ``peephole_i``,
    ``peephole_f``, ``peephole_o``, each ``(H,)``.
    """
    variant = _check_variant(variant)
    params = _common.init_params(NUM_GATES[variant], input_size, hidden_size, rng)
    if variant == "peephole":
        k = 1.0 / np.sqrt(hidden_size)
        rng = rng if rng is not None else np.random.default_rng()
        for name in PEEPHOLE_NAMES:
            params[name] = rng.uniform(-k, k, size=hidden_size)
    return params


def _check_params(params: object, variant: str) -> tuple[int, int]:
    """Validate the four standard arrays (and the peephole vectors); return (H, D)."""
    if not isinstance(params, dict):
        raise ValueError(f"params must be a dict of arrays; got {type(params).__name__}")
    extra = PEEPHOLE_NAMES if variant == "peephole" else ()
    missing = [name for name in extra if name not in params]
    if missing:
        raise ValueError(f"params of a peephole LSTM must also have the keys {list(extra)}; "
                         f"missing {missing}")
    standard = {name: value for name, value in params.items() if name not in extra}
    hidden, input_size = _validate.check_params(standard, NUM_GATES[variant], f"{variant} LSTM")
    for name in extra:
        p = _validate.as_float64_array(params[name], f"params[{name!r}]", "(H,)")
        _validate.check_shape(p, f"params[{name!r}]", (hidden,), "(H,)")
    return hidden, input_size


def forward(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    state: tuple[np.ndarray, np.ndarray] | None = None,
    *,
    variant: str,
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray], dict]:
    """Run the LSTM ``variant`` over ``x (T, N, D)`` from ``state = (h_0, c_0)`` (None: zeros).

    Returns ``outputs (T, N, H)``, the final state ``(h_T, c_T)`` and a cache for
    :func:`backward`.
    """
    variant = _check_variant(variant)
    hidden, input_size = _check_params(params, variant)
    steps, batch = _validate.check_inputs(x, input_size)
    if state is None:
        h, c = np.zeros((batch, hidden)), np.zeros((batch, hidden))
    else:
        h, c = _validate.check_lstm_state(state, "state", batch, hidden)
    H, peep = hidden, variant == "peephole"
    # column offsets of the blocks i, (f,) g, o in the stacked pre-activation
    ig, io = (2 * H, 3 * H) if peep else (H, 2 * H)

    w_hh_t = params["weight_hh"].T
    pre = _common.project_inputs(x, params["weight_ih"], params["bias_ih"] + params["bias_hh"])
    gates = np.empty((steps, batch, NUM_GATES[variant] * H))  # activated gates at every step
    cells = np.empty((steps, batch, H))
    tanh_cells = np.empty((steps, batch, H))
    outputs = np.empty((steps, batch, H))
    h0, c0 = h, c
    for t in range(steps):
        a = pre[t] + h @ w_hh_t
        act = gates[t]
        if peep:
            a[:, :H] += params["peephole_i"] * c
            a[:, H:ig] += params["peephole_f"] * c
        act[:, :ig] = sigmoid(a[:, :ig])        # i (and f)
        act[:, ig:io] = tanh(a[:, ig:io])      # g
        i, g = act[:, :H], act[:, ig:io]
        if variant == "no_forget":
            c = c + i * g
        elif variant == "coupled":
            c = (1.0 - i) * c + i * g
        else:
            c = act[:, H:ig] * c + i * g
            a[:, io:] += params["peephole_o"] * c  # the output gate sees the new cell
        act[:, io:] = sigmoid(a[:, io:])        # o
        cells[t] = c
        tanh_cells[t] = tanh(c)
        h = act[:, io:] * tanh_cells[t]
        outputs[t] = h
    cache = {"layer": _LAYER, "variant": variant, "params": params, "x": x, "h0": h0, "c0": c0,
             "gates": gates, "cells": cells, "tanh_cells": tanh_cells, "outputs": outputs}
    return outputs, (h, c), cache


def backward(
    d_outputs: np.ndarray,
    d_final_state: tuple[np.ndarray, np.ndarray] | None,
    cache: dict,
) -> tuple[dict[str, np.ndarray], np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Backpropagation through time for :func:`forward` (the variant is read from ``cache``).

    ``d_outputs (T, N, H)``: :math:`\\partial L/\\partial h_t` from the loss terms at each
    step; ``d_final_state``: ``(dh_T, dc_T)`` (None: zeros). Returns the parameter
    gradients (same keys as the parameters), ``dx (T, N, D)`` and ``(dh_0, dc_0)``.
    """
    cache = _validate.check_cache(cache, _LAYER)
    variant, params, x, outputs = cache["variant"], cache["params"], cache["x"], cache["outputs"]
    steps, batch, H = outputs.shape
    d_outputs = _validate.check_d_outputs(d_outputs, steps, batch, H)
    if d_final_state is None:
        dh, dc = np.zeros((batch, H)), np.zeros((batch, H))
    else:
        dh, dc = _validate.check_lstm_state(d_final_state, "d_final_state", batch, H)
        dh, dc = dh.copy(), dc.copy()
    peep = variant == "peephole"
    ig, io = (2 * H, 3 * H) if peep else (H, 2 * H)
    d_peep = {name: np.zeros(H) for name in PEEPHOLE_NAMES} if peep else {}

    w_hh = params["weight_hh"]
    gates, cells, tanh_cells = cache["gates"], cache["cells"], cache["tanh_cells"]
    da = np.empty_like(gates)  # da[t] = dL/da_t, pre-activation gradients of every block
    for t in range(steps - 1, -1, -1):
        act = gates[t]
        i, g, o = act[:, :H], act[:, ig:io], act[:, io:]
        c, c_prev, tc = cells[t], cells[t - 1] if t > 0 else cache["c0"], tanh_cells[t]
        d = da[t]
        dh += d_outputs[t]                                  # total gradient reaching h_t
        d[:, io:] = dh * tc * o * (1.0 - o)                 # h_t = o_t * tanh(c_t)
        dc += dh * o * (1.0 - tc * tc)
        if peep:
            dc += d[:, io:] * params["peephole_o"]          # o_t sees c_t through p_o
            d_peep["peephole_o"] += (d[:, io:] * c).sum(axis=0)
        d[:, ig:io] = dc * i * (1.0 - g * g)                # c_t = ... + i_t * g_t
        if variant == "no_forget":
            d[:, :H] = dc * g * i * (1.0 - i)
            dc_prev = dc                                    # c_t = c_{t-1} + ...
        elif variant == "coupled":
            d[:, :H] = dc * (g - c_prev) * i * (1.0 - i)    # i_t also scales -c_{t-1}
            dc_prev = dc * (1.0 - i)
        else:
            f = act[:, H:ig]
            d[:, :H] = dc * g * i * (1.0 - i)
            d[:, H:ig] = dc * c_prev * f * (1.0 - f)
            dc_prev = dc * f + d[:, :H] * params["peephole_i"] + d[:, H:ig] * params["peephole_f"]
            d_peep["peephole_i"] += (d[:, :H] * c_prev).sum(axis=0)
            d_peep["peephole_f"] += (d[:, H:ig] * c_prev).sum(axis=0)
        dc = dc_prev
        dh = d @ w_hh                                       # into h_{t-1}: W_hh^T da_t
    h_prev = np.concatenate([cache["h0"][None], outputs[:-1]])
    grads, dx = _common.parameter_gradients(da, da, x, h_prev, params["weight_ih"])
    grads.update(d_peep)
    return grads, dx, (dh, dc)
