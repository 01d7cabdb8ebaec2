"""Benchmark: one training epoch of the synthetic default (12,000 examples, one box order each) per
NLVR configuration on this machine, and peak memory; float32 against mixed precision.

Rows (``rnlib.models.build_nlvr_model``; batch size from each configuration: seed 256, course 64):

    seed_rn              the seed's configuration (the baseline of the ratios)
    course_rn            the course's configuration
    course_rn_bf16       the same under rnlib.hardware.precision_policy() (mixed_bfloat16 on a CPU
                         with bf16 units, mixed_float16 on a GPU; float32 otherwise)
    text_only, image_only, cnn_lstm   the baselines (course configuration)

Each row runs in its own subprocess (ru_maxrss is a process-wide high-water mark) on the same random
data of NLVR's shapes held in memory (uint8 images, 32 token ids, a 60-word vocabulary with GloVe
rows), so the figures are the model's cost, not the disk's. It times ``--steps`` training steps
after 3 warm-up steps and extrapolates to one epoch of 12,000 examples; the first step (tracing)
is reported separately. Run it on an idle machine: a second CPU-heavy job halves every figure.

    .venv/bin/python bench/bench_nlvr_epoch.py            # 20 timed steps per row
    .venv/bin/python bench/bench_nlvr_epoch.py --quick    # 2 timed steps (smoke test)
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time

ROWS = ("seed_rn", "course_rn", "course_rn_bf16", "text_only", "image_only", "cnn_lstm")
EPOCH_EXAMPLES = 12_000  # the synthetic default's training examples


def _row(name: str, steps: int) -> dict:
    import keras
    import numpy as np

    from rnlib.hardware import precision_policy
    from rnlib.models import build_nlvr_model, nlvr_config

    kind = "rn" if name.endswith("rn") or name.endswith("bf16") else name
    config = nlvr_config("seed" if name.startswith("seed") else "course")
    policy = precision_policy() if name.endswith("bf16") else "float32"
    keras.mixed_precision.set_global_policy(policy)
    keras.utils.set_random_seed(0)
    vocabulary = ["", "[UNK]"] + [f"w{i}" for i in range(58)]
    stats = (128.0, 64.0) if config["normalization"] == "scalar" else ([128.0] * 3, [64.0] * 3)
    model = build_nlvr_model(kind, vocabulary, *stats, config=config)
    model.compile(keras.optimizers.Adam(config["learning_rate"]), "binary_crossentropy", metrics=["accuracy"])
    batch = config["batch_size"]
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (batch, 50, 200, 3), dtype=np.uint8)
    tokens = np.zeros((batch, 32), np.int32)
    tokens[:, :12] = rng.integers(2, len(vocabulary), (batch, 12))
    labels = rng.integers(0, 2, batch).astype(np.float32)
    x = {"image": images.astype(np.float32), "tokens": tokens}
    t0 = time.perf_counter()
    model.train_on_batch(x, labels)
    first = time.perf_counter() - t0
    for _ in range(3):
        model.train_on_batch(x, labels)
    t0 = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, labels)
    per_step = (time.perf_counter() - t0) / steps
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"row": name, "policy": policy, "batch": batch, "params": model.count_params(), "first_step_s": first,
            "samples_per_s": batch / per_step, "epoch_s": EPOCH_EXAMPLES / batch * per_step, "peak_rss_mib": peak}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="2 timed steps per row")
    parser.add_argument("--rows", nargs="*", default=list(ROWS), choices=ROWS)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one row, print its JSON
    args = parser.parse_args(argv)
    steps = 2 if args.quick else args.steps
    if args.one:
        print(json.dumps(_row(args.one, steps)))
        return 0
    results = []
    for name in args.rows:
        out = subprocess.run([sys.executable, __file__, "--one", name, "--steps", str(steps)],
                             capture_output=True, text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"  measured {name}", file=sys.stderr, flush=True)
    base = next((r for r in results if r["row"] == "seed_rn"), results[0])
    print(f"NLVR training epoch ({EPOCH_EXAMPLES:,} examples, one box order each), {steps} timed steps per row; "
          f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"{'row':<16}{'policy':<16}{'batch':>6}{'params':>9}{'first step s':>14}{'samples/s':>11}"
          f"{'epoch s':>9}{'peak RSS MiB':>14}{'speed vs seed_rn':>18}")
    for r in results:
        print(f"{r['row']:<16}{r['policy']:<16}{r['batch']:>6}{r['params']:>9,}{r['first_step_s']:>14.1f}"
              f"{r['samples_per_s']:>11.0f}{r['epoch_s']:>9.1f}{r['peak_rss_mib']:>14.0f}"
              f"{r['samples_per_s'] / base['samples_per_s']:>17.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
