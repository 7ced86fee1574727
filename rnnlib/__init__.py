"""rnnlib: the small shared library of the RNN course.

The numpy core (no torch import): :mod:`rnnlib.activations`, the reference layers
:mod:`rnnlib.rnn`, :mod:`rnnlib.lstm`, :mod:`rnnlib.gru` (forward over a sequence,
backward through time, one contract for all three), :mod:`rnnlib.gradcheck`,
:mod:`rnnlib.jacobians` (step Jacobians, their products, spectral helpers),
:mod:`rnnlib.clipping`, :mod:`rnnlib.truncated` (truncated BPTT), the variant cells
:mod:`rnnlib.lstm_variants` (no forget gate, peepholes, coupled gates) and
:mod:`rnnlib.gru_variants` (reset before the product), and :mod:`rnnlib.stacked`
(multi-layer and bidirectional networks composed from the single layers), :mod:`rnnlib.dropout`
(inverted dropout masks, per step and per sequence, and zoneout) and :mod:`rnnlib.cost`
(parameter and operation counts; pure Python). Numpy too: :mod:`rnnlib.tasks`, the
generated sequence tasks and the standard-library corpus.

The PyTorch side is imported explicitly: :mod:`rnnlib.torch_interop`,
:mod:`rnnlib.models` (readouts on ``torch.nn`` layers), :mod:`rnnlib.training` (the
training loop), :mod:`rnnlib.torch_cells` (LSTM variant cells), :mod:`rnnlib.recurrent_dropout`
(an LSTM loop with the dropout placements), :mod:`rnnlib.gradient_flow` (input Jacobians and
the gates' direct paths) and :mod:`rnnlib.plotting` (the book's figure style).
"""

from rnnlib import (
    activations,
    clipping,
    cost,
    dropout,
    gradcheck,
    gru,
    gru_variants,
    jacobians,
    lstm,
    lstm_variants,
    rnn,
    stacked,
    tasks,
    truncated,
)

__all__ = ["activations", "clipping", "cost", "dropout", "gradcheck", "gru", "gru_variants", "jacobians",
           "lstm", "lstm_variants", "rnn", "stacked", "tasks", "truncated"]
__version__ = "0.1.0"
