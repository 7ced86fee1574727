"""An LSTM written as a loop over steps, with the places dropout can go (PyTorch).

Derived, checked and compared in ``chapters/08_dropout``; the numpy masks are
:mod:`rnnlib.dropout`. The cell is the standard LSTM (gate order ``i, f, g, o`` and
parameter names as in ``torch.nn.LSTM``, so ``load_state_dict`` copies an ``nn.LSTM``):

.. math::

    a_t = W_{ih} \\tilde x_t + b_{ih} + \\tilde W_{hh} \\tilde h_{t-1} + b_{hh},\\quad
    c_t = f_t \\odot \\tilde c_{t-1} + i_t \\odot \\tilde g_t,\\quad h_t = o_t \\odot \\tanh(c_t),

where the tildes mark what a placement may drop. All masks use inverted scaling
(entries 0 or :math:`1/(1-p)`), so that :math:`\\mathbb{E}[\\text{mask}] = 1`. ``placement``:

- ``"none"``: no dropout; equals ``torch.nn.LSTM`` with the same weights.
- ``"naive"``: a fresh mask at every step on the state carried from step to step,
  :math:`\\tilde h_{t-1} = m^h_t \\odot h_{t-1}` and :math:`\\tilde c_{t-1} = m^c_t \\odot c_{t-1}`
  (the per-step recurrent dropout that loses memory).
- ``"zaremba"`` (Zaremba, Sutskever and Vinyals 2014): a fresh mask at every step on each
  layer's input :math:`\\tilde x_t` (the embeddings, then the outputs of the layer below) and
  on the top layer's outputs; nothing on the recurrence. ``torch.nn.LSTM(dropout=p)`` does
  the between-layer part only.
- ``"variational"`` (Gal and Ghahramani 2016): one mask per sequence, the same at every
  step, on each layer's input, on :math:`\\tilde h_{t-1}` (the copy of the state that enters
  :math:`W_{hh}`; one mask for the four gates, the "tied" form) and on the top layer's
  outputs. Every layer and every place has its own mask; the cell state is not dropped.
- ``"semeniuta"`` (Semeniuta, Severyn and Barth 2016): a fresh mask at every step on the
  cell candidate only, :math:`\\tilde g_t = m_t \\odot g_t`.
- ``"weight_drop"`` (Merity, Keskar and Socher 2018, DropConnect): one mask on the entries
  of :math:`W_{hh}` per forward call, :math:`\\tilde W_{hh} = M \\odot W_{hh}`, the same for
  every step and every sequence of the batch.
- ``"zoneout"`` (Krueger et al. 2017): each unit of :math:`h` and :math:`c` keeps its
  previous value with probability :math:`p`:
  :math:`c_t = d^c_t \\odot c_{t-1} + (1 - d^c_t) \\odot c^{\\text{new}}_t`, and likewise
  :math:`h_t` with :math:`h^{\\text{new}}_t = o_t \\odot \\tanh(c^{\\text{new}}_t)`.

In evaluation mode (``model.eval()``) every mask is 1, so the layer is the plain LSTM,
except zoneout, which uses its expectation :math:`p\\, c_{t-1} + (1-p)\\, c^{\\text{new}}_t`
(and likewise for :math:`h`), as in the paper. Masks are drawn from ``generator`` if given,
else from torch's global generator (seeded by :func:`rnnlib.training.train`).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from rnnlib._validate import positive_int

PLACEMENTS = ("none", "naive", "zaremba", "variational", "semeniuta", "weight_drop", "zoneout")

State = tuple[torch.Tensor, torch.Tensor]


def dropout_mask(shape: tuple[int, ...], p: float, *, like: torch.Tensor,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """Inverted-dropout mask of ``shape``: 0 with probability ``p``, else ``1 / (1 - p)``.

    Same dtype and device as ``like``; drawn from ``generator`` (None: the global one).
    """
    keep = torch.full(shape, 1.0 - p, dtype=like.dtype, device=like.device)
    return torch.bernoulli(keep, generator=generator) / (1.0 - p)


class DropoutLSTM(nn.Module):
    """A (multi-layer) LSTM as a loop over steps, with dropout at ``placement`` (see the module).

    ``x (T, N, D)`` -> ``(outputs (T, N, H), (h_n, c_n))`` with ``h_n, c_n (L, N, H)``, time-major
    as ``torch.nn.LSTM``. Parameters ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
    ``bias_hh_l{k}`` have ``nn.LSTM``'s names, shapes and initialisation
    (uniform on :math:`\\pm 1/\\sqrt{H}`).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, *,
                 placement: str = "none", p: float = 0.0, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        self.input_size = positive_int(input_size, "input_size")
        self.hidden_size = positive_int(hidden_size, "hidden_size")
        self.num_layers = positive_int(num_layers, "num_layers")
        if placement not in PLACEMENTS:
            raise ValueError(f"placement must be one of {PLACEMENTS}; got {placement!r}")
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0.0 <= p < 1.0:
            raise ValueError(f"p must be a probability in [0, 1); got {p!r}")
        self.placement, self.p = placement, float(p)
        H = hidden_size
        bound = 1.0 / math.sqrt(H)
        for k in range(num_layers):
            d_in = input_size if k == 0 else H
            for name, shape in ((f"weight_ih_l{k}", (4 * H, d_in)), (f"weight_hh_l{k}", (4 * H, H)),
                                (f"bias_ih_l{k}", (4 * H,)), (f"bias_hh_l{k}", (4 * H,))):
                param = nn.Parameter(torch.empty(shape, dtype=dtype))
                nn.init.uniform_(param, -bound, bound)
                self.register_parameter(name, param)

    def extra_repr(self) -> str:
        return (f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, "
                f"placement={self.placement!r}, p={self.p}")

    def _active(self, *placements: str) -> bool:
        return self.training and self.p > 0 and self.placement in placements

    def forward(self, x: torch.Tensor, state: State | None = None, *,
                generator: torch.Generator | None = None) -> tuple[torch.Tensor, State]:
        """``x (T, N, D)`` -> ``(outputs (T, N, H), (h_n, c_n))``; ``state`` None means zeros."""
        if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.dim() != 3 \
                or x.shape[0] == 0 or x.shape[1] == 0 or x.shape[2] != self.input_size:
            got = (f"shape {tuple(x.shape)}, dtype {x.dtype}" if isinstance(x, torch.Tensor)
                   else type(x).__name__)
            raise ValueError(f"x must be a floating-point tensor of shape (T, N, D) with T, N >= 1 and "
                             f"D = input_size = {self.input_size}; got {got}")
        T, N, _ = x.shape
        L, H, p = self.num_layers, self.hidden_size, self.p
        if state is None:
            zeros = x.new_zeros(L, N, H)
            state = (zeros, zeros)
        elif (not isinstance(state, tuple | list) or len(state) != 2
              or any(not isinstance(s, torch.Tensor) or tuple(s.shape) != (L, N, H) for s in state)):
            raise ValueError("state must be a tuple (h_0, c_0) of tensors of shape (L, N, H) = "
                             f"({L}, {N}, {H})")

        def mask(shape: tuple[int, ...]) -> torch.Tensor:
            return dropout_mask(shape, p, like=x, generator=generator)

        inputs = x
        h_n, c_n = [], []
        for k in range(L):
            d_in = inputs.shape[2]
            if self._active("zaremba"):
                inputs = inputs * mask((T, N, d_in))
            elif self._active("variational"):
                inputs = inputs * mask((1, N, d_in))
            w_hh = getattr(self, f"weight_hh_l{k}")
            if self._active("weight_drop"):
                w_hh = w_hh * mask(tuple(w_hh.shape))
            pre = inputs @ getattr(self, f"weight_ih_l{k}").T + getattr(self, f"bias_ih_l{k}") \
                + getattr(self, f"bias_hh_l{k}")
            w_hh_t = w_hh.T
            h, c = state[0][k], state[1][k]
            m_h = mask((N, H)) if self._active("variational") else None
            if self._active("naive"):
                m_naive_h, m_naive_c = mask((T, N, H)), mask((T, N, H))
            if self._active("semeniuta"):
                m_g = mask((T, N, H))
            if self._active("zoneout"):
                keep_c = torch.bernoulli(torch.full((T, N, H), p, dtype=x.dtype, device=x.device),
                                         generator=generator)
                keep_h = torch.bernoulli(torch.full((T, N, H), p, dtype=x.dtype, device=x.device),
                                         generator=generator)
            zoneout_eval = self.placement == "zoneout" and not self.training and p > 0
            outputs = []
            for t in range(T):
                h_in, c_in = h, c
                if m_h is not None:
                    h_in = h * m_h
                elif self._active("naive"):
                    h_in, c_in = h * m_naive_h[t], c * m_naive_c[t]
                a = torch.addmm(pre[t], h_in, w_hh_t)
                i, f, _, o = torch.sigmoid(a).chunk(4, dim=1)  # one call for the three gates
                g = torch.tanh(a[:, 2 * H : 3 * H])
                if self._active("semeniuta"):
                    g = g * m_g[t]
                c_new = f * c_in + i * g
                h_new = o * torch.tanh(c_new)
                if self._active("zoneout"):
                    c = keep_c[t] * c + (1 - keep_c[t]) * c_new
                    h = keep_h[t] * h + (1 - keep_h[t]) * h_new
                elif zoneout_eval:
                    c = p * c + (1 - p) * c_new
                    h = p * h + (1 - p) * h_new
                else:
                    c, h = c_new, h_new
                outputs.append(h)
            inputs = torch.stack(outputs)
            h_n.append(h)
            c_n.append(c)
        if self._active("zaremba"):
            inputs = inputs * mask((T, N, H))
        elif self._active("variational"):
            inputs = inputs * mask((1, N, H))
        return inputs, (torch.stack(h_n), torch.stack(c_n))


