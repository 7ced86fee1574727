"""PyTorch LSTM variants that ``torch.nn`` lacks: the ablations of Greff et al. (2017).

:class:`VariantLSTM` is a single-layer LSTM written as a plain loop over time steps, so
that each variant is a few readable lines (it is much slower than ``torch.nn.LSTM``'s
fused kernel; the chapter on size and cost measures by how much). The variants are
derived in ``chapters/04_lstm`` and compared in ``chapters/12_lstm_ablations``.

With :math:`a_t = W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}` split into blocks of
:math:`H` rows, one block per gate the variant has, the base cell ``"vanilla"`` is
``torch.nn.LSTM`` (blocks :math:`i, f, g, o`, no peepholes):

.. math::

    \\begin{aligned}
    i_t &= \\sigma(a^i_t),\\quad f_t = \\sigma(a^f_t),\\quad g_t = \\tanh(a^g_t),\\quad
    o_t = \\sigma(a^o_t),\\\\
    c_t &= f_t \\odot c_{t-1} + i_t \\odot g_t,\\qquad h_t = o_t \\odot \\tanh(c_t).
    \\end{aligned}

Each other variant changes one thing (Greff's abbreviation in brackets):

==========================  ======  =========  ==============================================
variant                     Greff   blocks     change
==========================  ======  =========  ==============================================
``"vanilla"``               NP      i f g o    none: ``torch.nn.LSTM``
``"peephole"``              V       i f g o    :math:`+\\,p_i \\odot c_{t-1}` in :math:`a^i`,
                                               :math:`+\\,p_f \\odot c_{t-1}` in :math:`a^f`,
                                               :math:`+\\,p_o \\odot c_t` in :math:`a^o`
``"no_input_gate"``         NIG     f g o      :math:`i_t = 1`
``"no_forget_gate"``        NFG     i g o      :math:`f_t = 1`
``"no_output_gate"``        NOG     i f g      :math:`o_t = 1`
``"no_input_activation"``   NIAF    i f g o    :math:`g_t = a^g_t` (no tanh)
``"no_output_activation"``  NOAF    i f g o    :math:`h_t = o_t \\odot c_t` (no tanh)
``"coupled"``               CIFG    i g o      :math:`f_t = 1 - i_t`
==========================  ======  =========  ==============================================

**What "vanilla" means here.** Greff et al.'s "vanilla" LSTM has peepholes and each of
their ablations removes one part from *that* cell; their "NP" (no peepholes) is
``torch.nn.LSTM``. Here the base is ``torch.nn.LSTM`` (the LSTM of the rest of the course),
each ablation removes one part from it, and ``"peephole"`` adds the peepholes (Greff's V).
Greff et al. found no significant difference between V and NP, which is what makes the
peephole-free base a fair stand-in.

**Parameters** use PyTorch's names and the layout of :mod:`rnnlib.lstm_variants`:
``weight_ih (G*H, D)``, ``weight_hh (G*H, H)``, ``bias_ih (G*H,)``, ``bias_hh (G*H,)``
with the blocks of the table in that order (``G`` = 3 or 4), and for ``"peephole"``
``peephole_i``, ``peephole_f``, ``peephole_o``, each ``(H,)``. All are drawn uniformly from
:math:`[-1/\\sqrt H, 1/\\sqrt H]` as ``torch.nn.LSTM`` does, except the forget-gate biases:
``forget_bias`` sets the *total* forget-gate bias, the sum of the two slices
``bias_ih[f] + bias_hh[f]`` (``bias_ih[f] = forget_bias``, ``bias_hh[f] = 0``). The default
0 is the zero-bias start of Jozefowicz, Zaremba and Sutskever (2015), who recommend 1. For
``"coupled"``, :math:`f_t = 1 - \\sigma(a^i_t) = \\sigma(-a^i_t)`, so a forget bias
:math:`b` is an input-gate bias :math:`-b`; ``"no_forget_gate"`` has no forget bias and
accepts only ``forget_bias=0``.

``"no_forget_gate"``, ``"coupled"`` and ``"peephole"`` are the variants of the numpy
module :mod:`rnnlib.lstm_variants` (``"no_forget"``, ``"coupled"``, ``"peephole"``, see
:data:`NUMPY_VARIANT`) and ``"vanilla"`` is :mod:`rnnlib.lstm`; :func:`numpy_params` and
:func:`load_numpy_params` copy parameters between them, and the tests check that forward
passes and autograd gradients agree with them (and with ``torch.nn.LSTM``) to about 1e-12
in float64.

**States** are shaped like ``torch.nn.LSTM``'s, ``(1, N, H)`` (one layer), so a
:class:`VariantLSTM` drops into the models of :mod:`rnnlib.models`:
:func:`use_variant` replaces a model's ``torch.nn.LSTM`` by one.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from rnnlib._validate import positive_int

#: The variants, and the gate blocks of each in parameter order.
BLOCKS: dict[str, tuple[str, ...]] = {
    "vanilla": ("i", "f", "g", "o"),
    "peephole": ("i", "f", "g", "o"),
    "no_input_gate": ("f", "g", "o"),
    "no_forget_gate": ("i", "g", "o"),
    "no_output_gate": ("i", "f", "g"),
    "no_input_activation": ("i", "f", "g", "o"),
    "no_output_activation": ("i", "f", "g", "o"),
    "coupled": ("i", "g", "o"),
}
VARIANTS = tuple(BLOCKS)

#: Greff et al. (2017)'s name of each variant (their "V" has peepholes; see the module docstring).
GREFF_NAME = {
    "vanilla": "NP",
    "peephole": "V",
    "no_input_gate": "NIG",
    "no_forget_gate": "NFG",
    "no_output_gate": "NOG",
    "no_input_activation": "NIAF",
    "no_output_activation": "NOAF",
    "coupled": "CIFG",
}

#: The ``variant`` name in :mod:`rnnlib.lstm_variants` of the variants it has (vanilla: :mod:`rnnlib.lstm`).
NUMPY_VARIANT = {"no_forget_gate": "no_forget", "coupled": "coupled", "peephole": "peephole"}

PARAM_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
PEEPHOLE_NAMES = ("peephole_i", "peephole_f", "peephole_o")

#: A state ``(h, c)``, each ``(1, N, H)`` as in ``torch.nn.LSTM``.
LSTMState = tuple[torch.Tensor, torch.Tensor]


class VariantLSTM(nn.Module):
    """A single-layer LSTM ``variant`` (see the module docstring), time-major like ``torch.nn.LSTM``.

    ``forward(x (T, N, D), state=None) -> (outputs (T, N, H), (h_T, c_T))`` with ``state``
    ``(h_0, c_0)`` and the final state each of shape ``(1, N, H)``; ``None`` means zeros.
    """

    def __init__(self, input_size: int, hidden_size: int, variant: str = "vanilla", *,
                 forget_bias: float = 0.0) -> None:
        super().__init__()
        positive_int(input_size, "input_size")
        positive_int(hidden_size, "hidden_size")
        if variant not in BLOCKS:
            raise ValueError(f"variant must be one of {list(VARIANTS)}; got {variant!r}")
        if isinstance(forget_bias, bool) or not isinstance(forget_bias, int | float) \
                or not math.isfinite(forget_bias):
            raise ValueError(f"forget_bias must be a finite number; got {forget_bias!r}")
        if variant == "no_forget_gate" and forget_bias != 0:
            raise ValueError(f"forget_bias must be 0 for variant 'no_forget_gate' (it has no forget "
                             f"gate); got {forget_bias!r}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.variant = variant
        self.blocks = BLOCKS[variant]
        self.forget_bias = float(forget_bias)
        rows = len(self.blocks) * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(rows, input_size))
        self.weight_hh = nn.Parameter(torch.empty(rows, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(rows))
        self.bias_hh = nn.Parameter(torch.empty(rows))
        if variant == "peephole":
            self.peephole_i = nn.Parameter(torch.empty(hidden_size))
            self.peephole_f = nn.Parameter(torch.empty(hidden_size))
            self.peephole_o = nn.Parameter(torch.empty(hidden_size))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform in :math:`[-1/\\sqrt H, 1/\\sqrt H]`, then the total forget bias set to ``forget_bias``."""
        k = 1.0 / math.sqrt(self.hidden_size)
        with torch.no_grad():
            for p in self.parameters():
                p.uniform_(-k, k)
            if "f" in self.blocks:
                f = self.block_slice("f")
                self.bias_ih[f] = self.forget_bias
                self.bias_hh[f] = 0.0
            elif self.variant == "coupled":  # f_t = sigma(-a^i_t): the input bias is -forget_bias
                i = self.block_slice("i")
                self.bias_ih[i] = -self.forget_bias
                self.bias_hh[i] = 0.0

    def block_slice(self, gate: str) -> slice:
        """The rows of gate ``gate`` (``"i"``, ``"f"``, ``"g"`` or ``"o"``) in the stacked parameters."""
        if gate not in self.blocks:
            raise ValueError(f"gate must be one of {list(self.blocks)} for variant {self.variant!r}; "
                             f"got {gate!r}")
        k = self.blocks.index(gate)
        return slice(k * self.hidden_size, (k + 1) * self.hidden_size)

    def extra_repr(self) -> str:
        return (f"{self.input_size}, {self.hidden_size}, variant={self.variant!r}, "
                f"forget_bias={self.forget_bias:g}")

    def _check_state(self, state: object, batch: int, dtype: torch.dtype) -> LSTMState:
        shape = (1, batch, self.hidden_size)
        if not isinstance(state, tuple | list) or len(state) != 2:
            raise ValueError(f"state must be None or a tuple (h_0, c_0) of two tensors of shape "
                             f"(1, N, H) = {shape}; got {type(state).__name__}")
        for name, s in zip(("state[0] (h_0)", "state[1] (c_0)"), state, strict=True):
            if not isinstance(s, torch.Tensor) or tuple(s.shape) != shape or s.dtype != dtype:
                got = (f"shape {tuple(s.shape)}, dtype {s.dtype}" if isinstance(s, torch.Tensor)
                       else type(s).__name__)
                raise ValueError(f"{name} must be a tensor of shape (1, N, H) = {shape} and dtype "
                                 f"{dtype}; got {got}")
        return state[0], state[1]

    def step(self, a: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """One time step: pre-activations ``a (N, G*H)`` and :math:`c_{t-1}` -> :math:`(h_t, c_t)`."""
        v = self.variant
        parts = dict(zip(self.blocks, a.split(self.hidden_size, dim=1), strict=True))
        if v == "peephole":  # the input and forget gates look at c_{t-1}
            parts["i"] = parts["i"] + self.peephole_i * c
            parts["f"] = parts["f"] + self.peephole_f * c
        g = parts["g"] if v == "no_input_activation" else torch.tanh(parts["g"])
        i = torch.sigmoid(parts["i"]) if "i" in parts else None        # None: i_t = 1 (NIG)
        if v == "coupled":
            f = 1.0 - i
        else:
            f = torch.sigmoid(parts["f"]) if "f" in parts else None    # None: f_t = 1 (NFG)
        c = (c if f is None else f * c) + (g if i is None else i * g)
        if v == "peephole":  # the output gate looks at the new cell c_t
            parts["o"] = parts["o"] + self.peephole_o * c
        squashed = c if v == "no_output_activation" else torch.tanh(c)
        h = squashed if "o" not in parts else torch.sigmoid(parts["o"]) * squashed  # NOG: o_t = 1
        return h, c

    def forward(self, x: torch.Tensor, state: LSTMState | None = None
                ) -> tuple[torch.Tensor, LSTMState]:
        """``x (T, N, D)`` from ``state`` ``(h_0, c_0)``, each ``(1, N, H)`` (None: zeros)
        -> ``outputs (T, N, H)`` and the final state ``(h_T, c_T)``, each ``(1, N, H)``."""
        dtype = self.weight_ih.dtype
        if not isinstance(x, torch.Tensor) or x.dtype != dtype:
            got = f"dtype {x.dtype}" if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"x must be a tensor of shape (T, N, D) and dtype {dtype} (the parameters'); "
                             f"got {got}")
        if x.dim() != 3 or x.shape[0] == 0 or x.shape[1] == 0 or x.shape[2] != self.input_size:
            raise ValueError(f"x must have shape (T, N, D) with T, N >= 1 and D = input_size = "
                             f"{self.input_size}; got shape {tuple(x.shape)}")
        steps, batch = x.shape[0], x.shape[1]
        if state is None:
            h = c = x.new_zeros(batch, self.hidden_size)
        else:
            h0, c0 = self._check_state(state, batch, dtype)
            h, c = h0[0], c0[0]
        # The input part of every step at once; only the recurrence needs the loop.
        pre = torch.matmul(x, self.weight_ih.T) + (self.bias_ih + self.bias_hh)
        w_hh_t = self.weight_hh.T
        outputs = []
        for t in range(steps):
            h, c = self.step(torch.addmm(pre[t], h, w_hh_t), c)  # pre[t] + h W_hh^T
            outputs.append(h)
        return torch.stack(outputs), (h[None], c[None])


