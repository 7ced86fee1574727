"""rnnlib's reference layers against torch.nn.RNN/LSTM/GRU with the same weights.

Forward outputs, final states and every gradient (parameters, inputs, initial state) must
agree to a norm-wise relative error below 1e-9 over many random sizes, including T = 1
and H = 1, with and without an initial state and a final-state gradient. Both sides run
in float64, so the differences are rounding from different orders of summation (~1e-16
per operation); 1e-9 leaves a wide margin and still fails for any real mistake.
"""

from __future__ import annotations

import numpy as np
from helpers import LAYERS, random_state, torch_reference
from hypothesis import given, settings
from hypothesis import strategies as st

import rnnlib
from rnnlib.gradcheck import relative_error

TOL = 1e-9


def assert_close(name, ours, theirs):
    if isinstance(ours, tuple):
        for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_close(f"{name}[{k}]", a, b)
        return
    assert ours.shape == theirs.shape, f"{name}: shape {ours.shape} vs {theirs.shape}"
    err = relative_error(ours, theirs)
    assert err < TOL, f"{name}: relative error {err:.2e} >= {TOL:.0e}"


@settings(max_examples=300)
@given(
    kind=st.sampled_from(LAYERS),
    steps=st.integers(1, 8),
    batch=st.integers(1, 4),
    input_size=st.integers(1, 6),
    hidden=st.integers(1, 6),
    with_state=st.booleans(),
    with_d_final=st.booleans(),
    relu=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_matches_torch(kind, steps, batch, input_size, hidden, with_state, with_d_final, relu, seed):
    rng = np.random.default_rng(seed)
    layer = getattr(rnnlib, kind)
    params = layer.init_params(input_size, hidden, rng)
    x = rng.standard_normal((steps, batch, input_size))
    state = random_state(kind, rng, batch, hidden) if with_state else None
    d_outputs = rng.standard_normal((steps, batch, hidden))
    d_final = random_state(kind, rng, batch, hidden) if with_d_final else None
    kwargs = {"nonlinearity": "relu" if relu else "tanh"} if kind == "rnn" else {}

    outputs, final, cache = layer.forward(params, x, state, **kwargs)
    grads, dx, d_state0 = layer.backward(d_outputs, d_final, cache)
    ref = torch_reference(kind, params, x, state, d_outputs, d_final, **kwargs)

    assert_close("outputs", outputs, ref["outputs"])
    assert_close("final state", final, ref["final"])
    for name in params:
        assert_close(name, grads[name], ref["grads"][name])
    assert_close("dx", dx, ref["dx"])
    if with_state:
        assert_close("d_state0", d_state0, ref["d_state0"])


def test_zero_state_is_default():
    """state=None means zeros, and d_final_state=None means a zero gradient."""
    rng = np.random.default_rng(1)
    for kind in LAYERS:
        layer = getattr(rnnlib, kind)
        params = layer.init_params(3, 4, rng)
        x = rng.standard_normal((5, 2, 3))
        zeros = (np.zeros((2, 4)), np.zeros((2, 4))) if kind == "lstm" else np.zeros((2, 4))
        out_none, _, cache_none = layer.forward(params, x)
        out_zero, _, cache_zero = layer.forward(params, x, zeros)
        np.testing.assert_array_equal(out_none, out_zero)
        d_out = rng.standard_normal(out_none.shape)
        g_none, dx_none, _ = layer.backward(d_out, None, cache_none)
        g_zero, dx_zero, _ = layer.backward(d_out, zeros, cache_zero)
        np.testing.assert_array_equal(dx_none, dx_zero)
        for name in params:
            np.testing.assert_array_equal(g_none[name], g_zero[name])


def test_backward_does_not_modify_its_arguments():
    rng = np.random.default_rng(2)
    for kind in LAYERS:
        layer = getattr(rnnlib, kind)
        params = layer.init_params(3, 4, rng)
        _, _, cache = layer.forward(params, rng.standard_normal((5, 2, 3)))
        d_out = rng.standard_normal((5, 2, 4))
        d_final = random_state(kind, rng, 2, 4)
        arrays = [d_out, *(d_final if kind == "lstm" else (d_final,))]
        before = [a.copy() for a in arrays]
        first = layer.backward(d_out, d_final, cache)
        second = layer.backward(d_out, d_final, cache)  # twice: the cache must not be consumed
        for old, new in zip(before, arrays, strict=True):
            np.testing.assert_array_equal(old, new)
        np.testing.assert_array_equal(first[1], second[1])
