"""rnnlib: the small shared library of the RNN course.

The numpy core (no torch import): :mod:`rnnlib.activations`, the reference layers
:mod:`rnnlib.rnn`, :mod:`rnnlib.lstm`, :mod:`rnnlib.gru` (forward over a sequence,
backward through time, one contract for all three) and :mod:`rnnlib.gradcheck`.
The PyTorch side is imported explicitly: :mod:`rnnlib.torch_interop`.
"""

from rnnlib import activations, gradcheck, gru, lstm, rnn

__all__ = ["activations", "gradcheck", "gru", "lstm", "rnn"]
__version__ = "0.1.0"