def use_variant(model: nn.Module, variant: str, *, forget_bias: float = 0.0) -> nn.Module:
    """Replace the single-layer ``torch.nn.LSTM`` ``model.rnn`` of an :mod:`rnnlib.models`
    model by a :class:`VariantLSTM` of the same sizes; returns ``model`` (changed in place).

    The new cell gets fresh parameters (drawn from torch's global generator: seed it first).
    Example: ``use_variant(SequenceRegressor(2, 32), "coupled", forget_bias=1.0)``.
    """
    rnn = getattr(model, "rnn", None)
    if not isinstance(rnn, nn.LSTM) or rnn.num_layers != 1 or rnn.bidirectional:
        raise ValueError("model must be an rnnlib.models model with cell='lstm' and num_layers=1 "
                         f"(model.rnn a one-layer torch.nn.LSTM); got model.rnn = {type(rnn).__name__}"
                         + (f" with num_layers={rnn.num_layers}" if isinstance(rnn, nn.LSTM) else ""))
    cell = VariantLSTM(rnn.input_size, rnn.hidden_size, variant, forget_bias=forget_bias)
    model.rnn = cell.to(dtype=rnn.weight_ih_l0.dtype, device=rnn.weight_ih_l0.device)
    model.cell = f"lstm:{variant}"
    return model


