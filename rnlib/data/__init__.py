"""NLVR data: reading the published files, drawing images, synthetic NLVR-format data.

- :mod:`rnlib.data.nlvr`: examples, image layout, loading, group splits, leakage checks, and what the
  sentence alone can tell (memorised and held out).
- :mod:`rnlib.data.render`: draws an example's image from its ``structured_rep``.
- :mod:`rnlib.data.synthetic`: the offline default dataset, in NLVR's exact format (a package: scenes,
  world, words, grammars, registry, dataset, checks).
- :mod:`rnlib.data.download`: fetches the real NLVR JSON files (for users with internet).

Command line: ``python -m rnlib.data render --json PATH --out DIR`` and
``python -m rnlib.data synth --out DIR --seed S [--groups G]``.
"""

import os
from pathlib import Path

#: Where generated and downloaded data go: ``data/`` of the checkout, or ``$RNLIB_DATA_DIR``.
DATA_DIR = Path(os.environ.get("RNLIB_DATA_DIR", Path(__file__).resolve().parents[2] / "data"))
#: The real NLVR files beside the checkout (``../shared/nlvr``) for tests and experiments, or
#: ``$RNLIB_SHARED_NLVR``; may be absent (tests then skip).
SHARED_NLVR = Path(os.environ.get("RNLIB_SHARED_NLVR", Path(__file__).resolve().parents[3] / "shared" / "nlvr"))
#: The repository root (the checkout or Colab clone that holds ``rnlib/``).
ROOT = Path(__file__).resolve().parents[2]


def display_path(path) -> str:
    """``path`` as the course prints and records it, without the absolute path of the machine.

    Relative to the repository root when inside it (``data/pretrained/nlvr_seed_rn.keras``), named
    ``DATA_DIR/...`` under a data folder moved elsewhere (``$RNLIB_DATA_DIR``), ``../NAME/...`` beside
    the checkout (``../shared/nlvr``); any other path, and a relative one, is returned as given.

    Introduced in notebooks/04_training.ipynb.
    """
    p = Path(path)
    if not p.is_absolute():
        return str(path)
    candidates = [Path(os.path.abspath(p))]
    try:
        candidates.append(p.resolve())
    except OSError:
        pass
    bases = [(ROOT, None), (Path(os.path.abspath(DATA_DIR)), "DATA_DIR")]
    if ROOT.parent != Path(ROOT.anchor):
        bases.append((ROOT.parent, ".."))
    for base, name in bases:
        for q in candidates:
            if q == base or base in q.parents:
                rel = q.relative_to(base).as_posix()
                if name is None:
                    return rel if rel != "." else "."
                return name if rel == "." else f"{name}/{rel}"
    return str(path)


def from_display_path(text) -> Path:
    """The file a :func:`display_path` string names: ``DATA_DIR/...`` under :data:`DATA_DIR`, a relative
    path from the working directory when it exists there, else from the repository root."""
    text = str(text)
    if text == "DATA_DIR" or text.startswith("DATA_DIR/"):
        return DATA_DIR / text.removeprefix("DATA_DIR").lstrip("/")
    p = Path(text)
    return p if p.is_absolute() or p.exists() else ROOT / p


from .nlvr import (Example, Item, LeakageReport, NLVRFormatError, check_leakage, first_groups,
                   held_out_sentence_accuracy, load_image, normalize_sentence, random_example_split, read_examples, read_png,
                   seen_sentence_share, sentence_memorization_accuracy, split_by_group, write_examples)
from .render import BOX_ORDERS, COLORS, SHAPES, SIZES, render, save_png

__all__ = ["DATA_DIR", "SHARED_NLVR", "ROOT", "display_path", "from_display_path", "Example", "Item", "LeakageReport", "NLVRFormatError", "check_leakage", "first_groups",
           "held_out_sentence_accuracy", "normalize_sentence", "seen_sentence_share", "sentence_memorization_accuracy", "load_image", "random_example_split", "read_examples", "read_png", "split_by_group", "write_examples",
           "BOX_ORDERS", "COLORS", "SHAPES", "SIZES", "render", "save_png"]
