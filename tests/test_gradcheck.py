"""Backward passes against central differences, and the gradient checker itself."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import random_state

import rnnlib
from rnnlib import gradcheck

# Central differences with step 1e-5 in float64 are accurate to about 1e-10 relative
# (truncation ~ step^2, rounding ~ 1e-16 / step); 1e-7 is a safe bound that a wrong
# backward pass (errors of order 1) cannot meet.
TOL = 1e-7


@pytest.mark.parametrize("kind,nonlinearity", [("rnn", "tanh"), ("rnn", "relu"), ("rnn", "sigmoid"),
                                               ("lstm", None), ("gru", None)])
def test_sequence_gradients_match_central_differences(kind, nonlinearity):
    rng = np.random.default_rng(0)
    layer = getattr(rnnlib, kind)
    params = layer.init_params(3, 4, rng)
    x = rng.standard_normal((10, 2, 3))
    state = random_state(kind, rng, 2, 4)
    kwargs = {"nonlinearity": nonlinearity} if nonlinearity else {}
    errors = gradcheck.layer_gradient_errors(layer, params, x, state, rng=rng, **kwargs)
    expected = {"weight_ih", "weight_hh", "bias_ih", "bias_hh", "x"}
    expected |= {"state_h", "state_c"} if kind == "lstm" else {"state"}
    assert set(errors) == expected
    for name, err in errors.items():
        assert err.normwise < TOL, f"{kind} {name}: {err.normwise:.2e}"


class ForgetfulRNN:
    """An RNN whose backward pass forgets to carry the gradient to the previous step.

    Each step is differentiated on its own (h_{t-1} treated as a constant), the classic
    BPTT bug. It is exact for T = 1 and wrong for any longer sequence.
    """

    forward = staticmethod(rnnlib.rnn.forward)

    @staticmethod
    def backward(d_outputs, d_final, cache):
        steps = d_outputs.shape[0]
        grads = {k: np.zeros_like(v) for k, v in cache["params"].items()}
        dx = np.zeros_like(cache["x"])
        d_out = d_outputs.copy()
        if d_final is not None:
            d_out[-1] += d_final
        d_state0 = None
        for t in range(steps):
            one_step = dict(cache, x=cache["x"][t : t + 1], outputs=cache["outputs"][t : t + 1],
                            h0=cache["h0"] if t == 0 else cache["outputs"][t - 1])
            g, dx_t, dh = rnnlib.rnn.backward(d_out[t : t + 1], None, one_step)
            for k in grads:
                grads[k] += g[k]
            dx[t] = dx_t[0]
            d_state0 = dh if t == 0 else d_state0
        return grads, dx, d_state0


def test_gradient_checker_catches_a_forgetful_backward():
    """The single-step check passes; the sequence check fails."""
    rng = np.random.default_rng(0)
    params = rnnlib.rnn.init_params(3, 4, rng)
    one_step = gradcheck.layer_gradient_errors(ForgetfulRNN, params, rng.standard_normal((1, 2, 3)),
                                               rng=rng)
    assert max(e.normwise for e in one_step.values()) < TOL
    sequence = gradcheck.layer_gradient_errors(ForgetfulRNN, params, rng.standard_normal((6, 2, 3)),
                                               rng=rng)
    assert sequence["weight_hh"].normwise > 1e-3
    assert sequence["x"].normwise > 1e-3


def test_numerical_gradient_of_a_known_function():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    grad = gradcheck.numerical_gradient(lambda: float(np.sum(np.sin(x) * x)), x)
    np.testing.assert_allclose(grad, np.cos(x) * x + np.sin(x), rtol=1e-9)
    np.testing.assert_array_equal(x, [[0.3, -1.2], [2.0, 0.5]])  # restored exactly


def test_relative_errors():
    a = np.array([1.0, 1e-7])
    b = np.array([1.0, 2e-7])
    assert gradcheck.relative_error(a, b) < 1e-7          # norm-wise: tiny entry barely counts
    assert gradcheck.max_relative_error(a, b) > 0.3       # element-wise: it dominates
    assert gradcheck.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(ValueError, match="must be real arrays"):
        gradcheck.relative_error(np.array([1j]), np.array([0.0]))
    with pytest.raises(ValueError, match="same shape"):
        gradcheck.relative_error(np.zeros(3), np.zeros(4))
