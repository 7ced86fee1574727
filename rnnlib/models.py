"""Small PyTorch models: ``torch.nn.RNN/LSTM/GRU`` with a linear readout.

The course's experiments need four shapes of problem, and each is a recurrent layer
followed by a linear readout :math:`y = W_{hy} h + b_y` applied at the right steps:

- :class:`SequenceClassifier` -- many-to-one: logits from the last output :math:`h_T`.
- :class:`SequenceRegressor` -- many-to-one: a real vector from :math:`h_T`.
- :class:`Tagger` -- aligned many-to-many: logits at every step :math:`h_1..h_T`;
  with ``vocab_size`` its inputs are token ids, embedded first.
  :class:`LanguageModel` is a tagger whose inputs and outputs are the same vocabulary.
- :class:`EncoderDecoder` -- sequence to sequence: the encoder's final state initialises
  the decoder, which is trained with teacher forcing and decoded greedily.

All inputs are time-major, ``(T, N, D)`` for features and ``(T, N)`` for token ids, as in
``torch.nn`` by default and in the rest of the course. The cell is chosen by name,
``"rnn"`` (tanh), ``"lstm"`` or ``"gru"``. ``dropout`` is applied between stacked layers
(``torch.nn``'s own ``dropout`` argument) and to the outputs before the readout.
"""

from __future__ import annotations

import torch
from torch import nn

from rnnlib._validate import positive_int

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}

#: A recurrent state: ``h`` of shape (num_layers, N, H), or ``(h, c)`` for an LSTM.
State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]


def make_recurrent(
    cell: str, input_size: int, hidden_size: int, num_layers: int = 1, dropout: float = 0.0
) -> nn.RNNBase:
    """A time-major ``torch.nn.RNN/LSTM/GRU`` chosen by name; checks every argument."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {sorted(CELLS)}; got {cell!r}")
    positive_int(input_size, "input_size")
    positive_int(hidden_size, "hidden_size")
    positive_int(num_layers, "num_layers")
    if not isinstance(dropout, int | float) or not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be a probability in [0, 1); got {dropout!r}")
    # torch.nn warns when dropout > 0 has nothing to act on (a single layer).
    between_layers = float(dropout) if num_layers > 1 else 0.0
    return CELLS[cell](input_size, hidden_size, num_layers=num_layers, dropout=between_layers)


def _check_features(x: object, input_size: int, name: str = "x") -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise ValueError(f"{name} must be a floating-point tensor of shape (T, N, D); got {type(x).__name__}"
                         + (f" of dtype {x.dtype}" if isinstance(x, torch.Tensor) else ""))
    if x.dim() != 3 or x.shape[0] == 0 or x.shape[1] == 0 or x.shape[2] != input_size:
        raise ValueError(f"{name} must have shape (T, N, D) with T, N >= 1 and D = input_size = "
                         f"{input_size}; got shape {tuple(x.shape)}")
    return x


def _check_tokens(tokens: object, vocab_size: int, name: str) -> torch.Tensor:
    if not isinstance(tokens, torch.Tensor) or tokens.dtype != torch.long:
        raise ValueError(f"{name} must be a torch.long tensor of token ids, shape (T, N); got "
                         + (f"dtype {tokens.dtype}" if isinstance(tokens, torch.Tensor)
                            else type(tokens).__name__))
    if tokens.dim() != 2 or tokens.shape[0] == 0 or tokens.shape[1] == 0:
        raise ValueError(f"{name} must have shape (T, N) with T, N >= 1; got shape {tuple(tokens.shape)}")
    if tokens.min() < 0 or tokens.max() >= vocab_size:
        raise ValueError(f"{name} must hold token ids in 0..{vocab_size - 1}; got values in "
                         f"{int(tokens.min())}..{int(tokens.max())}")
    return tokens


class _Recurrent(nn.Module):
    """Shared part: a recurrent layer, dropout and a linear readout."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int, cell: str,
                 num_layers: int, dropout: float) -> None:
        super().__init__()
        positive_int(output_size, "output_size")
        self.cell = cell
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.rnn = make_recurrent(cell, input_size, hidden_size, num_layers, dropout)
        self.dropout = nn.Dropout(dropout)
        self.readout = nn.Linear(hidden_size, output_size)


