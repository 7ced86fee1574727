"""Size and cost of the three recurrent layers: parameters, and the work of one step.

Derived and checked in the chapter ``chapters/09_cost``. A layer with :math:`G` blocks of
:math:`H` rows (the simple RNN :math:`G = 1`, the GRU :math:`G = 3`, the LSTM
:math:`G = 4`), input size :math:`D` and hidden size :math:`H` has PyTorch's four
parameters ``weight_ih (GH, D)``, ``weight_hh (GH, H)``, ``bias_ih (GH,)`` and
``bias_hh (GH,)``, so

.. math::

    P = G H (D + H + 2):\\qquad
    P_{\\text{RNN}} = H(D+H+2),\\quad P_{\\text{GRU}} = 3H(D+H+2),\\quad
    P_{\\text{LSTM}} = 4H(D+H+2).

One forward step, per example, as ``torch.nn.RNNCell/GRUCell/LSTMCell`` compute it:

* **multiply-adds** of the two matrix products :math:`W_{ih} x_t` and :math:`W_{hh} h_{t-1}`:
  :math:`G H (D + H)`;
* **elementwise arithmetic** (one count per scalar addition, subtraction or
  multiplication): the two biases and the sum of the input and recurrent parts, :math:`3GH`,
  plus the cell's own update: nothing for the RNN; :math:`c_t = f \\odot c_{t-1} + i \\odot g`
  and :math:`h_t = o \\odot \\tanh c_t`, :math:`4H`, for the LSTM; the reset product
  :math:`r \\odot (W_{hn} h_{t-1} + b_{hn})` and :math:`h_t = n + z \\odot (h_{t-1} - n)`,
  :math:`4H`, for the GRU. Totals: RNN :math:`3H`, LSTM :math:`16H`, GRU :math:`13H`;
* **nonlinearities** (one count per sigmoid or tanh of a scalar): RNN :math:`H`, LSTM
  :math:`5H` (three sigmoid gates, the tanh of the candidate :math:`g` and :math:`\\tanh c_t`),
  GRU :math:`3H`.

Counting a multiply-add as two floating-point operations and every elementwise operation and
nonlinearity as one, the forward step costs :math:`2GH(D+H) + (e + s)H` FLOPs with
:math:`e, s` from the lists above; the GRU/LSTM ratio tends to :math:`3/4` as
:math:`D + H` grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

#: blocks of H rows in the weights, in PyTorch's order: rnn (one), gru (r, z, n), lstm (i, f, g, o)
NUM_GATES = {"rnn": 1, "gru": 3, "lstm": 4}
#: elementwise additions, subtractions and multiplications per example and step, in units of H
ELEMENTWISE_PER_UNIT = {"rnn": 3, "gru": 13, "lstm": 16}
#: sigmoid and tanh evaluations per example and step, in units of H
NONLINEAR_PER_UNIT = {"rnn": 1, "gru": 3, "lstm": 5}


@dataclass(frozen=True)
class StepCost:
    """The work of one forward step for one example (see the module docstring)."""

    multiply_adds: int
    elementwise: int
    nonlinear: int

    @property
    def flops(self) -> int:
        """Two FLOPs per multiply-add, one per elementwise operation and per nonlinearity."""
        return 2 * self.multiply_adds + self.elementwise + self.nonlinear


def _check_cell(cell: object) -> str:
    if cell not in NUM_GATES:
        raise ValueError(f"cell must be one of {sorted(NUM_GATES)}; got {cell!r}")
    return cell


def _check_size(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def num_params(cell: str, input_size: int, hidden_size: int) -> int:
    """Parameters of one layer, :math:`G H (D + H + 2)` (two bias vectors, as in ``torch.nn``)."""
    G = NUM_GATES[_check_cell(cell)]
    D, H = _check_size("input_size", input_size), _check_size("hidden_size", hidden_size)
    return G * H * (D + H + 2)


def step_cost(cell: str, input_size: int, hidden_size: int) -> StepCost:
    """Multiply-adds, elementwise operations and nonlinearities of one forward step, per example.

    Multiply-adds :math:`G H (D + H)`; elementwise and nonlinear counts as listed in the
    module docstring (the form ``torch.nn.*Cell`` computes).
    """
    _check_cell(cell)
    D, H = _check_size("input_size", input_size), _check_size("hidden_size", hidden_size)
    return StepCost(multiply_adds=NUM_GATES[cell] * H * (D + H),
                    elementwise=ELEMENTWISE_PER_UNIT[cell] * H,
                    nonlinear=NONLINEAR_PER_UNIT[cell] * H)


def hidden_size_for_budget(cell: str, input_size: int, budget: int) -> int:
    """The largest hidden size whose layer has at most ``budget`` parameters.

    Solves :math:`G H (D + H + 2) \\le P` for the largest integer :math:`H`, e.g. to compare
    the three cells at an equal parameter count. Raises ``ValueError`` if even :math:`H = 1`
    does not fit.
    """
    G = NUM_GATES[_check_cell(cell)]
    D = _check_size("input_size", input_size)
    budget = _check_size("budget", budget)
    if num_params(cell, D, 1) > budget:
        raise ValueError(f"budget must be at least {num_params(cell, D, 1)} parameters for a {cell} "
                         f"with input_size {D}; got {budget}")
    # positive root of G H^2 + G (D + 2) H - P = 0, then correct the float rounding
    H = int(((G * (D + 2)) ** 2 + 4 * G * budget) ** 0.5 - G * (D + 2)) // (2 * G)
    H = max(H, 1)
    while num_params(cell, D, H + 1) <= budget:
        H += 1
    while num_params(cell, D, H) > budget:
        H -= 1
    return H
