"""A small training loop that records what the course plots: losses and gradient norms.

Each step draws a batch, computes the loss, back-propagates, measures the global gradient
norm :math:`\\|g\\| = \\sqrt{\\sum_k \\|g_k\\|^2}` over all parameters, optionally clips it
(:math:`g \\leftarrow g \\min(1, c / (\\|g\\| + 10^{-6}))`, see :mod:`rnnlib.clipping`),
measures the norm again, and updates the parameters. The norms are the values
``torch.nn.utils.get_total_norm`` gives (the "before" norm is also what
``torch.nn.utils.clip_grad_norm_`` returns). Used by the chapters on vanishing and
exploding gradients, gated cells and the experiments that compare RNN, LSTM and GRU.

Choices, and why:

- **Determinism.** ``train`` calls ``torch.manual_seed(seed)`` (dropout, sampling) and
  hands a ``torch.Generator`` seeded with ``seed`` to the batch function, so two runs
  with the same seed, model initialisation and thread count give the same losses bit
  for bit. Build the model *before* calling ``train``, under its own seed.
- **Quiet by default.** The notebooks run under nbval, which compares outputs, and must
  write nothing to stderr. So ``progress=None`` prints nothing unless the environment
  variable ``RNNLIB_PROGRESS=1`` is set; ``progress=True`` prints one line to stdout
  about every 10% of the steps; ``progress=False`` is silent.
- **CPU by default.** Every result in the book is produced, and checked, on the CPU;
  a GPU gives different rounding and would break the outputs nbval compares.
  :func:`default_device` is ``"cpu"`` unless ``RNNLIB_DEVICE=cuda`` is set (and a GPU is
  there).
- **Threads.** numpy's BLAS and torch's OpenMP pool fight over the cores when one process
  uses both (see :mod:`rnnlib.threads`). ``threads=k`` calls
  ``rnnlib.threads.set_threads(numpy_threads=1, torch_threads=k)`` first; the default
  ``None`` leaves the settings alone.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

Batch = tuple[Any, Any]
BatchFn = Callable[[int, torch.Generator], Batch]
LossFn = Callable[[torch.nn.Module, Any, Any], torch.Tensor]


def default_device() -> str:
    """``"cuda"`` if ``RNNLIB_DEVICE=cuda`` is set and a GPU is available, else ``"cpu"``.

    The book's results are all produced on the CPU, so the GPU is opt-in.
    """
    wanted = os.environ.get("RNNLIB_DEVICE", "cpu").strip().lower()
    return "cuda" if wanted == "cuda" and torch.cuda.is_available() else "cpu"


@dataclass
class History:
    """What :func:`train` recorded, one entry per step (or per evaluation).

    ``loss[s]``, ``grad_norm[s]`` (global norm before clipping), ``grad_norm_clipped[s]``
    (after clipping; equal to ``grad_norm[s]`` without clipping) and ``time[s]`` (seconds
    since the start, at the end of step ``s``) for steps ``s = 0 .. steps-1``;
    ``eval_value[k]`` measured after ``eval_step[k]`` parameter updates.
    """

    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    grad_norm_clipped: list[float] = field(default_factory=list)
    time: list[float] = field(default_factory=list)
    eval_step: list[int] = field(default_factory=list)
    eval_value: list[float] = field(default_factory=list)
    clip_norm: float | None = None

    @property
    def steps(self) -> int:
        """The number of steps recorded."""
        return len(self.loss)

    def arrays(self) -> dict[str, np.ndarray]:
        """Every list as a numpy array (float64; ``eval_step`` int64)."""
        out = {name: np.asarray(getattr(self, name), dtype=np.float64)
               for name in ("loss", "grad_norm", "grad_norm_clipped", "time", "eval_value")}
        out["eval_step"] = np.asarray(self.eval_step, dtype=np.int64)
        return out

    def summary(self, timing: bool = False) -> str:
        """A short text summary. Wall time is left out unless ``timing=True``, so that a
        notebook printing it gives the same output on every run."""
        if not self.loss:
            return "History: no steps"
        best = int(np.nanargmin(self.loss)) if not all(math.isnan(v) for v in self.loss) else 0
        lines = [
            f"steps: {self.steps}",
            f"loss: first {self.loss[0]:.4g}, last {self.loss[-1]:.4g}, "
            f"min {self.loss[best]:.4g} at step {best}",
            f"gradient norm: median {statistics.median(self.grad_norm):.4g}, "
            f"max {max(self.grad_norm):.4g}",
        ]
        if self.clip_norm is not None:
            clipped = sum(g > self.clip_norm for g in self.grad_norm)
            lines.append(f"clipped at {self.clip_norm:g} on {clipped} of {self.steps} steps")
        if self.eval_value:
            lines.append(f"eval: {self.eval_value[0]:.4g} at step {self.eval_step[0]} -> "
                         f"{self.eval_value[-1]:.4g} at step {self.eval_step[-1]}")
        if timing:
            lines.append(f"wall time: {self.time[-1]:.2f} s")
        return "\n".join(lines)


def _to_device(value: Any, device: torch.device) -> Any:
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, tuple | list):
        return type(value)(_to_device(v, device) for v in value)
    return value


def _make_optimizer(name: str, params: list[torch.nn.Parameter], lr: float) -> torch.optim.Optimizer:
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    raise ValueError(f"optimizer must be 'sgd' or 'adam'; got {name!r}")


def _progress_enabled(progress: bool | None) -> bool:
    if progress is None:
        return os.environ.get("RNNLIB_PROGRESS", "") == "1"
    if not isinstance(progress, bool):
        raise ValueError(f"progress must be True, False or None; got {progress!r}")
    return progress


def _check_arguments(model: object, loss_fn: object, batches: object, steps: object, lr: object,
                     clip_norm: object, eval_fn: object, eval_every: object, threads: object) -> None:
    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    if not callable(loss_fn):
        raise ValueError("loss_fn must be a callable loss_fn(model, inputs, targets) -> scalar tensor")
    if not callable(batches) and not isinstance(batches, Iterable):
        raise ValueError("batches must be a callable batches(step, generator) -> (inputs, targets) "
                         f"or an iterable of (inputs, targets); got {type(batches).__name__}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer; got {steps!r}")
    if isinstance(lr, bool) or not isinstance(lr, int | float) or not lr > 0:
        raise ValueError(f"lr must be a positive number; got {lr!r}")
    if clip_norm is not None and (not isinstance(clip_norm, int | float) or not clip_norm > 0):
        raise ValueError(f"clip_norm must be a positive number or None; got {clip_norm!r}")
    if eval_fn is not None and not callable(eval_fn):
        raise ValueError("eval_fn must be a callable eval_fn(model) -> float, or None")
    if eval_every is not None:
        if isinstance(eval_every, bool) or not isinstance(eval_every, int) or eval_every < 1:
            raise ValueError(f"eval_every must be a positive integer or None; got {eval_every!r}")
        if eval_fn is None:
            raise ValueError("eval_every needs an eval_fn")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise ValueError(f"threads must be a positive integer or None; got {threads!r}")


def evaluate(model: torch.nn.Module, eval_fn: Callable[[torch.nn.Module], float]) -> float:
    """``eval_fn(model)`` in evaluation mode and without gradients; the model's mode is restored."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            value = eval_fn(model)
    finally:
        model.train(was_training)
    return float(value)