class SequenceClassifier(_Recurrent):
    """Many-to-one classifier: ``x (T, N, D) -> logits (N, C)`` read from the last output.

    ``logits = W_hy h_T + b_y`` with :math:`h_T` the top layer's output at the last step.
    Train with ``torch.nn.functional.cross_entropy(logits, labels)``, labels ``(N,)``.
    """

    def __init__(self, input_size: int, hidden_size: int, num_classes: int, *, cell: str = "lstm",
                 num_layers: int = 1, dropout: float = 0.0) -> None:
        positive_int(num_classes, "num_classes")
        super().__init__(input_size, hidden_size, num_classes, cell, num_layers, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x (T, N, D)`` -> logits ``(N, C)``."""
        outputs, _ = self.rnn(_check_features(x, self.input_size))
        return self.readout(self.dropout(outputs[-1]))


class SequenceRegressor(_Recurrent):
    """Many-to-one regressor: ``x (T, N, D) -> y (N, K)`` read from the last output.

    ``y = W_hy h_T + b_y``; ``output_size`` K is 1 for a scalar target (the adding problem),
    and the result keeps its last axis, ``(N, 1)``. Train with ``mse_loss(y, targets)``.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int = 1, *, cell: str = "lstm",
                 num_layers: int = 1, dropout: float = 0.0) -> None:
        super().__init__(input_size, hidden_size, output_size, cell, num_layers, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x (T, N, D)`` -> predictions ``(N, K)``."""
        outputs, _ = self.rnn(_check_features(x, self.input_size))
        return self.readout(self.dropout(outputs[-1]))


class Tagger(_Recurrent):
    """Aligned many-to-many: an output at every step, ``(T, N, ...) -> logits (T, N, K)``.

    Without ``vocab_size`` the inputs are features ``x (T, N, D)`` with ``D = input_size``.
    With ``vocab_size`` they are token ids ``(T, N)`` (``torch.long``), first embedded
    into vectors of size ``input_size`` by an ``nn.Embedding(vocab_size, input_size)``.
    Train with ``cross_entropy(logits.reshape(-1, K), targets.reshape(-1))``.
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int, *,
                 vocab_size: int | None = None, cell: str = "lstm", num_layers: int = 1,
                 dropout: float = 0.0) -> None:
        super().__init__(input_size, hidden_size, output_size, cell, num_layers, dropout)
        self.vocab_size = None if vocab_size is None else positive_int(vocab_size, "vocab_size")
        self.embedding = None if vocab_size is None else nn.Embedding(vocab_size, input_size)

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        if self.embedding is None:
            return _check_features(x, self.input_size)
        return self.embedding(_check_tokens(x, self.vocab_size, "x"))

    def forward_with_state(self, x: torch.Tensor, state: State | None = None
                           ) -> tuple[torch.Tensor, State]:
        """``x`` -> ``(logits (T, N, K), final_state)``; ``state`` None means zeros.

        Passing the final state back in continues the sequence (truncated BPTT, sampling).
        """
        outputs, final = self.rnn(self._embed(x), state)
        return self.readout(self.dropout(outputs)), final

    def forward(self, x: torch.Tensor, state: State | None = None) -> torch.Tensor:
        """``x (T, N, D)`` or token ids ``(T, N)`` -> logits ``(T, N, K)``."""
        return self.forward_with_state(x, state)[0]


