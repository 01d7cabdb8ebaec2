"""Scenes: random ``structured_rep`` of 3 boxes, as NLVR draws them (towers or scattered items).

Like NLVR, about 68% of the examples are *tower* scenes (each box holds one tower of 1-4 size-20
squares at ``x_loc`` 40, ``y_loc`` 80, 59, 38, 17) and the rest are *scatter* scenes (1-7 items
per box; shape, colour and size uniform; items never overlap and stay >= 1 px apart, as in NLVR;
about a third lie against a border). :func:`rnlib.data.synthetic.checks.scene_statistics` compares
them with real dev data. Also here: :func:`pick`, the one way the generator draws from options.

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from __future__ import annotations

import random
from typing import Sequence

from ..nlvr import Item
from ..render import BOX, COLORS, SHAPES, SIZES

COLOR_NAMES = tuple(COLORS)  # "#0099ff", "Yellow", "Black" (NLVR's spelling)
TOWER_X = 40
TOWER_Y = (80, 59, 38, 17)  # base first; blocks are 1 px apart
EDGE_SNAP = 0.15  # chance, per axis, that a scatter item is pushed against a border of its box


def pick(rng: random.Random, options, weights=None):
    """One of ``options`` (a sequence; never a set, whose order changes between runs)."""
    return rng.choices(list(options), weights=weights)[0]


def tower_box(colors: Sequence[str]) -> tuple:
    """One box holding a tower: ``colors`` lists its blocks from the base up (NLVR colour names).

    >>> tower_box(["Yellow", "Black"])[1]
    Item(x_loc=40, y_loc=59, type='square', color='Black', size=20)
    """
    if not 1 <= len(colors) <= len(TOWER_Y):
        raise ValueError(f"a tower has 1-4 blocks, got {len(colors)}")
    return tuple(Item(TOWER_X, y, "square", c, 20) for y, c in zip(TOWER_Y, colors))


def random_tower_scene(rng: random.Random) -> tuple:
    """3 boxes, each a tower of 1-4 blocks of uniformly random colours (as in NLVR)."""
    return tuple(tower_box([rng.choice(COLOR_NAMES) for _ in range(rng.randint(1, 4))])
                 for _ in range(3))


def gap(a: Item, b: Item) -> int:
    """Pixels between the bounding boxes of two items (0: they share a border; < 0: they overlap)."""
    return max(b.x_loc - (a.x_loc + a.size), a.x_loc - (b.x_loc + b.size),
               b.y_loc - (a.y_loc + a.size), a.y_loc - (b.y_loc + b.size))


def random_scatter_box(rng: random.Random) -> tuple:
    """1-7 items of random shape, colour and size, >= 1 px apart; some pushed against a border."""
    items = []
    for _ in range(rng.randint(1, 7)):
        shape, color, size = rng.choice(SHAPES), rng.choice(COLOR_NAMES), rng.choice(SIZES)
        for _attempt in range(100):  # a crowded box may end up with fewer items
            x, y = rng.randint(0, BOX - size), rng.randint(0, BOX - size)
            if rng.random() < EDGE_SNAP:  # against the left or right wall
                x = pick(rng, (0, BOX - size))
            if rng.random() < EDGE_SNAP:  # against the top or the bottom
                y = pick(rng, (0, BOX - size))
            item = Item(x, y, shape, color, size)
            if all(gap(item, other) >= 1 for other in items):
                items.append(item)
                break
    return tuple(items)


def random_scatter_scene(rng: random.Random) -> tuple:
    return tuple(random_scatter_box(rng) for _ in range(3))


def random_scene(kind: str, rng: random.Random) -> tuple:
    """A random ``structured_rep`` (3 tuples of :class:`Item`) of ``kind`` "tower" or "scatter"."""
    return random_tower_scene(rng) if kind == "tower" else random_scatter_scene(rng)


def is_tower_scene(structured_rep) -> bool:
    """True when every item is a size-20 square at a tower position (NLVR's tower scenes)."""
    return all(it.type == "square" and it.size == 20 and it.x_loc == TOWER_X and it.y_loc in TOWER_Y
               for box in as_boxes(structured_rep) for it in box)


def as_boxes(structured_rep) -> tuple:
    """``structured_rep`` as 3 tuples of :class:`Item` (accepts NLVR JSON dicts or Items)."""
    return tuple(tuple(Item(it["x_loc"], it["y_loc"], it["type"], it["color"], it["size"])
                       if isinstance(it, dict) else Item(*it) for it in box)
                 for box in structured_rep)
