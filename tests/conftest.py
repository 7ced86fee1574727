"""Test set-up: deterministic hypothesis profile and thread limits.

numpy's BLAS and torch's OpenMP pool would otherwise each start one thread per core in
this one process and fight over the cores (see rnnlib.threads); the test sizes are tiny,
so one thread each is also the fastest.
"""

import torch
from hypothesis import settings

from rnnlib.threads import set_threads

set_threads(numpy_threads=1, torch_threads=1)
torch.manual_seed(0)

# derandomize: the same examples on every run and machine, so CI is reproducible.
settings.register_profile("course", deadline=None, derandomize=True, max_examples=40)
settings.load_profile("course")
