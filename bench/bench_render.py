"""Rendering and synthetic-generation speed on one core (goal: >= 1,000 NLVR images/s per core).

    python bench/bench_render.py [--examples N] [--json PATH] [--groups G]

Renders all 6 box orders of N examples of an NLVR JSON file (default: the real dev.json in
../shared/nlvr) in this single process pinned to one core, then the same with PNG encoding; then
generates G synthetic sentence groups (4 examples each) without and with writing their PNGs.
Prints a table.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from rnlib.data import SHARED_NLVR, read_examples, render


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=989)
    parser.add_argument("--json", default=str(SHARED_NLVR / "dev.json"))
    parser.add_argument("--groups", type=int, default=500, help="synthetic sentence groups to generate")
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

    from rnlib.data.synthetic import generate, write_dataset

    start = time.perf_counter()
    generate(seed=0, groups=args.groups)
    t = time.perf_counter() - start
    rows.append((f"synthetic: {args.groups} groups, JSON only", 24 * args.groups, t))
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        write_dataset(tmp, seed=0, groups=args.groups, progress=False)
        t = time.perf_counter() - start
    rows.append((f"synthetic: {args.groups} groups + PNGs", 24 * args.groups, t))

    print(f"data: {args.json} ({len(examples)} examples x 6 box orders), 1 core pinned")
    print("synthetic rows count the 6 images of each of 4 examples per group (24 per group)")
    print(f"{'step':38s} {'images':>8s} {'seconds':>8s} {'images/s':>10s} {'goal 1,000/s':>13s}")
    for name, n, t in rows:
        print(f"{name:38s} {n:8d} {t:8.2f} {n / t:10.0f} {'met' if n / t >= 1000 else 'NOT met':>13s}")


if __name__ == "__main__":
    main()
