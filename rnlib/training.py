"""Training that survives interruptions: checkpoints, resuming, history, learning curves, per-group accuracy.

A long training run on a CPU or a Colab GPU gets interrupted (a closed laptop, a session limit,
a crash). :func:`train` wraps ``model.fit`` so that running the same call again continues where
the last one stopped. Everything lives in one *run directory*:

=====================  ===========================================================================
``checkpoint.npz``     the training state: model weights, optimizer state (Adam's moments and step
                       count), the epoch and the batch within it, the best monitored value so far.
                       Written every ``save_every_steps`` batches and at every epoch end.
``last.keras``         the model after the last completed epoch (a full Keras model file).
``best.keras``         the model after the epoch with the best ``monitor`` value (e.g. val_accuracy).
``history.csv``        one row per completed epoch (``keras.callbacks.CSVLogger``, appended on resume).
``tensorboard/``       TensorBoard logs, when the ``tensorboard`` package is installed.
=====================  ===========================================================================

Every file is written to a temporary name first and then moved into place with ``os.replace``,
which is atomic: a crash leaves either the old file or the new one, never half a file.

Why not ``keras.callbacks.BackupAndRestore``? It does the same job, but (Keras 3.15) it restarts an
interrupted epoch from its first batch, and after a resume its step-based backups record epoch 0
(its epoch counter starts at 0 and is only advanced at epoch ends), so a second interruption could
send training back to the start. Here a resume continues the interrupted epoch after the last saved
batch, then training goes on normally. A dataset with ``resume_at(epoch, batch)`` and ``set_epoch``
(:class:`rnlib.sort_of_clevr.QuestionBatches`) finishes the epoch in exactly its original order:
no example is lost or repeated. A ``tf.data`` dataset finishes it with ``train_ds.skip(batch)``,
whose order is a new shuffle, so a few examples may be seen twice or not at all in that one epoch.
Either way the interrupted epoch's training metrics average over the batches run after the resume.

Introduced in notebooks/04_training.ipynb.
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import keras

from .data import display_path

__all__ = ["train", "read_history", "plot_history", "save_model_atomic", "save_state", "load_state",
           "ResumableCheckpoint", "StepLogger", "predict_labels", "accuracy_by_group", "CHECKPOINT", "HISTORY"]

CHECKPOINT = "checkpoint.npz"
HISTORY = "history.csv"
LAST, BEST = "last.keras", "best.keras"


# ------------------------------------------------------------------------------------------------
# Atomic files
# ------------------------------------------------------------------------------------------------

def save_model_atomic(model, path) -> Path:
    """``model.save(path)`` through a temporary file and ``os.replace``, so ``path`` is never half-written.

    Introduced in notebooks/04_training.ipynb.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")  # Keras wants the .keras suffix
    model.save(tmp)
    os.replace(tmp, path)
    return path


def weight_mismatch(source, model) -> str | None:
    """Why ``source``'s weights cannot be copied into ``model`` (a run's ``--init-from``), or None when their shapes fit:
    the two array counts and the first pair of shapes that differ."""
    theirs, mine = [tuple(w.shape) for w in source.weights], [tuple(w.shape) for w in model.weights]
    if theirs == mine:
        return None
    first = next((a, b) for a, b in zip(theirs + [None] * len(mine), mine + [None] * len(theirs)) if a != b)
    return f"{len(theirs)} arrays against {len(mine)}; first difference: {first}"


