"""rnnlib.models, rnnlib.training and rnnlib.plotting: shapes, reproducibility, recorded
gradient norms, evaluation schedule, a tiny task that learns, and the plots."""

from __future__ import annotations

import copy
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch.nn.functional import mse_loss

from rnnlib import plotting
from rnnlib.models import (
    EncoderDecoder,
    LanguageModel,
    SequenceClassifier,
    SequenceRegressor,
    Tagger,
)
from rnnlib.training import History, default_device, evaluate, train

CELLS = ["rnn", "lstm", "gru"]


def sum_batches(steps_len: int = 8, batch: int = 16):
    """The sum-of-inputs task: x (T, N, 1) uniform in [-1, 1], target the sum (N, 1)."""
    def batches(step, generator):
        x = torch.rand(steps_len, batch, 1, generator=generator) * 2 - 1
        return x, x.sum(dim=0)
    return batches


def mse(model, x, y):
    return mse_loss(model(x), y)


def regressor(cell="gru", seed=0):
    torch.manual_seed(seed)
    return SequenceRegressor(1, 8, cell=cell)


# --------------------------------------------------------------------------- models


@pytest.mark.parametrize("cell", CELLS)
def test_many_to_one_shapes(cell):
    torch.manual_seed(0)
    x = torch.randn(5, 3, 4)
    assert SequenceClassifier(4, 6, 7, cell=cell)(x).shape == (3, 7)
    assert SequenceRegressor(4, 6, cell=cell)(x).shape == (3, 1)
    assert SequenceRegressor(4, 6, 2, cell=cell, num_layers=2, dropout=0.1)(x).shape == (3, 2)


def test_classifier_reads_the_last_output():
    torch.manual_seed(0)
    model = SequenceClassifier(2, 5, 3, cell="gru")
    x = torch.randn(6, 4, 2)
    outputs, _ = model.rnn(x)
    torch.testing.assert_close(model(x), model.readout(outputs[-1]))


@pytest.mark.parametrize("cell", CELLS)
def test_tagger_and_language_model_shapes(cell):
    torch.manual_seed(0)
    assert Tagger(4, 6, 5, cell=cell)(torch.randn(7, 3, 4)).shape == (7, 3, 5)
    tokens = torch.randint(0, 11, (7, 3))
    tagger = Tagger(4, 6, 5, vocab_size=11, cell=cell, num_layers=2)
    logits, state = tagger.forward_with_state(tokens)
    assert logits.shape == (7, 3, 5)
    h = state[0] if cell == "lstm" else state
    assert h.shape == (2, 3, 6)
    lm = LanguageModel(11, 4, 6, cell=cell)
    assert lm(tokens).shape == (7, 3, 11)
    assert lm.generate(tokens[:2], 5).shape == (5, 3)
    gen = torch.Generator().manual_seed(1)
    sampled = lm.generate(tokens[:2], 5, temperature=1.0, generator=gen)
    assert sampled.dtype == torch.long and ((0 <= sampled) & (sampled < 11)).all()


def test_tagger_state_continues_the_sequence():
    torch.manual_seed(0)
    model = LanguageModel(9, 4, 5, cell="lstm")
    tokens = torch.randint(0, 9, (8, 2))
    whole = model(tokens)
    first, state = model.forward_with_state(tokens[:3])
    second = model(tokens[3:], state)
    torch.testing.assert_close(torch.cat([first, second]), whole)


@pytest.mark.parametrize("cell", CELLS)
def test_encoder_decoder_shapes_and_initial_state(cell):
    torch.manual_seed(0)
    model = EncoderDecoder(7, 9, 6, embedding_size=4, cell=cell, num_layers=2)
    src, tgt_in = torch.randint(0, 7, (5, 3)), torch.randint(0, 9, (4, 3))
    assert model(src, tgt_in).shape == (4, 3, 9)
    # the decoder starts from the encoder's final state, so the source changes the output
    other = torch.randint(0, 7, (5, 3))
    assert not torch.allclose(model(src, tgt_in), model(other, tgt_in))
    # teacher forcing equals decoding step by step from the encoder state
    state = model.encode(src)
    steps = []
    for t in range(4):
        logits, state = model.decode(tgt_in[t:t + 1], state)
        steps.append(logits)
    torch.testing.assert_close(torch.cat(steps), model(src, tgt_in))


