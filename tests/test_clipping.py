"""rnnlib's numpy clipping equals torch.nn.utils.clip_grad_norm_ and clip_grad_value_."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rnnlib import clipping


def torch_clip(grads, how, c):
    tensors = {k: torch.zeros(v.shape, dtype=torch.float64, requires_grad=True) for k, v in grads.items()}
    for k, t in tensors.items():
        t.grad = torch.from_numpy(grads[k].copy())
    if how == "norm":
        total = float(torch.nn.utils.clip_grad_norm_(list(tensors.values()), c))
    else:
        torch.nn.utils.clip_grad_value_(list(tensors.values()), c)
        total = None
    return {k: t.grad.numpy() for k, t in tensors.items()}, total


@given(scale=st.floats(1e-3, 1e3), c=st.floats(0.01, 10.0), seed=st.integers(0, 2**32 - 1))
def test_matches_torch(scale, c, seed):
    rng = np.random.default_rng(seed)
    grads = {"weight_hh": scale * rng.standard_normal((4, 4)), "bias_hh": scale * rng.standard_normal(4)}
    ours, total = clipping.clip_grad_norm(grads, c)
    theirs, total_t = torch_clip(grads, "norm", c)
    np.testing.assert_allclose(total, total_t, rtol=1e-14)
    for k in grads:
        np.testing.assert_allclose(ours[k], theirs[k], rtol=1e-14, atol=0)
    assert clipping.global_norm(ours) <= c * (1 + 1e-12) or total <= c
    ours_v = clipping.clip_grad_value(grads, c)
    theirs_v, _ = torch_clip(grads, "value", c)
    for k in grads:
        np.testing.assert_array_equal(ours_v[k], theirs_v[k])


def test_inputs_untouched_and_bad_arguments():
    grads = {"w": np.array([3.0, 4.0])}
    clipped, total = clipping.clip_grad_norm(grads, 1.0)
    assert total == 5.0 and np.array_equal(grads["w"], [3.0, 4.0])
    np.testing.assert_allclose(clipped["w"], [0.6, 0.8], rtol=1e-6)
    with pytest.raises(ValueError, match="max_norm must be positive"):
        clipping.clip_grad_norm(grads, 0.0)
    with pytest.raises(ValueError, match="clip_value must be positive"):
        clipping.clip_grad_value(grads, -1.0)
    with pytest.raises(ValueError, match="grads must be a non-empty dict"):
        clipping.global_norm({})
