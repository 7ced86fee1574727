"""Bad input to rnnlib raises a ValueError that names the argument and the expected shape."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from helpers import LAYERS, random_state

import rnnlib

T, N, D, H = 4, 2, 3, 5


def setup(kind, seed=0):
    rng = np.random.default_rng(seed)
    layer = getattr(rnnlib, kind)
    return layer, layer.init_params(D, H, rng), rng.standard_normal((T, N, D)), rng


def raises(match):
    return pytest.raises(ValueError, match=re.escape(match))


@pytest.mark.parametrize("kind", LAYERS)
def test_bad_inputs_x(kind):
    layer, params, x, _ = setup(kind)
    with raises("x must have shape (T, N, D)"):
        layer.forward(params, x[0])                          # rank 2: forgot the time axis
    with raises("x must have shape (T, N, D)"):
        layer.forward(params, x[..., :2])                    # wrong input size
    with raises("x must have shape (T, N, D)"):
        layer.forward(params, x[:0])                         # empty sequence
    with raises("x must be a float64 numpy array of shape (T, N, D); got dtype int64"):
        layer.forward(params, x.astype(np.int64))
    with raises("got dtype float32"):
        layer.forward(params, x.astype(np.float32))
    with raises("x must be a float64 numpy array of shape (T, N, D); got list"):
        layer.forward(params, x.tolist())
    bad = x.copy()
    bad[1, 0, 2] = np.nan
    with raises("x contains NaN or infinite values"):
        layer.forward(params, bad)
    bad[1, 0, 2] = np.inf
    with raises("x contains NaN"):
        layer.forward(params, bad)


@pytest.mark.parametrize("kind", LAYERS)
def test_bad_params(kind):
    layer, params, x, _ = setup(kind)
    g = layer.NUM_GATES
    with raises("missing ['bias_hh']"):
        layer.forward({k: v for k, v in params.items() if k != "bias_hh"}, x)
    with raises("unexpected ['weight_hr']"):
        layer.forward(dict(params, weight_hr=params["weight_hh"]), x)
    with raises("params must be a dict"):
        layer.forward([params], x)
    with raises("params['weight_hh']"):
        layer.forward(dict(params, weight_hh=params["weight_hh"][:, :-1]), x)
    with raises("params['weight_ih']"):
        layer.forward(dict(params, weight_ih=params["weight_ih"][:-1]), x)
    with raises("params['bias_ih'] must have shape"):
        layer.forward(dict(params, bias_ih=params["bias_ih"][None]), x)
    with raises(f"({g * H},)"):
        layer.forward(dict(params, bias_hh=params["bias_hh"][:-1]), x)
    with raises("params['weight_ih'] must be a float64"):
        layer.forward(dict(params, weight_ih=params["weight_ih"].astype(int)), x)
    nan = params["weight_hh"].copy()
    nan[0, 0] = np.nan
    with raises("params['weight_hh'] contains NaN"):
        layer.forward(dict(params, weight_hh=nan), x)


def test_params_of_another_layer_are_rejected():
    _, lstm_params, x, _ = setup("lstm")
    with raises("params['weight_hh'] of a gru layer must have shape (3*H, H)"):
        rnnlib.gru.forward(lstm_params, x)
    with raises("params['weight_hh'] of a rnn layer must have shape (H, H)"):
        rnnlib.rnn.forward(lstm_params, x)


@pytest.mark.parametrize("kind", LAYERS)
def test_bad_state_and_gradients(kind):
    layer, params, x, rng = setup(kind)
    state = random_state(kind, rng, N, H)
    if kind == "lstm":
        with raises("state[1] (c) must have shape (N, H) = (2, 5)"):
            layer.forward(params, x, (state[0], state[1][:1]))
        with raises("state of an LSTM must be a tuple (h, c)"):
            layer.forward(params, x, state[0])
    else:
        with raises("state must have shape (N, H) = (2, 5); got shape (1, 2, 5)"):
            layer.forward(params, x, state[None])            # torch's (layers, N, H) layout
    outputs, final, cache = layer.forward(params, x, state)
    with raises("d_outputs must have shape (T, N, H) = (4, 2, 5)"):
        layer.backward(outputs[:, :, :-1], None, cache)
    with raises("d_final_state"):
        layer.backward(outputs, (final[0][:1], final[1]) if kind == "lstm" else final[:1], cache)
    with raises("cache must be the third value returned by rnnlib." + kind):
        layer.backward(outputs, None, {"layer": "other"})
    with raises("d_outputs contains NaN"):
        layer.backward(outputs * np.nan, None, cache)


def test_bad_options():
    layer, params, x, _ = setup("rnn")
    with raises("nonlinearity must be 'tanh', 'relu' or 'sigmoid'; got 'softplus'"):
        layer.forward(params, x, nonlinearity="softplus")
    with raises("hidden_size must be a positive integer; got 0"):
        rnnlib.lstm.init_params(3, 0)
    with raises("input_size must be a positive integer; got 2.0"):
        rnnlib.gru.init_params(2.0, 3)
    with raises("rng must be a numpy Generator"):
        rnnlib.rnn.init_params(2, 3, rng=0)


@pytest.mark.parametrize("kind,nonlinearity", [("rnn", "tanh"), ("rnn", "relu"), ("lstm", None),
                                               ("gru", None)])
def test_huge_inputs_no_overflow_no_nan(kind, nonlinearity):
    """Inputs of magnitude 1e3 saturate the gates; nothing overflows or turns to NaN."""
    layer, params, x, rng = setup(kind)
    x = 1e3 * np.sign(x)
    kwargs = {"nonlinearity": nonlinearity} if nonlinearity else {}
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):
        warnings.simplefilter("error")
        outputs, _, cache = layer.forward(params, x, **kwargs)
        grads, dx, d_state0 = layer.backward(rng.standard_normal(outputs.shape), None, cache)
    for array in (outputs, dx, *grads.values(), *np.atleast_1d(d_state0)):
        assert np.isfinite(array).all()
    if nonlinearity != "relu":
        assert np.abs(outputs).max() <= 1.0
