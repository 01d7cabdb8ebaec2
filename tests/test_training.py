"""Tests of rnlib.training: resuming after a SIGKILL, atomic saves, history, plots, per-group accuracy."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest

from rnlib.training import accuracy_by_group, read_history

# A tiny training run: 64 examples, batches of 8 (8 steps per epoch), 4 epochs, a state save every
# 3 steps. With KILL_AT="epoch,batch" it SIGKILLs itself at the end of that batch (0-based).
SCRIPT = textwrap.dedent("""
    import json, os, signal, sys
    import numpy as np, keras, tensorflow as tf
    from rnlib.training import train

    run_dir, kill_at = sys.argv[1], os.environ.get("KILL_AT")

    class Kill(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
        def on_train_batch_end(self, batch, logs=None):
            if kill_at and (self.epoch, batch) == tuple(int(v) for v in kill_at.split(",")):
                os.kill(os.getpid(), signal.SIGKILL)

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    train_ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(64, seed=0).batch(8)
    val_ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = train(model, train_ds, val_ds, 4, run_dir, save_every_steps=3, verbose=0, log_every_steps=0,
                    callbacks=[Kill()])
    print("RESULT " + json.dumps({"epochs": history["epoch"],
                                  "iterations": int(model.optimizer.iterations.numpy())}))
""")


def _run(script, run_dir, kill_at=None):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    env.pop("KILL_AT", None)
    if kill_at:
        env["KILL_AT"] = kill_at
    return subprocess.run([sys.executable, str(script), str(run_dir)], env=env, capture_output=True,
                          text=True, timeout=120)


def _checkpoint_meta(run_dir):
    with np.load(run_dir / "checkpoint.npz", allow_pickle=False) as f:
        return json.loads(str(f["meta"])), int(f["optimizer_0000"])  # optimizer variable 0: iterations


def test_resume_after_sigkill_mid_epoch(tmp_path):
    script = tmp_path / "tiny_train.py"
    script.write_text(SCRIPT)
    run_dir = tmp_path / "run"

    # Killed at the end of batch 4 of epoch 1 (the second epoch): epoch 0 is complete, and the
    # last state save was after 3 batches of epoch 1 (8 + 3 = 11 optimizer steps in all).
    killed = _run(script, run_dir, kill_at="1,4")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert read_history(run_dir / "history.csv")["epoch"] == [0]
    meta, iterations = _checkpoint_meta(run_dir)
    assert (meta["epoch"], meta["batch"], iterations) == (1, 3, 11)
    assert not list(run_dir.glob(".*tmp*")), "a temporary file was left behind"

    # The same command again resumes: epoch 1 from batch 3, then epochs 2 and 3.
    resumed = _run(script, run_dir)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resuming" in resumed.stdout and "epoch 2, batch 3" in resumed.stdout
    result = json.loads(resumed.stdout.split("RESULT ", 1)[1])
    assert result == {"epochs": [0, 1, 2, 3], "iterations": 4 * 8}  # no step lost, none done twice
    history = read_history(run_dir / "history.csv")
    assert history["epoch"] == [0, 1, 2, 3]
    assert set(history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    meta, iterations = _checkpoint_meta(run_dir)
    assert (meta["epoch"], meta["batch"], iterations) == (4, 0, 32)
    assert (run_dir / "best.keras").exists() and (run_dir / "last.keras").exists()
    assert meta["best"] == pytest.approx(max(history["val_accuracy"]))

    # A third run has nothing left to do and returns the same history.
    again = _run(script, run_dir)
    assert again.returncode == 0 and "all 4 epochs are done" in again.stdout
    assert json.loads(again.stdout.split("RESULT ", 1)[1])["epochs"] == [0, 1, 2, 3]


def test_history_rows_after_the_checkpoint_are_dropped_on_resume(tmp_path):
    """A crash between writing an epoch's CSV row and its checkpoint must not duplicate the epoch."""
    keras = pytest.importorskip("keras")
    import tensorflow as tf
    from rnlib.training import save_state, train

    x = np.ones((16, 3), "float32")
    y = np.zeros(16, "int32")
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "history.csv").write_text("epoch,accuracy,loss,val_accuracy,val_loss\n"
                                        "0,1.0,0.5,NA,NA\n1,1.0,0.4,NA,NA\n")
    save_state(model, run_dir / "checkpoint.npz", epoch=1, batch=0, best=None)  # epoch 1 not checkpointed
    history = train(model, ds, None, 3, run_dir, monitor="accuracy", verbose=0, log_every_steps=0)
    assert history["epoch"] == [0, 1, 2]
    assert history["loss"][0] == 0.5 and history["loss"][1] != 0.4  # epoch 1 was run again
    assert np.isnan(history["val_loss"]).all()