def save_state(model, path, **meta) -> Path:
    """Save the training state (model weights, optimizer variables, ``meta``) to one ``.npz``, atomically.

    ``meta`` holds JSON-serialisable values (epoch, batch, best value...). The optimizer must be
    built (it is after the first training step). Read back with :func:`load_state`.

    Introduced in notebooks/04_training.ipynb.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"model_{k:04d}": w for k, w in enumerate(model.get_weights())}
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and optimizer.built:
        arrays.update({f"optimizer_{k:04d}": np.asarray(keras.ops.convert_to_numpy(v))
                       for k, v in enumerate(optimizer.variables)})
    arrays["meta"] = np.array(json.dumps(meta))
    tmp = path.with_name(f".{path.stem}.tmp.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)
    return path


def load_state(model, path) -> dict:
    """Restore what :func:`save_state` wrote into ``model`` (weights and optimizer) and return ``meta``.

    Raises ValueError when the checkpoint does not fit the model (another architecture or optimizer).

    Introduced in notebooks/04_training.ipynb.
    """
    with np.load(path, allow_pickle=False) as f:
        names = sorted(f.files)
        weights = [f[n] for n in names if n.startswith("model_")]
        opt = [f[n] for n in names if n.startswith("optimizer_")]
        meta = json.loads(str(f["meta"]))
    current = model.get_weights()
    if [w.shape for w in weights] != [w.shape for w in current]:
        raise ValueError(f"{path} holds weights for another model: {len(weights)} arrays with shapes "
                         f"{[w.shape for w in weights][:4]}..., the model has {len(current)} with "
                         f"{[w.shape for w in current][:4]}... Use a new run directory for a new model.")
    model.set_weights(weights)
    if opt and getattr(model, "optimizer", None) is not None:
        if not model.optimizer.built:
            strategy = getattr(model, "distribute_strategy", None)  # the one the model was built under (TensorFlow)
            with strategy.scope() if strategy is not None else contextlib.nullcontext():
                model.optimizer.build(model.trainable_variables)
        variables = model.optimizer.variables
        if [tuple(v.shape) for v in variables] != [a.shape for a in opt]:
            raise ValueError(f"{path} holds the state of another optimizer ({len(opt)} variables; the "
                             f"model's optimizer has {len(variables)}).")
        for v, a in zip(variables, opt):
            v.assign(a)
    return meta


def _number(text):
    try:
        return float(text)
    except ValueError:  # CSVLogger writes "NA" for a value an epoch did not log
        return float("nan")


def read_history(path) -> dict[str, list]:
    """The history in a CSVLogger file as ``{"epoch": [0, 1, ...], "loss": [...], ...}`` (empty if no file).

    Introduced in notebooks/04_training.ipynb.
    """
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return {}
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return {}
    history = {k: [] for k in rows[0]}
    for row in rows:
        for k, v in row.items():
            history[k].append(int(v) if k == "epoch" else _number(v))
    return history


def _truncate_history(path: Path, n_epochs: int) -> None:
    """Keep the rows of epochs 0 .. n_epochs - 1 only (drops rows a crash wrote after the last checkpoint)."""
    if not path.exists():
        return
    with open(path, newline="") as f:
        lines = f.read().splitlines(keepends=True)
    if not lines:
        return
    kept = [lines[0]] + [ln for ln in lines[1:] if ln.strip() and int(ln.split(",", 1)[0]) < n_epochs]
    if len(kept) != len(lines):
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text("".join(kept))
        os.replace(tmp, path)


# ------------------------------------------------------------------------------------------------
# Callbacks
# ------------------------------------------------------------------------------------------------

class ResumableCheckpoint(keras.callbacks.Callback):
    """Save the run's state every ``save_every_steps`` batches and at each epoch end; keep best/last models.

    At the end of epoch e it writes ``last.keras``, ``best.keras`` when ``monitor`` improved, then
    ``checkpoint.npz`` with ``epoch=e + 1, batch=0`` (the next epoch to run). Mid-epoch saves record
    ``epoch=e, batch=b``: b batches of epoch e are done. ``start_epoch``/``start_batch`` say where
    this ``fit`` call starts, so batch numbers stay those of the whole epoch after a resume.

    Introduced in notebooks/04_training.ipynb.
    """

    def __init__(self, run_dir, save_every_steps=None, monitor="val_accuracy", mode="max", best=None,
                 start_epoch=0, start_batch=0):
        super().__init__()
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max'; got {mode!r}.")
        self.run_dir = Path(run_dir)
        self.save_every_steps = save_every_steps
        self.monitor, self.mode, self.best = monitor, mode, best
        self.start_epoch, self.start_batch = start_epoch, start_batch
        self._epoch, self._offset, self._since = start_epoch, start_batch, 0

    def _save(self, epoch, batch):
        save_state(self.model, self.run_dir / CHECKPOINT, epoch=epoch, batch=batch, best=self.best,
                   monitor=self.monitor, mode=self.mode, time=time.time())

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._offset = self.start_batch if epoch == self.start_epoch else 0

    def on_train_batch_end(self, batch, logs=None):
        self._since += 1
        if self.save_every_steps and self._since >= self.save_every_steps:
            self._since = 0
            self._save(self._epoch, self._offset + batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        self._since = 0
        value = (logs or {}).get(self.monitor)
        if value is not None and not math.isnan(value):
            better = self.best is None or (value > self.best if self.mode == "max" else value < self.best)
            if better:
                self.best = float(value)
                save_model_atomic(self.model, self.run_dir / BEST)
        save_model_atomic(self.model, self.run_dir / LAST)
        self._save(epoch + 1, 0)


class StepLogger(keras.callbacks.Callback):
    """Print a progress line every ``every`` batches (loss, metrics, speed), for logs that are not a terminal.

    Introduced in notebooks/04_training.ipynb.
    """

    def __init__(self, every=200, steps=None, batch_size=None, epochs=None, start_batch=0, start_epoch=0,
                 stream=None):
        super().__init__()
        self.every, self.steps, self.batch_size, self.epochs = every, steps, batch_size, epochs
        self.start_batch, self.start_epoch = start_batch, start_epoch
        self.stream = stream or sys.stdout

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch, self._t0, self._t = epoch, time.time(), time.time()
        self._offset = self.start_batch if epoch == self.start_epoch else 0
        self._last = -1

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every:
            return
        now = time.time()
        n = batch - self._last
        speed = n / max(now - self._t, 1e-9)
        self._t, self._last = now, batch
        rate = f"{speed * self.batch_size:.0f} samples/s" if self.batch_size else f"{speed:.2f} steps/s"
        total = f"/{self.steps}" if self.steps else ""
        epochs = f"/{self.epochs}" if self.epochs else ""
        metrics = " ".join(f"{k}={v:.4f}" for k, v in (logs or {}).items() if isinstance(v, (int, float)))
        print(f"epoch {self._epoch + 1}{epochs} step {self._offset + batch + 1}{total} {metrics} ({rate})",
              file=self.stream, flush=True)

    def on_epoch_end(self, epoch, logs=None):
        metrics = " ".join(f"{k}={v:.4f}" for k, v in (logs or {}).items() if isinstance(v, (int, float)))
        print(f"epoch {epoch + 1} done in {time.time() - self._t0:.0f} s: {metrics}", file=self.stream, flush=True)


# ------------------------------------------------------------------------------------------------
# train
# ------------------------------------------------------------------------------------------------

class _EpochSetter(keras.callbacks.Callback):
    """Tells a dataset with ``set_epoch`` which epoch begins, so its order depends on the epoch alone."""

    def __init__(self, dataset):
        super().__init__()
        self.dataset = dataset

    def on_epoch_begin(self, epoch, logs=None):
        self.dataset.set_epoch(epoch)


class _TimeBudget(keras.callbacks.Callback):
    """Stops ``fit`` at an epoch end when one more epoch would overrun ``seconds`` (counted from creation)."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds, self.t0, self.spent = float(seconds), time.time(), False

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        now = time.time()
        if now + (now - self._start) > self.t0 + self.seconds:  # one more epoch as long as this one
            self.spent = True
            self.model.stop_training = True
            print(f"[train] time budget of {self.seconds:.0f} s reached after epoch {epoch + 1}: stopping "
                  "(rerun the same command to go on).", flush=True)


