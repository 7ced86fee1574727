"""Gradient clipping, by global norm and by value, on a dict of numpy gradients.

By norm (Pascanu, Mikolov and Bengio 2013; the vanishing-gradient chapter): with
:math:`g` all gradients concatenated and :math:`\\|g\\|` their global 2-norm,

.. math:: g \\leftarrow g \\cdot \\min\\!\\Big(1, \\frac{c}{\\|g\\| + \\epsilon}\\Big),

which keeps the direction of the step and bounds its length by :math:`c`. By value,
every entry is clamped to :math:`[-c, c]`, which changes the direction. Both match
``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_`` (including PyTorch's
:math:`\\epsilon = 10^{-6}`), but return new arrays instead of modifying in place.
"""

from __future__ import annotations

import numpy as np

#: PyTorch's ``clip_grad_norm_`` divides by (total_norm + 1e-6).
EPS = 1e-6


def global_norm(grads: dict[str, np.ndarray]) -> float:
    """:math:`\\|g\\|_2` of all gradients together: :math:`\\sqrt{\\sum_k \\|g_k\\|^2}`."""
    if not isinstance(grads, dict) or not grads:
        raise ValueError("grads must be a non-empty dict of numpy arrays")
    return float(np.sqrt(sum(float(np.sum(np.square(g))) for g in grads.values())))


def clip_grad_norm(
    grads: dict[str, np.ndarray], max_norm: float
) -> tuple[dict[str, np.ndarray], float]:
    """Scale all gradients by :math:`\\min(1, c / (\\|g\\| + \\epsilon))`.

    Returns the clipped gradients and the global norm :math:`\\|g\\|` before clipping.
    """
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive; got {max_norm!r}")
    total = global_norm(grads)
    scale = min(1.0, max_norm / (total + EPS))
    return {name: g * scale for name, g in grads.items()}, total


def clip_grad_value(grads: dict[str, np.ndarray], clip_value: float) -> dict[str, np.ndarray]:
    """Clamp every entry of every gradient to :math:`[-c, c]`."""
    if not clip_value > 0:
        raise ValueError(f"clip_value must be positive; got {clip_value!r}")
    if not isinstance(grads, dict) or not grads:
        raise ValueError("grads must be a non-empty dict of numpy arrays")
    return {name: np.clip(g, -clip_value, clip_value) for name, g in grads.items()}
