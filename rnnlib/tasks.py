"""Seeded generators of the course's sequence tasks, numpy only (no torch import).

Every generator takes a ``numpy.random.Generator`` and returns plain numpy arrays, time-major
as everywhere in the course: inputs ``(T, N, ...)`` in float64, class labels in int64. Each
task comes with the loss of the best predictor that cannot solve it (constant, chance or
memoryless), derived in its docstring and provided as a function or constant, so that a
chapter can tell a network that learned the task from one that learned only the statistics.

- :func:`adding_problem`: regression over a long sequence (Hochreiter and Schmidhuber 1997;
  the variant of Le, Jaitly and Hinton 2015). Baseline :data:`ADDING_PROBLEM_BASELINE_MSE`.
- :func:`copy_task`: remember ``length`` symbols over a delay (Arjovsky, Shah and Bengio
  2016). Baseline :func:`copy_task_baseline_loss`.
- :func:`embedded_reber`: next-symbol sets of the embedded Reber grammar (Reber 1967;
  Cleeremans, Servan-Schreiber and McClelland 1989; Hochreiter and Schmidhuber 1997), with
  :func:`is_embedded_reber`. Baseline :data:`EMBEDDED_REBER_FORGETFUL_ACCURACY`.
- :func:`reverse_digits`: a sequence-to-sequence task for an encoder and a decoder
  (in the spirit of Sutskever, Vinyals and Le 2014), with the vocabulary constants
  :data:`PAD`, :data:`BOS`, :data:`EOS`, :data:`DIGITS` and :func:`decode_tokens`.
  Baseline :func:`reverse_digits_blind_loss`.
- :func:`stdlib_corpus`: a character corpus read from Python's own standard-library source
  (offline, identical on every machine with the same Python version), as a
  :class:`CharCorpus`.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from dataclasses import dataclass, field

import numpy as np

from rnnlib._validate import check_rng


def _check_int(value: object, name: str, minimum: int) -> int:
    """Return ``value`` if it is an integer ``>= minimum`` (not a bool), else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


# --------------------------------------------------------------------------- adding problem

#: MSE of always predicting 1 on the adding problem: Var(U1 + U2) = 2 * (1/12) = 1/6.
ADDING_PROBLEM_BASELINE_MSE = 1.0 / 6.0


