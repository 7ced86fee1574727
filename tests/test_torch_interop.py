"""Copying parameters to and from torch.nn, including multi-layer and bidirectional modules."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rnnlib
from rnnlib.gradcheck import relative_error
from rnnlib.torch_interop import from_torch, to_torch, torch_layer, torch_names


def test_names():
    assert torch_names() == {"weight_ih": "weight_ih_l0", "weight_hh": "weight_hh_l0",
                             "bias_ih": "bias_ih_l0", "bias_hh": "bias_hh_l0"}
    assert torch_names(2, reverse=True)["bias_hh"] == "bias_hh_l2_reverse"


@pytest.mark.parametrize("kind,cls", [("rnn", torch.nn.RNN), ("lstm", torch.nn.LSTM),
                                      ("gru", torch.nn.GRU)])
def test_round_trip_every_layer_and_direction(kind, cls):
    torch.manual_seed(0)
    module = cls(3, 4, num_layers=3, bidirectional=True, dtype=torch.float64)
    names = {name for name, _ in module.named_parameters()}
    copied = set()
    for layer in range(3):
        for reverse in (False, True):
            params = from_torch(module, layer, reverse)
            copied |= set(torch_names(layer, reverse).values())
            fresh = cls(3, 4, num_layers=3, bidirectional=True, dtype=torch.float64)
            to_torch(params, fresh, layer, reverse)
            for attr in torch_names(layer, reverse).values():
                assert torch.equal(getattr(fresh, attr), getattr(module, attr))
    assert copied == names  # every parameter of the module is reached


def run_stack(kind, module, x):
    """rnnlib's layers composed as torch.nn runs a multi-layer bidirectional module."""
    layer = getattr(rnnlib, kind)
    inputs = x
    finals = []
    for k in range(module.num_layers):
        fwd, fwd_final, _ = layer.forward(from_torch(module, k), inputs)
        bwd, bwd_final, _ = layer.forward(from_torch(module, k, reverse=True), inputs[::-1].copy())
        inputs = np.concatenate([fwd, bwd[::-1]], axis=-1)
        finals += [fwd_final, bwd_final]
    return inputs, finals


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_multilayer_bidirectional_forward(kind):
    torch.manual_seed(1)
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    module = cls(3, 4, num_layers=2, bidirectional=True, dtype=torch.float64)
    x = np.random.default_rng(1).standard_normal((6, 2, 3))
    ours, finals = run_stack(kind, module, x)
    theirs, final_t = module(torch.from_numpy(x))
    assert relative_error(ours, theirs.detach().numpy()) < 1e-12
    h_t = final_t[0] if kind == "lstm" else final_t
    ours_h = np.stack([f[0] if kind == "lstm" else f for f in finals])  # (layers*2, N, H)
    assert relative_error(ours_h, h_t.detach().numpy()) < 1e-12


def test_torch_layer_accepts_module_or_name_and_checks_input():
    params = rnnlib.gru.init_params(2, 3, np.random.default_rng(0))
    assert isinstance(torch_layer(rnnlib.gru, params), torch.nn.GRU)
    assert torch_layer("gru", params).weight_hh_l0.dtype == torch.float64
    with pytest.raises(ValueError, match="layer must be 'rnn', 'lstm' or 'gru'"):
        torch_layer("transformer", params)
    module = torch.nn.GRU(2, 3, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"must have the shape of weight_ih_l0, \(9, 2\)"):
        to_torch(dict(params, weight_ih=params["weight_ih"][:, :1]), module)
    with pytest.raises(ValueError, match="reverse=True needs a bidirectional module"):
        from_torch(module, reverse=True)
    with pytest.raises(ValueError, match=r"layer must be in 0..0"):
        from_torch(module, layer=1)
    with pytest.raises(ValueError, match="proj_size=0"):
        from_torch(torch.nn.LSTM(2, 3, proj_size=2))
