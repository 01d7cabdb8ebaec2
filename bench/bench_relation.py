"""Benchmark: the tutorial's loop-graph Relation Network against the vectorized RelationNetwork layer.

Three variants of the same NLVR model (seed CNN -> 16 objects, BiLSTM question, g_theta 3 x 128,
f_phi 2 x 128, the defaults of rnlib.models), on the same random data with NLVR's shapes
(50x200x3 float32 images, 32 token ids):

    loop      build_nlvr_loop_rn: one graph branch per ordered pair (256 branches)
    layer     build_nlvr_rn: the vectorized RelationNetwork layer
    shortcut  build_nlvr_rn(shortcut=True): the same with g_theta's first layer split per object

With ``--part relation`` only the relation module and the answer layer are timed, on random
2x8x32 feature maps and 128-d question vectors: the part of the model the vectorization changes
(the CNN on full-resolution images costs the same in all three variants and caps the whole
model's throughput).

For each it measures: model-build time; the first training step (model construction + compile
+ first train_on_batch, which includes tracing the training function); training samples/s and
inference samples/s on the following steps; peak resident memory (ru_maxrss); parameter count.
Each variant runs in its own subprocess (same seed, so the same data), because ru_maxrss is a
process-wide high-water mark: measured in one process, the first variant's peak would hide the
others'. The table ends with ratios against the loop model.

    .venv/bin/python bench/bench_relation.py                 # batch 64, 20 timed steps
    .venv/bin/python bench/bench_relation.py --quick         # batch 16, 3 timed steps (smoke test)
    .venv/bin/python bench/bench_relation.py --part relation # the relation module alone
    .venv/bin/python bench/bench_relation.py --batch 32 --steps 10 --variants layer shortcut
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

VARIANTS = ("loop", "layer", "shortcut")
VOCAB_SIZE = 300  # about the size of NLVR's training vocabulary
SEQUENCE_LENGTH = 32
IMAGE_SHAPE = (50, 200, 3)
QUESTION_SIZE = 128  # Bidirectional LSTM(64)


def _rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _relation_only_model(variant: str, feature_map_shape, question_size):
    """Just the relation module and the answer layer, on a given feature map and question vector."""
    import inspect

    import keras
    from rnlib.loop_graph import loop_relation_graph
    from rnlib.models import build_nlvr_rn
    from rnlib.relation import RelationNetwork

    defaults = inspect.signature(build_nlvr_rn).parameters
    sizes = {k: defaults[k].default for k in ("g_units", "f_units", "f_dropout", "g_batchnorm", "f_batchnorm")}
    feature_map = keras.Input(feature_map_shape, name="feature_map")
    question = keras.Input((question_size,), name="question")
    if variant == "loop":
        x = loop_relation_graph(feature_map, question, **sizes)
    else:
        objects = keras.layers.Reshape((-1, feature_map_shape[-1]), name="objects")(feature_map)
        x = RelationNetwork(shortcut=(variant == "shortcut"), **sizes)(objects, question)
    answer = keras.layers.Dense(1, activation="sigmoid", name="answer")(x)
    return keras.Model([feature_map, question], answer)


def run_variant(variant: str, batch: int, steps: int, seed: int, part: str = "model") -> dict:
    """Measure one variant in this process; returns the row of the table as a dict."""
    import numpy as np
    import keras
    from rnlib.encoders import feature_map_shape
    from rnlib.models import build_nlvr_loop_rn, build_nlvr_rn

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=(batch, 1)).astype("float32")
    if part == "model":
        images = rng.normal(size=(batch,) + IMAGE_SHAPE).astype("float32")
        tokens = rng.integers(1, VOCAB_SIZE, size=(batch, SEQUENCE_LENGTH)).astype("int32")
        lengths = rng.integers(5, SEQUENCE_LENGTH + 1, size=batch)
        tokens[np.arange(SEQUENCE_LENGTH)[None, :] >= lengths[:, None]] = 0  # padding, as in NLVR
        inputs = [images, tokens]
    else:  # what the encoders would hand over: a 2x8x32 feature map and a 128-d question
        map_shape = feature_map_shape(IMAGE_SHAPE)
        inputs = [rng.normal(size=(batch,) + map_shape).astype("float32"),
                  rng.normal(size=(batch, QUESTION_SIZE)).astype("float32")]
    keras.utils.set_random_seed(seed)
    rss_before = _rss_mib()

    start = time.perf_counter()
    if part == "relation":
        model = _relation_only_model(variant, map_shape, QUESTION_SIZE)
    elif variant == "loop":
        model = build_nlvr_loop_rn(VOCAB_SIZE, SEQUENCE_LENGTH, IMAGE_SHAPE)
    else:
        model = build_nlvr_rn(VOCAB_SIZE, SEQUENCE_LENGTH, IMAGE_SHAPE, shortcut=(variant == "shortcut"))
    build_s = time.perf_counter() - start
    model.compile(optimizer=keras.optimizers.Adam(3e-4), loss="binary_crossentropy", metrics=["accuracy"])
    model.train_on_batch(inputs, labels)
    first_step_s = time.perf_counter() - start

    model.train_on_batch(inputs, labels)  # one more warm-up step
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(inputs, labels)
    train_s = time.perf_counter() - start

    model.predict_on_batch(inputs)  # traces the predict function
    start = time.perf_counter()
    for _ in range(steps):
        model.predict_on_batch(inputs)
    predict_s = time.perf_counter() - start

    import tensorflow as tf

    return {"variant": variant, "versions": f"TensorFlow {tf.__version__}, Keras {keras.__version__}",
            "layers": len(model.layers), "params": model.count_params(),
            "build_s": build_s, "first_step_s": first_step_s,
            "train_sps": steps * batch / train_s, "predict_sps": steps * batch / predict_s,
            "peak_rss_mib": _rss_mib(), "rss_before_mib": rss_before}


def run_in_subprocess(variant: str, args) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", variant, "--batch", str(args.batch),
           "--steps", str(args.steps), "--seed", str(args.seed), "--part", args.part]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"variant {variant} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_table(rows, args) -> None:
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",)
    what = ("whole NLVR model (images 50x200x3, 32 tokens)" if args.part == "model" else
            "relation module + answer layer only (2x8x32 feature map, 128-d question)")
    print(f"# {what}, batch {args.batch}, {args.steps} timed steps, seed {args.seed}; "
          f"{rows[0]['versions']}, {platform.machine()}, "
          f"{os.cpu_count()} CPU(s) visible, load average at the end {load[0]:.2f}")
    head = ("variant", "layers", "params", "build s", "first step s", "train samples/s",
            "infer samples/s", "peak RSS MiB")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        print(f"| {r['variant']} | {r['layers']} | {r['params']:,} | {r['build_s']:.2f} | "
              f"{r['first_step_s']:.2f} | {r['train_sps']:.1f} | {r['predict_sps']:.1f} | "
              f"{r['peak_rss_mib']:.0f} |")
    loop = next((r for r in rows if r["variant"] == "loop"), None)
    if loop is None:
        return
    print()
    print("Ratios against the loop model (higher = better than loop):")
    print("| variant | build | first step | training | inference | peak RSS (loop / variant) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['variant']} | {loop['build_s'] / r['build_s']:.1f}x | "
              f"{loop['first_step_s'] / r['first_step_s']:.1f}x | {r['train_sps'] / loop['train_sps']:.1f}x | "
              f"{r['predict_sps'] / loop['predict_sps']:.1f}x | "
              f"{loop['peak_rss_mib'] / r['peak_rss_mib']:.2f}x |")
    print("(peak RSS includes TensorFlow itself: about "
          f"{min(r['rss_before_mib'] for r in rows):.0f} MiB before any model is built.)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=64, help="batch size (default 64)")
    parser.add_argument("--steps", type=int, default=20, help="timed training and inference steps (default 20)")
    parser.add_argument("--quick", action="store_true", help="batch 16, 3 steps: a smoke test, not a measurement")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--part", choices=("model", "relation"), default="model",
                        help="time the whole NLVR model (default) or only the relation module on "
                             "random feature maps and question vectors")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.batch, args.steps = 16, 3
    if args.child:
        print(json.dumps(run_variant(args.child, args.batch, args.steps, args.seed, args.part)))
        return 0
    rows = []
    for variant in args.variants:
        print(f"[bench] {variant} ...", file=sys.stderr, flush=True)
        rows.append(run_in_subprocess(variant, args))
    if args.quick:
        print("# QUICK MODE: smoke test, not a measurement")
    print_table(rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
