"""rnnlib.tasks: shapes, definitions, the baseline losses measured on generated data."""

from __future__ import annotations

import math
import subprocess
import sys
import time

import numpy as np
import pytest

from rnnlib import tasks


def rng(seed=0):
    return np.random.default_rng(seed)


def test_import_leaves_torch_unimported():
    code = "import sys, rnnlib.tasks; assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------------ adding problem


def test_adding_problem_definition():
    x, y = tasks.adding_problem(50, 200, rng(1))
    assert x.shape == (50, 200, 2) and x.dtype == np.float64 and y.shape == (200,)
    assert ((x[:, :, 0] >= 0) & (x[:, :, 0] < 1)).all()
    marks = x[:, :, 1]
    assert set(np.unique(marks)) == {0.0, 1.0}
    assert (marks[:25].sum(axis=0) == 1).all() and (marks[25:].sum(axis=0) == 1).all()
    np.testing.assert_array_equal(y, (x[:, :, 0] * marks).sum(axis=0))


def test_adding_problem_baseline_mse_measured():
    n = 200_000
    _, y = tasks.adding_problem(4, n, rng(2))
    sq = (y - 1.0) ** 2
    standard_error = sq.std() / math.sqrt(n)  # about 4e-4
    assert abs(sq.mean() - tasks.ADDING_PROBLEM_BASELINE_MSE) < 4 * standard_error
    assert abs(tasks.ADDING_PROBLEM_BASELINE_MSE - 1 / 6) < 1e-15


def test_adding_problem_seeded():
    a = tasks.adding_problem(10, 3, rng(5))
    b = tasks.adding_problem(10, 3, rng(5))
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)


# ------------------------------------------------------------------------------ copy task


def test_copy_task_definition():
    delay, length, k = 7, 10, 8
    x, y = tasks.copy_task(delay, 5, rng(3))
    total = delay + 2 * length
    assert x.shape == (total, 5, k + 2) and x.dtype == np.float64
    assert y.shape == (total, 5) and y.dtype == np.int64
    np.testing.assert_array_equal(x.sum(axis=2), 1.0)
    tokens = x.argmax(axis=2)
    assert (tokens[:length] < k).all()
    assert (tokens[length : length + delay - 1] == k).all()  # delay - 1 blanks
    assert (tokens[length + delay - 1] == k + 1).all()  # the delimiter
    assert (tokens[length + delay :] == k).all()
    assert (y[: delay + length] == k).all()
    np.testing.assert_array_equal(y[delay + length :], tokens[:length])


def test_copy_task_other_sizes():
    x, _ = tasks.copy_task(1, 2, rng(0), num_symbols=3, length=2)
    assert x.shape == (5, 2, 5)
    assert (x.argmax(axis=2)[2] == 4).all()  # delay 1: no blank, delimiter right after the symbols


@pytest.mark.parametrize("delay", [1, 10, 100])
def test_copy_task_baseline_loss_measured(delay):
    """The memoryless predictor's mean cross-entropy on generated data equals the formula."""
    k, length = 8, 10
    _, y = tasks.copy_task(delay, 64, rng(delay))
    total = delay + 2 * length
    probs = np.zeros((total, 64, k + 2))
    probs[: delay + length, :, k] = 1.0  # blank until the copy starts
    probs[delay + length :, :, :k] = 1.0 / k  # then uniform over the symbols
    picked = np.take_along_axis(probs, y[..., None], axis=2)[..., 0]
    loss = -np.log(picked).mean()
    expected = tasks.copy_task_baseline_loss(delay)
    assert abs(loss - expected) < 1e-12
    assert abs(expected - 10 * math.log(8) / (delay + 20)) < 1e-15


# ----------------------------------------------------------------------- embedded Reber


@pytest.mark.parametrize(
    "string",
    ["BTBTXSETE", "BPBPVVEPE", "BTBTSXXVPSETE", "BPBPTVPXVVEPE", "BTBTSSSXSETE", "BPBTXXTTVVEPE"],
)
def test_is_embedded_reber_valid(string):
    assert tasks.is_embedded_reber(string)


@pytest.mark.parametrize(
    "string",
    [
        "BTBTXSEPE",  # penultimate differs from the second symbol
        "BTXSE",  # a plain Reber string, not embedded
        "BTBTXSET",  # no final E
        "BTBTXXETE",  # inner string breaks the grammar (X X then E)
        "BSBTXSESE",  # second symbol must be T or P
        "",
    ],
)
def test_is_embedded_reber_invalid(string):
    assert not tasks.is_embedded_reber(string)


def test_embedded_reber_strings_valid_and_long_range():
    strings = tasks.embedded_reber_strings(500, rng(4))
    assert all(tasks.is_embedded_reber(s) for s in strings)
    assert all(s[1] == s[-2] for s in strings)
    share_t = np.mean([s[1] == "T" for s in strings])
    assert 0.4 < share_t < 0.6


