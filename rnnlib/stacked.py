"""Stacked and bidirectional networks built from rnnlib's single layers.

Derived in the chapter "Stacked and bidirectional networks". A network of :math:`L`
layers, each with :math:`n_{\\text{dir}} \\in \\{1, 2\\}` directions, is composed from
:mod:`rnnlib.rnn`, :mod:`rnnlib.lstm` or :mod:`rnnlib.gru` exactly as ``torch.nn.RNN``,
``torch.nn.LSTM`` and ``torch.nn.GRU`` with ``num_layers=L`` and ``bidirectional=...``
compose them. With :math:`y^{(0)}_t = x_t` and :math:`\\operatorname{layer}` the
single-layer update of the chosen cell, for :math:`\\ell = 1, \\dots, L`:

.. math::

    \\begin{aligned}
    \\overrightarrow{h}^{(\\ell)}_t &= \\operatorname{layer}\\big(y^{(\\ell-1)}_t,\\,
        \\overrightarrow{h}^{(\\ell)}_{t-1}\\big), \\qquad t = 1, \\dots, T,\\\\
    \\overleftarrow{h}^{(\\ell)}_t &= \\operatorname{layer}\\big(y^{(\\ell-1)}_t,\\,
        \\overleftarrow{h}^{(\\ell)}_{t+1}\\big), \\qquad t = T, \\dots, 1,\\\\
    y^{(\\ell)}_t &= [\\overrightarrow{h}^{(\\ell)}_t;\\, \\overleftarrow{h}^{(\\ell)}_t]
        \\in \\mathbb{R}^{n_{\\text{dir}} H}
    \\end{aligned}

(the second line and the reverse half of the third only when bidirectional; the two
directions have separate parameters). The reverse direction is computed by running the
single layer on the input reversed in time and reversing its outputs back. The network's
output is :math:`y^{(L)}`, shape ``(T, N, n_dir * H)``.

Data layout (PyTorch's, so that a module's parameters and states copy without renaming):

* ``params`` is one flat dict keyed by PyTorch's names, ``weight_ih_l{k}``,
  ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` for layer ``k = 0..L-1``, with
  the suffix ``_reverse`` for the reverse direction: the keys and shapes of
  ``dict(module.named_parameters())``. :func:`layer_params` extracts one layer and
  direction as a single-layer rnnlib dict. Layer 0 has ``weight_ih (G*H, D)``, layers
  ``k >= 1`` have ``weight_ih (G*H, n_dir*H)``.
* ``state`` (and the returned final state) is ``h (L*n_dir, N, H)`` for the RNN and the
  GRU and a pair ``(h, c)`` of such arrays for the LSTM; index ``k*n_dir`` is layer ``k``
  forward and ``k*n_dir + 1`` layer ``k`` reverse (whose final state is the one reached
  after reading :math:`x_1`).

Backward (derived in the same chapter): the gradient of the output of layer
:math:`\\ell` is split into its forward half and its reverse half; each half goes through
its own direction's backpropagation through time (the reverse half reversed in time, and
its input gradient reversed back), and the two input gradients are added, because both
directions read the same input :math:`y^{(\\ell-1)}`. That sum is the output gradient of
layer :math:`\\ell - 1`, down to :math:`\\partial L / \\partial x`.

:func:`forward` and :func:`backward` have the contract of the single layers, with the
cell chosen by the keyword ``cell``, so :func:`rnnlib.gradcheck.layer_gradient_errors`
checks this module too: ``layer_gradient_errors(stacked, params, x, state, rng=rng,
cell=lstm)``.
"""

from __future__ import annotations

import re
from types import ModuleType

import numpy as np

from rnnlib import _validate, gru, lstm, rnn
from rnnlib._validate import PARAM_NAMES

_LAYERS = {"rnn": rnn, "lstm": lstm, "gru": gru}
_KEY = re.compile(r"^(weight_ih|weight_hh|bias_ih|bias_hh)_l(\d+)(_reverse)?$")


def _layer_module(cell: str | ModuleType) -> tuple[str, ModuleType]:
    """``("lstm", rnnlib.lstm)`` from ``"lstm"`` or from the module :mod:`rnnlib.lstm`."""
    name = cell if isinstance(cell, str) else getattr(cell, "__name__", "").rsplit(".", 1)[-1]
    if name not in _LAYERS or (not isinstance(cell, str) and cell is not _LAYERS[name]):
        raise ValueError(
            f"cell must be rnnlib.rnn, rnnlib.lstm or rnnlib.gru (or 'rnn', 'lstm', 'gru'); got {cell!r}"
        )
    return name, _LAYERS[name]


def param_name(name: str, layer: int, reverse: bool = False) -> str:
    """PyTorch's name of parameter ``name`` of one layer and direction, e.g. ``weight_ih_l1_reverse``."""
    return f"{name}_l{layer}" + ("_reverse" if reverse else "")


