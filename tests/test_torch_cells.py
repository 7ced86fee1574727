"""Tests of rnnlib.torch_cells: parity with torch.nn.LSTM and rnnlib's numpy layers, variants
written out by hand, forget bias, the model wrapper, bad input."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rnnlib import lstm, lstm_variants, models, torch_cells
from rnnlib.activations import sigmoid
from rnnlib.torch_cells import VARIANTS, VariantLSTM


def _rel(a, b):
    """Norm-wise relative error ||a - b|| / (||a|| + ||b||)."""
    a, b = np.asarray(a), np.asarray(b)
    den = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if den == 0 else float(np.linalg.norm(a - b) / den)


def _cell(variant, D, H, seed=0, forget_bias=0.0):
    torch.manual_seed(seed)
    return VariantLSTM(D, H, variant, forget_bias=forget_bias).double()


def _data(T, N, D, H, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, N, D))
    state = (rng.standard_normal((N, H)), rng.standard_normal((N, H)))
    d_out = rng.standard_normal((T, N, H))
    d_final = (rng.standard_normal((N, H)), rng.standard_normal((N, H)))
    return x, state, d_out, d_final


def _run_torch(module, x, state, d_out, d_final):
    """Forward and autograd backward of a module with the torch.nn.LSTM interface.

    The loss is <d_out, outputs> + <d_final, final state>, so the gradients are what the
    numpy backward(d_out, d_final, cache) returns.
    """
    x_t = torch.tensor(x, requires_grad=True)
    s_t = None if state is None else tuple(torch.tensor(s[None], requires_grad=True) for s in state)
    out, (h, c) = module(x_t, s_t)
    loss = (out * torch.from_numpy(d_out)).sum()
    loss = loss + (h[0] * torch.from_numpy(d_final[0])).sum() + (c[0] * torch.from_numpy(d_final[1])).sum()
    loss.backward()
    grads = {name: p.grad.numpy().copy() for name, p in module.named_parameters()}
    ds = None if state is None else tuple(s.grad[0].numpy() for s in s_t)
    return out.detach().numpy(), (h[0].detach().numpy(), c[0].detach().numpy()), grads, x_t.grad.numpy(), ds


def _numpy_reference(variant, params, x, state, d_out, d_final):
    if variant == "vanilla":
        out, final, cache = lstm.forward(params, x, state)
        grads, dx, ds = lstm.backward(d_out, d_final, cache)
    else:
        kind = torch_cells.NUMPY_VARIANT[variant]
        out, final, cache = lstm_variants.forward(params, x, state, variant=kind)
        grads, dx, ds = lstm_variants.backward(d_out, d_final, cache)
    return out, final, grads, dx, ds


def _assert_parity(variant, T, N, D, H, seed, with_state=True, bound=1e-12):
    cell = _cell(variant, D, H, seed)
    x, state, d_out, d_final = _data(T, N, D, H, seed + 100)
    state = state if with_state else None
    got = _run_torch(cell, x, state, d_out, d_final)
    want = _numpy_reference(variant, torch_cells.numpy_params(cell), x, state, d_out, d_final)
    errors = {"outputs": _rel(got[0], want[0]), "h_T": _rel(got[1][0], want[1][0]),
              "c_T": _rel(got[1][1], want[1][1]), "dx": _rel(got[3], want[3])}
    errors.update({name: _rel(got[2][name], want[2][name]) for name in want[2]})
    assert set(got[2]) == set(want[2])
    if with_state:
        errors.update(dh0=_rel(got[4][0], want[4][0]), dc0=_rel(got[4][1], want[4][1]))
    assert max(errors.values()) < bound, (variant, errors)


@pytest.mark.parametrize("variant", ["vanilla", *torch_cells.NUMPY_VARIANT])
@pytest.mark.parametrize("with_state", [True, False])
def test_forward_and_gradients_equal_numpy_reference(variant, with_state):
    _assert_parity(variant, T=6, N=3, D=4, H=5, seed=0, with_state=with_state)


@given(variant=st.sampled_from(["vanilla", *torch_cells.NUMPY_VARIANT]), T=st.integers(1, 5),
       N=st.integers(1, 4), D=st.integers(1, 4), H=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_parity_with_numpy_over_shapes(variant, T, N, D, H, seed):
    _assert_parity(variant, T, N, D, H, seed)


@pytest.mark.parametrize("with_state", [True, False])
def test_vanilla_equals_torch_nn_lstm(with_state):
    cell = _cell("vanilla", 4, 5, seed=3, forget_bias=1.0)
    ref = torch.nn.LSTM(4, 5).double()
    with torch.no_grad():
        for name, p in cell.named_parameters():
            getattr(ref, name + "_l0").copy_(p)
    x, state, d_out, d_final = _data(7, 3, 4, 5, seed=4)
    state = state if with_state else None
    got = _run_torch(cell, x, state, d_out, d_final)
    want = _run_torch(ref, x, state, d_out, d_final)
    assert _rel(got[0], want[0]) < 1e-12
    for k in range(2):
        assert _rel(got[1][k], want[1][k]) < 1e-12
        if with_state:
            assert _rel(got[4][k], want[4][k]) < 1e-12
    for name in torch_cells.PARAM_NAMES:
        assert _rel(got[2][name], want[2][name + "_l0"]) < 1e-12
    assert _rel(got[3], want[3]) < 1e-12


def _hand_forward(variant, p, x, h, c):
    """The variants written straight from their equations in numpy (no code shared)."""
    H = h.shape[1]
    blocks = torch_cells.BLOCKS[variant]
    outs = []
    for t in range(x.shape[0]):
        a = x[t] @ p["weight_ih"].T + p["bias_ih"] + h @ p["weight_hh"].T + p["bias_hh"]
        blk = {name: a[:, k * H:(k + 1) * H] for k, name in enumerate(blocks)}
        i = sigmoid(blk["i"]) if "i" in blk else 1.0
        f = sigmoid(blk["f"]) if "f" in blk else 1.0
        o = sigmoid(blk["o"]) if "o" in blk else 1.0
        g = blk["g"] if variant == "no_input_activation" else np.tanh(blk["g"])
        c = f * c + i * g
        h = o * (c if variant == "no_output_activation" else np.tanh(c))
        outs.append(h)
    return np.stack(outs), h, c


@pytest.mark.parametrize("variant", ["vanilla", "no_input_gate", "no_output_gate", "no_input_activation",
                                     "no_output_activation"])
def test_variants_match_hand_written_equations(variant):
    cell = _cell(variant, 3, 4, seed=5, forget_bias=0.5)
    x, (h, c), _, _ = _data(6, 2, 3, 4, seed=6)
    out, (h_T, c_T) = cell(torch.tensor(x), (torch.tensor(h[None]), torch.tensor(c[None])))
    want_out, want_h, want_c = _hand_forward(variant, torch_cells.numpy_params(cell), x, h, c)
    np.testing.assert_allclose(out.detach().numpy(), want_out, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(h_T[0].detach().numpy(), want_h, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(c_T[0].detach().numpy(), want_c, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("variant", VARIANTS)
def test_autograd_matches_central_differences(variant):
    cell = _cell(variant, 2, 3, seed=7)
    x = torch.randn(4, 2, 2, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(1, 2, 3, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(1, 2, 3, dtype=torch.float64, requires_grad=True)
    names = [name for name, _ in cell.named_parameters()]

    def fn(x, h0, c0, *ps):
        out, (h, c) = torch.func.functional_call(cell, dict(zip(names, ps, strict=True)), (x, (h0, c0)))
        return out.sum() + (h * 0.5).sum() + (c * c).sum()

    ps = tuple(p.detach().clone().requires_grad_(True) for p in cell.parameters())
    assert torch.autograd.gradcheck(fn, (x, h0, c0, *ps), eps=1e-6, atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("forget_bias", [0.0, 1.0, -2.5])
def test_forget_bias_sets_the_total_forget_bias(variant, forget_bias):
    if variant == "no_forget_gate":
        if forget_bias != 0.0:
            with pytest.raises(ValueError, match="forget_bias must be 0"):
                VariantLSTM(3, 4, variant, forget_bias=forget_bias)
        return
    torch.manual_seed(0)
    cell = VariantLSTM(3, 4, variant, forget_bias=forget_bias)
    gate, sign = ("i", -1.0) if variant == "coupled" else ("f", 1.0)
    s = cell.block_slice(gate)
    total = (cell.bias_ih[s] + cell.bias_hh[s]).detach()
    torch.testing.assert_close(total, torch.full((4,), sign * forget_bias), rtol=0, atol=0)
    # every other parameter is uniform in [-1/sqrt(H), 1/sqrt(H)] as in torch.nn.LSTM
    others = torch.cat([cell.weight_ih.flatten(), cell.weight_hh.flatten()])
    assert others.abs().max() <= 0.5 and others.abs().max() > 0.3


def test_forget_bias_one_makes_the_forget_gate_start_near_sigmoid_one():
    torch.manual_seed(0)
    cell = VariantLSTM(2, 64, "vanilla", forget_bias=1.0)
    x = torch.zeros(1, 5, 2)
    a = torch.matmul(x, cell.weight_ih.T)[0] + cell.bias_ih + cell.bias_hh
    f = torch.sigmoid(a[:, cell.block_slice("f")])
    torch.testing.assert_close(f, torch.full_like(f, float(sigmoid(np.array(1.0)))))


def test_coupled_equals_vanilla_with_forget_block_the_negated_input_block():
    cell = _cell("coupled", 3, 4, seed=8, forget_bias=1.0)
    van = _cell("vanilla", 3, 4, seed=9)
    with torch.no_grad():
        for name in torch_cells.PARAM_NAMES:
            i, g, o = getattr(cell, name).split(4)
            getattr(van, name).copy_(torch.cat([i, -i, g, o]))
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    torch.testing.assert_close(cell(x)[0], van(x)[0], rtol=1e-13, atol=1e-13)


def test_peephole_with_zero_peepholes_is_vanilla():
    cell = _cell("peephole", 3, 4, seed=10)
    van = _cell("vanilla", 3, 4, seed=11)
    with torch.no_grad():
        for name in torch_cells.PEEPHOLE_NAMES:
            getattr(cell, name).zero_()
        for name in torch_cells.PARAM_NAMES:
            getattr(van, name).copy_(getattr(cell, name))
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    torch.testing.assert_close(cell(x)[0], van(x)[0], rtol=0, atol=0)


def test_parameter_counts():
    D, H = 3, 4
    for variant, blocks in torch_cells.BLOCKS.items():
        n = sum(p.numel() for p in VariantLSTM(D, H, variant).parameters())
        assert n == len(blocks) * H * (D + H + 2) + (3 * H if variant == "peephole" else 0), variant
    assert sum(p.numel() for p in VariantLSTM(D, H).parameters()) == \
        sum(p.numel() for p in torch.nn.LSTM(D, H).parameters())


def test_state_continues_the_sequence():
    cell = _cell("no_output_gate", 2, 3, seed=12)
    x = torch.randn(6, 2, 2, dtype=torch.float64)
    whole, final = cell(x)
    first, mid = cell(x[:4])
    second, final2 = cell(x[4:], mid)
    torch.testing.assert_close(torch.cat([first, second]), whole, rtol=0, atol=0)
    for a, b in zip(final, final2, strict=True):
        assert a.shape == (1, 2, 3)
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize("variant", ["coupled", "peephole", "vanilla"])
def test_use_variant_in_models(variant):
    torch.manual_seed(0)
    model = torch_cells.use_variant(models.SequenceRegressor(2, 8), variant, forget_bias=1.0)
    assert isinstance(model.rnn, VariantLSTM) and model.rnn.variant == variant
    assert model(torch.randn(5, 3, 2)).shape == (3, 1)
    lm = torch_cells.use_variant(models.LanguageModel(7, 4, 6), variant)
    tokens = torch.randint(0, 7, (5, 2))
    logits, state = lm.forward_with_state(tokens)
    assert logits.shape == (5, 2, 7) and state[0].shape == (1, 2, 6)
    more, _ = lm.forward_with_state(tokens, state)
    assert more.shape == (5, 2, 7)
    assert lm.generate(tokens, 3).shape == (3, 2)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 7), tokens.reshape(-1))
    loss.backward()
    assert all(p.grad is not None for p in lm.rnn.parameters())


def test_use_variant_keeps_dtype():
    model = models.SequenceRegressor(2, 4).double()
    torch_cells.use_variant(model, "no_input_gate")
    assert model.rnn.weight_ih.dtype == torch.float64
    assert model(torch.randn(3, 2, 2, dtype=torch.float64)).dtype == torch.float64


def test_set_forget_bias_on_torch_nn_lstm():
    ref = torch_cells.set_forget_bias(torch.nn.LSTM(3, 4, num_layers=2), 1.0)
    for k in range(2):
        total = getattr(ref, f"bias_ih_l{k}")[4:8] + getattr(ref, f"bias_hh_l{k}")[4:8]
        torch.testing.assert_close(total.detach(), torch.ones(4), rtol=0, atol=0)
    with pytest.raises(ValueError, match=r"lstm must be a torch\.nn\.LSTM"):
        torch_cells.set_forget_bias(torch.nn.GRU(3, 4), 1.0)


def test_numpy_params_round_trip():
    cell = _cell("peephole", 3, 4, seed=13)
    params = torch_cells.numpy_params(cell)
    assert set(params) == set(torch_cells.PARAM_NAMES) | set(torch_cells.PEEPHOLE_NAMES)
    other = torch_cells.load_numpy_params(_cell("peephole", 3, 4, seed=14), params)
    for name, p in other.named_parameters():
        np.testing.assert_array_equal(p.detach().numpy(), params[name])
    with pytest.raises(ValueError, match="params must be a dict with exactly the keys"):
        torch_cells.load_numpy_params(other, {k: v for k, v in params.items() if k != "peephole_o"})
    bad = dict(params, weight_hh=np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"params\['weight_hh'\] must be a numpy array of shape \(16, 4\)"):
        torch_cells.load_numpy_params(other, bad)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"input_size": 0}, "input_size must be a positive integer"),
    ({"hidden_size": 2.0}, "hidden_size must be a positive integer"),
    ({"variant": "lstm"}, "variant must be one of"),
    ({"forget_bias": float("nan")}, "forget_bias must be a finite number"),
    ({"forget_bias": "1"}, "forget_bias must be a finite number"),
])
def test_bad_constructor_arguments(kwargs, match):
    args = {"input_size": 2, "hidden_size": 3, **kwargs}
    forget_bias = args.pop("forget_bias", 0.0)
    with pytest.raises(ValueError, match=match):
        VariantLSTM(**args, forget_bias=forget_bias)


def test_bad_forward_input():
    cell = VariantLSTM(2, 3)
    with pytest.raises(ValueError, match=r"x must be a tensor of shape \(T, N, D\) and dtype torch.float32"):
        cell(np.zeros((4, 2, 2)))
    with pytest.raises(ValueError, match=r"dtype torch\.float32"):
        cell(torch.zeros(4, 2, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"D = input_size = 2; got shape \(4, 2, 3\)"):
        cell(torch.zeros(4, 2, 3))
    with pytest.raises(ValueError, match=r"got shape \(4, 2\)"):
        cell(torch.zeros(4, 2))
    with pytest.raises(ValueError, match=r"got shape \(0, 2, 2\)"):
        cell(torch.zeros(0, 2, 2))
    x = torch.zeros(4, 2, 2)
    with pytest.raises(ValueError, match=r"state must be None or a tuple \(h_0, c_0\)"):
        cell(x, torch.zeros(1, 2, 3))
    with pytest.raises(ValueError, match=(r"state\[0\] \(h_0\) must be a tensor of shape \(1, N, H\) = "
                                          r"\(1, 2, 3\)")):
        cell(x, (torch.zeros(2, 3), torch.zeros(1, 2, 3)))
    with pytest.raises(ValueError, match=r"state\[1\] \(c_0\) must be .* got shape \(1, 3, 3\)"):
        cell(x, (torch.zeros(1, 2, 3), torch.zeros(1, 3, 3)))


def test_bad_block_and_bad_model():
    with pytest.raises(ValueError, match=r"gate must be one of \['i', 'g', 'o'\]"):
        VariantLSTM(2, 3, "coupled").block_slice("f")
    with pytest.raises(ValueError, match="cell='lstm' and num_layers=1"):
        torch_cells.use_variant(models.SequenceRegressor(2, 4, cell="gru"), "vanilla")
    with pytest.raises(ValueError, match="num_layers=2"):
        torch_cells.use_variant(models.SequenceRegressor(2, 4, num_layers=2), "vanilla")
    with pytest.raises(ValueError, match="cell must be a VariantLSTM"):
        torch_cells.numpy_params(torch.nn.LSTM(2, 3))


@pytest.mark.parametrize("make, block", [(lambda: torch.nn.LSTM(3, 4, num_layers=2), 1),
                                         (lambda: torch.nn.GRU(3, 4), 1), (lambda: torch.nn.RNN(3, 4), 0)])
def test_set_gate_bias_sets_the_total_bias_of_one_block(make, block):
    torch.manual_seed(0)
    layer = make()
    before = {name: p.detach().clone() for name, p in layer.named_parameters()}
    assert torch_cells.set_gate_bias(layer, block, 1.5) is layer
    H = layer.hidden_size
    rows = slice(block * H, (block + 1) * H)
    for k in range(layer.num_layers):
        total = getattr(layer, f"bias_ih_l{k}") + getattr(layer, f"bias_hh_l{k}")
        assert torch.equal(total[rows], torch.full((H,), 1.5))
        for name in (f"bias_ih_l{k}", f"bias_hh_l{k}"):  # the other blocks are untouched
            mask = torch.ones_like(before[name], dtype=torch.bool)
            mask[rows] = False
            assert torch.equal(getattr(layer, name)[mask], before[name][mask])
    with pytest.raises(ValueError, match="block must be an integer in"):
        torch_cells.set_gate_bias(layer, 4, 1.0)
    with pytest.raises(ValueError, match=r"layer must be a torch\.nn LSTM, GRU or RNN"):
        torch_cells.set_gate_bias(torch.nn.Linear(2, 2), 0, 1.0)