def test_embedded_reber_encoding():
    inputs, lengths, targets = tasks.embedded_reber(300, rng(6))
    strings = tasks.embedded_reber_strings(300, rng(6))
    assert inputs.shape == targets.shape == (lengths.max(), 300, 7)
    assert inputs.dtype == targets.dtype == np.float64 and lengths.dtype == np.int64
    np.testing.assert_array_equal(lengths, [len(s) - 1 for s in strings])
    steps = np.arange(inputs.shape[0])[:, None]
    valid = steps < lengths[None, :]
    np.testing.assert_array_equal(inputs.sum(axis=2), valid)
    assert (targets.sum(axis=2)[valid] >= 1).all() and (targets[~valid] == 0).all()
    for j, s in enumerate(strings[:50]):
        decoded = "".join(tasks.REBER_SYMBOLS[i] for i in inputs[: lengths[j], j].argmax(axis=1))
        assert decoded == s[:-1]
        # every actual next symbol is in the legal set
        for t in range(lengths[j]):
            assert targets[t, j, tasks.REBER_SYMBOLS.index(s[t + 1])] == 1.0
        # the long-range step: after the inner E, the only legal symbol is the second one
        inner_end = len(s) - 3
        assert s[inner_end] == "E"
        legal = [tasks.REBER_SYMBOLS[i] for i in np.flatnonzero(targets[inner_end, j])]
        assert legal == [s[1]]


def test_embedded_reber_hand_example():
    _, lengths, targets = tasks.encode_embedded_reber(["BTBTXSETE"])
    sets = ["".join(c for i, c in enumerate(tasks.REBER_SYMBOLS) if targets[t, 0, i]) for t in range(8)]
    assert lengths.tolist() == [8]
    assert sets == ["TP", "B", "TP", "SX", "SX", "E", "T", "E"]


def test_embedded_reber_forgetful_baseline_measured():
    """Exact except after the inner E, where it always says T: right on half the strings."""
    n = 4000
    inputs, lengths, targets = tasks.embedded_reber(n, rng(7))
    forgetful = targets.copy()
    cols = np.arange(n)
    forgetful[lengths - 2, cols] = 0.0
    forgetful[lengths - 2, cols, tasks.REBER_SYMBOLS.index("T")] = 1.0
    valid = (np.arange(inputs.shape[0])[:, None] < lengths[None, :])[..., None]
    correct = (((forgetful > 0.5) == (targets > 0.5)) | ~valid).all(axis=(0, 2))
    standard_error = math.sqrt(0.25 / n)
    assert abs(correct.mean() - tasks.EMBEDDED_REBER_FORGETFUL_ACCURACY) < 4 * standard_error


# ------------------------------------------------------------------------ reverse digits


def test_reverse_digits_definition():
    source, src_len, target, tgt_len = tasks.reverse_digits(100, rng(8), min_len=2, max_len=6)
    assert source.dtype == target.dtype == src_len.dtype == tgt_len.dtype == np.int64
    s = int(src_len.max())
    assert source.shape == (s, 100) and target.shape == (s + 2, 100)
    assert src_len.min() >= 2 and src_len.max() <= 6
    np.testing.assert_array_equal(tgt_len, src_len + 2)
    for j in range(100):
        n = src_len[j]
        assert (source[n:, j] == tasks.PAD).all() and (source[:n, j] >= tasks.DIGITS[0]).all()
        assert target[0, j] == tasks.BOS and target[n + 1, j] == tasks.EOS
        assert (target[n + 2 :, j] == tasks.PAD).all()
        assert tasks.decode_tokens(target[:, j]) == tasks.decode_tokens(source[:, j])[::-1]


def test_decode_tokens_hand_examples():
    d = tasks.DIGITS
    assert tasks.VOCAB_SIZE == 13 and (tasks.PAD, tasks.BOS, tasks.EOS) == (0, 1, 2)
    assert tasks.decode_tokens([d[1], d[2], d[3], tasks.PAD]) == "123"
    assert tasks.decode_tokens([tasks.BOS, d[3], d[2], d[1], tasks.EOS, tasks.PAD]) == "321"
    assert tasks.decode_tokens([tasks.BOS, d[0], tasks.EOS, tasks.PAD], strip=False) == "<0>_"
    assert tasks.decode_tokens([]) == ""
    with pytest.raises(ValueError, match="tokens must lie in"):
        tasks.decode_tokens([13])