class DropoutLanguageModel(nn.Module):
    """Token ids ``(T, N)`` -> logits ``(T, N, K)``: embedding, :class:`DropoutLSTM`, linear readout.

    ``K = output_size``, by default ``vocab_size`` (a language model: the target at step t
    is the token at t + 1). The placement's input and output masks act on the embeddings
    and on the top layer's outputs (see :class:`DropoutLSTM`).
    """

    def __init__(self, vocab_size: int, embedding_size: int, hidden_size: int, *,
                 output_size: int | None = None, num_layers: int = 1, placement: str = "none",
                 p: float = 0.0) -> None:
        super().__init__()
        self.vocab_size = positive_int(vocab_size, "vocab_size")
        output_size = vocab_size if output_size is None else positive_int(output_size, "output_size")
        self.embedding = nn.Embedding(vocab_size, positive_int(embedding_size, "embedding_size"))
        self.lstm = DropoutLSTM(embedding_size, hidden_size, num_layers, placement=placement, p=p)
        self.readout = nn.Linear(hidden_size, output_size)

    def forward(self, tokens: torch.Tensor, state: State | None = None, *,
                generator: torch.Generator | None = None) -> torch.Tensor:
        """Token ids ``(T, N)`` (``torch.long``) -> logits ``(T, N, K)``."""
        if not isinstance(tokens, torch.Tensor) or tokens.dtype != torch.long or tokens.dim() != 2 \
                or tokens.numel() == 0:
            got = (f"dtype {tokens.dtype}, shape {tuple(tokens.shape)}" if isinstance(tokens, torch.Tensor)
                   else type(tokens).__name__)
            raise ValueError(f"tokens must be a non-empty torch.long tensor of shape (T, N); got {got}")
        if tokens.min() < 0 or tokens.max() >= self.vocab_size:
            raise ValueError(f"tokens must hold ids in 0..{self.vocab_size - 1}; got "
                             f"{int(tokens.min())}..{int(tokens.max())}")
        outputs, _ = self.lstm(self.embedding(tokens), state, generator=generator)
        return self.readout(outputs)


__all__ = ["PLACEMENTS", "DropoutLSTM", "DropoutLanguageModel", "dropout_mask"]
