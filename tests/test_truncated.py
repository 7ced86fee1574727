"""Truncated BPTT: the limits it must reach, and agreement with PyTorch's detach."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import random_state

import rnnlib
from rnnlib.gradcheck import relative_error
from rnnlib.torch_interop import torch_layer
from rnnlib.truncated import truncated_gradients


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_full_window_is_full_bptt(kind):
    rng = np.random.default_rng(0)
    layer = getattr(rnnlib, kind)
    params = layer.init_params(3, 4, rng)
    x = rng.standard_normal((9, 2, 3))
    state = random_state(kind, rng, 2, 4)
    d_out = rng.standard_normal((9, 2, 4))
    _, _, cache = layer.forward(params, x, state)
    full, _, _ = layer.backward(d_out, None, cache)
    for k1, k2 in ((9, 9), (4, 12), (1, 9), (2, 20)):  # every window reaches step 0
        ours = truncated_gradients(layer, params, x, d_out, k1, k2, state)
        for name in params:
            assert relative_error(ours[name], full[name]) < 1e-13, (k1, k2, name)


def test_windows_match_torch_detach():
    """TBPTT(k, k) equals PyTorch with the state detached every k steps."""
    rng = np.random.default_rng(1)
    params = rnnlib.lstm.init_params(3, 4, rng)
    x = rng.standard_normal((10, 2, 3))
    d_out = rng.standard_normal((10, 2, 4))
    module = torch_layer("lstm", params)
    state = None
    for start in range(0, 10, 4):
        out, state = module(torch.from_numpy(x[start : start + 4]), state)
        (out * torch.from_numpy(d_out[start : start + 4])).sum().backward()
        state = tuple(s.detach() for s in state)
    ours = truncated_gradients(rnnlib.lstm, params, x, d_out, 4, 4)
    for name in params:
        assert relative_error(ours[name], getattr(module, name + "_l0").grad.numpy()) < 1e-12


def test_overlapping_windows_match_torch():
    """TBPTT(k1, k2) with k1 < k2: each loss term flows back k2 steps at most."""
    rng = np.random.default_rng(2)
    params = rnnlib.rnn.init_params(2, 3, rng)
    x = rng.standard_normal((7, 1, 2))
    d_out = rng.standard_normal((7, 1, 3))
    module = torch_layer("rnn", params)
    k1, k2 = 2, 3
    for end in (2, 4, 6, 7):
        newest = (end - 1) // k1 * k1
        start = max(0, newest + k1 - k2)
        h = None if start == 0 else module(torch.from_numpy(x[:start]))[1].detach()
        out, _ = module(torch.from_numpy(x[start:end]), h)
        (out[newest - start :] * torch.from_numpy(d_out[newest:end])).sum().backward()
    ours = truncated_gradients(rnnlib.rnn, params, x, d_out, k1, k2)
    for name in params:
        assert relative_error(ours[name], getattr(module, name + "_l0").grad.numpy()) < 1e-12


def test_bad_windows():
    params = rnnlib.rnn.init_params(2, 3, np.random.default_rng(0))
    x, d_out = np.zeros((4, 1, 2)), np.zeros((4, 1, 3))
    with pytest.raises(ValueError, match="k2 must be at least k1"):
        truncated_gradients(rnnlib.rnn, params, x, d_out, 3, 2)
    with pytest.raises(ValueError, match="k1 must be a positive integer"):
        truncated_gradients(rnnlib.rnn, params, x, d_out, 0, 2)
    with pytest.raises(ValueError, match=r"d_outputs must have shape \(T, N, H\)"):
        truncated_gradients(rnnlib.rnn, params, x, d_out[:2], 1, 2)
