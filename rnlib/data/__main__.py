"""Command line for NLVR data.

    python -m rnlib.data render --json PATH --out DIR [--no-progress]
        Draw the 6 PNGs of every example of an NLVR JSON file in the real layout:
        DIR/images/{directory}/{split}-{n}-{m}-{k}.png (split from the file name; no directory -> 0).
    python -m rnlib.data synth --out DIR --seed S [--groups G] [--preset quick|default] [--version 2|3|4]
        Write a synthetic NLVR-format dataset: DIR/{split}/{split}.json and DIR/{split}/images/...
    python -m rnlib.data download --out DIR [--splits train dev test]
        Fetch the real NLVR JSON files (needs internet), checked by SHA-256.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .nlvr import NLVRFormatError, read_examples
from .render import render, save_png


def render_file(json_path, out, progress: bool = True) -> int:
    """Write all 6 box orders of every example in ``json_path`` under ``out``; returns the image count."""
    from tqdm.auto import tqdm

    examples = read_examples(json_path)
    count = 0
    for ex in tqdm(examples, desc=f"rendering {Path(json_path).name}", unit="example", disable=not progress):
        for k in range(6):
            # Example.image_path(root) is root/{split}/images/...; the CLI's DIR is the split folder.
            path = Path(out) / "images" / (ex.directory or "0") / ex.image_name(k)
            save_png(render(ex.structured_rep, k), path)
            count += 1
    return count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnlib.data", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("render", help="draw the PNGs of an NLVR JSON file")
    p.add_argument("--json", required=True, help="NLVR JSON-lines file, e.g. nlvr/dev/dev.json")
    p.add_argument("--out", required=True, help="folder that receives images/{directory}/...")
    p.add_argument("--no-progress", action="store_true")
    p = sub.add_parser("synth", help="write a synthetic dataset in NLVR's format")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--groups", type=int, default=None, help="sentence groups in all (default: the preset's)")
    p.add_argument("--split-groups", type=int, nargs=3, metavar=("TRAIN", "DEV", "TEST"), default=None,
                   help="sentence groups per split (instead of --groups), e.g. 10000 300 300")
    p.add_argument("--preset", default="default", help="quick or default")
    p.add_argument("--no-images", action="store_true", help="JSON only (images are drawn when loaded)")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--version", type=int, choices=(2, 3, 4), default=2,
                   help="generator version: 2 (default, the course's dataset), 3 (adds the templates "
                        "grown from NLVR Test-P phrasings) or 4 (adds, to version 3's, templates for the "
                        "Test-P phrasings version 3 still could not write)")
    p = sub.add_parser("download", help="fetch the real NLVR JSON files (needs internet)")
    p.add_argument("--out", required=True, help="folder that receives {split}/{split}.json")
    p.add_argument("--splits", nargs="+", default=["train", "dev", "test"])
    args = parser.parse_args(argv)

    try:
        if args.command == "render":
            n = render_file(args.json, args.out, progress=not args.no_progress)
            print(f"wrote {n} images under {Path(args.out) / 'images'}")
        elif args.command == "synth":
            from .synthetic import write_dataset

            groups = dict(zip(("train", "dev", "test"), args.split_groups)) if args.split_groups else args.groups
            out = write_dataset(args.out, seed=args.seed, groups=groups, preset=args.preset,
                                images=not args.no_images, progress=not args.no_progress,
                                version=args.version)
            print(f"wrote a synthetic NLVR-format dataset under {out}")
        else:
            from .download import download_nlvr

            for split, path in download_nlvr(args.out, splits=args.splits).items():
                print(f"{split}: {path}")
    except (NLVRFormatError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