def test_load_state_rejects_another_model(tmp_path):
    keras = pytest.importorskip("keras")
    from rnlib.training import load_state, save_state

    a = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    b = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5)])
    save_state(a, tmp_path / "c.npz", epoch=0, batch=0)
    with pytest.raises(ValueError, match="another model"):
        load_state(b, tmp_path / "c.npz")


def test_plot_history_from_csv(tmp_path):
    pytest.importorskip("matplotlib")
    from rnlib.training import plot_history

    csv_path = tmp_path / "history.csv"
    csv_path.write_text("epoch,accuracy,loss,val_accuracy,val_loss\n0,0.5,1.0,0.4,1.1\n1,0.7,0.8,0.6,0.9\n")
    fig = plot_history(csv_path, tmp_path / "curves.png")
    assert len(fig.axes) == 2
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]
    assert len(fig.axes[0].lines) == 2  # train and validation
    from PIL import Image
    with Image.open(tmp_path / "curves.png") as im:
        assert im.size == (900, 320)  # 9 x 3.2 inches at 100 dpi


def test_accuracy_by_group_nested():
    y_true = [0, 1, 2, 3, 4, 5]
    y_pred = [0, 1, 0, 3, 0, 0]
    kinds = ["a", "a", "a", "b", "b", "b"]
    subs = ["x", "x", "y", "z", "z", "w"]
    r = accuracy_by_group(y_true, y_pred, kinds, subs)
    assert r["accuracy"] == pytest.approx(0.5) and r["count"] == 6
    assert r["a"]["accuracy"] == pytest.approx(2 / 3) and r["a"]["x"] == {"accuracy": 1.0, "count": 2}
    assert r["a"]["y"] == {"accuracy": 0.0, "count": 1}
    assert r["b"]["z"] == {"accuracy": 0.5, "count": 2} and r["b"]["w"]["accuracy"] == 0.0
    with pytest.raises(ValueError, match="entries"):
        accuracy_by_group([1, 2], [1, 2], ["a"])


def _tiny_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


class _Recorded(keras.utils.PyDataset):
    """n batches of 8 with resume_at/set_epoch (like QuestionBatches); adds (epoch, batch) to ``served``."""

    def __init__(self, served, epoch=0, start=0, n=6):
        super().__init__()
        self.served, self.epoch, self.start, self.n = served, epoch, start, n
        self.x = np.random.default_rng(0).normal(size=(8 * n, 4)).astype("float32")

    def __len__(self):
        return self.n - self.start

    def __getitem__(self, i):
        b = self.start + i
        self.served.add((self.epoch, b))
        return self.x[8 * b:8 * b + 8], (self.x[8 * b:8 * b + 8, 0] > 0).astype("int32")

    def on_epoch_end(self):
        self.epoch += 1

    def set_epoch(self, epoch):
        self.epoch = epoch

    def resume_at(self, epoch, batch=0):
        return _Recorded(self.served, epoch, batch, self.n)


def test_train_resumes_a_resumable_dataset_at_the_saved_batch_of_the_saved_epoch(tmp_path):
    from rnlib.training import train

    class Stop(keras.callbacks.Callback):  # an interruption after batch 3 of epoch 1 (0-based)
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if (self.epoch, batch) == (1, 3):
                raise KeyboardInterrupt

    served = set()
    with pytest.raises(KeyboardInterrupt):
        train(_tiny_model(), _Recorded(served), None, 3, tmp_path, save_every_steps=1, verbose=0,
              log_every_steps=0, callbacks=[Stop()], monitor="loss", mode="min")
    meta, _ = _checkpoint_meta(tmp_path)
    assert (meta["epoch"], meta["batch"]) == (1, 3)  # batches 0-2 of epoch 1 saved; batch 3 was not
    served.clear()
    history = train(_tiny_model(), _Recorded(served), None, 3, tmp_path, save_every_steps=1, verbose=0,
                    log_every_steps=0, monitor="loss", mode="min")
    assert history["epoch"] == [0, 1, 2]
    assert served == {(1, b) for b in range(3, 6)} | {(2, b) for b in range(6)}


def test_time_budget_stops_at_an_epoch_end_and_a_rerun_goes_on(tmp_path, capsys):
    from rnlib.training import train

    served = set()
    history = train(_tiny_model(), _Recorded(served), None, 3, tmp_path, verbose=0, log_every_steps=0,
                    monitor="loss", mode="min", time_budget_s=0)
    assert history["epoch"] == [0]
    assert "time budget" in capsys.readouterr().out
    history = train(_tiny_model(), _Recorded(served), None, 3, tmp_path, verbose=0, log_every_steps=0,
                    monitor="loss", mode="min")
    assert history["epoch"] == [0, 1, 2]
