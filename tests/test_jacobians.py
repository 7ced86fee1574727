"""Step Jacobians and their products against torch autograd; spectral helpers."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnlib import jacobians, rnn
from rnnlib.gradcheck import relative_error
from rnnlib.torch_interop import torch_layer


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_products_match_autograd(nonlinearity):
    rng = np.random.default_rng(0)
    params = rnn.init_params(3, 4, rng)
    x = rng.standard_normal((6, 1, 3))
    h0 = rng.standard_normal((1, 4))
    outputs, _, _ = rnn.forward(params, x, h0, nonlinearity=nonlinearity)
    steps = jacobians.step_jacobians(params["weight_hh"], outputs, nonlinearity)
    assert steps.shape == (6, 1, 4, 4)
    module = torch_layer("rnn", params, nonlinearity=nonlinearity)
    x_t = torch.from_numpy(x)

    def state_after(k):
        return lambda h: module(x_t[:k], h.view(1, 1, 4))[1].view(4)

    from_start = jacobians.products_from_start(steps)
    for k in range(1, 7):
        expected = torch.autograd.functional.jacobian(state_after(k), torch.from_numpy(h0[0].copy()))
        assert relative_error(from_start[k - 1, 0], expected.numpy()) < 1e-12
    to_end = jacobians.products_to_end(steps)
    assert to_end.shape == (7, 1, 4, 4)
    np.testing.assert_array_equal(to_end[6, 0], np.eye(4))
    assert relative_error(to_end[0], from_start[-1]) < 1e-14
    # dh_T/dh_t = (dh_T/dh_0)(dh_t/dh_0)^{-1} where the latter is invertible
    t = 2
    assert relative_error(to_end[t, 0] @ from_start[t - 1, 0], from_start[-1, 0]) < 1e-12


def test_sigmoid_jacobian_against_central_differences():
    rng = np.random.default_rng(1)
    params = rnn.init_params(2, 3, rng)
    x = rng.standard_normal((1, 1, 2))
    h0 = rng.standard_normal((1, 3))
    out, _, _ = rnn.forward(params, x, h0, nonlinearity="sigmoid")
    J = jacobians.step_jacobians(params["weight_hh"], out, "sigmoid")[0, 0]
    eps = 1e-6
    numeric = np.empty((3, 3))
    for j in range(3):
        e = np.zeros((1, 3))
        e[0, j] = eps
        plus = rnn.forward(params, x, h0 + e, nonlinearity="sigmoid")[1][0]
        minus = rnn.forward(params, x, h0 - e, nonlinearity="sigmoid")[1][0]
        numeric[:, j] = (plus - minus) / (2 * eps)
    assert relative_error(J, numeric) < 1e-8


def test_spectral_helpers():
    rng = np.random.default_rng(2)
    W = rng.standard_normal((5, 5))
    assert jacobians.spectral_radius(W) <= jacobians.spectral_norm(W) + 1e-12
    np.testing.assert_allclose(jacobians.spectral_norm(jacobians.with_spectral_norm(W, 0.7)), 0.7, rtol=1e-12)
    np.testing.assert_allclose(jacobians.spectral_radius(jacobians.with_spectral_radius(W, 1.3)), 1.3,
                               rtol=1e-12)
    Q = jacobians.random_orthogonal(5, rng)
    np.testing.assert_allclose(Q.T @ Q, np.eye(5), atol=1e-14)
    np.testing.assert_allclose(np.linalg.svd(2.0 * Q, compute_uv=False), 2.0, rtol=1e-13)


def test_bad_input():
    with pytest.raises(ValueError, match=r"weight_hh must have shape \(H, H\)"):
        jacobians.step_jacobians(np.zeros((3, 4)), np.zeros((2, 1, 3)))
    with pytest.raises(ValueError, match=r"outputs must have shape \(T, N, H\) with H = 3"):
        jacobians.step_jacobians(np.zeros((3, 3)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        jacobians.step_jacobians(np.zeros((3, 3)), np.zeros((2, 1, 3)), "softplus")
