"""Draw NLVR images from an example's ``structured_rep``.

Real NLVR ships 92,244 PNGs; every one of them is a drawing of the example's ``structured_rep``
(3 boxes of 1-7 items) in one of the 6 orders of the boxes. This module draws them again, so a
user needs only the JSON files. Rules (see ../shared/nlvr/README.md, checked in
tests/test_data_render.py against real PNGs): a 400x100 canvas, box at drawing position b covers
x in [150 b, 150 b + 100) on a (211,211,211) background, the strips between boxes are (128,128,128);
``x_loc``/``y_loc`` is an item's top-left corner in its box and ``size`` its side or diameter.
A pixel belongs to a circle or triangle when its centre lies inside the shape, which reproduces
every non-antialiased pixel of the real images (we draw without antialiasing).

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from pathlib import Path

import numpy as np

WIDTH, HEIGHT, BOX = 400, 100, 100
BOX_STRIDE = 150
BOX_BACKGROUND = (211, 211, 211)
SEPARATOR = (128, 128, 128)
COLORS = {"#0099ff": (0, 153, 255), "Yellow": (255, 255, 0), "Black": (0, 0, 0)}
SHAPES = ("square", "circle", "triangle")
SIZES = (10, 20, 30)
PALETTE = np.array([BOX_BACKGROUND, SEPARATOR, *COLORS.values()], dtype=np.uint8)
#: ``BOX_ORDERS[k]`` is the order in which image k draws the boxes of ``structured_rep``.
BOX_ORDERS = tuple(itertools.permutations(range(3)))


@lru_cache(maxsize=None)
def shape_mask(shape: str, size: int) -> np.ndarray:
    """Boolean (size, size) mask of the pixels whose centres lie inside the shape."""
    c = (np.arange(size) + 0.5)  # pixel centres
    py, px = np.meshgrid(c, c, indexing="ij")
    if shape == "square":
        m = np.ones((size, size), bool)
    elif shape == "circle":
        r = size / 2
        m = (px - r) ** 2 + (py - r) ** 2 <= r * r
    elif shape == "triangle":  # apex (s/2, 0), base from (0, s) to (s, s)
        m = (px >= size / 2 - py / 2) & (px <= size / 2 + py / 2)
    else:
        raise ValueError(f"unknown shape {shape!r}: expected one of {SHAPES}")
    m.setflags(write=False)
    return m


@lru_cache(maxsize=1)
def _empty_canvas() -> np.ndarray:
    img = np.empty((HEIGHT, WIDTH, 3), np.uint8)
    img[:] = SEPARATOR
    for b in range(3):
        img[:, BOX_STRIDE * b:BOX_STRIDE * b + BOX] = BOX_BACKGROUND
    img.setflags(write=False)
    return img


def render(structured_rep, order: int = 0) -> np.ndarray:
    """Return the (100, 400, 3) uint8 RGB image of ``structured_rep`` drawn in box order ``order``.

    ``structured_rep`` is a list of 3 boxes, each a list of items, an item being a dict with the
    NLVR keys (``x_loc``, ``y_loc``, ``type``, ``color``, ``size``) or an ``rnlib.data.Item``.
    Values are expected to be valid (``rnlib.data.nlvr`` validates them when it reads a file).
    """
    img = _empty_canvas().copy()
    for position, b in enumerate(BOX_ORDERS[order]):
        x0 = BOX_STRIDE * position
        for it in structured_rep[b]:
            if isinstance(it, dict):
                x, y, s, shape, color = it["x_loc"], it["y_loc"], it["size"], it["type"], it["color"]
            else:
                x, y, s, shape, color = it.x_loc, it.y_loc, it.size, it.type, it.color
            region = img[y:y + s, x0 + x:x0 + x + s]
            if shape == "square":
                region[:] = COLORS[color]
            else:
                region[shape_mask(shape, s)] = COLORS[color]
    return img


def save_png(image: np.ndarray, path) -> Path:
    """Write an RGB uint8 image as PNG (creating folders), atomically: a crash never leaves half a file."""
    from PIL import Image

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    Image.fromarray(image, "RGB").save(tmp, format="PNG", compress_level=1)
    tmp.replace(path)
    return path
