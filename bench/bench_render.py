"""Rendering speed of rnlib.data.render on one core (goal: >= 1,000 NLVR images/s per core).

    python bench/bench_render.py [--examples N] [--json PATH]

Renders all 6 box orders of N examples (real dev.json from ../shared/nlvr when present, else the
synthetic quick preset's JSON) in this single process, then the same with PNG encoding, and prints
a table. Rendering uses NumPy in one thread, so one process = one core.
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

from PIL import Image

from rnlib.data import SHARED_NLVR, read_examples, render


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=989)
    parser.add_argument("--json", default=str(SHARED_NLVR / "dev.json"))
    args = parser.parse_args()
    if not Path(args.json).exists():
        sys.exit(f"{args.json} not found: pass --json with an NLVR JSON file")
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    examples = read_examples(args.json)[: args.examples]
    rows = []

    start = time.perf_counter()
    for ex in examples:
        for k in range(6):
            render(ex.structured_rep, k)
    t = time.perf_counter() - start
    rows.append(("render to uint8 array", 6 * len(examples), t))

    start = time.perf_counter()
    for ex in examples:
        for k in range(6):
            Image.fromarray(render(ex.structured_rep, k)).save(io.BytesIO(), format="PNG", compress_level=1)
    t = time.perf_counter() - start
    rows.append(("render + PNG encode (level 1)", 6 * len(examples), t))

    print(f"data: {args.json} ({len(examples)} examples x 6 box orders), 1 core pinned")
    print(f"{'step':32s} {'images':>8s} {'seconds':>8s} {'images/s':>10s} {'goal 1,000/s':>13s}")
    for name, n, t in rows:
        print(f"{name:32s} {n:8d} {t:8.2f} {n / t:10.0f} {'met' if n / t >= 1000 else 'NOT met':>13s}")


if __name__ == "__main__":
    main()