def test_reverse_digits_blind_baseline_measured():
    """The source-blind decoder costs exactly L log 10 + log K per sequence."""
    min_len, max_len = 3, 8
    k = max_len - min_len + 1
    _, src_len, target, _ = tasks.reverse_digits(2000, rng(9), min_len=min_len, max_len=max_len)
    total_loss = np.zeros(2000)
    for j in range(2000):
        n = src_len[j]
        for pos in range(n + 1):  # predicting target[pos + 1] after pos digits
            stop = 1.0 / (max_len - pos + 1) if pos >= min_len else 0.0
            p = stop if target[pos + 1, j] == tasks.EOS else (1 - stop) / 10
            total_loss[j] -= math.log(p)
    np.testing.assert_allclose(total_loss, src_len * math.log(10) + math.log(k), rtol=1e-12)
    per_token = total_loss.sum() / (src_len + 1).sum()
    expected = tasks.reverse_digits_blind_loss(min_len, max_len)
    # the ratio varies with the sampled lengths only: its standard deviation for 2000
    # sequences, measured over 300 seeds, is 4.8e-4; the bound is about 5 of them
    assert abs(per_token - expected) < 2.5e-3
    assert abs(expected - (5.5 * math.log(10) + math.log(6)) / 6.5) < 1e-15


# --------------------------------------------------------------------------- stdlib corpus


def test_stdlib_corpus():
    start = time.perf_counter()
    corpus = tasks.stdlib_corpus(100_000)
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0, elapsed
    again = tasks.stdlib_corpus(100_000)
    assert corpus.text == again.text and corpus.vocab == again.vocab
    np.testing.assert_array_equal(corpus.train, again.train)
    np.testing.assert_array_equal(corpus.valid, again.valid)
    assert len(corpus.text) == 100_000
    assert corpus.vocab == sorted(set(corpus.text)) and corpus.vocab_size == len(corpus.vocab)
    assert corpus.train.size == 90_000 and corpus.valid.size == 10_000
    assert corpus.train.dtype == np.int64
    assert corpus.decode(np.concatenate([corpus.train, corpus.valid])) == corpus.text
    sample = corpus.text[1234:1500]
    ids = corpus.encode(sample)
    assert corpus.decode(ids) == sample and ids.dtype == np.int64
    assert corpus.decode([]) == "" and corpus.encode("").size == 0
    assert "vocab_size" in repr(corpus) and len(repr(corpus)) < 500
    assert corpus.text.startswith(open(tasks.importlib.util.find_spec("textwrap").origin).read()[:500])
    with pytest.raises(ValueError, match="not in the vocabulary"):
        corpus.encode("\x00")


def test_stdlib_corpus_windows_shifted_by_one():
    corpus = tasks.stdlib_corpus(20_000)
    x, y = corpus.batches(corpus.train, 32, 16, rng(10))
    assert x.shape == y.shape == (32, 16) and x.dtype == np.int64
    np.testing.assert_array_equal(x[1:], y[:-1])
    for j in range(16):
        text = corpus.decode(x[:, j]) + corpus.decode(y[-1:, j])
        assert text in corpus.text
    x2, y2 = tasks.random_windows(corpus.train, 32, 16, rng(10))
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)


# ----------------------------------------------------------------------- argument checks


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: tasks.adding_problem(1, 4, rng()), "steps"),
        (lambda: tasks.adding_problem(10, 0, rng()), "batch"),
        (lambda: tasks.adding_problem(10, 4, 0), "rng"),
        (lambda: tasks.adding_problem(10.0, 4, rng()), "steps"),
        (lambda: tasks.copy_task(0, 4, rng()), "delay"),
        (lambda: tasks.copy_task(5, 4, rng(), num_symbols=0), "num_symbols"),
        (lambda: tasks.copy_task(5, 4, rng(), length=True), "length"),
        (lambda: tasks.embedded_reber(0, rng()), "batch"),
        (lambda: tasks.embedded_reber(2, None), "rng"),
        (lambda: tasks.encode_embedded_reber(["BTXSE"]), "strings"),
        (lambda: tasks.reverse_digits(4, rng(), min_len=0), "min_len"),
        (lambda: tasks.reverse_digits(4, rng(), min_len=5, max_len=3), "max_len"),
        (lambda: tasks.stdlib_corpus(1), "num_chars"),
        (lambda: tasks.stdlib_corpus(10**9), "num_chars"),
        (lambda: tasks.stdlib_corpus(1000, modules=("math",)), "modules"),
        (lambda: tasks.stdlib_corpus(1000, valid_fraction=1.0), "valid_fraction"),
        (lambda: tasks.random_windows(np.arange(5), 5, 2, rng()), "steps"),
        (lambda: tasks.random_windows(np.zeros(50), 5, 2, rng()), "ids"),
    ],
)
def test_bad_arguments(call, name):
    with pytest.raises(ValueError, match=name):
        call()
