"""Tests of rnnlib.lstm_variants: gradient checks, reductions to known layers, bad input."""

import numpy as np
import pytest

from rnnlib import gradcheck, lstm, lstm_variants
from rnnlib.activations import sigmoid


def _setup(variant, seed=0, T=6, N=3, D=4, H=5):
    rng = np.random.default_rng(seed)
    params = lstm_variants.init_params(D, H, variant, rng)
    x = rng.standard_normal((T, N, D))
    state = (rng.standard_normal((N, H)), rng.standard_normal((N, H)))
    return rng, params, x, state


@pytest.mark.parametrize("variant", lstm_variants.VARIANTS)
def test_gradients_match_central_differences(variant):
    rng, params, x, state = _setup(variant)
    errors = gradcheck.layer_gradient_errors(lstm_variants, params, x, state, rng=rng, variant=variant)
    expected = set(params) | {"x", "state_h", "state_c"}
    assert set(errors) == expected
    for name, err in errors.items():
        assert err.normwise < 1e-7, (variant, name, err)


@pytest.mark.parametrize("variant", lstm_variants.VARIANTS)
def test_gradients_without_initial_state(variant):
    rng, params, x, _ = _setup(variant, seed=1)
    errors = gradcheck.layer_gradient_errors(lstm_variants, params, x, None, rng=rng, variant=variant)
    assert max(e.normwise for e in errors.values()) < 1e-7


def test_peephole_with_zero_peepholes_is_the_standard_lstm():
    rng, params, x, state = _setup("peephole", seed=2)
    for name in lstm_variants.PEEPHOLE_NAMES:
        params[name] = np.zeros_like(params[name])
    standard = {k: params[k] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    out_v, (h_v, c_v), cache_v = lstm_variants.forward(params, x, state, variant="peephole")
    out_s, (_h_s, c_s), cache_s = lstm.forward(standard, x, state)
    np.testing.assert_allclose(out_v, out_s, rtol=0, atol=1e-15)
    np.testing.assert_allclose(c_v, c_s, rtol=0, atol=1e-15)
    g = rng.standard_normal(out_v.shape)
    d_final = (rng.standard_normal(h_v.shape), rng.standard_normal(c_v.shape))
    grads_v, dx_v, d0_v = lstm_variants.backward(g, d_final, cache_v)
    grads_s, dx_s, d0_s = lstm.backward(g, d_final, cache_s)
    for name in standard:
        np.testing.assert_allclose(grads_v[name], grads_s[name], rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(dx_v, dx_s, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(d0_v[1], d0_s[1], rtol=1e-13, atol=1e-13)


def _hand_step(params, x_t, h, c, variant):
    # One step written directly from the equations (no shared code with the module).
    H = h.shape[1]
    a = x_t @ params["weight_ih"].T + params["bias_ih"] + h @ params["weight_hh"].T + params["bias_hh"]
    i = sigmoid(a[:, :H])
    g = np.tanh(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:])
    c_new = c + i * g if variant == "no_forget" else (1 - i) * c + i * g
    return o * np.tanh(c_new), c_new


@pytest.mark.parametrize("variant", ["coupled", "no_forget"])
def test_three_block_variants_match_hand_written_steps(variant):
    _, params, x, (h, c) = _setup(variant, seed=3)
    outputs, (_h_T, c_T), _ = lstm_variants.forward(params, x, (h, c), variant=variant)
    for t in range(x.shape[0]):
        h, c = _hand_step(params, x[t], h, c, variant)
        np.testing.assert_allclose(outputs[t], h, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(c_T, c, rtol=1e-14, atol=1e-14)


def test_coupled_equals_standard_lstm_with_forget_gate_one_minus_input():
    # Coupled gates are the standard LSTM with f_t = 1 - i_t = sigma(-a^i_t): copy the input
    # block negated into the forget block of a 4-block LSTM.
    _, params, x, state = _setup("coupled", seed=4)
    H = params["weight_hh"].shape[1]

    def four(w):
        i, g, o = w[:H], w[H:2 * H], w[2 * H:]
        return np.concatenate([i, -i, g, o])

    standard = {k: four(v) for k, v in params.items()}
    out_c, _, _ = lstm_variants.forward(params, x, state, variant="coupled")
    out_s, _, _ = lstm.forward(standard, x, state)
    np.testing.assert_allclose(out_c, out_s, rtol=1e-13, atol=1e-14)


def test_peephole_output_gate_sees_new_cell():
    _, params, x, _ = _setup("peephole", seed=5, T=1)
    H = params["weight_hh"].shape[1]
    _outputs, (h1, c1), _ = lstm_variants.forward(params, x, None, variant="peephole")
    a = x[0] @ params["weight_ih"].T + params["bias_ih"] + params["bias_hh"]
    i, _f, g = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H])
    c = i * g  # c_0 = 0, so the i and f peepholes see zeros
    o = sigmoid(a[:, 3 * H:] + params["peephole_o"] * c)
    np.testing.assert_allclose(c1, c, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(h1, o * np.tanh(c), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("variant", lstm_variants.VARIANTS)
def test_init_params_shapes(variant):
    params = lstm_variants.init_params(4, 5, variant, np.random.default_rng(0))
    G = lstm_variants.NUM_GATES[variant]
    assert params["weight_ih"].shape == (G * 5, 4)
    assert params["weight_hh"].shape == (G * 5, 5)
    assert ("peephole_i" in params) == (variant == "peephole")


def test_bad_input_raises_value_error():
    _, params, x, state = _setup("peephole")
    with pytest.raises(ValueError, match="variant"):
        lstm_variants.forward(params, x, state, variant="gru")
    with pytest.raises(ValueError, match="variant"):
        lstm_variants.init_params(4, 5, "plain", np.random.default_rng(0))
    bad = dict(params)
    del bad["peephole_o"]
    with pytest.raises(ValueError, match="peephole_o"):
        lstm_variants.forward(bad, x, state, variant="peephole")
    bad = dict(params, peephole_i=np.zeros(7))
    with pytest.raises(ValueError, match=r"peephole_i.*\(H,\)"):
        lstm_variants.forward(bad, x, state, variant="peephole")
    with pytest.raises(ValueError, match="weight_hh"):
        lstm_variants.forward(params, x, state, variant="coupled")  # 4 blocks, not 3
    with pytest.raises(ValueError, match="x must have shape"):
        lstm_variants.forward(params, x[:, :, :2], state, variant="peephole")
    with pytest.raises(ValueError, match="state"):
        lstm_variants.forward(params, x, state[0], variant="peephole")
    _, _, cache = lstm.forward({k: params[k] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}, x)
    with pytest.raises(ValueError, match="cache"):
        lstm_variants.backward(np.zeros((6, 3, 5)), None, cache)
    _, _, cache = lstm_variants.forward(params, x, state, variant="peephole")
    with pytest.raises(ValueError, match="d_outputs"):
        lstm_variants.backward(np.zeros((6, 3, 4)), None, cache)