def _interactive() -> bool:
    return sys.stdout.isatty() or "ipykernel" in sys.modules


def train(model, train_ds, val_ds, epochs: int, run_dir, *, monitor: str = "val_accuracy", mode: str = "max",
          save_every_steps: int | None = None, log_every_steps: int | None = None, batch_size: int | None = None,
          verbose="auto", callbacks=(), tensorboard: bool = True,
          time_budget_s: float | None = None) -> dict[str, list]:
    """Fit a compiled ``model`` for ``epochs`` epochs in total, resuming from ``run_dir`` if it holds a checkpoint.

    Args:
        model: a compiled, built Keras model (the same architecture and optimizer as the run's).
        train_ds, val_ds: ``tf.data`` datasets or ``keras.utils.PyDataset`` objects of ``(inputs, labels)``
            batches (``val_ds`` may be None). A ``train_ds`` with a ``resume_at(epoch, batch)`` method
            (e.g. :class:`rnlib.sort_of_clevr.QuestionBatches`) resumes an interrupted epoch in its
            original order; a ``tf.data`` dataset finishes it with ``skip(batch)`` (a new shuffle).
        epochs: the total number of epochs of the run, counting those done before a resume.
        run_dir: the run directory (see the module docstring); created if needed.
        monitor, mode: which logged value picks ``best.keras`` (``"val_accuracy"``, ``"max"``).
        save_every_steps: also save the training state every that many batches (None: epoch ends only).
        log_every_steps: print a progress line every that many batches (default: 200 when the output
            is not a terminal or notebook, where Keras's progress bar would only print at epoch ends).
        batch_size: only used to print samples/s in the progress lines.
        verbose: passed to ``fit``; ``"auto"`` is 1 (progress bar) in a terminal or notebook, else 2.
        callbacks: extra Keras callbacks (run before the checkpointing ones).
        tensorboard: write TensorBoard logs to ``run_dir/tensorboard`` when the ``tensorboard`` and
            ``tensorflow`` packages are installed (Keras's TensorBoard callback writes through TensorFlow).
        time_budget_s: stop at the first epoch end after which one more epoch (as long as the one
            just finished) would end more than this many seconds after the call started; rerun to go on.

    Rerunning the same call after an interruption continues from the last saved batch; when all
    ``epochs`` are done it returns at once. Returns the full history read back from
    ``history.csv``: ``{"epoch": [...], "loss": [...], "accuracy": [...], "val_loss": [...], ...}``,
    one entry per completed epoch, including those of earlier runs.

    Introduced in notebooks/04_training.ipynb.
    """
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", True):
        raise ValueError("train() needs a compiled model: call model.compile(optimizer, loss, metrics) first.")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    csv_path, ckpt_path = run_dir / HISTORY, run_dir / CHECKPOINT

    start_epoch, start_batch, best = 0, 0, None
    if ckpt_path.exists():
        meta = load_state(model, ckpt_path)
        start_epoch, start_batch, best = int(meta["epoch"]), int(meta["batch"]), meta.get("best")
        shown = "none yet" if best is None else f"{best:.4f}"
        print(f"[train] resuming {display_path(run_dir)} at epoch {start_epoch + 1}, batch {start_batch} "
              f"(best {monitor} so far: {shown})", flush=True)
    _truncate_history(csv_path, start_epoch)
    if start_epoch >= epochs:
        print(f"[train] {display_path(run_dir)}: all {epochs} epochs are done.", flush=True)
        return read_history(csv_path)

    if verbose == "auto":
        verbose = 1 if _interactive() else 2
    if log_every_steps is None and not _interactive():
        log_every_steps = 200
    resumable = hasattr(train_ds, "resume_at")
    if hasattr(train_ds, "cardinality"):
        steps = int(train_ds.cardinality())
    else:
        steps = getattr(train_ds, "batches_per_epoch", None) or len(train_ds)
    steps = steps if steps and steps > 0 else None
    budget = [] if time_budget_s is None else [_TimeBudget(time_budget_s)]

    def data_callbacks(dataset):
        return [_EpochSetter(dataset)] if hasattr(dataset, "set_epoch") else []

    def callback_list(first_epoch, first_batch, dataset):
        cbs = data_callbacks(dataset) + list(callbacks) + budget
        if log_every_steps:
            cbs.append(StepLogger(log_every_steps, steps, batch_size, epochs, first_batch, first_epoch))
        if tensorboard and all(importlib.util.find_spec(m) for m in ("tensorboard", "tensorflow")):
            cbs.append(keras.callbacks.TensorBoard(str(run_dir / "tensorboard"), profile_batch=0))
        cbs.append(keras.callbacks.CSVLogger(str(csv_path), append=True))
        checkpoint = ResumableCheckpoint(run_dir, save_every_steps, monitor, mode, best, first_epoch, first_batch)
        cbs.append(checkpoint)
        return cbs, checkpoint

    if start_batch > 0:  # finish the interrupted epoch with the batches it had not seen
        rest = train_ds.resume_at(start_epoch, start_batch) if resumable else train_ds.skip(start_batch)
        cbs, checkpoint = callback_list(start_epoch, start_batch, rest)
        model.fit(rest, validation_data=val_ds, initial_epoch=start_epoch, shuffle=False,
                  epochs=start_epoch + 1, callbacks=cbs, verbose=verbose)
        best, start_epoch = checkpoint.best, start_epoch + 1
    if start_epoch < epochs and not (budget and budget[0].spent):
        data = train_ds.resume_at(start_epoch, 0) if resumable else train_ds
        cbs, _ = callback_list(start_epoch, 0, data)
        model.fit(data, validation_data=val_ds,
                  initial_epoch=start_epoch, epochs=epochs, shuffle=False, callbacks=cbs, verbose=verbose)
    return read_history(csv_path)


