"""How much gradient reaches the input ``k`` steps back: Jacobians of the last state of a
``torch.nn`` recurrent layer with respect to every input, and the gates' direct paths.

For a single-layer ``torch.nn.RNN``, ``LSTM`` or ``GRU`` read time-major, the chapter on
gradient flow (``chapters/10_gradient_flow``) measures

.. math:: \\frac{\\partial h_T}{\\partial x_t} \\in \\mathbb{R}^{H \\times D},
          \\qquad t = 1, \\dots, T,

for every sequence of a batch, and its Frobenius norm against the lag :math:`k = T - t`.
:func:`input_jacobians` gets all of them from one backward pass: each sequence is repeated
:math:`H` times in the batch, and copy :math:`j` back-propagates only the :math:`j`-th
unit of its last state, so its input gradient is row :math:`j` of the Jacobian. The
chapter checks the result against :mod:`rnnlib.lstm`, :mod:`rnnlib.gru` and
:mod:`rnnlib.rnn`.

:func:`direct_path_products` computes the gradient along the gates' copy paths: for the
LSTM's cell, :math:`\\partial c_T / \\partial c_{T-k}` contains the diagonal term
:math:`\\prod_{s=T-k+1}^{T} \\operatorname{diag}(f_s)` (the LSTM chapter); for PyTorch's
GRU, :math:`\\partial h_T / \\partial h_{T-k}` contains
:math:`\\prod_{s} \\operatorname{diag}(z_s)` (the GRU chapter). With :math:`W_{hh} = 0`
these products are the whole Jacobians.
"""

from __future__ import annotations

import numpy as np
import torch


def _check_module(module: object) -> torch.nn.RNNBase:
    if not isinstance(module, torch.nn.RNNBase):
        raise ValueError(f"module must be a torch.nn.RNN, LSTM or GRU; got {type(module).__name__}")
    if module.num_layers != 1 or module.bidirectional or module.batch_first:
        raise ValueError("module must have num_layers=1, bidirectional=False and batch_first=False; got "
                         f"num_layers={module.num_layers}, bidirectional={module.bidirectional}, "
                         f"batch_first={module.batch_first}")
    if getattr(module, "proj_size", 0):
        raise ValueError("module must have proj_size=0")
    return module


def input_jacobians(module: torch.nn.RNNBase, x: torch.Tensor) -> torch.Tensor:
    """:math:`\\partial h_T / \\partial x_t` for every step and sequence: ``(T, N, H, D)``.

    ``module`` is a single-layer, unidirectional, time-major ``torch.nn.RNN/LSTM/GRU``;
    ``x (T, N, D)`` a floating-point tensor of its dtype. Entry ``[t, n]`` is the Jacobian
    of the last output :math:`h_T` of sequence ``n`` with respect to its input at step
    ``t + 1`` (0-based storage), computed by autograd in one backward pass over a batch of
    ``N * H`` copies. The states start at zero. The module's parameters get no gradient.
    """
    module = _check_module(module)
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise ValueError(f"x must be a floating-point tensor of shape (T, N, D); got {type(x).__name__}")
    if x.dim() != 3 or x.shape[0] == 0 or x.shape[1] == 0 or x.shape[2] != module.input_size:
        raise ValueError(f"x must have shape (T, N, D) with T, N >= 1 and D = input_size = "
                         f"{module.input_size}; got shape {tuple(x.shape)}")
    steps, batch, inputs = x.shape
    hidden = module.hidden_size
    copies = x.detach().repeat_interleave(hidden, dim=1).requires_grad_()  # (T, N * H, D)
    outputs, _ = module(copies)
    last = outputs[-1].reshape(batch, hidden, hidden)                    # [n, copy j, unit]
    (grad,) = torch.autograd.grad(last.diagonal(dim1=1, dim2=2).sum(), copies)  # copy j: unit j only
    return grad.reshape(steps, batch, hidden, inputs)


def input_gradient_ratios(module: torch.nn.RNNBase, x: torch.Tensor) -> np.ndarray:
    """:math:`\\|\\partial h_T / \\partial x_{T-k}\\|_F / \\|\\partial h_T / \\partial x_T\\|_F`: ``(T, N)``.

    Row ``k`` is the lag :math:`k = 0, \\dots, T-1` (row 0 is 1), one column per sequence
    of ``x (T, N, D)``; float64 numpy. Dividing by the lag-0 norm removes the scale of the
    state, so that layers of different kinds compare by how fast their gradient decays.
    """
    norms = torch.linalg.matrix_norm(input_jacobians(module, x)).detach().to(torch.float64).numpy()
    if not (norms[-1] > 0).all():
        raise ValueError("the gradient with respect to the last input is zero for some sequence; "
                         "the ratio is undefined (e.g. a relu layer whose units are all off)")
    return norms[::-1] / norms[-1]


def direct_path_products(gates: np.ndarray) -> np.ndarray:
    """Products of a gate over the last ``k`` steps: entry ``k`` is :math:`\\prod_{s=T-k+1}^{T} g_s`.

    ``gates (T, N, H)`` are the gate values :math:`g_1, \\dots, g_T` in :math:`(0, 1]` (the
    LSTM's forget gate :math:`f_t` or the GRU's update gate :math:`z_t`, e.g. read from the
    ``"gates"`` entry of a forward cache). Returns ``(T + 1, N, H)``: entry 0 is 1 (the
    empty product), entry ``T`` the product over all steps. Each entry is the diagonal of
    the direct-path term of :math:`\\partial c_T / \\partial c_{T-k}` (LSTM) or
    :math:`\\partial h_T / \\partial h_{T-k}` (GRU).
    """
    gates = np.asarray(gates, dtype=np.float64)
    if gates.ndim != 3 or 0 in gates.shape:
        raise ValueError(f"gates must have shape (T, N, H), non-empty; got shape {gates.shape}")
    if not ((gates > 0) & (gates <= 1)).all():
        raise ValueError("gates must hold gate values in (0, 1]")
    out = np.ones((gates.shape[0] + 1, *gates.shape[1:]))
    out[1:] = np.cumprod(gates[::-1], axis=0)
    return out


__all__ = ["direct_path_products", "input_gradient_ratios", "input_jacobians"]
