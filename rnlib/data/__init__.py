"""NLVR data: reading the published files, drawing images, synthetic NLVR-format data.

- :mod:`rnlib.data.nlvr`: examples, image layout, loading, group splits, leakage checks, and what the
  sentence alone can tell (memorised and held out).
- :mod:`rnlib.data.render`: draws an example's image from its ``structured_rep``.
- :mod:`rnlib.data.synthetic`: the offline default dataset, in NLVR's exact format.
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

from .nlvr import (Example, Item, LeakageReport, NLVRFormatError, check_leakage, first_groups,
                   held_out_sentence_accuracy, load_image, random_example_split, read_examples, read_png,
                   seen_sentence_share, sentence_memorization_accuracy, split_by_group, write_examples)
from .render import BOX_ORDERS, COLORS, SHAPES, SIZES, render, save_png

__all__ = ["DATA_DIR", "SHARED_NLVR", "Example", "Item", "LeakageReport", "NLVRFormatError", "check_leakage", "first_groups",
           "held_out_sentence_accuracy", "seen_sentence_share", "sentence_memorization_accuracy", "load_image", "random_example_split", "read_examples", "read_png", "split_by_group", "write_examples",
           "BOX_ORDERS", "COLORS", "SHAPES", "SIZES", "render", "save_png"]
