"""What each CPU lever of the Sort-of-CLEVR ``course`` recipe buys: training questions per second, side by side.

    python bench/bench_sort_of_clevr_levers.py            # 30 timed batches of 64 per variant
    python bench/bench_sort_of_clevr_levers.py --quick    # 5 batches, a smoke test

Variants (one training step = forward, backward and Adam on a batch of 64 pictures and questions),
each adding one lever to the row above it, all measured in this one run:

- ``paper RN``: the paper's CNN (5 x 5 map, 25 objects), g_theta on the 625 ordered pairs;
- ``+ 16 cells``: the ``course`` CNN (4 x 4 map): 256 ordered pairs;
- ``+ unordered pairs``: 136 pairs (i <= j);
- ``+ coordinate input``: two more input channels (the recipe's pixel RN);
- ``+ mixed bfloat16``: the same model under Keras's ``mixed_bfloat16`` policy;
- ``CNN+MLP (course)``: the baseline with the course CNN, for scale.

Each variant runs in its own subprocess (a clean Keras session and precision policy), compiles on 3
warm-up batches, then times the given number of batches; the table gives questions per second and
the ratio to the paper RN. Timings depend on what else runs on the machine: read the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

VARIANTS = [
    ("paper RN", "rn", {"cnn": "paper", "pairs": "ordered"}, "float32"),
    ("+ 16 cells", "rn", {"cnn": "course", "pairs": "ordered"}, "float32"),
    ("+ unordered pairs", "rn", {"cnn": "course", "pairs": "unordered"}, "float32"),
    ("+ coordinate input", "rn", {"cnn": "course", "pairs": "unordered", "coordinate_input": True}, "float32"),
    ("+ mixed bfloat16", "rn", {"cnn": "course", "pairs": "unordered", "coordinate_input": True}, "mixed_bfloat16"),
    ("CNN+MLP (course)", "cnn_mlp", {"cnn": "course", "coordinate_input": True}, "float32"),
]


def _measure(model_name: str, options: dict, precision: str, batches: int) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import numpy as np

    from rnlib import sort_of_clevr as soc

    keras.mixed_precision.set_global_policy(precision)
    keras.utils.set_random_seed(0)
    data = soc.generate(8, [0, 7], progress=False, preset="course")  # 160 questions, cycled
    batch = soc.make_dataset(data, 64, shuffle=True)
    model = soc.MODELS[model_name](learning_rate=1e-3, dropout=0.0, **options)
    x, y = batch[0]
    for _ in range(3):
        model.train_on_batch(x, y)
    start = time.perf_counter()
    for k in range(batches):
        x, y = batch[k % len(batch)]
        model.train_on_batch(x, y)
    seconds = time.perf_counter() - start
    return {"questions_per_s": batches * 64 / seconds, "ms_per_batch": 1000 * seconds / batches,
            "parameters": model.count_params()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 timed batches per variant")
    parser.add_argument("--batches", type=int, default=None, help="timed batches per variant (default 30)")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)  # a child process: one variant, as JSON
    args = parser.parse_args()
    batches = args.batches or (5 if args.quick else 30)
    if args.one is not None:
        label, model_name, options, precision = VARIANTS[int(args.one)]
        print(json.dumps(_measure(model_name, options, precision, batches)))
        return 0
    rows = []
    for k, (label, *_rest) in enumerate(VARIANTS):
        out = subprocess.run([sys.executable, __file__, "--one", str(k), "--batches", str(batches)],
                             capture_output=True, text=True, check=True).stdout
        rows.append((label, json.loads(out.strip().splitlines()[-1])))
        print(f"  measured {label}", file=sys.stderr, flush=True)
    load = os.getloadavg()[0]
    base = rows[0][1]["questions_per_s"]
    print(f"Sort-of-CLEVR training step, batch 64, {batches} timed batches per variant, {os.cpu_count()} CPU(s), "
          f"load average {load:.1f} at the end")
    print(f"{'variant':22}{'questions/s':>13}{'ms/batch':>10}{'parameters':>12}{'vs paper RN':>13}")
    for label, r in rows:
        print(f"{label:22}{r['questions_per_s']:13.0f}{r['ms_per_batch']:10.1f}{r['parameters']:12,}"
              f"{r['questions_per_s'] / base:12.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
