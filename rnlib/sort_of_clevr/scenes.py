"""Sort-of-CLEVR scenes: six coloured squares and circles, and their pictures.

A scene is where the six objects are and which shape each has (:class:`Scene`); :func:`draw_scene`
turns it into the 75 x 75 picture the models see. Object ``c`` always has colour ``COLORS[c]``.
The questions about a scene are in :mod:`rnlib.sort_of_clevr.questions`.

Introduced in notebooks/06_sort_of_clevr.ipynb.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["IMAGE_SIZE", "OBJECT_SIZE", "MIN_DISTANCE", "CENTER_RANGE", "COLORS", "RGB", "SHAPES", "Scene",
           "object_geometry", "random_scene", "draw_scene"]

IMAGE_SIZE = 75
#: Side of a square and diameter of a circle, in pixels.
OBJECT_SIZE = 10
#: Smallest distance between two object centres (see the package docstring for why not 10).
MIN_DISTANCE = 15
#: Smallest and largest centre coordinate (both included): every 10-pixel object lies inside the image.
CENTER_RANGE = (OBJECT_SIZE // 2, IMAGE_SIZE - OBJECT_SIZE // 2)
#: Object ``c`` of every scene has colour ``COLORS[c]``.
COLORS = ("red", "green", "blue", "orange", "gray", "yellow")
RGB = np.array([(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 156, 0), (128, 128, 128), (255, 255, 0)],
               dtype=np.uint8)
SHAPES = ("square", "circle")


class Scene(NamedTuple):
    """One image's objects: ``centers`` (6, 2) int (x, y) and ``shapes`` (6,) int (0 square, 1 circle).

    Object ``c`` has colour ``COLORS[c]``. Introduced in notebooks/06_sort_of_clevr.ipynb.
    """

    centers: np.ndarray
    shapes: np.ndarray


def random_scene(rng: np.random.Generator, min_distance: int = MIN_DISTANCE,
                 center_range: tuple[int, int] = CENTER_RANGE) -> Scene:
    """Draw 6 objects with random shapes and centres at least ``min_distance`` px apart.

    Centres are integers in ``center_range`` (both ends included; by default [5, 70], so every
    object lies inside the 75 x 75 image); a centre too close to an earlier one is drawn again.
    The ``paper`` preset draws from [5, 69] with ``min_distance=10``, as the reproduction does
    (see the package docstring). Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    low, high = (int(v) for v in center_range)
    centers = []
    while len(centers) < len(COLORS):
        c = rng.integers(low, high, size=2, endpoint=True)
        if all((c[0] - x) ** 2 + (c[1] - y) ** 2 >= min_distance ** 2 for x, y in centers):
            centers.append((int(c[0]), int(c[1])))
    shapes = rng.integers(0, len(SHAPES), size=len(COLORS))
    return Scene(np.array(centers, dtype=np.int16), shapes.astype(np.int8))


def object_geometry(object_size: int = OBJECT_SIZE) -> tuple[int, tuple[int, int]]:
    """``(min_distance, center_range)`` that keep objects of ``object_size`` px whole and apart, as at 10 px.

    The smallest distance between centres is 1.5 times the size (15 px for 10 px objects: more than
    a square's diagonal, so objects never touch) and centres stay ``object_size // 2`` px from the
    border, so every object lies inside the image: ``(15, (5, 70))`` for 10 px, ``(21, (7, 68))``
    for 14 px. Introduced in notebooks/06_sort_of_clevr.ipynb (section 3's object-size rung).
    """
    size = _check_size(object_size, "object_size")
    return -(-3 * size // 2), (size // 2, IMAGE_SIZE - size // 2)


def _check_size(size, name: str) -> int:
    size = int(size)
    if not 1 <= size <= 2 * OBJECT_SIZE:
        raise ValueError(f"{name} must be between 1 and {2 * OBJECT_SIZE} pixels; got {size}.")
    return size


def _masks(size: int = OBJECT_SIZE):
    r = size / 2
    c = np.arange(size) + 0.5  # pixel centres relative to the object's top-left corner
    py, px = np.meshgrid(c, c, indexing="ij")
    return {0: np.ones((size, size), bool), 1: (px - r) ** 2 + (py - r) ** 2 <= r * r}


_MASKS = _masks()


def draw_scene(scene: Scene, square_size: int | None = None, object_size: int = OBJECT_SIZE) -> np.ndarray:
    """The (75, 75, 3) uint8 image of ``scene``: white background, coloured squares and circles.

    An object centred on (x, y) covers the pixels whose centres lie inside it: columns
    x - 5 .. x + 4 and rows y - 5 .. y + 4 for a square. ``square_size`` changes the squares only:
    11 gives columns x - 5 .. x + 5, the 11 x 11 squares of the PyTorch reproduction (OpenCV's
    filled ``rectangle(center - 5, center + 5)``), whose difference from a circle is 41 pixels
    instead of 20 (notebooks/06_sort_of_clevr.ipynb, section 6); a square that would cross the
    border is cut there. ``object_size`` (default 10) is the circles' diameter and the squares'
    default side: 14 draws every object larger (place them with :func:`object_geometry`). Objects are drawn in colour order, so where two overlap (possible only
    when centres are closer than :data:`MIN_DISTANCE`) the later colour covers the earlier.
    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    object_size = _check_size(object_size, "object_size")
    square_size = _check_size(object_size if square_size is None else square_size, "square_size")
    img = np.full((IMAGE_SIZE, IMAGE_SIZE, 3), 255, np.uint8)
    half = object_size // 2
    circle = (_MASKS if object_size == OBJECT_SIZE else _masks(object_size))[1]
    square = np.ones((square_size, square_size), bool)
    for c, ((x, y), s) in enumerate(zip(scene.centers.tolist(), scene.shapes.tolist())):
        mask, start = (square, square_size // 2) if s == 0 else (circle, half)
        top, left = y - start, x - start
        rows = slice(max(top, 0), min(top + len(mask), IMAGE_SIZE))
        cols = slice(max(left, 0), min(left + len(mask), IMAGE_SIZE))
        img[rows, cols][mask[rows.start - top:rows.stop - top, cols.start - left:cols.stop - left]] = RGB[c]
    return img
