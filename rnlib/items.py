"""True objects: one vector per item of an NLVR scene, read from ``structured_rep`` instead of seen.

The Relation Network does not care where its objects come from. Notebook 05 feeds it these
vectors in place of the CNN's 16 feature-map cells, to ask whether the pixel RN's trouble is
*seeing* (the CNN) or *reasoning* (g, f and the data). Each item becomes :data:`FEATURES`:

- ``present`` (1; padding rows are all zeros: ``RelationNetwork(mask_zero_objects=True)`` masks them),
- its colour and shape (one-hot), its size (10, 20 or 30 px, divided by 30),
- the centre of its bounding box inside its box (``x``, ``y``, divided by the box's 100 px),
- which box it is in, *as drawn* (one-hot over the 3 positions left to right: box order ``k``
  of the image is :data:`rnlib.data.render.BOX_ORDERS` ``[k]``, as for the pixels),
- whether it touches the left, right, top or bottom border of its box (NLVR's "edge" words).

Scenes are padded to :data:`MAX_OBJECTS` rows (NLVR's boxes hold at most 7 items; 8 are allowed).

Introduced in notebooks/05_overfitting_diagnosis.ipynb.
"""

from __future__ import annotations

import numpy as np

from .data.render import BOX, BOX_ORDERS, SHAPES, SIZES
from .data.synthetic import COLOR_NAMES, as_boxes

__all__ = ["FEATURES", "MAX_OBJECTS", "scene_objects", "example_objects"]

FEATURES = ("present", *(f"color={c}" for c in COLOR_NAMES), *(f"shape={s}" for s in SHAPES), "size", "x", "y",
            "box=0", "box=1", "box=2", "left_edge", "right_edge", "top_edge", "bottom_edge")
MAX_OBJECTS = 24  # 3 boxes x 8 items


def scene_objects(structured_rep, order: int = 0, max_objects: int = MAX_OBJECTS, where: str = "scene") -> np.ndarray:
    """``(max_objects, len(FEATURES))`` float32: the items of one scene drawn in box order ``order``.

    ValueError (naming ``where``) for an unknown colour, shape or size, or more than ``max_objects`` items.
    """
    out = np.zeros((max_objects, len(FEATURES)), np.float32)
    boxes, row = as_boxes(structured_rep), 0
    for position, b in enumerate(BOX_ORDERS[order]):
        for item in boxes[b]:
            if row == max_objects:
                n = sum(len(box) for box in boxes)
                raise ValueError(f"{where}: {n} items, more than the {max_objects} objects the model takes")
            if item.color not in COLOR_NAMES or item.type not in SHAPES or item.size not in SIZES:
                raise ValueError(f"{where}: item {item} has a colour, shape or size outside "
                                 f"{COLOR_NAMES}, {SHAPES}, {SIZES}")
            x, y, s = item.x_loc, item.y_loc, item.size
            out[row, 0] = 1.0
            out[row, 1 + COLOR_NAMES.index(item.color)] = 1.0
            out[row, 4 + SHAPES.index(item.type)] = 1.0
            out[row, 7:10] = s / 30.0, (x + s / 2) / BOX, (y + s / 2) / BOX
            out[row, 10 + position] = 1.0
            out[row, 13:17] = x == 0, x + s == BOX, y == 0, y + s == BOX
            row += 1
    return out


def example_objects(examples, max_objects: int = MAX_OBJECTS) -> np.ndarray:
    """``(6 E, max_objects, len(FEATURES))`` float32: the objects of every example in its 6 box
    orders, row ``6 e + k`` for box order k of example e (the layout of the image caches, so
    :class:`rnlib.batches.NLVRBatches` serves them with ``input_name="objects"``)."""
    examples = list(examples)
    out = np.zeros((6 * len(examples), max_objects, len(FEATURES)), np.float32)
    for e, ex in enumerate(examples):
        where = f"example {ex.identifier}" + (f" ({ex.split})" if getattr(ex, "split", None) else "")
        for k in range(6):
            out[6 * e + k] = scene_objects(ex.structured_rep, k, max_objects, where)
    return out
