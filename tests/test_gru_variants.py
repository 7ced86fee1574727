"""The reset-before GRU (rnnlib.gru_variants): gradients, a hand-written step, and how it
differs from PyTorch's reset-after GRU (rnnlib.gru) on the same parameters.

PyTorch has no module for this form, so the gradients are checked against central
differences (norm-wise relative error below 1e-7, as for the other layers) and the forward
pass against a single step written out from the equations.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from rnnlib import gru, gru_variants
from rnnlib.activations import sigmoid
from rnnlib.gradcheck import layer_gradient_errors, relative_error

T, N, D, H = 5, 3, 4, 6


def setup(seed=0):
    rng = np.random.default_rng(seed)
    return gru_variants.init_params(D, H, rng), rng.standard_normal((T, N, D)), rng


@pytest.mark.parametrize("with_state", [False, True])
def test_gradient_check(with_state):
    params, x, rng = setup(1)
    # Larger weights than the default init so that every gate is away from 1/2.
    params = {k: 2.0 * v for k, v in params.items()}
    state = rng.standard_normal((N, H)) if with_state else None
    errors = layer_gradient_errors(gru_variants, params, x, state, rng=rng)
    assert set(errors) == {"weight_ih", "weight_hh", "bias_ih", "bias_hh", "x"} | (
        {"state"} if with_state else set())
    for name, err in errors.items():
        assert err.normwise < 1e-7, f"{name}: {err}"


def test_gradient_check_single_step_single_unit():
    rng = np.random.default_rng(2)
    params = gru_variants.init_params(1, 1, rng)
    x = rng.standard_normal((1, 1, 1))
    errors = layer_gradient_errors(gru_variants, params, x, rng.standard_normal((1, 1)), rng=rng)
    for name, err in errors.items():
        assert err.normwise < 1e-7, f"{name}: {err}"


def test_single_step_by_hand():
    params, x, rng = setup(3)
    h0 = rng.standard_normal((N, H))
    w_ih, w_hh, b_ih, b_hh = (params[k] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    blocks = [slice(0, H), slice(H, 2 * H), slice(2 * H, 3 * H)]
    h = h0
    for t in range(T):
        r = sigmoid(x[t] @ w_ih[blocks[0]].T + b_ih[blocks[0]] + h @ w_hh[blocks[0]].T + b_hh[blocks[0]])
        z = sigmoid(x[t] @ w_ih[blocks[1]].T + b_ih[blocks[1]] + h @ w_hh[blocks[1]].T + b_hh[blocks[1]])
        n = np.tanh(x[t] @ w_ih[blocks[2]].T + b_ih[blocks[2]] + (r * h) @ w_hh[blocks[2]].T
                    + b_hh[blocks[2]])
        h = (1 - z) * n + z * h
        outputs, final, _ = gru_variants.forward(params, x[: t + 1], h0)
        assert relative_error(outputs[t], h) < 1e-14
    np.testing.assert_array_equal(final, outputs[-1])


def test_differs_from_reset_after():
    params, x, rng = setup(4)
    h0 = rng.standard_normal((N, H))
    before, _, _ = gru_variants.forward(params, x, h0)
    after, _, _ = gru.forward(params, x, h0)
    assert relative_error(before, after) > 1e-3


def test_agrees_with_reset_after_at_step_one_from_zero_state():
    """From h_0 = 0 with b_hn = 0 the candidates coincide at step 1: W_hn (r * 0) = r * (W_hn 0) = 0."""
    params, x, _ = setup(5)
    params["bias_hh"][2 * H :] = 0.0
    before, _, _ = gru_variants.forward(params, x)
    after, _, _ = gru.forward(params, x)
    np.testing.assert_array_equal(before[0], after[0])   # exactly, not just to rounding
    for t in range(1, T):
        assert relative_error(before[t], after[t]) > 1e-3, t


def test_equals_reset_after_when_reset_is_one_and_b_hn_is_zero():
    """With r = 1 (here: W_hr = 0 and a huge reset bias) both forms are W_hn h + b_hn."""
    params, x, rng = setup(6)
    params["weight_ih"][:H] = 0.0
    params["weight_hh"][:H] = 0.0
    params["bias_ih"][:H] = 800.0          # sigmoid(800) == 1.0 in float64
    h0 = rng.standard_normal((N, H))
    before, _, _ = gru_variants.forward(params, x, h0)
    after, _, _ = gru.forward(params, x, h0)
    assert relative_error(before, after) < 1e-14


def test_zero_state_default_and_no_mutation():
    params, x, rng = setup(7)
    out_none, _, cache = gru_variants.forward(params, x)
    out_zero, _, _ = gru_variants.forward(params, x, np.zeros((N, H)))
    np.testing.assert_array_equal(out_none, out_zero)
    d_out = rng.standard_normal((T, N, H))
    d_final = rng.standard_normal((N, H))
    before = (d_out.copy(), d_final.copy())
    first = gru_variants.backward(d_out, d_final, cache)
    second = gru_variants.backward(d_out, d_final, cache)
    np.testing.assert_array_equal(before[0], d_out)
    np.testing.assert_array_equal(before[1], d_final)
    np.testing.assert_array_equal(first[1], second[1])
    for name in params:
        np.testing.assert_array_equal(first[0][name], second[0][name])


def raises(match):
    return pytest.raises(ValueError, match=re.escape(match))


def test_bad_input():
    params, x, rng = setup(8)
    with raises("x must have shape (T, N, D)"):
        gru_variants.forward(params, x[0])
    with raises("got dtype float32"):
        gru_variants.forward(params, x.astype(np.float32))
    with raises("state must have shape (N, H)"):
        gru_variants.forward(params, x, np.zeros((N, H + 1)))
    with raises("params['weight_hh'] of a gru layer must have shape (3*H, H)"):
        gru_variants.forward(dict(params, weight_hh=params["weight_hh"][: 2 * H]), x)
    with raises("missing ['bias_hh']"):
        gru_variants.forward({k: v for k, v in params.items() if k != "bias_hh"}, x)
    with raises("input_size must be a positive integer"):
        gru_variants.init_params(0, H, rng)
    outputs, _, cache = gru_variants.forward(params, x)
    _, _, gru_cache = gru.forward(params, x)
    with raises("cache must be the third value returned by rnnlib.gru_variants.forward"):
        gru_variants.backward(np.zeros_like(outputs), None, gru_cache)   # the other GRU's cache
    with raises("d_outputs must have shape (T, N, H)"):
        gru_variants.backward(np.zeros((T, N, H + 1)), None, cache)
    with raises("d_final_state must have shape (N, H)"):
        gru_variants.backward(np.zeros_like(outputs), np.zeros((N + 1, H)), cache)
    bad = x.copy()
    bad[0, 0, 0] = np.nan
    with raises("x contains NaN"):
        gru_variants.forward(params, bad)