def set_gate_bias(layer: nn.RNNBase, block: int, value: float) -> nn.RNNBase:
    """Set the total bias of gate ``block`` in every layer of a ``torch.nn`` LSTM, GRU or RNN to ``value``.

    PyTorch has two bias vectors per layer, and a gate sees the sum of their slices
    ``[block*H:(block+1)*H]`` (LSTM blocks ``i, f, g, o``; GRU ``r, z, n``). This sets the
    ``bias_ih`` slice to ``value`` and the ``bias_hh`` slice to 0, so the sum is exactly
    ``value`` (chapters ``10_gradient_flow`` and ``12_lstm_ablations``).
    """
    if not isinstance(layer, nn.RNNBase) or not layer.bias:
        raise ValueError(
            f"layer must be a torch.nn LSTM, GRU or RNN with bias=True; got {type(layer).__name__}"
        )
    gates = {"LSTM": 4, "GRU": 3}.get(layer.mode, 1)
    if isinstance(block, bool) or not isinstance(block, int) or not 0 <= block < gates:
        raise ValueError(f"block must be an integer in [0, {gates}) for a {layer.mode} layer; got {block!r}")
    H = layer.hidden_size
    rows = slice(block * H, (block + 1) * H)
    with torch.no_grad():
        for name, p in layer.named_parameters():
            if name.startswith("bias_ih"):
                p[rows] = value
            elif name.startswith("bias_hh"):
                p[rows] = 0.0
    return layer


