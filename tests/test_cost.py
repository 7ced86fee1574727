"""rnnlib.cost: parameter counts against torch.nn and rnnlib, step costs against counted operations."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

from rnnlib import cost, gru, lstm, rnn

CELLS = {"rnn": (rnn, torch.nn.RNN, torch.nn.RNNCell), "gru": (gru, torch.nn.GRU, torch.nn.GRUCell),
         "lstm": (lstm, torch.nn.LSTM, torch.nn.LSTMCell)}
sizes = st.integers(min_value=1, max_value=40)


class OpCounter(TorchDispatchMode):
    """Counts multiply-adds of matrix products and scalar elementwise operations, by kind."""

    ARITHMETIC = frozenset({"add", "add_", "sub", "sub_", "mul", "mul_", "rsub"})
    NONLINEAR = frozenset({"sigmoid", "sigmoid_", "tanh", "tanh_"})

    def __init__(self):
        super().__init__()
        self.multiply_adds = self.elementwise = self.nonlinear = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        name = func.overloadpacket.__name__
        if name == "addmm":  # bias + a @ b: M*N*K multiply-adds and M*N additions
            (m, k), n = args[1].shape, args[2].shape[1]
            self.multiply_adds += m * k * n
            self.elementwise += m * n
        elif name == "mm":
            (m, k), n = args[0].shape, args[1].shape[1]
            self.multiply_adds += m * k * n
        elif name in self.ARITHMETIC:
            self.elementwise += out.numel()
        elif name in self.NONLINEAR:
            self.nonlinear += out.numel()
        return out


@given(cell=st.sampled_from(sorted(CELLS)), D=sizes, H=sizes)
def test_num_params_equals_torch_and_rnnlib(cell, D, H):
    module, layer, _ = CELLS[cell]
    expected = cost.num_params(cell, D, H)
    assert sum(p.numel() for p in layer(D, H).parameters()) == expected
    assert sum(v.size for v in module.init_params(D, H, np.random.default_rng(0)).values()) == expected


@given(cell=st.sampled_from(sorted(CELLS)), D=sizes, H=sizes, N=st.integers(1, 4))
def test_step_cost_equals_counted_operations(cell, D, H, N):
    step = CELLS[cell][2](D, H, dtype=torch.float64)
    x, h = torch.randn(N, D, dtype=torch.float64), torch.randn(N, H, dtype=torch.float64)
    state = (h, h.clone()) if cell == "lstm" else h
    counter = OpCounter()
    with torch.no_grad(), counter:
        step(x, state)
    with torch.no_grad(), FlopCounterMode(display=False) as flops:
        step(x, state)
    derived = cost.step_cost(cell, D, H)
    assert (counter.multiply_adds, counter.elementwise, counter.nonlinear) == (
        N * derived.multiply_adds, N * derived.elementwise, N * derived.nonlinear)
    assert flops.get_total_flops() == 2 * N * derived.multiply_adds


def test_flops_and_ratio():
    c = cost.step_cost("lstm", 3, 5)
    assert c.flops == 2 * 4 * 5 * 8 + 16 * 5 + 5 * 5
    ratios = [cost.step_cost("gru", n, n).flops / cost.step_cost("lstm", n, n).flops for n in (8, 64, 4096)]
    assert ratios[0] > ratios[1] > ratios[2] > 0.75     # (6x + 16) / (8x + 21) with x = D + H
    assert ratios[2] == pytest.approx(0.75, abs=1e-5)


@given(cell=st.sampled_from(sorted(CELLS)), D=sizes, budget=st.integers(1, 10**7))
def test_hidden_size_for_budget_is_the_largest_that_fits(cell, D, budget):
    if cost.num_params(cell, D, 1) > budget:
        with pytest.raises(ValueError, match="budget"):
            cost.hidden_size_for_budget(cell, D, budget)
        return
    H = cost.hidden_size_for_budget(cell, D, budget)
    assert cost.num_params(cell, D, H) <= budget < cost.num_params(cell, D, H + 1)


@pytest.mark.parametrize("call, match", [
    (lambda: cost.num_params("LSTM", 3, 4), "cell must be one of"),
    (lambda: cost.num_params("lstm", 0, 4), "input_size"),
    (lambda: cost.step_cost("gru", 3, 2.0), "hidden_size"),
    (lambda: cost.step_cost("gru", True, 2), "input_size"),
    (lambda: cost.hidden_size_for_budget("rnn", 3, -1), "budget"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