def train(
    model: torch.nn.Module,
    loss_fn: LossFn,
    batches: BatchFn | Iterable[Batch],
    *,
    steps: int,
    lr: float,
    optimizer: str = "sgd",
    clip_norm: float | None = None,
    eval_fn: Callable[[torch.nn.Module], float] | None = None,
    eval_every: int | None = None,
    seed: int = 0,
    progress: bool | None = None,
    device: str | torch.device | None = None,
    threads: int | None = None,
) -> History:
    """Train ``model`` for ``steps`` steps; return the :class:`History` of the run.

    - ``batches``: a callable ``batches(step, generator) -> (inputs, targets)`` (draw the
      random numbers from ``generator`` for reproducible data) or an iterable of
      ``(inputs, targets)`` pairs. Tensors (also inside tuples or lists) go to ``device``.
    - ``loss_fn(model, inputs, targets)`` returns a scalar tensor.
    - ``optimizer``: ``"sgd"`` (plain, no momentum) or ``"adam"``, with learning rate ``lr``.
    - ``clip_norm``: clip the global gradient norm to this value (None: no clipping).
    - ``eval_fn(model) -> float``: held-out measure, called in ``model.eval()`` mode under
      ``torch.no_grad()`` after 0, ``eval_every``, ``2*eval_every``, ... updates and after
      the last one; the model is back in ``train()`` mode afterwards. With ``eval_fn``
      but no ``eval_every``, it is called before the first and after the last update.
    - ``seed``, ``progress``, ``device`` (default :func:`default_device`), ``threads``:
      see the module docstring.
    """
    _check_arguments(model, loss_fn, batches, steps, lr, clip_norm, eval_fn, eval_every, threads)
    show = _progress_enabled(progress)
    if threads is not None:
        from rnnlib.threads import set_threads

        set_threads(numpy_threads=1, torch_threads=threads)
    device = torch.device(default_device() if device is None else device)
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model.to(device)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model must have at least one parameter that requires a gradient")
    opt = _make_optimizer(optimizer, params, lr)
    draw = batches if callable(batches) else iter(batches).__next__
    history = History(clip_norm=None if clip_norm is None else float(clip_norm))
    every = eval_every if eval_every is not None else steps
    report_every = max(1, steps // 10)

    def run_eval(done: int) -> None:
        history.eval_step.append(done)
        history.eval_value.append(evaluate(model, eval_fn))

    start = time.perf_counter()
    if eval_fn is not None:
        run_eval(0)
    for step in range(steps):
        try:
            inputs, targets = draw(step, generator) if callable(batches) else draw()
        except StopIteration:
            raise ValueError(f"batches ran out after {step} batches; steps = {steps}") from None
        inputs, targets = _to_device(inputs, device), _to_device(targets, device)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model, inputs, targets)
        if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
            raise ValueError("loss_fn must return a scalar tensor; got "
                             + (f"shape {tuple(loss.shape)}" if isinstance(loss, torch.Tensor)
                                else type(loss).__name__))
        loss.backward()
        grads = [p.grad for p in params if p.grad is not None]
        before = torch.nn.utils.get_total_norm(grads)
        if clip_norm is not None:
            torch.nn.utils.clip_grads_with_norm_(params, clip_norm, before)
            after = float(torch.nn.utils.get_total_norm(grads))
        else:
            after = float(before)
        opt.step()
        history.loss.append(float(loss.detach()))
        history.grad_norm.append(float(before))
        history.grad_norm_clipped.append(after)
        history.time.append(time.perf_counter() - start)
        done = step + 1
        if eval_fn is not None and (done % every == 0 or done == steps):
            run_eval(done)
        if show and (done % report_every == 0 or done == steps):
            line = f"step {done}/{steps}  loss {history.loss[-1]:.4g}  grad norm {history.grad_norm[-1]:.3g}"
            if history.eval_step and history.eval_step[-1] == done:
                line += f"  eval {history.eval_value[-1]:.4g}"
            print(line + f"  ({history.time[-1]:.1f} s)", flush=True)
    return history


__all__ = ["History", "default_device", "evaluate", "train"]