def test_greedy_decode_stops_at_eos():
    torch.manual_seed(0)
    model = EncoderDecoder(5, 6, 8, cell="gru")
    src = torch.randint(0, 5, (4, 3))
    eos, bos = 1, 0
    with torch.no_grad():
        model.readout.weight.zero_()
        model.readout.bias.fill_(-10.0)
        model.readout.bias[eos] = 10.0  # every step predicts eos
    out = model.greedy_decode(src, max_len=10, bos=bos, eos=eos)
    assert out.shape == (1, 3) and (out == eos).all()
    with torch.no_grad():
        model.readout.bias[eos] = -10.0
        model.readout.bias[3] = 10.0  # never eos
    out = model.greedy_decode(src, max_len=10, bos=bos, eos=eos)
    assert out.shape == (10, 3) and (out == 3).all()


def test_greedy_decode_matches_teacher_forcing_on_its_own_output():
    torch.manual_seed(3)
    model = EncoderDecoder(5, 6, 8, cell="lstm").eval()
    src = torch.randint(0, 5, (4, 2))
    out = model.greedy_decode(src, max_len=6, bos=0, eos=5)
    assert out.dim() == 2 and out.shape[1] == 2 and 1 <= out.shape[0] <= 6
    tgt_in = torch.cat([torch.zeros(1, 2, dtype=torch.long), out[:-1]])
    logits = model(src, tgt_in)
    done = torch.zeros(2, dtype=torch.bool)
    for t in range(out.shape[0]):  # until a sequence is done, its token is the argmax
        predicted = logits[t].argmax(-1)
        assert (out[t][~done] == predicted[~done]).all()
        done |= out[t] == 5


# --------------------------------------------------------------------------- training


def test_training_reproduces_bit_for_bit():
    runs = []
    for _ in range(2):
        model = regressor("lstm")
        runs.append(train(model, mse, sum_batches(), steps=20, lr=0.05, clip_norm=1.0, seed=3,
                          progress=False))
    assert runs[0].loss == runs[1].loss
    assert runs[0].grad_norm == runs[1].grad_norm
    other = train(regressor("lstm"), mse, sum_batches(), steps=20, lr=0.05, seed=4, progress=False)
    assert other.loss != runs[0].loss  # the seed reaches the data


def test_iterable_batches_and_dropout_are_reproducible():
    data = [(torch.randn(5, 4, 1), torch.randn(4, 1)) for _ in range(6)]
    losses = []
    for _ in range(2):
        torch.manual_seed(0)
        model = SequenceRegressor(1, 6, cell="lstm", num_layers=2, dropout=0.5)
        losses.append(train(model, mse, iter(data), steps=6, lr=0.1, seed=1, progress=False).loss)
    assert losses[0] == losses[1]
    with pytest.raises(ValueError, match="batches ran out"):
        train(regressor(), mse, data, steps=7, lr=0.1, progress=False)