class LanguageModel(Tagger):
    """Next-token model: token ids ``(T, N)`` -> logits ``(T, N, V)`` over the same vocabulary.

    The target at step t is the input at step t + 1:
    ``cross_entropy(model(tokens[:-1]).reshape(-1, V), tokens[1:].reshape(-1))``.
    """

    def __init__(self, vocab_size: int, embedding_size: int, hidden_size: int, *, cell: str = "lstm",
                 num_layers: int = 1, dropout: float = 0.0) -> None:
        positive_int(vocab_size, "vocab_size")
        super().__init__(embedding_size, hidden_size, vocab_size, vocab_size=vocab_size, cell=cell,
                         num_layers=num_layers, dropout=dropout)

    @torch.no_grad()
    def generate(self, prompt: torch.Tensor, steps: int, *, temperature: float = 0.0,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """Continue ``prompt (T0, N)`` by ``steps`` tokens; returns the new tokens ``(steps, N)``.

        ``temperature=0`` takes the most likely token (greedy); ``temperature > 0`` samples
        from ``softmax(logits / temperature)`` with ``generator``. Dropout stays active in
        training mode: call ``model.eval()`` first.
        """
        positive_int(steps, "steps")
        if not temperature >= 0:
            raise ValueError(f"temperature must be >= 0; got {temperature!r}")
        logits, state = self.forward_with_state(prompt)
        new = []
        for _ in range(steps):
            last = logits[-1]
            if temperature == 0:
                token = last.argmax(dim=-1)
            else:
                probs = torch.softmax(last / temperature, dim=-1)
                token = torch.multinomial(probs, 1, generator=generator).squeeze(1)
            new.append(token)
            logits, state = self.forward_with_state(token.unsqueeze(0), state)
        return torch.stack(new)


class EncoderDecoder(nn.Module):
    """Sequence to sequence on token ids: ``src (S, N)``, ``tgt_in (L, N)`` -> logits ``(L, N, V_tgt)``.

    The encoder reads the embedded ``src``; its final state (all layers, and the cell
    state of an LSTM) is the decoder's initial state. With teacher forcing the decoder
    reads ``tgt_in``, the target shifted right behind a beginning-of-sequence token:
    ``tgt_in = [bos, y_1, ..., y_{L-1}]`` and the loss compares the logits with
    ``[y_1, ..., y_L]``. :meth:`greedy_decode` instead feeds back its own predictions.
    """

    def __init__(self, src_vocab_size: int, tgt_vocab_size: int, hidden_size: int, *,
                 embedding_size: int | None = None, cell: str = "lstm", num_layers: int = 1,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.src_vocab_size = positive_int(src_vocab_size, "src_vocab_size")
        self.tgt_vocab_size = positive_int(tgt_vocab_size, "tgt_vocab_size")
        emb = hidden_size if embedding_size is None else positive_int(embedding_size, "embedding_size")
        self.cell = cell
        self.src_embedding = nn.Embedding(src_vocab_size, emb)
        self.tgt_embedding = nn.Embedding(tgt_vocab_size, emb)
        self.encoder = make_recurrent(cell, emb, hidden_size, num_layers, dropout)
        self.decoder = make_recurrent(cell, emb, hidden_size, num_layers, dropout)
        self.dropout = nn.Dropout(dropout)
        self.readout = nn.Linear(hidden_size, tgt_vocab_size)

    def encode(self, src: torch.Tensor) -> State:
        """``src (S, N)`` -> the encoder's final state, the decoder's initial state."""
        _, state = self.encoder(self.src_embedding(_check_tokens(src, self.src_vocab_size, "src")))
        return state

    def decode(self, tgt_in: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        """``tgt_in (L, N)`` from ``state`` -> ``(logits (L, N, V_tgt), final state)``."""
        outputs, state = self.decoder(self.tgt_embedding(tgt_in), state)
        return self.readout(self.dropout(outputs)), state

    def forward(self, src: torch.Tensor, tgt_in: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: ``src (S, N)``, ``tgt_in (L, N)`` -> logits ``(L, N, V_tgt)``."""
        tgt_in = _check_tokens(tgt_in, self.tgt_vocab_size, "tgt_in")
        state = self.encode(src)
        if tgt_in.shape[1] != src.shape[1]:
            raise ValueError(f"tgt_in must have the batch size N = {src.shape[1]} of src; "
                             f"got shape {tuple(tgt_in.shape)}")
        return self.decode(tgt_in, state)[0]

    @torch.no_grad()
    def greedy_decode(self, src: torch.Tensor, max_len: int, bos: int, eos: int) -> torch.Tensor:
        """Decode ``src (S, N)`` by feeding back the most likely token; returns ``(L, N)``.

        Starts from ``bos``; stops after ``max_len`` tokens or as soon as every sequence has
        produced ``eos``, so ``L <= max_len``. The result excludes ``bos`` and includes the
        first ``eos``; after its ``eos`` a sequence is padded with ``eos``. Dropout stays
        active in training mode: call ``model.eval()`` first.
        """
        positive_int(max_len, "max_len")
        for name, token in (("bos", bos), ("eos", eos)):
            if isinstance(token, bool) or not isinstance(token, int) or not 0 <= token < self.tgt_vocab_size:
                raise ValueError(f"{name} must be a token id in 0..{self.tgt_vocab_size - 1}; got {token!r}")
        state = self.encode(src)
        batch = src.shape[1]
        token = torch.full((batch,), bos, dtype=torch.long, device=src.device)
        done = torch.zeros(batch, dtype=torch.bool, device=src.device)
        out = []
        for _ in range(max_len):
            logits, state = self.decode(token.unsqueeze(0), state)
            token = logits[0].argmax(dim=-1)
            token = torch.where(done, torch.full_like(token, eos), token)
            out.append(token)
            done |= token == eos
            if bool(done.all()):
                break
        return torch.stack(out)
