"""Tests of rnnlib.recurrent_dropout: the loop LSTM, each dropout placement, train and eval modes."""

import pytest
import torch

from rnnlib.recurrent_dropout import PLACEMENTS, DropoutLanguageModel, DropoutLSTM, dropout_mask

T, N, D, H = 6, 5, 3, 4


def _pair(placement, p=0.5, layers=2, seed=0):
    torch.manual_seed(seed)
    ref = torch.nn.LSTM(D, H, num_layers=layers, dtype=torch.float64)
    model = DropoutLSTM(D, H, layers, placement=placement, p=p, dtype=torch.float64)
    model.load_state_dict(ref.state_dict())
    x = torch.randn(T, N, D, dtype=torch.float64)
    return ref, model, x


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_p_zero_equals_torch_lstm(placement):
    ref, model, x = _pair(placement, p=0.0)
    state = (torch.randn(2, N, H, dtype=torch.float64), torch.randn(2, N, H, dtype=torch.float64))
    out_r, (h_r, c_r) = ref(x, state)
    out_m, (h_m, c_m) = model(x, state)
    for a, b in ((out_r, out_m), (h_r, h_m), (c_r, c_m)):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("placement", [p for p in PLACEMENTS if p != "zoneout"])
def test_eval_mode_is_no_dropout(placement):
    ref, model, x = _pair(placement)
    model.eval()
    torch.testing.assert_close(model(x)[0], ref(x)[0], rtol=0, atol=1e-12)


def test_zoneout_eval_is_the_expectation():
    _, model, x = _pair("zoneout", p=0.3, layers=1)
    model.eval()
    out, _ = model(x)
    plain = DropoutLSTM(D, H, 1, dtype=torch.float64)
    plain.load_state_dict(model.state_dict())
    h = c = torch.zeros(N, H, dtype=torch.float64)
    for t in range(T):  # one step of the plain cell from the zoned-out state, then the expectation
        _, (h_new, c_new) = plain(x[t : t + 1], (h[None], c[None]))
        h, c = 0.3 * h + 0.7 * h_new[0], 0.3 * c + 0.7 * c_new[0]
        torch.testing.assert_close(out[t], h, rtol=0, atol=1e-12)


@pytest.mark.parametrize("placement", [p for p in PLACEMENTS if p != "none"])
def test_train_mode_differs_and_is_seeded(placement):
    ref, model, x = _pair(placement)
    g1, g2 = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    out1, _ = model(x, generator=g1)
    out2, _ = model(x, generator=g2)
    torch.testing.assert_close(out1, out2, rtol=0, atol=0)
    assert (out1 - ref(x)[0]).abs().max() > 1e-3
    out1.sum().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


def test_variational_masks_shared_over_time_reproduced_by_hand():
    _, model, x = _pair("variational", p=0.5, layers=1)
    plain = DropoutLSTM(D, H, 1, dtype=torch.float64)
    plain.load_state_dict(model.state_dict())
    x = torch.randn(T, 200, D, dtype=torch.float64)
    gen = torch.Generator().manual_seed(3)
    m_in = dropout_mask((1, 200, D), 0.5, like=x, generator=gen)
    m_h = dropout_mask((200, H), 0.5, like=x, generator=gen)
    m_out = dropout_mask((1, 200, H), 0.5, like=x, generator=gen)
    out, _ = model(x, generator=torch.Generator().manual_seed(3))
    # rebuild by hand: h_{t-1} masked by m_h inside the recurrence is DropConnect on W_hh's columns
    w_hh = plain.weight_hh_l0
    h = c = torch.zeros(200, H, dtype=torch.float64)
    for t in range(T):
        a = x[t] * m_in[0] @ plain.weight_ih_l0.T + plain.bias_ih_l0 + plain.bias_hh_l0 + (h * m_h) @ w_hh.T
        i, f, g, o = a.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        torch.testing.assert_close(out[t], h * m_out[0], rtol=0, atol=1e-12)
    # different sequences get different masks
    assert len({tuple(m_h[n].tolist()) for n in range(200)}) > 8


def test_weight_drop_uses_one_mask_per_call():
    _, model, x = _pair("weight_drop", p=0.5, layers=1)
    gen = torch.Generator().manual_seed(4)
    m = dropout_mask((4 * H, H), 0.5, like=x, generator=gen)
    fixed = DropoutLSTM(D, H, 1, dtype=torch.float64)
    state = model.state_dict()
    state["weight_hh_l0"] = state["weight_hh_l0"] * m
    fixed.load_state_dict(state)
    out, _ = model(x, generator=torch.Generator().manual_seed(4))
    torch.testing.assert_close(out, fixed(x)[0], rtol=0, atol=1e-12)


@pytest.mark.parametrize("p", [0.3])
def test_semeniuta_preserves_expectation_at_first_step(p):
    # At t = 0 from a zero state the cell is linear in the dropped candidate: E[c_0] equals the
    # eval value; the mean over 4000 sequences of one input is within 5 standard errors.
    torch.manual_seed(0)
    model = DropoutLSTM(D, H, 1, placement="semeniuta", p=p, dtype=torch.float64)
    x = torch.randn(1, 1, D, dtype=torch.float64).expand(1, 4000, D).contiguous()
    _, (_, c_train) = model(x, generator=torch.Generator().manual_seed(0))
    model.eval()
    _, (_, c_eval) = model(x)
    mean, se = c_train[0].mean(0), c_train[0].std(0) / 4000**0.5
    assert ((mean - c_eval[0, 0]).abs() < 5 * se + 1e-12).all()


def test_language_model_shapes_and_bad_input():
    model = DropoutLanguageModel(11, 5, 7, output_size=3, placement="variational", p=0.2)
    tokens = torch.randint(0, 11, (9, 4))
    assert model(tokens).shape == (9, 4, 3)
    with pytest.raises(ValueError, match="tokens must hold ids"):
        model(torch.full((2, 2), 11))
    with pytest.raises(ValueError, match=r"torch\.long"):
        model(torch.zeros(2, 2))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"placement": "gal"}, "placement must be one of"), ({"p": 1.0}, "p must be a probability"),
     ({"num_layers": 0}, "num_layers must be a positive integer")],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DropoutLSTM(D, H, **kwargs)


def test_bad_input_shapes():
    model = DropoutLSTM(D, H, 2)
    with pytest.raises(ValueError, match=r"x must be a floating-point tensor of shape \(T, N, D\)"):
        model(torch.zeros(3, 2, D + 1))
    with pytest.raises(ValueError, match=r"state must be a tuple \(h_0, c_0\)"):
        model(torch.zeros(3, 2, D), (torch.zeros(1, 2, H), torch.zeros(1, 2, H)))