@pytest.mark.parametrize("clip_norm", [None, 0.05])
def test_recorded_gradient_norms_match_torch(clip_norm):
    """Replay each step on a copy of the model and compare with torch's own functions."""
    steps, lr = 5, 0.1
    batches = sum_batches()
    initial = regressor("rnn")
    history = train(copy.deepcopy(initial), mse, batches, steps=steps, lr=lr, clip_norm=clip_norm,
                    seed=2, progress=False)
    replay = copy.deepcopy(initial)
    opt = torch.optim.SGD(replay.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(2)
    for step in range(steps):
        x, y = batches(step, generator)
        opt.zero_grad()
        loss = mse(replay, x, y)
        loss.backward()
        grads = [p.grad for p in replay.parameters()]
        if clip_norm is None:
            before = torch.nn.utils.get_total_norm(grads)
        else:
            before = torch.nn.utils.clip_grad_norm_(replay.parameters(), clip_norm)
        after = torch.nn.utils.get_total_norm(grads)
        opt.step()
        assert history.loss[step] == float(loss.detach())
        assert history.grad_norm[step] == float(before)
        assert history.grad_norm_clipped[step] == float(after)


def test_clipping_is_recorded():
    clip = 0.05
    history = train(regressor("rnn"), mse, sum_batches(), steps=10, lr=0.05, clip_norm=clip,
                    progress=False)
    before, after = np.array(history.grad_norm), np.array(history.grad_norm_clipped)
    assert (before > clip).all()  # the clip is active on every step of this run
    assert (before > after).all()
    assert (after <= clip * (1 + 1e-6)).all()
    unclipped = train(regressor("rnn"), mse, sum_batches(), steps=10, lr=0.05, progress=False)
    assert unclipped.grad_norm == unclipped.grad_norm_clipped
    assert "clipped at 0.05 on 10 of 10 steps" in history.summary()


def test_eval_schedule_and_mode():
    calls = []

    def eval_fn(model):
        calls.append((model.training, torch.is_grad_enabled()))
        return 1.0

    model = regressor()
    history = train(model, mse, sum_batches(), steps=10, lr=0.01, eval_fn=eval_fn, eval_every=4,
                    progress=False)
    assert history.eval_step == [0, 4, 8, 10]
    assert calls == [(False, False)] * 4
    assert model.training
    only_ends = train(model, mse, sum_batches(), steps=3, lr=0.01, eval_fn=eval_fn, progress=False)
    assert only_ends.eval_step == [0, 3]
    model.eval()
    evaluate(model, eval_fn)
    assert not model.training  # evaluate restores the mode it found


def test_tiny_task_learns_quickly():
    test_x = torch.rand(8, 64, 1, generator=torch.Generator().manual_seed(99)) * 2 - 1

    def eval_fn(model):
        return float(mse_loss(model(test_x), test_x.sum(0)))

    start = time.perf_counter()
    history = train(regressor("gru"), mse, sum_batches(), steps=200, lr=0.02, optimizer="adam",
                    eval_fn=eval_fn, eval_every=100, progress=False)
    elapsed = time.perf_counter() - start
    assert elapsed < 3.0
    # the variance of a sum of 8 uniforms on [-1, 1] is 8/3: predicting 0 gives about that
    assert np.mean(history.loss[:10]) > 1.5
    assert np.mean(history.loss[-10:]) < 0.2 * np.mean(history.loss[:10])
    assert history.eval_value[-1] < 0.2 * history.eval_value[0]
    assert len(history.time) == 200 and history.time == sorted(history.time)


def test_progress_lines(capsys, monkeypatch):
    monkeypatch.delenv("RNNLIB_PROGRESS", raising=False)
    train(regressor(), mse, sum_batches(), steps=20, lr=0.01)
    assert capsys.readouterr() == ("", "")  # quiet by default: nbval sees nothing
    train(regressor(), mse, sum_batches(), steps=20, lr=0.01, progress=True)
    out, err = capsys.readouterr()
    assert err == "" and len(out.splitlines()) == 10 and out.startswith("step 2/20")
    monkeypatch.setenv("RNNLIB_PROGRESS", "1")
    train(regressor(), mse, sum_batches(), steps=5, lr=0.01)
    assert len(capsys.readouterr().out.splitlines()) == 5


def test_default_device_is_cpu(monkeypatch):
    monkeypatch.delenv("RNNLIB_DEVICE", raising=False)
    assert default_device() == "cpu"
    monkeypatch.setenv("RNNLIB_DEVICE", "cpu")
    assert default_device() == "cpu"


def test_history_summary_and_arrays():
    history = History(loss=[2.0, 1.0, 1.5], grad_norm=[3.0, 2.0, 1.0], grad_norm_clipped=[3.0, 2.0, 1.0],
                      time=[0.1, 0.2, 0.3], eval_step=[0, 3], eval_value=[2.5, 1.2])
    text = history.summary()
    assert "min 1 at step 1" in text and "wall time" not in text
    assert "wall time: 0.30 s" in history.summary(timing=True)
    arrays = history.arrays()
    assert arrays["loss"].dtype == np.float64 and arrays["eval_step"].dtype == np.int64
    assert History().summary() == "History: no steps"


@pytest.mark.parametrize("kwargs,name", [
    ({"steps": 0}, "steps"), ({"lr": -1.0}, "lr"), ({"optimizer": "rmsprop"}, "optimizer"),
    ({"clip_norm": 0.0}, "clip_norm"), ({"eval_every": 5}, "eval_every"),
    ({"eval_fn": lambda m: 0.0, "eval_every": 0}, "eval_every"), ({"progress": "yes"}, "progress"),
    ({"threads": 0}, "threads"),
])
def test_train_rejects_bad_arguments(kwargs, name):
    arguments = {"steps": 3, "lr": 0.1, **kwargs}
    with pytest.raises(ValueError, match=name):
        train(regressor(), mse, sum_batches(), **arguments)


def test_train_rejects_bad_model_loss_and_batches():
    with pytest.raises(ValueError, match="model"):
        train("model", mse, sum_batches(), steps=1, lr=0.1)
    with pytest.raises(ValueError, match="batches"):
        train(regressor(), mse, 3, steps=1, lr=0.1)
    with pytest.raises(ValueError, match="loss_fn"):
        train(regressor(), lambda m, x, y: m(x) - y, sum_batches(), steps=1, lr=0.1)


def test_models_reject_bad_arguments():
    with pytest.raises(ValueError, match="cell"):
        SequenceRegressor(1, 4, cell="transformer")
    with pytest.raises(ValueError, match="hidden_size"):
        SequenceClassifier(1, 0, 3)
    with pytest.raises(ValueError, match="num_classes"):
        SequenceClassifier(1, 4, 0)
    with pytest.raises(ValueError, match="dropout"):
        Tagger(1, 4, 2, dropout=1.0)
    with pytest.raises(ValueError, match=r"x must have shape \(T, N, D\)"):
        SequenceRegressor(3, 4)(torch.randn(5, 2, 2))
    with pytest.raises(ValueError, match="x must be a floating-point"):
        SequenceRegressor(3, 4)(torch.zeros(5, 2, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="x must hold token ids"):
        LanguageModel(5, 3, 4)(torch.full((2, 2), 5))
    model = EncoderDecoder(5, 6, 4)
    with pytest.raises(ValueError, match="tgt_in"):
        model(torch.zeros(3, 2, dtype=torch.long), torch.zeros(3, 4, dtype=torch.long))
    with pytest.raises(ValueError, match="src"):
        model(torch.zeros(3, 2), torch.zeros(3, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="eos"):
        model.greedy_decode(torch.zeros(3, 2, dtype=torch.long), 4, bos=0, eos=6)
    with pytest.raises(ValueError, match="max_len"):
        model.greedy_decode(torch.zeros(3, 2, dtype=torch.long), 0, bos=0, eos=1)


# --------------------------------------------------------------------------- plotting


def test_learning_curves():
    histories = {"RNN": History(loss=[3.0, 2.0, 1.0]), "LSTM": History(loss=[3.0, 1.0, 0.5]),
                 "other": History(loss=[2.0, 2.0, 2.0])}
    ax = plotting.learning_curves(histories, baseline=2.5, log_y=True)
    assert len(ax.get_lines()) == 4
    assert ax.get_yscale() == "log"
    assert ax.get_lines()[1].get_color() == plotting.MODEL_COLORS["lstm"]
    baseline = ax.get_lines()[-1]
    assert baseline.get_linestyle() == "--" and baseline.get_label() == "baseline"
    ax2 = plotting.learning_curves({"GRU": History(loss=[1.0, 0.5])})
    assert len(ax2.get_lines()) == 1 and ax2.get_yscale() == "linear"
    plt.close("all")


def test_gradient_norm_over_lag():
    lags = np.arange(1, 6)
    norms = {"rnn": 0.5 ** lags, "lstm": 0.9 ** lags}
    bounds = {"rnn": 0.6 ** lags}
    _, ax = plt.subplots()
    out = plotting.gradient_norm_over_lag(lags, norms, bounds, ax=ax)
    assert out is ax and len(ax.get_lines()) == 3 and ax.get_yscale() == "log"
    bound = ax.get_lines()[2]
    assert bound.get_linestyle() == "--" and bound.get_color() == ax.get_lines()[0].get_color()
    assert len(plotting.gradient_norm_over_lag(lags, norms).get_lines()) == 2
    plt.close("all")


def test_gate_heatmap():
    values = np.random.default_rng(0).uniform(size=(12, 5))
    ax = plotting.gate_heatmap(values, "forget gate")
    assert ax.get_title() == "forget gate"
    (image,) = ax.get_images()
    assert image.get_array().shape == (5, 12)  # hidden units on y, time on x
    plt.close("all")


def test_plotting_leaves_rcparams_alone():
    before = dict(matplotlib.rcParams)
    plotting.learning_curves({"a": History(loss=[1.0, 0.5])})
    with plotting.style():
        assert matplotlib.rcParams["axes.spines.top"] is False
    assert dict(matplotlib.rcParams) == before
    plt.close("all")


def test_plotting_rejects_bad_arguments():
    with pytest.raises(ValueError, match="histories"):
        plotting.learning_curves({})
    with pytest.raises(ValueError, match="baseline"):
        plotting.learning_curves({"a": History(loss=[1.0])}, baseline=float("nan"))
    with pytest.raises(ValueError, match=r"norms\['a'\]"):
        plotting.gradient_norm_over_lag([1, 2, 3], {"a": [1.0, 2.0]})
    with pytest.raises(ValueError, match="bounds"):
        plotting.gradient_norm_over_lag([1, 2], {"a": [1.0, 2.0]}, {"a": [0.0, 1.0]})
    with pytest.raises(ValueError, match="values"):
        plotting.gate_heatmap(np.zeros(5), "x")
    with pytest.raises(ValueError, match="ax"):
        plotting.gate_heatmap(np.zeros((2, 2)), "x", ax="axes")
    plt.close("all")
