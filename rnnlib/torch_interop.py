"""Copying parameters between rnnlib's layers and ``torch.nn.RNN/LSTM/GRU``.

rnnlib uses PyTorch's parameter names, shapes and gate order, so a copy is a rename:
the single-layer key ``weight_ih`` is ``weight_ih_l{k}`` for layer :math:`k` of a
``torch.nn`` module, with the suffix ``_reverse`` for the backward direction of a
bidirectional module (and likewise for ``weight_hh``, ``bias_ih``, ``bias_hh``).

This is the one module of rnnlib's core that imports torch.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import torch

from rnnlib._validate import PARAM_NAMES

_TORCH_CLASSES = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
_NUM_GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def _kind(layer: str | ModuleType) -> str:
    """``"lstm"`` from ``"lstm"`` or from the module :mod:`rnnlib.lstm`."""
    name = layer if isinstance(layer, str) else getattr(layer, "__name__", "").rsplit(".", 1)[-1]
    if name not in _TORCH_CLASSES:
        raise ValueError(f"layer must be 'rnn', 'lstm' or 'gru' (or the rnnlib module); got {layer!r}")
    return name


def torch_names(layer: int = 0, reverse: bool = False) -> dict[str, str]:
    """rnnlib key -> ``torch.nn`` attribute name, e.g. ``weight_ih -> weight_ih_l1_reverse``."""
    suffix = f"_l{layer}" + ("_reverse" if reverse else "")
    return {name: name + suffix for name in PARAM_NAMES}


def _check_module(module: torch.nn.Module, layer: int, reverse: bool) -> None:
    if not isinstance(module, torch.nn.RNNBase):
        raise ValueError(f"module must be a torch.nn.RNN, LSTM or GRU; got {type(module).__name__}")
    if not module.bias:
        raise ValueError("module must have bias=True (rnnlib's layers always have both biases)")
    if getattr(module, "proj_size", 0):
        raise ValueError("module must have proj_size=0 (rnnlib's LSTM has no projection)")
    if not 0 <= layer < module.num_layers:
        raise ValueError(f"layer must be in 0..{module.num_layers - 1}; got {layer}")
    if reverse and not module.bidirectional:
        raise ValueError("reverse=True needs a bidirectional module")


def from_torch(module: torch.nn.Module, layer: int = 0, reverse: bool = False) -> dict[str, np.ndarray]:
    """The parameters of one layer and direction of ``module`` as an rnnlib dict (float64 copies)."""
    _check_module(module, layer, reverse)
    return {
        name: getattr(module, attr).detach().to(torch.float64).cpu().numpy().copy()
        for name, attr in torch_names(layer, reverse).items()
    }


def to_torch(
    params: dict[str, np.ndarray], module: torch.nn.Module, layer: int = 0, reverse: bool = False
) -> None:
    """Copy an rnnlib parameter dict into one layer and direction of ``module``, in place."""
    _check_module(module, layer, reverse)
    if set(params) != set(PARAM_NAMES):
        raise ValueError(f"params must have exactly the keys {list(PARAM_NAMES)}; got {sorted(params)}")
    with torch.no_grad():
        for name, attr in torch_names(layer, reverse).items():
            target = getattr(module, attr)
            value = np.asarray(params[name])
            if value.shape != tuple(target.shape):
                raise ValueError(
                    f"params[{name!r}] must have the shape of {attr}, {tuple(target.shape)}; "
                    f"got {value.shape}"
                )
            target.copy_(torch.from_numpy(value))


def torch_layer(
    layer: str | ModuleType, params: dict[str, np.ndarray], *, nonlinearity: str = "tanh"
) -> torch.nn.Module:
    """A single-layer float64 ``torch.nn.RNN/LSTM/GRU`` holding a copy of ``params``.

    ``layer`` is ``"rnn"``, ``"lstm"``, ``"gru"`` or the rnnlib module itself; sizes are
    read from ``params``. ``nonlinearity`` applies to ``"rnn"`` only.
    """
    kind = _kind(layer)
    weight_ih = np.asarray(params["weight_ih"])
    hidden, input_size = weight_ih.shape[0] // _NUM_GATES[kind], weight_ih.shape[1]
    kwargs = {"nonlinearity": nonlinearity} if kind == "rnn" else {}
    module = _TORCH_CLASSES[kind](input_size, hidden, dtype=torch.float64, **kwargs)
    to_torch(params, module)
    return module
