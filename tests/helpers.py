"""Shared test helpers: run a torch.nn layer on the same data as rnnlib, with autograd."""

from __future__ import annotations

import numpy as np
import torch

from rnnlib.torch_interop import torch_layer

LAYERS = ("rnn", "lstm", "gru")


def random_state(kind: str, rng: np.random.Generator, batch: int, hidden: int):
    if kind == "lstm":
        return (rng.standard_normal((batch, hidden)), rng.standard_normal((batch, hidden)))
    return rng.standard_normal((batch, hidden))


def torch_reference(kind, params, x, state, d_outputs, d_final, nonlinearity="tanh"):
    """Forward and backward of the torch.nn layer; returns numpy arrays.

    The loss is <d_outputs, outputs> + <d_final, final state>, so autograd's gradients are
    exactly what rnnlib.<kind>.backward(d_outputs, d_final, cache) must return.
    """
    kwargs = {"nonlinearity": nonlinearity} if kind == "rnn" else {}
    module = torch_layer(kind, params, **kwargs)
    x_t = torch.tensor(x, requires_grad=True)
    if state is None:
        state_t = None
    elif kind == "lstm":
        state_t = tuple(torch.tensor(s[None], requires_grad=True) for s in state)
    else:
        state_t = torch.tensor(state[None], requires_grad=True)
    out, final = module(x_t, state_t)
    finals = final if kind == "lstm" else (final,)
    loss = (out * torch.from_numpy(d_outputs)).sum()
    if d_final is not None:
        d_finals = d_final if kind == "lstm" else (d_final,)
        loss = loss + sum((f[0] * torch.from_numpy(d)).sum() for f, d in zip(finals, d_finals, strict=True))
    loss.backward()
    grads = {name: getattr(module, name + "_l0").grad.numpy() for name in
             ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    final_np = tuple(f[0].detach().numpy() for f in finals)
    if state is None:
        d_state0 = None
    elif kind == "lstm":
        d_state0 = tuple(s.grad[0].numpy() for s in state_t)
    else:
        d_state0 = state_t.grad[0].numpy()
    return {
        "outputs": out.detach().numpy(),
        "final": final_np if kind == "lstm" else final_np[0],
        "grads": grads,
        "dx": x_t.grad.numpy(),
        "d_state0": d_state0,
    }
