"""Truncated backpropagation through time, TBPTT(k1, k2) (Williams and Peng 1990).

The forward pass runs over the whole sequence, carrying the state. Every ``k1`` steps,
the losses of the last ``k1`` steps are backpropagated through at most the last ``k2``
steps and no further: the state at the start of that window is treated as a constant
(in PyTorch, ``h.detach()``). At the end of the sequence, where fewer than ``k1`` steps
may be left, the window starts where it would for a full block, so that TBPTT(k, k) is
exactly the scheme of non-overlapping windows. With ``k1 = k2 = T`` this is full BPTT; with
``k1 = k2 = k`` it is the common scheme of non-overlapping windows of length ``k``. The
BPTT chapter derives it and measures how far its gradient is from the full one.

Works with any of :mod:`rnnlib.rnn`, :mod:`rnnlib.lstm`, :mod:`rnnlib.gru`.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np


def truncated_gradients(
    layer: ModuleType,
    params: dict[str, np.ndarray],
    x: np.ndarray,
    d_outputs: np.ndarray,
    k1: int,
    k2: int,
    state: np.ndarray | tuple[np.ndarray, np.ndarray] | None = None,
    **forward_kwargs: object,
) -> dict[str, np.ndarray]:
    """Parameter gradients of TBPTT(k1, k2) for upstream gradients ``d_outputs (T, N, H)``.

    ``d_outputs[t]`` is :math:`\\partial \\ell_t / \\partial h_t` of the loss term at step
    ``t``. Requires ``1 <= k1 <= k2``. Returns a dict with the keys of ``params``.
    """
    for name, value in (("k1", k1), ("k2", k2)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    if k2 < k1:
        raise ValueError(f"k2 must be at least k1, so that every loss term is backpropagated; "
                         f"got k1={k1}, k2={k2}")
    outputs, _, _ = layer.forward(params, x, state, **forward_kwargs)  # validates the arguments
    steps = outputs.shape[0]
    if not isinstance(d_outputs, np.ndarray) or d_outputs.shape != outputs.shape:
        raise ValueError(f"d_outputs must have shape (T, N, H) = {outputs.shape}; got "
                         f"{getattr(d_outputs, 'shape', type(d_outputs).__name__)}")

    # The state before every step, from one forward pass step by step.
    states = [state]
    for t in range(steps):
        _, final, _ = layer.forward(params, x[t : t + 1], states[-1], **forward_kwargs)
        states.append(final)

    grads = {name: np.zeros_like(value) for name, value in params.items()}
    for end in [*range(k1, steps, k1), steps]:  # a backward pass every k1 steps, and at the end
        newest = (end - 1) // k1 * k1           # first step whose loss is not yet backpropagated
        start = max(0, newest + k1 - k2)       # the window reaches k2 steps back from newest + k1
        _, _, cache = layer.forward(params, x[start:end], states[start], **forward_kwargs)
        window_d = np.zeros((end - start, *d_outputs.shape[1:]))
        window_d[newest - start :] = d_outputs[newest:end]
        window_grads, _, _ = layer.backward(window_d, None, cache)
        for name in grads:
            grads[name] += window_grads[name]
    return grads