def layer_params(params: dict[str, np.ndarray], layer: int, reverse: bool = False) -> dict[str, np.ndarray]:
    """The single-layer rnnlib dict (``weight_ih``, ...) of one layer and direction of ``params``."""
    try:
        return {name: params[param_name(name, layer, reverse)] for name in PARAM_NAMES}
    except KeyError as error:
        raise ValueError(f"params has no entry {error.args[0]!r}") from None


def init_params(
    cell: str | ModuleType,
    input_size: int,
    hidden_size: int,
    num_layers: int = 1,
    bidirectional: bool = False,
    rng: np.random.Generator | None = None,
) -> dict[str, np.ndarray]:
    """Parameters of a stacked (and optionally bidirectional) network, keyed by PyTorch's names.

    Each layer and direction is initialised by the single layer's ``init_params``
    (uniform in :math:`[-1/\\sqrt{H}, 1/\\sqrt{H}]`, as PyTorch does), in PyTorch's order of
    ``named_parameters()``: layer 0 forward, layer 0 reverse, layer 1 forward, ...
    """
    _, module = _layer_module(cell)
    if isinstance(num_layers, bool) or not isinstance(num_layers, int | np.integer) or num_layers < 1:
        raise ValueError(f"num_layers must be a positive integer; got {num_layers!r}")
    if rng is None:
        rng = np.random.default_rng()
    dirs = 2 if bidirectional else 1
    params: dict[str, np.ndarray] = {}
    for k in range(num_layers):
        for d in range(dirs):
            single = module.init_params(input_size if k == 0 else dirs * hidden_size, hidden_size, rng)
            params.update({param_name(name, k, d == 1): value for name, value in single.items()})
    return params


def _structure(params: object) -> tuple[int, int]:
    """Check the keys of ``params``; return (num_layers, num_directions)."""
    if not isinstance(params, dict) or not params:
        raise ValueError(
            "params must be a non-empty dict keyed by PyTorch's names (weight_ih_l0, ..., "
            f"bias_hh_l{{k}}_reverse); got {type(params).__name__}"
        )
    layers, reverse = set(), False
    for key in params:
        match = _KEY.match(str(key))
        if match is None:
            raise ValueError(
                f"params has an unexpected key {key!r}; expected PyTorch's names "
                "weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (suffix _reverse for "
                "the reverse direction)"
            )
        layers.add(int(match.group(2)))
        reverse = reverse or match.group(3) is not None
    num_layers, dirs = max(layers) + 1, 2 if reverse else 1
    expected = {param_name(n, k, d == 1) for k in range(num_layers) for d in range(dirs) for n in PARAM_NAMES}
    missing = sorted(expected - set(params))
    if missing:
        raise ValueError(
            f"params of a {num_layers}-layer {'bidirectional' if reverse else 'unidirectional'} "
            f"network must have the keys of every layer and direction; missing {missing}"
        )
    return num_layers, dirs


def _split_state(state: object, kind: str, count: int, batch: int, hidden: int) -> list:
    """One initial state per (layer, direction), checked; None stays None."""
    if state is None:
        return [None] * count
    legend = f"(L*num_directions, N, H) = ({count}, {batch}, {hidden})"
    if kind == "lstm":
        if not isinstance(state, tuple | list) or len(state) != 2:
            raise ValueError(f"state of an LSTM must be a pair (h, c), each of shape {legend}; "
                             f"got {type(state).__name__}")
        parts = [("state[0] (h)", state[0]), ("state[1] (c)", state[1])]
    else:
        parts = [("state", state)]
    arrays = []
    for name, value in parts:
        value = _validate.as_float64_array(value, name, legend)
        _validate.check_shape(value, name, (count, batch, hidden), "(L*num_directions, N, H)")
        arrays.append(value)
    if kind == "lstm":
        return [(arrays[0][j], arrays[1][j]) for j in range(count)]
    return [arrays[0][j] for j in range(count)]


def _stack_states(states: list, kind: str) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Stack per-(layer, direction) states into PyTorch's ``(L*num_directions, N, H)``."""
    if kind == "lstm":
        return np.stack([s[0] for s in states]), np.stack([s[1] for s in states])
    return np.stack(states)


