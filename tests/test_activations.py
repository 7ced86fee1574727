"""The activations: values, derivatives from outputs, and no overflow at extreme inputs."""

from __future__ import annotations

import math
import warnings

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from rnnlib import activations as act


@given(st.floats(-800.0, 800.0))
def test_sigmoid_matches_math_definition(a):
    expected = 1.0 / (1.0 + math.exp(-a)) if a > -700 else math.exp(a) / (1.0 + math.exp(a))
    got = float(act.sigmoid(np.array([a]))[0])
    assert got == expected or abs(got - expected) <= 4e-16 * expected + 1e-300


def test_extreme_inputs_do_not_warn():
    a = np.array([-1e308, -1e3, -745.2, -709.8, -30.0, 0.0, 30.0, 1e3, 1e308])
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        s, t, r = act.sigmoid(a), act.tanh(a), act.relu(a)
    assert np.isfinite(s).all() and s[0] == 0.0 and s[-1] == 1.0 and s[5] == 0.5
    np.testing.assert_array_equal(t[[0, -1]], [-1.0, 1.0])
    np.testing.assert_array_equal(r, np.maximum(a, 0))
    # far tail keeps full relative precision: sigma(-30) = e^-30 / (1 + e^-30)
    assert abs(s[4] / (math.exp(-30.0) / (1 + math.exp(-30.0))) - 1) < 1e-15


def test_zero_dimensional_input():
    assert act.sigmoid(np.array(0.0)) == 0.5 and act.sigmoid(np.array(-1e3)) == 0.0


def test_derivatives_from_outputs_match_central_differences():
    a = np.linspace(-4, 4, 41) + 0.0123  # avoid relu's kink at exactly 0
    eps = 1e-6
    for f, df in ((act.sigmoid, act.sigmoid_grad_from_output),
                  (act.tanh, act.tanh_grad_from_output),
                  (act.relu, act.relu_grad_from_output)):
        numeric = (f(a + eps) - f(a - eps)) / (2 * eps)
        np.testing.assert_allclose(df(f(a)), numeric, rtol=1e-8, atol=1e-10)
