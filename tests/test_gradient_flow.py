"""rnnlib.gradient_flow: input Jacobians of torch.nn layers and the gates' direct-path products."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnlib import gru, lstm, rnn
from rnnlib.gradcheck import relative_error
from rnnlib.gradient_flow import direct_path_products, input_gradient_ratios, input_jacobians
from rnnlib.torch_interop import from_torch

LAYERS = {"rnn": (torch.nn.RNN, rnn), "lstm": (torch.nn.LSTM, lstm), "gru": (torch.nn.GRU, gru)}


def numpy_input_jacobians(layer, params, x, **kwargs):
    """dh_T/dx_t by rnnlib's backward passes, one per unit of h_T: (T, N, H, D)."""
    outputs, final, cache = layer.forward(params, x, **kwargs)
    hidden = outputs.shape[2]
    rows = []
    for j in range(hidden):
        d_h = np.zeros_like(outputs[-1])
        d_h[:, j] = 1.0
        d_final = (d_h, np.zeros_like(d_h)) if isinstance(final, tuple) else d_h
        rows.append(layer.backward(np.zeros_like(outputs), d_final, cache)[1])
    return np.stack(rows, axis=2)


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_input_jacobians_match_numpy_backward(kind):
    cls, layer = LAYERS[kind]
    torch.manual_seed(1)
    module = cls(3, 5, dtype=torch.float64)
    x = np.random.default_rng(2).standard_normal((9, 4, 3))
    mine = input_jacobians(module, torch.from_numpy(x)).numpy()
    reference = numpy_input_jacobians(layer, from_torch(module), x)
    assert mine.shape == (9, 4, 5, 3)
    assert relative_error(mine, reference) < 1e-12


def test_input_jacobians_match_autograd_jacobian_relu():
    torch.manual_seed(3)
    module = torch.nn.RNN(2, 4, nonlinearity="relu", dtype=torch.float64)
    x = torch.randn(6, 2, 2, dtype=torch.float64)
    mine = input_jacobians(module, x)
    for n in range(2):
        full = torch.autograd.functional.jacobian(lambda xn: module(xn)[0][-1, 0], x[:, n:n + 1])
        assert torch.allclose(mine[:, n], full[:, :, 0, :].permute(1, 0, 2), rtol=0, atol=1e-14)


def test_ratios_start_at_one_and_no_parameter_gradients():
    torch.manual_seed(4)
    module = torch.nn.GRU(2, 3, dtype=torch.float64)
    ratios = input_gradient_ratios(module, torch.randn(7, 3, 2, dtype=torch.float64))
    assert ratios.shape == (7, 3)
    np.testing.assert_array_equal(ratios[0], 1.0)
    assert all(p.grad is None for p in module.parameters())


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_direct_path_is_the_whole_jacobian_without_recurrent_weights(kind):
    # W_hh = 0: dc_T/dc_t (LSTM) and dh_T/dh_t (GRU) are diag(prod of the forget / update gate).
    cls, layer = LAYERS[kind]
    torch.manual_seed(5)
    module = cls(2, 4, dtype=torch.float64)
    with torch.no_grad():
        module.weight_hh_l0.zero_()
    x = np.random.default_rng(6).standard_normal((8, 1, 2))
    _, _, cache = layer.forward(from_torch(module), x)
    products = direct_path_products(cache["gates"][..., 4:8])  # f (LSTM) or z (GRU): rows H..2H
    t = 3                                                        # Jacobian of the last state w.r.t. step t

    def last_state(state):
        initial = (torch.zeros(1, 1, 4, dtype=torch.float64), state.view(1, 1, 4)) if kind == "lstm" \
            else state.view(1, 1, 4)
        final = module(torch.from_numpy(x[t:]), initial)[1]
        return (final[1] if kind == "lstm" else final).view(4)

    start = torch.zeros(4, dtype=torch.float64) + 0.3
    if kind == "gru":  # the GRU's gates do not depend on h when W_hh = 0, so any h_t will do
        start = torch.from_numpy(layer.forward(from_torch(module), x[:t])[1][0])
    jac = torch.autograd.functional.jacobian(last_state, start).numpy()
    np.testing.assert_allclose(jac, np.diag(products[8 - t, 0]), rtol=1e-12, atol=1e-15)


def test_direct_path_products_loop():
    gates = np.random.default_rng(7).uniform(0.1, 1.0, size=(5, 2, 3))
    products = direct_path_products(gates)
    assert products.shape == (6, 2, 3)
    for k in range(6):
        np.testing.assert_allclose(products[k], np.prod(gates[5 - k:], axis=0), rtol=1e-14)


def test_bad_input():
    module = torch.nn.LSTM(2, 3)
    with pytest.raises(ValueError, match="module must be"):
        input_jacobians(torch.nn.Linear(2, 3), torch.zeros(4, 1, 2))
    with pytest.raises(ValueError, match="num_layers=1"):
        input_jacobians(torch.nn.LSTM(2, 3, num_layers=2), torch.zeros(4, 1, 2))
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, D\)"):
        input_jacobians(module, torch.zeros(4, 2))
    with pytest.raises(ValueError, match="floating-point"):
        input_jacobians(module, torch.zeros(4, 1, 2, dtype=torch.long))
    with pytest.raises(ValueError, match=r"gates must have shape \(T, N, H\)"):
        direct_path_products(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"\(0, 1\]"):
        direct_path_products(np.zeros((3, 1, 2)))
    irnn_off = torch.nn.RNN(1, 2, nonlinearity="relu")
    with torch.no_grad():
        for p in irnn_off.parameters():
            p.zero_()
    with pytest.raises(ValueError, match="zero"):
        input_gradient_ratios(irnn_off, torch.ones(3, 1, 1))