def adding_problem(steps: int, batch: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem: add the two marked numbers of a long sequence.

    Hochreiter and Schmidhuber 1997 (their experiment 4); this is the variant of Le, Jaitly
    and Hinton 2015, also used by Arjovsky, Shah and Bengio 2016. Input ``x (T, N, 2)``,
    float64: channel 0 holds numbers :math:`u_t \\sim U[0, 1)` drawn independently; channel 1
    is 0 except at exactly two positions where it is 1, one drawn uniformly from the first
    half :math:`\\{0, \\dots, \\lfloor T/2 \\rfloor - 1\\}` and one uniformly from the second
    half :math:`\\{\\lfloor T/2 \\rfloor, \\dots, T-1\\}`. Target ``y (N,)``, float64: the sum
    :math:`u_a + u_b` of the two marked numbers. (The 1997 original differs in details: the
    placement of the markers, the range of the inputs and the scaling of the target.)

    **Baseline.** A predictor that ignores the input predicts a constant :math:`c`; its MSE
    :math:`E[(U_a + U_b - c)^2] = \\mathrm{Var}(U_a+U_b) + (E[U_a+U_b] - c)^2` is smallest
    at :math:`c = E[U_a + U_b] = 1`, where it equals
    :math:`\\mathrm{Var}(U_a) + \\mathrm{Var}(U_b) = 2 \\cdot \\tfrac{1}{12} = \\tfrac16 \\approx
    0.167` (:data:`ADDING_PROBLEM_BASELINE_MSE`). A network has learned something only
    once its MSE is well below 1/6.

    ``steps`` is :math:`T \\geq 2`, ``batch`` is :math:`N \\geq 1`.
    """
    steps = _check_int(steps, "steps", 2)
    batch = _check_int(batch, "batch", 1)
    rng = check_rng(rng)
    x = np.zeros((steps, batch, 2))
    x[:, :, 0] = rng.random((steps, batch))
    half = steps // 2
    first = rng.integers(0, half, size=batch)
    second = rng.integers(half, steps, size=batch)
    cols = np.arange(batch)
    x[first, cols, 1] = 1.0
    x[second, cols, 1] = 1.0
    y = x[first, cols, 0] + x[second, cols, 0]
    return x, y


# --------------------------------------------------------------------------------- copy task


def copy_task_baseline_loss(delay: int, *, num_symbols: int = 8, length: int = 10) -> float:
    """Mean cross-entropy (nats per step) of the memoryless copy-task predictor.

    Equals ``length * log(num_symbols) / (delay + 2 * length)``; for the paper's sizes
    ``10 log 8 / (T + 20)``. Derived in :func:`copy_task`.
    """
    delay = _check_int(delay, "delay", 1)
    num_symbols = _check_int(num_symbols, "num_symbols", 1)
    length = _check_int(length, "length", 1)
    return length * math.log(num_symbols) / (delay + 2 * length)


def copy_task(
    delay: int, batch: int, rng: np.random.Generator, *, num_symbols: int = 8, length: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """The copy task: reproduce ``length`` symbols after a delay.

    Arjovsky, Shah and Bengio 2016 (after Hochreiter and Schmidhuber 1997). With
    :math:`K` = ``num_symbols``, :math:`L` = ``length`` and delay :math:`T` = ``delay``,
    there are :math:`K + 2` categories: the symbols :math:`0, \\dots, K-1`, the blank
    :math:`K` and the delimiter :math:`K + 1` (the paper's :math:`a_0..a_7`, :math:`a_8`,
    :math:`a_9` for :math:`K = 8`). The input has total length :math:`T + 2L` (the paper's
    :math:`T + 20` for :math:`L = 10`; ``delay`` here is the paper's :math:`T`):

    - steps :math:`0..L-1`: symbols drawn uniformly and independently from :math:`0..K-1`;
    - steps :math:`L..L+T-2`: :math:`T - 1` blanks;
    - step :math:`L+T-1`: the delimiter;
    - steps :math:`L+T..T+2L-1`: :math:`L` blanks.

    The target is the blank at the first :math:`T + L` steps and the :math:`L` symbols, in
    order, at the last :math:`L` steps. Returns one-hot inputs ``x (T+2L, N, K+2)``, float64,
    and targets ``y (T+2L, N)``, int64 class indices.

    **Memoryless baseline.** A predictor that remembers nothing but counts steps outputs the
    blank with probability 1 for the first :math:`T + L` steps (cross-entropy
    :math:`-\\log 1 = 0` each, since the target is always blank there) and the uniform
    distribution over the :math:`K` symbols for the last :math:`L` steps (cross-entropy
    :math:`\\log K` each). Averaged over all :math:`T + 2L` steps:

    .. math:: \\frac{L \\log K}{T + 2L} = \\frac{10 \\log 8}{T + 20},

    :func:`copy_task_baseline_loss`. It falls with :math:`T`, so a loss must be compared
    with it at the same delay.
    """
    delay = _check_int(delay, "delay", 1)
    batch = _check_int(batch, "batch", 1)
    rng = check_rng(rng)
    num_symbols = _check_int(num_symbols, "num_symbols", 1)
    length = _check_int(length, "length", 1)
    blank, delimiter = num_symbols, num_symbols + 1
    total = delay + 2 * length
    symbols = rng.integers(0, num_symbols, size=(length, batch))
    tokens = np.full((total, batch), blank, dtype=np.int64)
    tokens[:length] = symbols
    tokens[length + delay - 1] = delimiter
    y = np.full((total, batch), blank, dtype=np.int64)
    y[total - length :] = symbols
    x = np.eye(num_symbols + 2)[tokens]
    return x, y


# ---------------------------------------------------------------------- embedded Reber grammar

#: The seven symbols of the Reber grammar, in the order of the one-hot columns.
REBER_SYMBOLS = "BTPSXVE"

# Reber's finite-state grammar, as drawn by Cleeremans, Servan-Schreiber and McClelland 1989
# and used by Hochreiter and Schmidhuber 1997: state -> {symbol: next state}; None = accept.
_REBER_GRAPH: dict[int, dict[str, int | None]] = {
    0: {"B": 1},
    1: {"T": 2, "P": 3},
    2: {"S": 2, "X": 4},
    3: {"T": 3, "V": 5},
    4: {"X": 3, "S": 6},
    5: {"P": 4, "V": 6},
    6: {"E": None},
}

#: String accuracy of a predictor that knows the inner grammar but forgot the second symbol.
EMBEDDED_REBER_FORGETFUL_ACCURACY = 0.5


def _reber_string(rng: np.random.Generator) -> str:
    state: int | None = 0
    out = []
    while state is not None:
        options = list(_REBER_GRAPH[state].items())
        symbol, state = options[int(rng.integers(len(options)))]
        out.append(symbol)
    return "".join(out)


def _is_reber(string: str) -> bool:
    state: int | None = 0
    for symbol in string:
        if state is None or symbol not in _REBER_GRAPH[state]:
            return False
        state = _REBER_GRAPH[state][symbol]
    return state is None


def is_embedded_reber(string: str) -> bool:
    """Whether ``string`` belongs to the embedded Reber grammar.

    The embedded grammar is ``B T <reber> T E`` or ``B P <reber> P E``, where ``<reber>`` is
    a string of Reber's grammar (``B`` ... ``E``, see :func:`embedded_reber`).
    """
    if not isinstance(string, str):
        raise ValueError(f"string must be a str; got {type(string).__name__}")
    return (
        len(string) >= 4
        and string[0] == "B"
        and string[1] in "TP"
        and string[-2] == string[1]
        and string[-1] == "E"
        and _is_reber(string[2:-2])
    )


def embedded_reber_strings(batch: int, rng: np.random.Generator) -> list[str]:
    """``batch`` strings of the embedded Reber grammar, every branch taken with probability 1/2."""
    batch = _check_int(batch, "batch", 1)
    rng = check_rng(rng)
    strings = []
    for _ in range(batch):
        wrap = "TP"[int(rng.integers(2))]
        strings.append("B" + wrap + _reber_string(rng) + wrap + "E")
    return strings


def _legal_next_sets(string: str) -> list[str]:
    """For each position ``t < len - 1``, the symbols that may legally follow ``string[:t+1]``.

    The grammar is deterministic given the prefix (including the remembered second symbol),
    so the set at step ``t`` is a function of ``string[:t+1]``.
    """
    sets = ["TP", "B"]  # after "B": T or P; after the second symbol: the inner B
    state: int | None = 0
    for symbol in string[2:-2]:  # the inner Reber string
        state = _REBER_GRAPH[state][symbol]
        sets.append("".join(_REBER_GRAPH[state]) if state is not None else string[1])
    sets.append("E")  # after the repeated second symbol
    return sets


def encode_embedded_reber(strings: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Encode embedded Reber strings as ``(inputs, lengths, targets)``; see :func:`embedded_reber`."""
    if not isinstance(strings, list | tuple) or not strings:
        raise ValueError("strings must be a non-empty list of embedded Reber strings")
    for s in strings:
        if not isinstance(s, str) or not is_embedded_reber(s):
            raise ValueError(f"strings must all be embedded Reber strings; got {s!r}")
    column = {c: i for i, c in enumerate(REBER_SYMBOLS)}
    lengths = np.array([len(s) - 1 for s in strings], dtype=np.int64)
    t_max, n = int(lengths.max()), len(strings)
    inputs = np.zeros((t_max, n, len(REBER_SYMBOLS)))
    targets = np.zeros((t_max, n, len(REBER_SYMBOLS)))
    for j, s in enumerate(strings):
        for t, (symbol, legal) in enumerate(zip(s[:-1], _legal_next_sets(s), strict=True)):
            inputs[t, j, column[symbol]] = 1.0
            targets[t, j, [column[c] for c in legal]] = 1.0
    return inputs, lengths, targets


def embedded_reber(batch: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Next-symbol prediction on the embedded Reber grammar.

    Reber 1967's finite-state grammar over ``B, T, P, S, X, V, E`` (in the form of
    Cleeremans, Servan-Schreiber and McClelland 1989), embedded as in Hochreiter and
    Schmidhuber 1997: a string is ``B``, then ``T`` or ``P``, then a Reber string, then
    the *same* ``T`` or ``P`` again, then ``E``. The inner Reber grammar (states 0..6,
    each branch with probability 1/2)::

        0 -B-> 1;  1 -T-> 2, 1 -P-> 3;  2 -S-> 2, 2 -X-> 4;  3 -T-> 3, 3 -V-> 5;
        4 -X-> 3, 4 -S-> 6;  5 -P-> 4, 5 -V-> 6;  6 -E-> end

    e.g. ``BTXSE``, ``BPVVE``, ``BTSXXVPSE``; so ``BTBTXSETE`` is an embedded string. The
    task is to predict, at every step, the *set* of symbols that may legally come next.
    The long-range dependency: the penultimate symbol must equal the second one, and
    between them lies a whole inner string.

    Returns, with :math:`L_j` the length of string :math:`j` and :math:`T = \\max_j L_j - 1`:

    - ``inputs (T, N, 7)``, float64: one-hot symbols in the order of :data:`REBER_SYMBOLS`,
      all but the final ``E`` (nothing follows it), zero-padded after ``lengths[j]`` steps;
    - ``lengths (N,)``, int64: :math:`L_j - 1`, the number of input steps of string ``j``;
    - ``targets (T, N, 7)``, float64: multi-hot; ``targets[t, j]`` marks the symbols that
      may legally follow the first :math:`t+1` symbols; at least one symbol for
      ``t < lengths[j]``, zeros in the padding.

    **Criterion and baseline.** Following Hochreiter and Schmidhuber 1997, a string is
    predicted correctly when at every step the outputs of the legal next symbols are above
    0.5 and all others below. A predictor that knows the inner grammar perfectly but does
    not remember the second symbol is exact at every step but one: after the inner ``E`` it
    must guess ``T`` or ``P``, each right for half the strings, so its string accuracy is
    1/2 (:data:`EMBEDDED_REBER_FORGETFUL_ACCURACY`); only a network that carries the second
    symbol across the inner string beats it. (A predictor that sees only the current
    symbol does worse still, since e.g. after ``S`` the next set is ``{S, X}`` in state 2
    but ``{E}`` after state 4.)

    The strings themselves: :func:`embedded_reber_strings`; this function is
    ``encode_embedded_reber(embedded_reber_strings(batch, rng))``.
    """
    return encode_embedded_reber(embedded_reber_strings(batch, rng))


# ------------------------------------------------------------------------------ reverse digits

#: Padding token of :func:`reverse_digits`.
PAD = 0
#: Start-of-sequence token: the decoder's first input.
BOS = 1
#: End-of-sequence token: the decoder's last target.
EOS = 2
#: Tokens of the digits 0..9: ``DIGITS[d] == 3 + d``.
DIGITS = tuple(range(3, 13))
#: Number of tokens: PAD, BOS, EOS and ten digits.
VOCAB_SIZE = 13
#: Display string of each token, indexed by token id.
TOKEN_STRINGS = ("_", "<", ">", *"0123456789")


def decode_tokens(tokens: object, *, strip: bool = True) -> str:
    """Turn a 1-d token sequence into a string for display.

    Digits become ``0``..``9``. With ``strip=True`` (default) a leading BOS is dropped and the
    string stops at the first EOS or PAD; with ``strip=False`` every token is shown, BOS as
    ``<``, EOS as ``>`` and PAD as ``_``.
    """
    ids = np.asarray(tokens)
    if ids.ndim == 1 and ids.size == 0:
        return ""
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"tokens must be a 1-d sequence of integer token ids; got shape {ids.shape}")
    if ids.size and (ids.min() < 0 or ids.max() >= VOCAB_SIZE):
        raise ValueError(f"tokens must lie in [0, {VOCAB_SIZE}); got values {ids.min()}..{ids.max()}")
    out = []
    for i, token in enumerate(ids.tolist()):
        if strip and token == BOS and i == 0:
            continue
        if strip and token in (EOS, PAD):
            break
        out.append(TOKEN_STRINGS[token])
    return "".join(out)


def reverse_digits_blind_loss(min_len: int, max_len: int) -> float:
    """Per-token cross-entropy of the best decoder that does not see the source.

    ``(E[L] log 10 + log K) / (E[L] + 1)`` with ``K = max_len - min_len + 1`` and
    ``E[L] = (min_len + max_len) / 2``; derived in :func:`reverse_digits`.
    """
    min_len, max_len = _check_lengths(min_len, max_len)
    k = max_len - min_len + 1
    mean_len = (min_len + max_len) / 2
    return (mean_len * math.log(10) + math.log(k)) / (mean_len + 1)


def _check_lengths(min_len: object, max_len: object) -> tuple[int, int]:
    min_len = _check_int(min_len, "min_len", 1)
    max_len = _check_int(max_len, "max_len", 1)
    if max_len < min_len:
        raise ValueError(f"max_len must be >= min_len = {min_len}; got {max_len}")
    return min_len, max_len


def reverse_digits(
    batch: int, rng: np.random.Generator, *, min_len: int = 3, max_len: int = 8
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Reverse a string of digits: a sequence-to-sequence task for an encoder and a decoder.

    A toy translation task in the spirit of Sutskever, Vinyals and Le 2014 (who noted that
    reversing the source helps): the source is a string of :math:`L` digits, :math:`L`
    uniform on ``min_len..max_len``, each digit uniform on 0..9; the target is the same
    digits in reverse order. Vocabulary (:data:`VOCAB_SIZE` = 13 tokens): :data:`PAD` = 0,
    :data:`BOS` = 1, :data:`EOS` = 2, digit :math:`d` = :data:`DIGITS`\\ ``[d]`` = 3 + d.

    Returns, with :math:`S` = the longest source in the batch:

    - ``source (S, N)``, int64: the digit tokens, PAD after the end;
    - ``source_lengths (N,)``, int64: :math:`L_j`;
    - ``target (S + 2, N)``, int64: BOS, the reversed digit tokens, EOS, then PAD;
    - ``target_lengths (N,)``, int64: :math:`L_j + 2` (BOS and EOS included).

    Teacher forcing: the decoder reads ``target[:-1]`` and is trained to output
    ``target[1:]``, on the :math:`L_j + 1` steps where that output is not PAD.

    **Baseline: a decoder blind to the source.** Without the source, the digits are
    independent and uniform, so each costs at least :math:`\\log 10`; whether the target
    ends after :math:`k` digits depends only on :math:`L`, and by the chain rule the best
    stop-or-continue probabilities (:math:`P(L = k \\mid L \\geq k)`) cost in total
    :math:`-\\log P(L) = \\log K` per sequence, :math:`K` = ``max_len - min_len + 1``. So
    each sequence costs exactly :math:`L \\log 10 + \\log K` nats over its :math:`L + 1`
    predicted tokens, and the per-token loss over many sequences (summed losses over summed
    tokens) tends to

    .. math:: \\frac{E[L] \\log 10 + \\log K}{E[L] + 1},

    :func:`reverse_digits_blind_loss` (about 2.22 nats for lengths 3..8; chance,
    :math:`\\log 13 \\approx 2.56`, is worse; a decoder that reads the source can reach 0).
    """
    batch = _check_int(batch, "batch", 1)
    rng = check_rng(rng)
    min_len, max_len = _check_lengths(min_len, max_len)
    source_lengths = rng.integers(min_len, max_len + 1, size=batch).astype(np.int64)
    s_max = int(source_lengths.max())
    digits = rng.integers(0, 10, size=(s_max, batch))
    source = np.full((s_max, batch), PAD, dtype=np.int64)
    target = np.full((s_max + 2, batch), PAD, dtype=np.int64)
    target[0] = BOS
    for j, n in enumerate(source_lengths.tolist()):
        source[:n, j] = DIGITS[0] + digits[:n, j]
        target[1 : n + 1, j] = source[:n, j][::-1]
        target[n + 1, j] = EOS
    return source, source_lengths, target, source_lengths + 2


# ------------------------------------------------------------------------- stdlib char corpus

#: Pure-Python standard-library modules read by :func:`stdlib_corpus`, in this order.
STDLIB_MODULES = (
    "textwrap", "string", "difflib", "argparse", "json.decoder", "json.encoder", "shlex",
    "fnmatch", "heapq", "bisect", "colorsys", "calendar", "functools", "dataclasses", "pprint",
)


def random_windows(
    ids: np.ndarray, steps: int, batch: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``batch`` random windows of ``steps`` ids: inputs ``(T, N)`` and targets shifted by one.

    Start positions :math:`s_j` are uniform on :math:`0..\\mathrm{len} - T - 1`;
    ``inputs[:, j] = ids[s_j : s_j + T]`` and ``targets[:, j] = ids[s_j + 1 : s_j + T + 1]``,
    the next character at every step.
    """
    if not isinstance(ids, np.ndarray) or ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError("ids must be a 1-d numpy array of integer character ids")
    steps = _check_int(steps, "steps", 1)
    batch = _check_int(batch, "batch", 1)
    rng = check_rng(rng)
    if ids.size < steps + 1:
        raise ValueError(f"steps must be < len(ids) = {ids.size}; got {steps}")
    starts = rng.integers(0, ids.size - steps, size=batch)
    index = starts[None, :] + np.arange(steps)[:, None]
    return ids[index].astype(np.int64), ids[index + 1].astype(np.int64)


@dataclass(frozen=True, eq=False, repr=False)
class CharCorpus:
    """A character corpus: the text, its vocabulary and a fixed train/validation split.

    ``vocab`` is the sorted list of distinct characters; character ``vocab[i]`` has id ``i``.
    ``train`` is the first part of the encoded text, ``valid`` the rest (the last
    ``valid_fraction``, rounded down), so no window crosses from one to the other.
    """

    text: str
    vocab: list[str]
    train: np.ndarray
    valid: np.ndarray
    modules: tuple[str, ...] = ()
    python_version: str = ""
    _codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint32), repr=False)

    @property
    def vocab_size(self) -> int:
        """Number of distinct characters, :math:`V`."""
        return len(self.vocab)

    def __repr__(self) -> str:
        return (f"CharCorpus({len(self.text)} chars, vocab_size={self.vocab_size}, "
                f"train={self.train.size}, valid={self.valid.size}, "
                f"python_version={self.python_version!r}, modules={self.modules!r})")

    def encode(self, string: str) -> np.ndarray:
        """Character ids of ``string``, int64 of shape ``(len(string),)``."""
        if not isinstance(string, str):
            raise ValueError(f"string must be a str; got {type(string).__name__}")
        codes = np.frombuffer(string.encode("utf-32-le"), dtype=np.uint32)
        ids = np.searchsorted(self._codes, codes)
        bad = (ids >= self._codes.size) | (self._codes[np.minimum(ids, self._codes.size - 1)] != codes)
        if bad.any():
            raise ValueError(f"string contains characters not in the vocabulary: "
                             f"{sorted(set(np.array(list(string))[bad].tolist()))!r}")
        return ids.astype(np.int64)

    def decode(self, ids: object) -> str:
        """The string of a 1-d sequence of character ids."""
        ids = np.asarray(ids)
        if ids.ndim == 1 and ids.size == 0:
            return ""
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"ids must be a 1-d sequence of integer ids; got shape {ids.shape}")
        if ids.size and (ids.min() < 0 or ids.max() >= len(self.vocab)):
            raise ValueError(f"ids must lie in [0, {len(self.vocab)}); got {ids.min()}..{ids.max()}")
        return "".join(self.vocab[i] for i in ids.tolist())

    def batches(
        self, ids: np.ndarray, steps: int, batch: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Random ``(T, N)`` input windows of ``ids`` and targets shifted by one: :func:`random_windows`."""
        return random_windows(ids, steps, batch, rng)


def stdlib_corpus(
    num_chars: int = 200_000, *, modules: tuple[str, ...] = STDLIB_MODULES, valid_fraction: float = 0.1
) -> CharCorpus:
    """A character corpus from Python's own standard-library source.

    For a character-level language model without any download (the course's rule): the
    source files of ``modules`` (default :data:`STDLIB_MODULES`, all pure Python), found
    with ``importlib.util.find_spec(name).origin`` and read as UTF-8, are concatenated in
    the given order, and the first ``num_chars`` characters are kept. The text is the same
    on every machine with the same Python version (these files change between Python
    releases, so ``python_version`` is recorded in the result). The last
    ``valid_fraction`` of the ids (rounded down) is the validation split, the rest is
    training data.

    **Baselines.** With :math:`V` = ``vocab_size`` characters, a uniform guess costs
    :math:`\\log V` nats per character; the best constant (unigram) predictor costs the
    entropy of the character frequencies, :math:`-\\sum_c p_c \\log p_c`, which a chapter
    can compute from ``train`` with ``np.bincount``.
    """
    num_chars = _check_int(num_chars, "num_chars", 2)
    if not isinstance(valid_fraction, float | int) or not 0 < valid_fraction < 1:
        raise ValueError(f"valid_fraction must be a number in (0, 1); got {valid_fraction!r}")
    if isinstance(modules, str) or not isinstance(modules, tuple | list) or not modules:
        raise ValueError(f"modules must be a non-empty tuple of module names; got {modules!r}")
    parts = []
    for name in modules:
        spec = importlib.util.find_spec(name) if isinstance(name, str) else None
        origin = spec.origin if spec is not None else None
        if origin is None or not origin.endswith(".py"):
            raise ValueError(
                f"modules must name pure-Python modules whose .py source is installed; "
                f"{name!r} has source {origin!r}"
            )
        with open(origin, encoding="utf-8") as f:
            parts.append(f.read())
    text = "".join(parts)
    if len(text) < num_chars:
        raise ValueError(f"num_chars must be <= {len(text)}, the length of the sources of modules; "
                         f"got {num_chars}")
    text = text[:num_chars]
    all_codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    codes = np.unique(all_codes)
    ids = np.searchsorted(codes, all_codes).astype(np.int64)
    n_valid = int(num_chars * valid_fraction)
    if n_valid < 1:
        raise ValueError(f"valid_fraction * num_chars must be >= 1; got {valid_fraction} * {num_chars}")
    return CharCorpus(
        text=text,
        vocab=[chr(c) for c in codes.tolist()],
        train=ids[: num_chars - n_valid],
        valid=ids[num_chars - n_valid :],
        modules=tuple(modules),
        python_version=sys.version.split()[0],
        _codes=codes,
    )
