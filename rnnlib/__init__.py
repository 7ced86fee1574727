"""rnnlib: the small shared library of the RNN course.

The numpy core (no torch import): :mod:`rnnlib.activations`, the reference layers
:mod:`rnnlib.rnn`, :mod:`rnnlib.lstm`, :mod:`rnnlib.gru` (forward over a sequence,
backward through time, one contract for all three), :mod:`rnnlib.gradcheck`,
:mod:`rnnlib.jacobians` (step Jacobians, their products, spectral helpers),
:mod:`rnnlib.clipping` and :mod:`rnnlib.truncated` (truncated BPTT).
The PyTorch side is imported explicitly: :mod:`rnnlib.torch_interop`.
"""

from rnnlib import activations, clipping, gradcheck, gru, jacobians, lstm, rnn, truncated

__all__ = ["activations", "clipping", "gradcheck", "gru", "jacobians", "lstm", "rnn", "truncated"]
__version__ = "0.1.0"