def forward(
    params: dict[str, np.ndarray],
    x: np.ndarray,
    state: np.ndarray | tuple[np.ndarray, np.ndarray] | None = None,
    *,
    cell: str | ModuleType,
    **layer_kwargs: object,
) -> tuple[np.ndarray, np.ndarray | tuple[np.ndarray, np.ndarray], dict]:
    """Run the stacked network over ``x (T, N, D)``.

    ``cell`` is :mod:`rnnlib.rnn`, :mod:`rnnlib.lstm` or :mod:`rnnlib.gru` (or its name);
    ``layer_kwargs`` go to every single layer (``nonlinearity=`` for the RNN). The number
    of layers and of directions is read from the keys of ``params``. ``state`` is
    ``h0 (L*n_dir, N, H)`` (a pair ``(h0, c0)`` for the LSTM) or None for zeros.

    Returns ``outputs (T, N, n_dir*H)`` (layer ``L-1``'s forward states in features
    ``[:H]``, its reverse states in ``[H:]``), the final states in PyTorch's layout and a
    cache for :func:`backward`.
    """
    kind, module = _layer_module(cell)
    num_layers, dirs = _structure(params)
    hidden = None
    for k in range(num_layers):
        for d in range(dirs):
            h_kd, d_kd = _validate.check_params(layer_params(params, k, d == 1), module.NUM_GATES, kind)
            hidden = h_kd if hidden is None else hidden
            expected_in = None if k == 0 else dirs * hidden
            if h_kd != hidden or (expected_in is not None and d_kd != expected_in):
                raise ValueError(
                    f"params of layer {k}{' reverse' if d else ''} must have hidden size H = {hidden} "
                    f"and input size {expected_in if k else 'D'} (n_dir*H for layers k >= 1); "
                    f"got H = {h_kd}, input size {d_kd}"
                )
    x = _validate.as_float64_array(x, "x", "(T, N, D)")
    _validate.check_inputs(x, params["weight_ih_l0"].shape[1])
    batch = x.shape[1]
    states0 = _split_state(state, kind, num_layers * dirs, batch, hidden)

    layer_input, finals, caches = x, [], []
    for k in range(num_layers):
        outs = []
        for d in range(dirs):
            seq = layer_input if d == 0 else layer_input[::-1]   # reverse: read x_T, ..., x_1
            out, final, cache = module.forward(layer_params(params, k, d == 1), seq,
                                               states0[k * dirs + d], **layer_kwargs)
            outs.append(out if d == 0 else out[::-1])            # back to time order t = 1..T
            finals.append(final)
            caches.append(cache)
        layer_input = np.concatenate(outs, axis=-1) if dirs == 2 else outs[0]
    cache = {"layer": "stacked", "kind": kind, "num_layers": num_layers, "num_directions": dirs,
             "hidden_size": hidden, "caches": caches, "with_state": state is not None}
    return layer_input, _stack_states(finals, kind), cache


def backward(
    d_outputs: np.ndarray,
    d_final_state: np.ndarray | tuple[np.ndarray, np.ndarray] | None,
    cache: dict,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray | tuple[np.ndarray, np.ndarray]]:
    """Backpropagation through the whole stack for :func:`forward`.

    ``d_outputs (T, N, n_dir*H)`` is :math:`\\partial L / \\partial y^{(L)}`;
    ``d_final_state`` has the layout of the final state (None: zero). Returns the
    gradients of every parameter (same keys as ``params``), ``dx (T, N, D)`` and the
    gradient of the initial state in PyTorch's layout (zeros-state gradients when
    ``forward`` got ``state=None``).
    """
    cache = _validate.check_cache(cache, "stacked")
    kind, num_layers, dirs, hidden = cache["kind"], cache["num_layers"], cache["num_directions"], \
        cache["hidden_size"]
    module = _LAYERS[kind]
    caches = cache["caches"]
    steps, batch = caches[-1]["outputs"].shape[:2]
    d_out = _validate.as_float64_array(d_outputs, "d_outputs", "(T, N, num_directions*H)")
    _validate.check_shape(d_out, "d_outputs", (steps, batch, dirs * hidden), "(T, N, num_directions*H)")
    if d_final_state is None:
        d_finals = [None] * (num_layers * dirs)
    else:
        d_finals = _split_state(d_final_state, kind, num_layers * dirs, batch, hidden)
        d_finals = [tuple(np.ascontiguousarray(a) for a in s) if kind == "lstm" else np.ascontiguousarray(s)
                    for s in d_finals]

    grads: dict[str, np.ndarray] = {}
    d_states0: list = [None] * (num_layers * dirs)
    for k in range(num_layers - 1, -1, -1):
        d_input = None
        for d in range(dirs):
            j = k * dirs + d
            d_half = d_out[..., d * hidden:(d + 1) * hidden]
            if d == 1:
                d_half = d_half[::-1]                             # the reverse run's time order
            g, dx, d_state0 = module.backward(np.ascontiguousarray(d_half), d_finals[j], caches[j])
            if d == 1:
                dx = dx[::-1]                                     # back to t = 1..T
            d_input = dx if d_input is None else d_input + dx     # both directions read y^(k-1)
            d_states0[j] = d_state0
            grads.update({param_name(name, k, d == 1): value for name, value in g.items()})
        d_out = d_input
    ordered = {param_name(n, k, d == 1): grads[param_name(n, k, d == 1)]
               for k in range(num_layers) for d in range(dirs) for n in PARAM_NAMES}
    return ordered, np.ascontiguousarray(d_out), _stack_states(d_states0, kind)
