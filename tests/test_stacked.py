"""rnnlib.stacked against torch.nn.RNN/LSTM/GRU(num_layers=L, bidirectional=...).

Outputs, final states and every gradient (all layers and directions, the input, the
initial states) must agree with PyTorch autograd to a norm-wise relative error below
1e-12 (float64 on both sides: the differences are rounding from different orders of
summation), and with central differences to below 1e-7.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import rnnlib
from rnnlib import gradcheck, stacked
from rnnlib.gradcheck import relative_error

TOL = 1e-12
CLASSES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}


def random_state(kind, rng, count, batch, hidden):
    if kind == "lstm":
        return tuple(rng.standard_normal((count, batch, hidden)) for _ in range(2))
    return rng.standard_normal((count, batch, hidden))


def assert_close(name, ours, theirs, tol=TOL):
    if isinstance(ours, tuple):
        for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_close(f"{name}[{k}]", a, b, tol)
        return
    assert ours.shape == theirs.shape, f"{name}: shape {ours.shape} vs {theirs.shape}"
    err = relative_error(ours, theirs)
    assert err < tol, f"{name}: relative error {err:.2e} >= {tol:.0e}"


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("num_layers", [2, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("with_state", [False, True])
def test_matches_torch(kind, num_layers, bidirectional, with_state):
    rng = np.random.default_rng(num_layers * 10 + bidirectional * 2 + with_state)
    T, N, D, H = 5, 3, 4, 3
    dirs = 2 if bidirectional else 1
    module = CLASSES[kind](D, H, num_layers=num_layers, bidirectional=bidirectional, dtype=torch.float64)
    params = {name: p.detach().numpy().copy() for name, p in module.named_parameters()}
    x = rng.standard_normal((T, N, D))
    state = random_state(kind, rng, num_layers * dirs, N, H) if with_state else None
    d_out = rng.standard_normal((T, N, dirs * H))
    d_final = random_state(kind, rng, num_layers * dirs, N, H)

    out, final, cache = stacked.forward(params, x, state, cell=kind)
    grads, dx, d_state0 = stacked.backward(d_out, d_final, cache)

    x_t = torch.tensor(x, requires_grad=True)
    if kind == "lstm":
        state_t = tuple(torch.tensor(s, requires_grad=True) for s in state) if with_state else None
    else:
        state_t = torch.tensor(state, requires_grad=True) if with_state else None
    out_t, final_t = module(x_t, state_t)
    finals_t = final_t if kind == "lstm" else (final_t,)
    d_finals = d_final if kind == "lstm" else (d_final,)
    loss = (out_t * torch.from_numpy(d_out)).sum()
    loss = loss + sum((f * torch.from_numpy(g)).sum() for f, g in zip(finals_t, d_finals, strict=True))
    loss.backward()

    assert_close("outputs", out, out_t.detach().numpy())
    assert_close("final state", final if kind == "lstm" else (final,),
                 tuple(f.detach().numpy() for f in finals_t))
    assert list(grads) == [name for name, _ in module.named_parameters()]
    for name, p in module.named_parameters():
        assert_close(name, grads[name], p.grad.numpy())
    assert_close("dx", dx, x_t.grad.numpy())
    if with_state:
        ours = d_state0 if kind == "lstm" else (d_state0,)
        theirs = tuple(s.grad.numpy() for s in state_t) if kind == "lstm" else (state_t.grad.numpy(),)
        assert_close("d_state0", ours, theirs)


def test_output_layout():
    """output[-1, :, :H] is the last forward state, output[0, :, H:] the reverse one."""
    rng = np.random.default_rng(5)
    params = stacked.init_params(rnnlib.gru, 3, 4, num_layers=2, bidirectional=True, rng=rng)
    out, h_n, _ = stacked.forward(params, rng.standard_normal((6, 2, 3)), cell=rnnlib.gru)
    np.testing.assert_array_equal(out[-1, :, :4], h_n[-2])
    np.testing.assert_array_equal(out[0, :, 4:], h_n[-1])


def test_init_params_shapes_match_torch():
    params = stacked.init_params("lstm", 3, 4, num_layers=3, bidirectional=True, rng=np.random.default_rng(0))
    module = torch.nn.LSTM(3, 4, num_layers=3, bidirectional=True)
    assert [(k, v.shape) for k, v in params.items()] == \
        [(k, tuple(p.shape)) for k, p in module.named_parameters()]


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_gradcheck(kind, bidirectional):
    rng = np.random.default_rng(7)
    layer = getattr(rnnlib, kind)
    params = stacked.init_params(layer, 2, 2, num_layers=2, bidirectional=bidirectional, rng=rng)
    dirs = 2 if bidirectional else 1
    x = rng.standard_normal((4, 2, 2))
    state = random_state(kind, rng, 2 * dirs, 2, 2)
    errors = gradcheck.layer_gradient_errors(stacked, params, x, state, rng=rng, cell=layer)
    assert set(errors) >= set(params) | {"x"}
    for name, err in errors.items():
        assert err.normwise < 1e-7, (name, err)


def test_relu_rnn_passes_nonlinearity():
    rng = np.random.default_rng(3)
    module = torch.nn.RNN(2, 3, num_layers=2, nonlinearity="relu", bidirectional=True, dtype=torch.float64)
    params = {name: p.detach().numpy().copy() for name, p in module.named_parameters()}
    x = rng.standard_normal((4, 2, 2))
    out, _, _ = stacked.forward(params, x, cell=rnnlib.rnn, nonlinearity="relu")
    with torch.no_grad():
        assert_close("relu outputs", out, module(torch.from_numpy(x))[0].numpy())


def raises(match):
    return pytest.raises(ValueError, match=re.escape(match))


def test_bad_input():
    rng = np.random.default_rng(0)
    params = stacked.init_params("lstm", 3, 4, num_layers=2, bidirectional=True, rng=rng)
    x = rng.standard_normal((5, 2, 3))
    with raises("x must have shape (T, N, D)"):
        stacked.forward(params, x[0], cell="lstm")
    with raises("x must be a float64 numpy array"):
        stacked.forward(params, x.astype(np.float32), cell="lstm")
    with raises("cell must be rnnlib.rnn, rnnlib.lstm or rnnlib.gru"):
        stacked.forward(params, x, cell="transformer")
    with raises("missing ['bias_hh_l1_reverse']"):
        stacked.forward({k: v for k, v in params.items() if k != "bias_hh_l1_reverse"}, x, cell="lstm")
    with raises("unexpected key 'weight_ih'"):
        stacked.forward(dict(params, weight_ih=params["weight_ih_l0"]), x, cell="lstm")
    with raises("params must be a non-empty dict"):
        stacked.forward([params], x, cell="lstm")
    with raises("input size 8 (n_dir*H for layers k >= 1)"):
        bad = dict(params, weight_ih_l1=params["weight_ih_l1"][:, :4])
        stacked.forward(bad, x, cell="lstm")
    with raises("state of an LSTM must be a pair (h, c)"):
        stacked.forward(params, x, np.zeros((4, 2, 4)), cell="lstm")
    with raises("state[0] (h) must have shape (L*num_directions, N, H) = (4, 2, 4)"):
        stacked.forward(params, x, (np.zeros((2, 2, 4)), np.zeros((4, 2, 4))), cell="lstm")
    with raises("params['weight_hh'] of a lstm layer"):  # an RNN-shaped weight given to the LSTM
        bad = dict(params, weight_hh_l0=params["weight_hh_l0"][:4])
        stacked.forward(bad, x, cell="lstm")
    out, _, cache = stacked.forward(params, x, cell="lstm")
    with raises("d_outputs must have shape (T, N, num_directions*H)"):
        stacked.backward(out[..., :4], None, cache)
    with raises("cache must be the third value returned by rnnlib.stacked.forward"):
        stacked.backward(out, None, {"layer": "lstm"})
    with raises("num_layers must be a positive integer"):
        stacked.init_params("gru", 3, 4, num_layers=0)