def set_forget_bias(lstm: nn.LSTM, value: float) -> nn.LSTM:
    """Set the total forget-gate bias of every layer of a ``torch.nn.LSTM`` to ``value``.

    The forget gate is block 1 of ``i, f, g, o``: this is ``set_gate_bias(lstm, 1, value)``,
    i.e. ``bias_ih[H:2H] = value`` and ``bias_hh[H:2H] = 0``.
    """
    if not isinstance(lstm, nn.LSTM) or not lstm.bias:
        raise ValueError(f"lstm must be a torch.nn.LSTM with bias=True; got {type(lstm).__name__}")
    return set_gate_bias(lstm, 1, value)


def numpy_params(cell: VariantLSTM) -> dict[str, np.ndarray]:
    """The parameters of ``cell`` as a dict of float64 numpy copies (the layout of
    :mod:`rnnlib.lstm_variants`; for ``"vanilla"`` that of :mod:`rnnlib.lstm`)."""
    if not isinstance(cell, VariantLSTM):
        raise ValueError(f"cell must be a VariantLSTM; got {type(cell).__name__}")
    return {name: p.detach().to(torch.float64).cpu().numpy().copy() for name, p in cell.named_parameters()}


def load_numpy_params(cell: VariantLSTM, params: dict[str, np.ndarray]) -> VariantLSTM:
    """Copy ``params`` (the keys and shapes of :func:`numpy_params`) into ``cell``; returns ``cell``."""
    if not isinstance(cell, VariantLSTM):
        raise ValueError(f"cell must be a VariantLSTM; got {type(cell).__name__}")
    own = dict(cell.named_parameters())
    if not isinstance(params, dict) or set(params) != set(own):
        raise ValueError(f"params must be a dict with exactly the keys {sorted(own)}; got "
                         + (f"{sorted(params)}" if isinstance(params, dict) else type(params).__name__))
    with torch.no_grad():
        for name, p in own.items():
            value = params[name]
            if not isinstance(value, np.ndarray) or value.shape != tuple(p.shape):
                raise ValueError(f"params[{name!r}] must be a numpy array of shape {tuple(p.shape)}; got "
                                 + (f"shape {value.shape}" if isinstance(value, np.ndarray)
                                    else type(value).__name__))
            p.copy_(torch.from_numpy(value))
    return cell


__all__ = ["BLOCKS", "GREFF_NAME", "NUMPY_VARIANT", "VARIANTS", "VariantLSTM", "load_numpy_params",
           "numpy_params", "set_forget_bias", "use_variant"]
