"""Time rnnlib's numpy layers against torch.nn, forward + backward, float64, one process.

Usage::

    python benchmarks/layers.py                 # T=100, N=64, D=H=128, 7 repeats
    python benchmarks/layers.py --steps 50 --hidden 256 --repeats 11

For each layer (LSTM, GRU, RNN) it times one forward pass over the whole sequence plus
one backward pass through time, for rnnlib (numpy) and for the ``torch.nn`` module with
the same weights (autograd), and prints the median time of each and their ratio
(rnnlib / torch; below 1 means rnnlib is faster). The two are run interleaved, so that
a change in machine load affects both alike.

Threads are set deliberately (see :mod:`rnnlib.threads`). By default each library gets
one thread: the comparison is then of the two implementations on equal terms, and the
two thread pools cannot fight. With two threads each (``--numpy-threads 2
--torch-threads 2``) numpy's BLAS workers keep spinning after rnnlib's products and slow
torch's next pass down, measured here by up to 1.5-2x, so the ratio then flatters rnnlib.
The machine's load varies from run to run: compare ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from rnnlib import gru, lstm, rnn
from rnnlib.threads import set_threads
from rnnlib.torch_interop import torch_layer


def time_rnnlib(layer, params, x, d_out):
    start = time.perf_counter()
    _, _, cache = layer.forward(params, x)
    layer.backward(d_out, None, cache)
    return time.perf_counter() - start


def time_torch(module, x, d_out):
    start = time.perf_counter()
    x = x.detach().requires_grad_(True)
    module.zero_grad(set_to_none=True)
    out, _ = module(x)
    out.backward(d_out)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--input-size", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--numpy-threads", type=int, default=1)
    parser.add_argument("--torch-threads", type=int, default=1)
    args = parser.parse_args()
    set_threads(args.numpy_threads, args.torch_threads)

    rng = np.random.default_rng(0)
    shape = (args.steps, args.batch, args.input_size)
    x = rng.standard_normal(shape)
    d_out = rng.standard_normal((args.steps, args.batch, args.hidden))
    x_t, d_out_t = torch.from_numpy(x), torch.from_numpy(d_out)
    print(f"T={args.steps} N={args.batch} D={args.input_size} H={args.hidden}, float64, "
          f"median of {args.repeats}; numpy BLAS threads {args.numpy_threads}, "
          f"torch threads {torch.get_num_threads()}")
    print(f"{'layer':6} {'rnnlib ms':>10} {'torch ms':>10} {'ratio':>7}")
    for layer in (lstm, gru, rnn):
        params = layer.init_params(args.input_size, args.hidden, rng)
        module = torch_layer(layer, params)
        time_rnnlib(layer, params, x, d_out)  # warm-up
        time_torch(module, x_t, d_out_t)
        ours, theirs = [], []
        for _ in range(args.repeats):
            ours.append(time_rnnlib(layer, params, x, d_out))
            theirs.append(time_torch(module, x_t, d_out_t))
        a, b = statistics.median(ours), statistics.median(theirs)
        name = layer.__name__.rsplit(".", 1)[-1]
        print(f"{name:6} {a * 1e3:10.1f} {b * 1e3:10.1f} {a / b:7.2f}")


if __name__ == "__main__":
    main()
