"""Time per step of the RNN, LSTM and GRU over hidden sizes: the speed table of chapter 09_cost.

Usage::

    python benchmarks/speed.py                          # H = 16 .. 512, T=20, N=32, 5 repeats
    python benchmarks/speed.py --hidden 32 128 --steps 50 --batch 64 --repeats 9
    python benchmarks/speed.py --cells lstm gru --no-numpy

For every cell and hidden size H (input size D = H unless ``--input-size`` is given) it
times, on the same input ``x (T, N, D)``:

* ``np fwd`` / ``np f+b``: rnnlib's numpy layer (float64), forward, and forward + backward
  through time;
* ``t32 fwd`` / ``t32 f+b`` and ``t64 fwd`` / ``t64 f+b``: the ``torch.nn`` layer in float32
  and float64, forward under ``no_grad``, and forward + ``backward`` (input gradient too,
  as rnnlib computes it);
* ``var32 fwd`` / ``var32 f+b`` (LSTM only): rnnlib's PyTorch variant LSTM
  (``rnnlib.torch_cells.VariantLSTM``, variant "vanilla"), a Python loop over time steps.

and prints microseconds of CPU time per time step (the best of ``--repeats`` runs, divided by
T; the runs are interleaved, every implementation once per round), then the GRU/LSTM time
ratios next to the FLOP ratio of :mod:`rnnlib.cost`. CPU time (``time.process_time``) rather
than wall-clock time, so that other processes on a shared machine inflate the numbers less;
with one thread per library (the default) the two agree on an idle machine.

Threads are set deliberately (see :mod:`rnnlib.threads` and ``benchmarks/layers.py``): numpy
(BLAS) and torch (OpenMP) each one thread by default, so that neither pool spins on the cores
the other needs, and every implementation runs on one core.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import numpy as np
import torch

from rnnlib import cost, gru, lstm, rnn
from rnnlib.threads import set_threads
from rnnlib.torch_cells import VariantLSTM
from rnnlib.torch_interop import torch_layer

MODULES = {"rnn": rnn, "lstm": lstm, "gru": gru}


def torch_fns(module: torch.nn.Module, x: torch.Tensor, d_out: torch.Tensor):
    """Forward under no_grad, and forward + backward with the input gradient."""
    def forward():
        with torch.no_grad():
            return module(x)

    def forward_backward():
        xg = x.detach().requires_grad_(True)
        module.zero_grad(set_to_none=True)
        out, _ = module(xg)
        out.backward(d_out)

    return forward, forward_backward


def implementations(cell: str, H: int, D: int, T: int, N: int, numpy_too: bool,
                    rng: np.random.Generator) -> dict[str, Callable[[], object]]:
    """The functions to time for ``cell`` at hidden size H, keyed by column name; one set of weights."""
    module = MODULES[cell]
    params = module.init_params(D, H, rng)
    x = rng.standard_normal((T, N, D))
    d_out = rng.standard_normal((T, N, H))
    fns: dict[str, Callable[[], object]] = {}
    if numpy_too:
        def numpy_fb():
            _, _, cache = module.forward(params, x)
            module.backward(d_out, None, cache)

        fns["np fwd"] = lambda: module.forward(params, x)
        fns["np f+b"] = numpy_fb
    layers = [("t32", torch_layer(cell, params).float(), torch.float32),
              ("t64", torch_layer(cell, params), torch.float64)]
    if cell == "lstm":
        layers.append(("var32", VariantLSTM(D, H, variant="vanilla"), torch.float32))
    for tag, layer, dtype in layers:
        fns[f"{tag} fwd"], fns[f"{tag} f+b"] = torch_fns(
            layer, torch.from_numpy(x).to(dtype), torch.from_numpy(d_out).to(dtype))
    return fns


def measure(cells: list[str], H: int, D: int, T: int, N: int, repeats: int, numpy_too: bool,
            rng: np.random.Generator) -> dict[tuple[str, int], dict[str, float]]:
    """Seconds of CPU time per step of every implementation of ``cells`` at hidden size H.

    The best of ``repeats`` runs after a warm-up run, interleaved: every round runs every
    implementation once, so that a change in the machine's load affects all of them alike.
    """
    fns = {(cell, name): fn for cell in cells
           for name, fn in implementations(cell, H, D, T, N, numpy_too, rng).items()}
    for fn in fns.values():
        fn()
    best = dict.fromkeys(fns, math.inf)
    for _ in range(repeats):
        for key, fn in fns.items():
            start = time.process_time()
            fn()
            best[key] = min(best[key], time.process_time() - start)
    return {(cell, H): {name: best[c, name] / T for c, name in best if c == cell} for cell in cells}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden", type=int, nargs="+", default=[16, 32, 64, 128, 256, 512])
    parser.add_argument("--input-size", type=int, default=None, help="D (default: D = H)")
    parser.add_argument("--steps", type=int, default=20, help="T")
    parser.add_argument("--batch", type=int, default=32, help="N")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cells", nargs="+", choices=sorted(MODULES), default=["rnn", "lstm", "gru"])
    parser.add_argument("--no-numpy", action="store_true", help="skip rnnlib's numpy layers")
    parser.add_argument("--numpy-threads", type=int, default=1)
    parser.add_argument("--torch-threads", type=int, default=1)
    args = parser.parse_args()
    set_threads(args.numpy_threads, args.torch_threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)

    onednn = torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled
    print(f"T={args.steps} N={args.batch} D={'H' if args.input_size is None else args.input_size}; "
          f"microseconds of CPU time per step, best of {args.repeats}; numpy BLAS threads "
          f"{args.numpy_threads}, torch threads {torch.get_num_threads()}; torch {torch.__version__}, "
          f"oneDNN {'on' if onednn else 'off'}")
    results: dict[tuple[str, int], dict[str, float]] = {}
    for H in args.hidden:
        results.update(measure(args.cells, H, args.input_size or H, args.steps, args.batch,
                               args.repeats, not args.no_numpy, rng))
    order = ["np fwd", "np f+b", "t32 fwd", "t32 f+b", "t64 fwd", "t64 f+b", "var32 fwd", "var32 f+b"]
    columns = [c for c in order if any(c in r for r in results.values())]
    print(f"{'cell':5} {'H':>5} " + " ".join(f"{c:>10}" for c in columns))
    for (cell, H), r in results.items():
        print(f"{cell:5} {H:5d} " + " ".join(f"{r[c] * 1e6:10.1f}" if c in r else f"{'':>10}"
                                             for c in columns))
    if {"lstm", "gru"} <= set(args.cells):
        print("\ntime ratio GRU / LSTM (below 1: the GRU is faster); FLOP ratio from rnnlib.cost")
        shared = [c for c in columns if c in results["gru", args.hidden[0]]]
        print(f"{'H':>5} {'FLOPs':>7} " + " ".join(f"{c:>8}" for c in shared))
        for H in args.hidden:
            D = args.input_size or H
            flops = cost.step_cost("gru", D, H).flops / cost.step_cost("lstm", D, H).flops
            print(f"{H:5d} {flops:7.2f} " + " ".join(
                f"{results['gru', H][c] / results['lstm', H][c]:8.2f}" for c in shared))


if __name__ == "__main__":
    main()
