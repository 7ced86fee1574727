"""Tests of rnnlib.dropout: inverted scaling, per-step and per-sequence masks, zoneout."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rnnlib import dropout


@given(p=st.floats(0.0, 0.9), seed=st.integers(0, 2**16))
def test_mask_values_are_zero_or_scaled(p, seed):
    m = dropout.bernoulli_mask((7, 5), p, np.random.default_rng(seed))
    assert m.shape == (7, 5) and m.dtype == np.float64
    assert np.all((m == 0) | np.isclose(m, 1 / (1 - p)))


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_mask_expectation_and_variance(p):
    # n independent entries: the sample mean has standard deviation sqrt(p / (1 - p) / n);
    # 5 of those is a bound a correct mask breaks with probability below 1e-6.
    n = 200_000
    m = dropout.bernoulli_mask((n,), p, np.random.default_rng(0))
    assert abs(m.mean() - 1) < 5 * np.sqrt(p / (1 - p) / n)
    assert abs(m.var() - p / (1 - p)) < 0.05 * p / (1 - p)
    assert abs((m == 0).mean() - p) < 5 * np.sqrt(p * (1 - p) / n)


def test_sequence_masks_shapes_and_sharing():
    rng = np.random.default_rng(1)
    step = dropout.sequence_masks(6, 40, 8, 0.5, rng, per="step")
    seq = dropout.sequence_masks(6, 40, 8, 0.5, rng, per="sequence")
    assert step.shape == seq.shape == (6, 40, 8)
    assert np.all(seq == seq[0])  # the same mask at every step
    assert not np.all(step == step[0])  # fresh masks
    assert len({seq[0, n].tobytes() for n in range(40)}) > 30  # sequences get different masks


def test_dropout_forward_backward_and_eval():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 3, 4))
    y, m = dropout.dropout_forward(x, 0.3, rng)
    np.testing.assert_array_equal(y, m * x)
    dy = rng.standard_normal(x.shape)
    np.testing.assert_array_equal(dropout.dropout_backward(dy, m), m * dy)
    y_eval, m_eval = dropout.dropout_forward(x, 0.3, rng, train=False)
    np.testing.assert_array_equal(y_eval, x)
    np.testing.assert_array_equal(m_eval, np.ones_like(x))
    shared = dropout.bernoulli_mask((1, 3, 4), 0.5, rng)
    y_shared, m_shared = dropout.dropout_forward(x, 0.5, mask=shared)
    assert m_shared.shape == x.shape and np.all(m_shared == shared[0])
    np.testing.assert_array_equal(y_shared, x * shared)


def test_zoneout_forward_backward_and_eval():
    rng = np.random.default_rng(3)
    h_prev, h_new = rng.standard_normal((50, 6)), rng.standard_normal((50, 6))
    h, d = dropout.zoneout_forward(h_prev, h_new, 0.4, rng)
    assert set(np.unique(d)) <= {0.0, 1.0}
    np.testing.assert_array_equal(h, np.where(d == 1, h_prev, h_new))
    dh = rng.standard_normal(h.shape)
    dprev, dnew = dropout.zoneout_backward(dh, d)
    np.testing.assert_array_equal(dprev + dnew, dh)
    np.testing.assert_array_equal(dprev, d * dh)
    h_eval, d_eval = dropout.zoneout_forward(h_prev, h_new, 0.4, train=False)
    np.testing.assert_allclose(h_eval, 0.4 * h_prev + 0.6 * h_new, rtol=0, atol=1e-15)
    assert np.all(d_eval == 0.4)


def test_zoneout_expectation():
    rng = np.random.default_rng(4)
    h_prev, h_new = np.ones((100_000, 1)), np.zeros((100_000, 1))
    h, _ = dropout.zoneout_forward(h_prev, h_new, 0.3, rng)
    assert abs(h.mean() - 0.3) < 5 * np.sqrt(0.3 * 0.7 / h.size)


def test_survival_probability_matches_simulation():
    rng = np.random.default_rng(5)
    p, T = 0.2, 10
    step = dropout.sequence_masks(T, 20_000, 1, p, rng, per="step")
    seq = dropout.sequence_masks(T, 20_000, 1, p, rng, per="sequence")
    for masks, per in ((step, "step"), (seq, "sequence")):
        survived = (masks > 0).all(axis=0).mean()
        expected = dropout.survival_probability(p, T, per=per)
        assert abs(survived - expected) < 5 * np.sqrt(expected * (1 - expected) / 20_000)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: dropout.bernoulli_mask((3,), 1.0, np.random.default_rng()), "p must be a probability"),
        (lambda: dropout.bernoulli_mask((3, 0), 0.5, np.random.default_rng()), "shape must be a tuple"),
        (lambda: dropout.bernoulli_mask((3,), 0.5, 0), "rng must be a numpy Generator"),
        (lambda: dropout.sequence_masks(2, 3, 4, 0.5, np.random.default_rng(), per="batch"), "per must be"),
        (lambda: dropout.dropout_forward(np.ones((2, 3)), 0.5), "rng must be"),
        (lambda: dropout.dropout_forward(np.ones((2, 3), dtype=np.float32), 0.5, np.random.default_rng()),
         "x must be a float64"),
        (lambda: dropout.dropout_forward(np.ones((2, 3)), 0.5, mask=np.ones((4,))), "mask must have a shape"),
        (lambda: dropout.dropout_backward(np.ones((2, 3)), np.ones((3, 2))), "mask must have the shape"),
        (lambda: dropout.zoneout_forward(np.ones((2, 3)), np.ones((2, 4)), 0.5, np.random.default_rng()),
         "same shape"),
        (lambda: dropout.zoneout_backward(np.ones((2, 3)), np.ones((2,))), "d must have the shape"),
    ],
)
def test_bad_input_raises(call, match):
    with pytest.raises(ValueError, match=match):
        call()
