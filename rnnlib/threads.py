"""Thread settings so that numpy (OpenBLAS) and torch (OpenMP) do not fight over the cores.

Both libraries start a pool of worker threads the size of the machine. When one process
alternates between numpy and torch, each pool's threads keep spinning for a while after
their work is done, waiting for more, and steal the cores the other pool now needs;
measured on a 2-core machine, small products then run tens of times slower. Giving each
library a deliberate number of threads avoids it.
"""

from __future__ import annotations

import os
import sys

from threadpoolctl import threadpool_limits

_LIMITS: list[object] = []  # keeps the threadpoolctl limiter alive


def set_threads(numpy_threads: int = 1, torch_threads: int | None = None) -> None:
    """Limit numpy's BLAS to ``numpy_threads`` and, if torch is imported, torch's intra-op
    pool to ``torch_threads`` (default: the number of cores).

    The default, one BLAS thread and all cores for torch, suits the course: rnnlib's
    reference layers work on small matrices, where one BLAS thread is as fast as two,
    and torch gets the machine.
    """
    for name, value in (("numpy_threads", numpy_threads), ("torch_threads", torch_threads)):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    _LIMITS.clear()
    _LIMITS.append(threadpool_limits(limits=numpy_threads, user_api="blas"))
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        torch.set_num_threads(torch_threads or os.cpu_count() or 1)
