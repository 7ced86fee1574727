"""The numpy core of rnnlib imports no torch (DESIGN.md: only torch_interop and threads may)."""

from __future__ import annotations

import subprocess
import sys


def test_numpy_core_does_not_import_torch():
    code = ("import sys, rnnlib\n"
            "from rnnlib import activations, clipping, gradcheck, gru, jacobians, lstm, rnn, truncated\n"
            "from rnnlib import cost, dropout, gru_variants, lstm_variants, stacked, tasks\n"
            "assert 'torch' not in sys.modules, 'the numpy core imported torch'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
