"""The world's predicates: what NLVR's words mean on a scene, the programs every template's meaning is built from.

- "touching the edge / wall / side": the item touches a border of its box
  (``x_loc == 0`` or ``y_loc == 0`` or ``x_loc + size == 100`` or ``y_loc + size == 100``);
  "bottom"/"base" is ``y_loc + size == 100``, "top" ``y_loc == 0``, "right wall"
  ``x_loc + size == 100``, "left wall" ``x_loc == 0``, a "corner" touches two adjacent borders.
  "closely touching" is a synonym of "touching".
- items "touching each other": two items of one box whose bounding boxes are at most
  :data:`TOUCH_GAP` = 2 px apart. NLVR never draws items closer than 1 px, and the blocks of a
  tower are exactly 1 px apart, so stacked blocks touch.
- "above"/"over"/"below": in the same box, a smaller ``y_loc`` is higher. "on (top of)" a block
  and "stacked together" mean directly on it. The "top" of a tower is its highest block, its
  "base" the block at ``y_loc`` 80; an item "on top" of a box is the one with the smallest ``y_loc``.
  (v3) A block "between two X blocks" has an X block directly below and directly above it; a
  block "in the middle" of a tower is neither its base nor its top.
- A bare number counts exactly ("There are 2 black circles" is false with 3); "a"/"there is a"
  means at least one; "one tower has", "only one box", "exactly one" mean exactly one;
  "all"/"every X is ..." needs at least one X, while "no X is ..."/"none of the X ..." holds
  when there is no X.

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from __future__ import annotations

from collections import Counter

from ..nlvr import Item
from ..render import BOX
from .scenes import gap

TOUCH_GAP = 2  # items whose bounding boxes are at most this many px apart touch each other


def matches(item: Item, obj: dict) -> bool:
    """Does ``item`` fit the description ``obj`` = {"color", "shape", "size"} (None: any)?"""
    return ((obj.get("color") is None or item.color == obj["color"])
            and (obj.get("shape") is None or item.type == obj["shape"])
            and (obj.get("size") is None or item.size == obj["size"]))


def touches_edge(item: Item, where: str = "any") -> bool:
    """Does ``item`` touch the border of its box? ``where``: any, bottom, top, left, right, corner."""
    left, right = item.x_loc == 0, item.x_loc + item.size == BOX
    top, bottom = item.y_loc == 0, item.y_loc + item.size == BOX
    return {"any": left or right or top or bottom, "bottom": bottom, "top": top, "left": left,
            "right": right, "corner": (left or right) and (top or bottom)}[where]


def touching(a: Item, b: Item) -> bool:
    """Do two items of one box touch? Their bounding boxes are at most TOUCH_GAP px apart."""
    return gap(a, b) <= TOUCH_GAP


def count(boxes, obj: dict, where: str | None = None, edge: bool = True) -> int:
    """Items (in all boxes) fitting ``obj``; with ``where``, only those (not, if ``edge=False``) touching it."""
    return sum(matches(it, obj) and (where is None or touches_edge(it, where) == edge)
               for box in boxes for it in box)


def pairs_in_a_box(boxes):
    """Every ordered pair (a, b) of two different items of the same box."""
    for box in boxes:
        for i, a in enumerate(box):
            for j, b in enumerate(box):
                if i != j:
                    yield a, b


def tower(box) -> list:
    """The colours of a tower's blocks from the base up (items sorted by decreasing ``y_loc``)."""
    return [it.color for it in sorted(box, key=lambda it: -it.y_loc)]


def compare(cmp: str, value: int, n: int) -> bool:
    return {"exactly": value == n, "at_least": value >= n, "at_most": value <= n,
            "more_than": value > n}[cmp]


#: How many of the 3 boxes (or towers) must have a property: "there is a" box, "exactly one", ...
QUANTIFIERS = {"exists": lambda k: k >= 1, "exactly_one": lambda k: k == 1, "two": lambda k: k == 2,
               "at_least_two": lambda k: k >= 2, "none": lambda k: k == 0, "each": lambda k: k == 3}


#: How many of 3 values must be equal: "at least two towers have the same height", "all", "none".
SAME = {"at_least_two": lambda largest: largest >= 2, "all": lambda largest: largest == 3,
        "none": lambda largest: largest == 1}


def same(q: str, values) -> bool:
    """Do the 3 ``values`` (heights, colours, item counts) agree as ``q`` of :data:`SAME` says?"""
    return SAME[q](max(Counter(values).values()))
