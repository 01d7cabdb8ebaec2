"""Where a sim-to-real pixel epoch goes, and what each CPU lever buys: one training step of the
committed pixel RN (notebook 07), profiled part by part, then its levers side by side.

    python bench/bench_sim2real_epoch.py            # 20 timed steps per row
    python bench/bench_sim2real_epoch.py --quick    # 2 timed steps per row (a smoke test, not a result)

The model is ``data/pretrained/nlvr_sim2real_pixels.keras`` itself (course config, the seed CNN's 16
cells with coordinates, 136 unordered pairs, g 4 x 256, f 2 x 256, mixed bfloat16 where the CPU has
bf16 units), on one batch of 64 examples of NLVR's shapes (random pixels and token ids: the cost does
not depend on them). Training = forward, backward and Adam, as in ``python -m rnlib.nlvr train``.

Part 1, the profile (ms per example, forward + backward of each part alone):

- ``input``: drawing and resizing one image per example (one box order, as ``train`` reads them;
  ``rnlib.pipeline.RenderedImages``, what ``--render-train`` does per batch), on real dev scenes
  (``../shared/nlvr/dev.json``; skipped without it); it runs beside the step in training;
- ``CNN``: image normalization, the CNN and the coordinate tags;
- ``question``: the word embedding and the BiLSTM;
- ``g on pairs``: the relation MLP g on the 136 pairs (``RelationNetwork`` with no f);
- ``sum and f``: the whole relation layer minus the row above (small: a difference of two timings, so
  it can come out slightly negative);
- ``train step``: the whole model's ``train_on_batch``.

Part 2, the levers (examples per second of the whole training step, ratio to the committed setting):

- ``shortcut``: g's first layer as W_a o_i + W_b o_j + (W_c q + b) (``RelationNetwork(shortcut=True)``):
  the same variables and the same function (the max |P(true) difference| column checks it);
- ``jit_compile``: XLA compilation of the training step;
- ``batch 128`` / ``batch 256``: more examples per step (this changes the optimization, not the model);
- ``1 thread``: TensorFlow's intra-op threads set to 1, for scale;
- ``1 core``: the whole process (every thread) pinned to one CPU core, as ``taskset -c 0`` would
  (Linux only), for scale: how much of the step uses the second core;
- ``float32``: the committed model without bfloat16, for scale, and with the shortcut and batch 256;
- ``set network``: a lever that changes the model, g on the 16 single cells instead of the 136 pairs
  (``data/pretrained/nlvr_sim2real_pixels_singles.keras``, notebook 07's control, whose real-dev accuracy
  its results JSON records); its max |dP| column is empty: it is another model.
- ``box RN``: another model too, per-box perception (``data/pretrained/nlvr_sim2real_pixels_boxes.keras``,
  notebook 07 section 10, ``rnlib.boxes``): the CNN on the three boxes only, a 3 x 3 grid each, g_theta
  on the 135 pairs inside a box, f_phi's first layer per box.

``--levers LABEL ...`` measures only those rows (and the baseline), e.g. ``--levers "set network (other model)"``.

Each row runs in its own subprocess (a clean Keras session and precision policy), compiles on 2
warm-up steps, then times ``--steps`` steps. Run it on an idle machine: a second CPU-heavy job halves
every figure; read the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS = ROOT / "data" / "pretrained" / "nlvr_sim2real_pixels.keras"
SET_NETWORK = ROOT / "data" / "pretrained" / "nlvr_sim2real_pixels_singles.keras"
BOX_RN = ROOT / "data" / "pretrained" / "nlvr_sim2real_pixels_boxes.keras"
REAL_DEV = ROOT.parent / "shared" / "nlvr" / "dev.json"
BATCH = 64
#: label -> settings: shortcut, jit_compile, batch size, intra-op threads, CPU cores, precision ("saved": as committed)
LEVERS = {
    "committed (baseline)": dict(),
    "+ shortcut": dict(shortcut=True),
    "+ jit_compile": dict(jit=True),
    "+ shortcut + jit_compile": dict(shortcut=True, jit=True),
    "batch 128": dict(batch=128),
    "batch 256": dict(batch=256),
    "+ shortcut, batch 256": dict(shortcut=True, batch=256),
    "1 thread": dict(threads=1),
    "1 core": dict(cores=1),
    "float32": dict(precision="float32"),
    "float32 + shortcut": dict(precision="float32", shortcut=True),
    "float32 + shortcut, batch 256": dict(precision="float32", shortcut=True, batch=256),
    "set network (other model)": dict(weights=SET_NETWORK),
    "box RN (other model)": dict(weights=BOX_RN),
}


def _model(shortcut=False, precision="saved"):
    """The committed pixel RN, rebuilt with ``shortcut`` and ``precision``, with its trained weights."""
    import keras

    from rnlib import nlvr

    committed = nlvr.load_model(WEIGHTS)
    if not shortcut and precision == "saved":
        return committed, committed
    config = committed.get_config()
    for layer in config["layers"]:
        if layer["class_name"].endswith("RelationNetwork"):
            layer["config"]["shortcut"] = bool(shortcut)
        if precision != "saved" and not layer.get("module", "").startswith("keras.src.ops"):  # layers, not ops
            layer["config"]["dtype"] = precision
    model = keras.Model.from_config(config)
    model.set_weights(committed.get_weights())
    return model, committed


def _batch(model, batch, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    image_shape = model.get_layer("image_normalization").input.shape[1:]
    vocabulary = len(model.get_layer("question_tokens").get_config()["vocabulary"])
    tokens = np.zeros((batch, 32), np.int32)
    tokens[:, :14] = rng.integers(2, vocabulary, (batch, 14))
    x = {"image": rng.integers(0, 256, (batch, *image_shape)).astype("float32"), "tokens": tokens}
    return x, rng.integers(0, 2, batch).astype("float32")


def _time(fn, steps):
    fn(), fn()  # trace and warm up
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - start) / steps


def _grad_step(submodel, inputs):
    """forward + backward of ``submodel`` alone: d(sum of its output)/d(its trainable weights)."""
    import tensorflow as tf

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            out = submodel(inputs, training=True)
            loss = tf.reduce_sum(tf.cast(out, tf.float32))
        return tape.gradient(loss, submodel.trainable_variables)
    return step


def _profile(steps: int) -> dict:
    import keras
    import numpy as np

    from rnlib.relation import RelationNetwork

    model, _ = _model()
    x, y = _batch(model, BATCH)
    ms = {}
    if REAL_DEV.exists():
        from rnlib.data.nlvr import read_examples
        from rnlib.pipeline import RenderedImages

        images = RenderedImages(read_examples(REAL_DEV)[:BATCH])  # one box order per example, as training reads them
        ms["input"] = 1000 * _time(lambda: images.read(6 * np.arange(BATCH) + np.arange(BATCH) % 6), steps) / BATCH
    cnn = keras.Model(model.get_layer("image").output, model.get_layer("coordinates").output)
    ms["CNN"] = 1000 * _time(_grad_step(cnn, x["image"]), steps) / BATCH
    question = keras.Model(model.get_layer("tokens").output, model.get_layer("question_embedding").output)
    ms["question"] = 1000 * _time(_grad_step(question, x["tokens"]), steps) / BATCH
    objects = np.asarray(cnn.predict(x["image"], verbose=0), "float32").reshape(BATCH, -1, cnn.output.shape[-1])
    q = np.asarray(question.predict(x["tokens"], verbose=0), "float32")
    rn = model.get_layer("relation_network")
    settings = {k: v for k, v in rn.get_config().items() if k not in ("name", "trainable", "dtype")}
    g_only = RelationNetwork(**{**settings, "f_units": (), "f_dropout": 0.0}, dtype=rn.dtype_policy)
    both = RelationNetwork(**settings, dtype=rn.dtype_policy)
    for layer, label in ((g_only, "g on pairs"), (both, "relation layer")):
        o_in, q_in = keras.Input(objects.shape[1:]), keras.Input(q.shape[1:])
        ms[label] = 1000 * _time(_grad_step(keras.Model([o_in, q_in], layer(o_in, q_in)), [objects, q]), steps) / BATCH
    ms["sum and f"] = ms.pop("relation layer") - ms["g on pairs"]
    model.compile(keras.optimizers.Adam(3e-4), "binary_crossentropy")
    ms["train step"] = 1000 * _time(lambda: model.train_on_batch(x, y), steps) / BATCH
    return {"ms_per_example": ms, "pairs": int(objects.shape[1] * (objects.shape[1] + 1) // 2),
            "objects": int(objects.shape[1]), "precision": str(rn.dtype_policy.name)}


def _lever(label: str, steps: int) -> dict:
    opts = LEVERS[label]
    if opts.get("cores"):  # before TensorFlow starts its threads: they inherit the affinity
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:opts["cores"]]))
    import keras
    import numpy as np
    import tensorflow as tf

    if opts.get("threads"):
        tf.config.threading.set_intra_op_parallelism_threads(opts["threads"])
    if opts.get("weights"):  # another model: no difference to report
        from rnlib import nlvr

        if not opts["weights"].exists():
            raise RuntimeError(f"{opts['weights'].relative_to(ROOT)} is not committed here")

        model = committed = nlvr.load_model(opts["weights"])
    else:
        model, committed = _model(opts.get("shortcut", False), opts.get("precision", "saved"))
    batch = opts.get("batch", BATCH)
    x, y = _batch(model, batch)
    difference = None if opts.get("weights") else float(np.max(np.abs(
        np.asarray(model.predict(x, verbose=0), "float32") - np.asarray(committed.predict(x, verbose=0), "float32"))))
    model.compile(keras.optimizers.Adam(3e-4), "binary_crossentropy", jit_compile=bool(opts.get("jit")))
    seconds = _time(lambda: model.train_on_batch(x, y), steps)
    return {"examples_per_s": batch / seconds, "ms_per_example": 1000 * seconds / batch, "difference": difference}


def _child(what: str, steps: int):
    out = subprocess.run([sys.executable, __file__, "--one", what, "--steps", str(steps)],
                         capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    if out.returncode:
        raise RuntimeError(f"{what}: the child process failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 timed steps per row (a smoke test)")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per row (default 20)")
    parser.add_argument("--levers", nargs="+", default=None, choices=list(LEVERS)[1:], metavar="LABEL",
                        help="measure only these rows, beside the baseline (default: every row)")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)  # a child process: "profile" or a lever
    args = parser.parse_args()
    steps = args.steps or (2 if args.quick else 20)
    if args.one is not None:
        print(json.dumps(_profile(steps) if args.one == "profile" else _lever(args.one, steps)))
        return 0
    if not WEIGHTS.exists():
        print(f"{WEIGHTS.relative_to(ROOT)}: missing; this bench profiles the committed pixel RN", file=sys.stderr)
        return 2
    profile = _child("profile", steps)
    print(f"  profile: {profile}", file=sys.stderr, flush=True)
    rows = []
    for label in [label for i, label in enumerate(LEVERS) if i == 0 or args.levers is None or label in args.levers]:
        try:
            rows.append((label, _child(label, steps)))
        except RuntimeError as e:  # one failing row does not lose the others
            print(f"  {label}: failed, left out of the table ({str(e).splitlines()[-1]})", file=sys.stderr, flush=True)
            continue
        print(f"  measured {label}: {rows[-1][1]}", file=sys.stderr, flush=True)
    load = os.getloadavg()[0]
    print(f"sim-to-real pixel RN ({WEIGHTS.relative_to(ROOT)}): {profile['objects']} objects, {profile['pairs']} "
          f"unordered pairs, {profile['precision']}; {steps} timed steps per row{' (QUICK: a smoke test)' if args.quick else ''}; "
          f"{os.cpu_count()} CPU(s), {platform.processor() or platform.machine()}, load average {load:.1f} at the end")
    print("\nprofile, one training step of a batch of 64 (each part's forward and backward alone)")
    total = profile["ms_per_example"]["train step"]
    print(f"{'part':16}{'ms/example':>12}{'of the step':>13}")
    for part, value in profile["ms_per_example"].items():
        share = "" if part in ("train step", "input") else f"{value / total:12.0%}"
        print(f"{part:16}{value:12.3f}{share:>13}")
    if "input" not in profile["ms_per_example"]:
        print(f"(input: skipped, no real dev scenes at {REAL_DEV})")
    base = rows[0][1]["examples_per_s"]
    print("\nlevers, the whole training step")
    print(f"{'setting':28}{'examples/s':>12}{'ms/example':>12}{'max |dP|':>10}{'vs committed':>14}")
    for label, r in rows:
        difference = "" if r["difference"] is None else f"{r['difference']:.1e}"
        print(f"{label:28}{r['examples_per_s']:12.0f}{r['ms_per_example']:12.3f}{difference:>10}"
              f"{r['examples_per_s'] / base:13.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
