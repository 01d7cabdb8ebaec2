"""Peak memory and throughput of the NLVR input pipeline, against the seed's float32 array.

    python bench/bench_input_pipeline.py            # NLVR-train-sized: 74,460 images at 200x50
    python bench/bench_input_pipeline.py --quick    # 6,000 images, for a smoke test

Variants, each in its own subprocess so that its peak RSS (``ru_maxrss`` of that child) is its own:

- ``tensorflow only``: ``import tensorflow`` and nothing else, the floor every variant pays.
- ``seed float32 array``: the seed's approach, every image resized (PIL) into a list of float32
  arrays, stacked into one array (the list and the array coexist for a moment: 2x the data) and
  normalized in place with a global mean/std (``x.std()`` needs one more temporary copy), then
  sliced into batches. The array alone is 74,460 x 50 x 200 x 3 x 4 B = 8.9 GB at full size.
  Run at 5,000 and 10,000 images (what this machine holds comfortably); the full-size row is
  extrapolated linearly from the 10,000-image run (floor + its memory above the floor x 7.446)
  and says so.
- ``rnlib, disk cache``: ``rnlib.pipeline.nlvr_datasets(cache=True)`` from an empty cache folder:
  setup (render + resize + write the uint8 cache, then the training-split statistics), then
  two epochs of shuffled, normalized float32 batches of 64.
- ``rnlib, no cache``: ``nlvr_datasets(cache=False)``: every batch rendered and resized on the fly
  (setup = one such pass for the statistics), then one epoch.

The data: 12,410 examples (NLVR train's size, 74,460 images) made by repeating the scenes and
sentences of the real dev and Test-P files (../shared/nlvr) under new identifiers, images rendered
from ``structured_rep``; without ../shared/nlvr, the synthetic default dataset's training examples
are repeated instead. Throughput = images per second of one epoch (setup excluded; for the seed
variant, loading is its setup). Timings depend on what else runs on the machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FULL_IMAGES = 74_460  # NLVR train: 12,410 examples x 6 box orders


def bench_examples(n_examples: int, n_validation: int = 50):
    """``n_examples`` training examples (+ a few for validation) repeating real or synthetic scenes."""
    from rnlib.data import SHARED_NLVR, read_examples

    if (SHARED_NLVR / "dev.json").exists():
        base = read_examples(SHARED_NLVR / "dev.json") + read_examples(SHARED_NLVR / "test.json")
        origin = "dev+Test-P scenes of ../shared/nlvr, repeated"
    else:
        from rnlib.data.synthetic import default_dataset
        base = read_examples(Path(default_dataset()) / "train" / "train.json")
        origin = "synthetic default train scenes, repeated"
    out = []
    for i in range(n_examples + n_validation):
        e = base[i % len(base)]
        group = (i // len(base)) * 100_000 + e.group
        out.append(dataclasses.replace(e, identifier=f"{group}-{e.m}", group=group, split="train"))
    return {"train": out[:n_examples], "validation": out[n_examples:]}, origin


# ---------------------------------------------------------------------------------------------
# Children: each prints one JSON line with its measurements


def child_tensorflow(_args):
    import tensorflow as tf  # noqa: F401
    return {}


def child_seed(args):
    """The seed's way: all images as one float32 array, normalized with one global mean/std."""
    import numpy as np
    import tensorflow as tf  # noqa: F401  (the seed notebook had it imported too)
    from PIL import Image

    from rnlib.data import render

    splits, _ = bench_examples(-(-args.images // 6), 0)
    t0 = time.perf_counter()
    images = []
    for e in splits["train"]:
        for k in range(6):
            if len(images) < args.images:
                img = Image.fromarray(render(e.structured_rep, k)).resize((200, 50))
                images.append(np.asarray(img, dtype=np.float32))
    x = np.array(images, dtype=np.float32)  # list and array both alive here: 2x the data
    del images
    mean, std = x.mean(), x.std()
    x -= mean  # in place: the seed's (x - mean) / std would add two more temporary copies
    x /= std
    setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    total = 0.0
    for start in range(0, len(x), 64):
        total += float(x[start:start + 64].sum())  # touch each batch as a model would
    return {"images": len(x), "setup_s": setup, "epoch_s": time.perf_counter() - t0}


def child_rnlib(args):
    from rnlib.pipeline import nlvr_datasets

    splits, origin = bench_examples(args.images // 6)
    t0 = time.perf_counter()
    data = nlvr_datasets(splits, cache=args.cache, cache_dir=args.cache_dir, verbose=False, seed=0)
    setup = time.perf_counter() - t0
    epochs = []
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        n = 0
        for (image, question), label in data.train:
            n += int(label.shape[0])
        epochs.append(time.perf_counter() - t0)
    return {"images": n, "setup_s": setup, "epoch_s": min(epochs), "epochs_s": epochs, "origin": origin}


CHILDREN = {"tensorflow": child_tensorflow, "seed": child_seed, "rnlib": child_rnlib}


def run_child(kind: str, **options) -> dict:
    """Run one variant in a fresh interpreter; return its measurements and its peak RSS
    (``ru_maxrss`` from ``os.wait4``: that child's own maximum resident set size)."""
    argv = [sys.executable, __file__, "--child", kind]
    for key, value in options.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(argv, stdout=out, stderr=err, text=True, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        if proc.returncode:
            raise RuntimeError(f"{kind} failed (exit {proc.returncode}):\n{err.read()[-3000:]}")
        result = json.loads(out.read().strip().splitlines()[-1])
    result["child_peak_rss_mb"] = usage.ru_maxrss / 1024  # Linux: kilobytes
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6,000 images instead of 74,460")
    parser.add_argument("--child", choices=CHILDREN, help=argparse.SUPPRESS)
    parser.add_argument("--images", type=int, default=FULL_IMAGES, help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=lambda s: s == "True", default=True, help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](args)))
        return

    full = 6_000 if args.quick else FULL_IMAGES
    seed_sizes = (1_000, 2_000) if args.quick else (5_000, 10_000)
    rows = []
    tf_only = run_child("tensorflow")
    rows.append(("tensorflow only (floor)", "-", tf_only["child_peak_rss_mb"], None, None, "measured"))
    seed = [run_child("seed", images=n) for n in seed_sizes]
    for r in seed:
        rows.append((f"seed float32 array", r["images"], r["child_peak_rss_mb"], r["setup_s"],
                     r["images"] / r["epoch_s"], "measured"))
    floor = tf_only["child_peak_rss_mb"]
    n2, r2 = seed[-1]["images"], seed[-1]
    seed_full = floor + (r2["child_peak_rss_mb"] - floor) * full / n2
    rows.append(("seed float32 array", full, seed_full, r2["setup_s"] * full / n2, None,
                 f"EXTRAPOLATED linearly from {n2:,} (floor + excess x {full / n2:.2f})"))
    cache_dir = tempfile.mkdtemp(prefix="rnlib-bench-cache-")
    try:
        cached = run_child("rnlib", images=full, cache=True, cache_dir=cache_dir, epochs=2)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    rows.append(("rnlib, disk cache (build + 2 epochs)", cached["images"], cached["child_peak_rss_mb"],
                 cached["setup_s"], cached["images"] / cached["epoch_s"], "measured"))
    stream = run_child("rnlib", images=full, cache=False, epochs=1)
    rows.append(("rnlib, no cache (render per batch)", stream["images"], stream["child_peak_rss_mb"],
                 stream["setup_s"], stream["images"] / stream["epoch_s"], "measured"))

    print(f"Input pipeline at 200x50 px, batches of 64; data: {cached['origin']}, rendered.")
    print(f"Machine: {os.cpu_count()} CPUs visible (shared with other processes), no GPU.\n")
    header = f"{'variant':38} {'images':>8} {'peak RSS MiB':>12} {'setup s':>9} {'epoch img/s':>12}  note"
    print(header)
    print("-" * len(header))
    for name, n, rss, setup, speed, note in rows:
        n = f"{n:,}" if isinstance(n, int) else n
        setup = "-" if setup is None else f"{setup:.1f}"
        speed = "-" if speed is None else f"{speed:,.0f}"
        print(f"{name:38} {n:>8} {rss:>12,.0f} {setup:>9} {speed:>12}  {note}")
    array_mb = 50 * 200 * 3 * 4 / 2**20
    excess = ", ".join(f"{(r['child_peak_rss_mb'] - floor) / (r['images'] * array_mb):.1f}x at {r['images']:,}"
                       for r in seed)
    print(f"\nSeed variant: peak RSS above the floor = {excess} the size of its float32 array "
          f"(the list of images, the array and np.std's temporary); the array alone would be "
          f"{full * array_mb:,.0f} MiB at {full:,} images.")
    print(f"At {full:,} images: seed float32 (extrapolated) / rnlib disk cache peak RSS = "
          f"{seed_full / cached['child_peak_rss_mb']:.1f}x; above the TensorFlow floor: "
          f"{(seed_full - floor) / max(cached['child_peak_rss_mb'] - floor, 1):.0f}x "
          f"({seed_full - floor:,.0f} MiB vs {cached['child_peak_rss_mb'] - floor:,.0f} MiB).")
    print(f"rnlib no cache / disk cache peak RSS = {stream['child_peak_rss_mb'] / cached['child_peak_rss_mb']:.2f}x; "
          f"epoch throughput disk cache / no cache = {stream['epoch_s'] / cached['epoch_s']:.1f}x.")
    goal = "met" if max(cached["child_peak_rss_mb"], stream["child_peak_rss_mb"]) <= 2000 * 1e6 / 2**20 else "NOT met"
    print(f"Goal (an epoch of input over {full:,} images in <= 2 GB peak RSS): {goal}.")


if __name__ == "__main__":
    main()