# ------------------------------------------------------------------------------------------------
# Learning curves and evaluation
# ------------------------------------------------------------------------------------------------

def plot_history(history, path=None, metrics=("loss", "accuracy"), title=None):
    """Plot learning curves, train vs validation, one panel per metric; save to ``path`` at 100 dpi if given.

    ``history`` is a dict of lists (as :func:`train` returns), a ``keras.callbacks.History`` or the
    path of a ``history.csv``. Returns the matplotlib figure (closed, so a notebook shows it once).

    Introduced in notebooks/04_training.ipynb.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    if isinstance(history, (str, os.PathLike)):
        history = read_history(history)
    elif hasattr(history, "history"):
        history = dict(history.history, epoch=list(getattr(history, "epoch", [])))
    metrics = [m for m in metrics if m in history]
    if not metrics:
        raise ValueError(f"nothing to plot: the history has {sorted(history)}.")
    n = len(history[metrics[0]])
    epochs = [e + 1 for e in history.get("epoch") or range(n)]
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.2), dpi=100, squeeze=False)
    for ax, m in zip(axes[0], metrics):
        ax.plot(epochs, history[m], label="train", marker="." if n < 30 else None)
        if f"val_{m}" in history:
            ax.plot(epochs, history[f"val_{m}"], label="validation", marker="." if n < 30 else None)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(m)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)
    plt.close(fig)
    return fig


def predict_labels(model, dataset) -> tuple[np.ndarray, np.ndarray]:
    """Run ``model`` over a dataset of ``(inputs, labels)`` batches: ``(true labels, predicted labels)``.

    The predicted label is the arg-max of the model's output over its classes (softmax outputs,
    as Sort-of-CLEVR's), or, for a single sigmoid unit (NLVR's P(true)), 1 where the output is
    above 0.5. Introduced in notebooks/04_training.ipynb.
    """
    y_true, y_pred = [], []
    for x, y in dataset:
        out = np.asarray(model.predict_on_batch(x))
        y_pred.append((out[..., 0] > 0.5).astype(np.int64) if out.shape[-1] == 1 else np.argmax(out, axis=-1))
        y_true.append(np.asarray(y))
    return np.concatenate(y_true).reshape(-1), np.concatenate(y_pred).reshape(-1)


def accuracy_by_group(y_true, y_pred, *levels) -> dict:
    """Accuracy overall and per group, nested by ``levels`` (arrays of group names, one per example).

    >>> accuracy_by_group([1, 0, 1, 1], [1, 1, 1, 0], ["a", "a", "b", "b"])
    {'accuracy': 0.5, 'count': 4, 'a': {'accuracy': 0.5, 'count': 2}, 'b': {'accuracy': 0.5, 'count': 2}}

    With two levels (e.g. question kind, then subtype) each group holds its subgroups.

    Introduced in notebooks/04_training.ipynb.
    """
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in length: {y_true.shape} vs {y_pred.shape}.")
    levels = [np.asarray(level).reshape(-1) for level in levels]
    for level in levels:
        if level.shape != y_true.shape:
            raise ValueError(f"a group array has {level.shape[0]} entries for {y_true.shape[0]} examples.")
    correct = y_true == y_pred
    out = {"accuracy": float(correct.mean()) if correct.size else float("nan"), "count": int(correct.size)}
    if levels:
        first, rest = levels[0], levels[1:]
        for name in dict.fromkeys(first.tolist()):  # groups in order of first appearance
            sel = first == name
            out[str(name)] = accuracy_by_group(y_true[sel], y_pred[sel], *[r[sel] for r in rest])
    return out
