"""Synthetic NLVR: the course's offline default dataset, in exactly NLVR's format and layout.

Real NLVR pairs a human-written sentence with 4 image sets (scenes) of 3 grey boxes. This module
makes data of the same shape from a small English grammar, so the same loader reads both
(:func:`rnlib.data.read_examples`, :meth:`Example.image_path`) and a model trained here can be
tested on real NLVR sentences. The design, in four parts:

1. **Scenes** (:func:`random_scene`). Like NLVR, about 68% of the examples are *tower* scenes (each
   box holds one tower of 1-4 size-20 squares at ``x_loc`` 40, ``y_loc`` 80, 59, 38, 17) and the
   rest are *scatter* scenes (1-7 items per box; shape, colour and size uniform; items never
   overlap and stay >= 1 px apart, as in NLVR; about a third lie against a border).
   :func:`scene_statistics` and :func:`compare_statistics` compare them with real dev data.
2. **Meaning** (the predicates below and :func:`evaluate`). Every sentence comes from a template
   (:data:`TEMPLATES`: an id, a statement kind and a few lines of semantics). NLVR's words mean:

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
3. **Sentence groups** (:func:`generate`). A group n draws a template and its parameters, writes
   the sentence once, then draws scenes and keeps 4 whose truth (computed by the evaluator) gives
   the group's share of true labels (m = 0..3 in random order). That share is 2 of 4 for most
   groups and 1 or 3 of 4 for some; the choice keeps every template's running share of true
   labels inside [0.4, 0.6], so the label cannot be read from the sentence. Parameters whose true
   (or false) scenes are too rare to find are redrawn.
4. **Files** (:func:`write_dataset`, :func:`default_dataset`): ``DIR/{split}/{split}.json`` in NLVR's
   JSON lines (NLVR's keys only; each example's template and parameters go to a sidecar file
   ``DIR/{split}/{split}.templates.json``, one JSON line per example, read by :func:`read_synthetic`) and the 6
   PNGs of every example at ``DIR/{split}/images/{n % 10}/{split}-{n}-{m}-{k}.png``. Group numbers
   run across splits (train 0.., then dev, then test), so a group lives in one split only. The
   same seed gives byte-identical files.

**Versions** (:data:`VERSIONS`; ``generate(..., version=)``, ``write_dataset(..., version=)``,
``python -m rnlib.data synth --version 3``). Version 2 is the default and writes exactly what it
always wrote (the course's dataset and committed runs depend on its bytes). Version 3 is opt-in: it
adds templates (``Template.since == 3``, section 4b) grown from the phrasings of NLVR's Test-P
sentences only (dev was not read, so it stays an unseen check of the grammar): Test-P's quantifier
phrasings of tower statements ("there is 1 tower with ...", "two of the towers has ...", "the tower
with four blocks has ...", "there is a tower with exactly two blocks having ..."), tower properties
"in the middle", "between two ... blocks", "stacked together", "a black block at the top and a
yellow block at the base", "only one block"; boxes "with only blue and yellow items", "with a yellow
circle and a blue circle", "with 4 items of 2 different colors", "the same number of objects";
items "touching the corner / the base / any edge", "not touching the edge", with Test-P's simple
descriptions (colour and/or shape). Their meanings are the ones above. The version is part of the
random seed and is recorded in ``COMPLETE``; each version is byte-identical per seed.

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import string
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable, Sequence

from .nlvr import Example, Item, example_key, read_examples, write_examples
from .render import BOX, COLORS, SHAPES, SIZES, render, save_png

#: Bump when the generator changes what it writes; :func:`default_dataset` then regenerates.
GENERATOR_VERSION = 2  # 2: no example (sentence + scene up to box order) is generated twice
#: The versions :func:`generate` can write. 2 is the default (the course's dataset and runs); 3 is
#: opt-in and adds the templates grown from NLVR Test-P phrasings (``Template.since == 3``).
VERSIONS = (2, 3)
SPLITS = ("train", "dev", "test")
#: Sentence groups per split. "quick" takes seconds (CI, smoke tests); "default" is about the size
#: of NLVR's train split (12,410 examples) and is the course's offline dataset.
PRESETS = {"quick": {"train": 32, "dev": 8, "test": 8},
           "default": {"train": 3000, "dev": 300, "test": 300}}

COLOR_NAMES = tuple(COLORS)  # "#0099ff", "Yellow", "Black" (NLVR's spelling)
TOWER_X = 40
TOWER_Y = (80, 59, 38, 17)  # base first; blocks are 1 px apart
TOUCH_GAP = 2  # items whose bounding boxes are at most this many px apart touch each other
TOWER_SHARE = 0.68  # share of sentence groups about towers (real NLVR dev: 68%, Test-P: 72%)
EDGE_SNAP = 0.15  # chance, per axis, that a scatter item is pushed against a border of its box


# =============================================================================================
# 1. Scenes


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


# =============================================================================================
# 2. Meaning: the predicates every template is written with


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


# =============================================================================================
# 3. Words (NLVR's own: see the real dev and Test-P sentences)

COLOR_WORDS = {"#0099ff": "blue", "Yellow": "yellow", "Black": "black"}
SIZE_WORDS = {10: ("small",), 20: ("medium",), 30: ("large", "big")}
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven")
ORDINALS = {2: "second", 3: "third"}


def pick(rng: random.Random, options, weights=None):
    """One of ``options`` (a sequence; never a set, whose order changes between runs)."""
    return rng.choices(list(options), weights=weights)[0]


def number(n: int, rng: random.Random) -> str:
    """A number as NLVR writers write it: a word ("two") 60% of the time, else digits ("2")."""
    return NUMBER_WORDS[n] if n < len(NUMBER_WORDS) and rng.random() < 0.6 else str(n)


def article(phrase: str) -> str:
    return ("an " if phrase[0] in "aeiou" else "a ") + phrase


def noun_phrase(obj: dict, rng: random.Random, plural: bool = False, noun: str | None = None) -> str:
    """'small black triangle', 'blue items', 'yellow block'... for the description ``obj``.

    ``noun`` names what has no shape ("block" in towers); by default "item" or "object".
    """
    words = []
    if obj.get("size"):
        words.append(pick(rng, SIZE_WORDS[obj["size"]]))
    if obj.get("color"):
        words.append(COLOR_WORDS[obj["color"]])
    words.append(obj.get("shape") or noun or pick(rng, ("item", "object"), (2, 1)))
    return " ".join(words) + ("s" if plural else "")


def a_noun(obj, rng, noun=None) -> str:
    return article(noun_phrase(obj, rng, noun=noun))


def quantity(cmp: str, n: int, obj: dict, rng: random.Random, noun: str | None = None) -> str:
    """'exactly two black circles', 'at least 3 items', '2 blue squares' (a bare number is exact)."""
    prefix = {"exactly": pick(rng, ("exactly ", "", "only "), (4, 3, 1)),
              "at_least": pick(rng, ("at least ", "atleast "), (5, 1)),
              "at_most": pick(rng, ("at most ", "no more than ")),
              "more_than": "more than "}[cmp]
    return f"{prefix}{number(n, rng)} {noun_phrase(obj, rng, plural=n != 1, noun=noun)}"


def be(n: int) -> str:
    return "is" if n == 1 else "are"


def finish(text: str, rng: random.Random) -> str:
    """Like NLVR writers: usually a capital first letter, often a final period."""
    text = " ".join(text.split())
    if rng.random() < 0.85:
        text = text[0].upper() + text[1:]
    return text + "." if rng.random() < 0.55 else text


def random_object(rng: random.Random, p_color=0.7, p_shape=0.6, p_size=0.15) -> dict:
    """A description to talk about: some of colour, shape and size (at least colour or shape)."""
    color = pick(rng, COLOR_NAMES) if rng.random() < p_color else None
    shape = pick(rng, SHAPES) if rng.random() < p_shape else None
    if color is None and shape is None:
        color, shape = (pick(rng, COLOR_NAMES), None) if rng.random() < 0.5 else (None, pick(rng, SHAPES))
    size = pick(rng, SIZES) if rng.random() < p_size else None
    return {"color": color, "shape": shape, "size": size}


def likely_count(obj: dict, rng: random.Random, items: float = 12.0, low: int = 1, high: int = 6) -> int:
    """A count near what a scene usually holds of ``obj`` (about ``items`` items in all), so that
    both answers occur: with k attributes given, about items / 3**k fit."""
    expected = items / 3 ** sum(obj.get(k) is not None for k in ("color", "shape", "size"))
    return max(low, min(high, round(expected * rng.uniform(0.4, 1.6))))


# =============================================================================================
# 4. Templates: statement kinds, their parameters, their English and their meaning


class Template:
    """A kind of statement: ``sample`` draws parameters, ``say`` writes them in English (choosing
    among NLVR's phrasings), ``holds`` computes their truth on a scene (3 tuples of Items)."""
    id: str = ""
    kind: str = ""  # the statement kind (see KINDS)
    scene: str = "scatter"  # the scenes it talks about: "tower" or "scatter"
    weight: float = 1.0  # relative frequency among the templates of its scene kind
    example: str = ""
    since: int = 2  # the first generator version that writes it (see VERSIONS)

    def sample(self, rng: random.Random) -> dict:
        raise NotImplementedError

    def say(self, p: dict, rng: random.Random) -> str:
        raise NotImplementedError

    def holds(self, p: dict, boxes) -> bool:
        raise NotImplementedError

    def __repr__(self):
        return f"<template {self.id} ({self.kind}, {self.scene}): {self.example!r}>"


# --- Scatter scenes: existence and counts ------------------------------------------------------

class Exists(Template):
    id, kind, weight, example = "exists", "existence", 3.0, "There is a small black triangle."

    def sample(self, rng):
        return {"obj": random_object(rng), "neg": rng.random() < 0.3}

    def say(self, p, rng):
        o = p["obj"]
        if p["neg"]:
            return pick(rng, [f"there is no {noun_phrase(o, rng)}", f"there are no {noun_phrase(o, rng, True)}",
                              f"none of the boxes has {a_noun(o, rng)}"])
        return pick(rng, [f"there is {a_noun(o, rng)}", f"there is at least one {noun_phrase(o, rng)}",
                          f"there is {a_noun(o, rng)} in one of the boxes"])

    def holds(self, p, boxes):
        return (count(boxes, p["obj"]) == 0) if p["neg"] else count(boxes, p["obj"]) >= 1


class Count(Template):
    """'There are exactly 2 black circles.' / at least / at most, over all 3 boxes."""
    kind, weight = "count", 2.0
    cmp = "exactly"

    def __init__(self, cmp, weight, example):
        self.cmp, self.weight, self.example, self.id = cmp, weight, example, f"count_{cmp}"

    def sample(self, rng):
        obj = random_object(rng)
        low = {"exactly": 1, "at_least": 2, "at_most": 1}[self.cmp]
        return {"obj": obj, "n": likely_count(obj, rng, low=low)}

    def say(self, p, rng):
        if self.cmp == "at_least" and rng.random() < 0.15:
            return f"there are more than {number(p['n'] - 1, rng)} {noun_phrase(p['obj'], rng, True)}"
        return f"there {be(p['n'])} {quantity(self.cmp, p['n'], p['obj'], rng)}"

    def holds(self, p, boxes):
        return compare(self.cmp, count(boxes, p["obj"]), p["n"])


# --- Scatter scenes: box quantifiers -------------------------------------------------------------

def random_box_property(rng: random.Random, q: str) -> dict:
    """What a box may have: a number of items, a count of some items, only one colour, ..."""
    kinds = ["items", "count", "only_color", "one_color", "all_colors", "two_colors", "pair"]
    weights = [1, 4, 2, 1, 2, 1, 2] if q == "each" else [5, 6, 3, 1, 2, 1, 2]
    what = pick(rng, kinds, weights)
    if what == "items":
        return {"what": "items", "n": rng.randint(1, 7)}
    if what == "count":
        obj = random_object(rng)
        cmp = pick(rng, ("exactly", "at_least"), (1, 2) if q == "each" else (3, 2))
        return {"what": "count", "cmp": cmp, "n": likely_count(obj, rng, items=4, high=4), "obj": obj}
    if what == "only_color":
        return {"what": "only_color", "color": pick(rng, COLOR_NAMES)}
    if what == "pair":
        return {"what": "pair", "obj": random_object(rng, p_size=0), "obj2": random_object(rng, p_size=0)}
    return {"what": what}


def say_box_property(prop: dict, rng: random.Random) -> str:
    what = prop["what"]
    if what == "items":
        return quantity("exactly", prop["n"], {}, rng)
    if what == "count":
        if prop["cmp"] == "at_least" and prop["n"] == 1 and rng.random() < 0.5:
            return a_noun(prop["obj"], rng)
        return quantity(prop["cmp"], prop["n"], prop["obj"], rng)
    if what == "only_color":
        c = COLOR_WORDS[prop["color"]]
        return pick(rng, [f"only {c} items", f"items of only {c} color", f"only {c} objects"])
    if what == "one_color":
        return pick(rng, ["items of only one color", "items of the same color", "only one color",
                          "items of only one colour"])
    if what == "all_colors":
        return pick(rng, ["items of all 3 different colors", "items of all three colors",
                          "all three colors", "items of three different colors"])
    if what == "two_colors":
        return pick(rng, ["items of 2 different colors", "items of exactly two different colors"])
    return f"{a_noun(prop['obj'], rng)} and {a_noun(prop['obj2'], rng)}"  # pair


def box_has(box, prop: dict) -> bool:
    what = prop["what"]
    colors = {it.color for it in box}
    if what == "items":
        return len(box) == prop["n"]
    if what == "count":
        return compare(prop["cmp"], count([box], prop["obj"]), prop["n"])
    if what == "only_color":
        return colors == {prop["color"]}
    if what == "one_color":
        return len(colors) == 1
    if what == "all_colors":
        return len(colors) == 3
    if what == "two_colors":
        return len(colors) == 2
    return any(matches(a, prop["obj"]) and matches(b, prop["obj2"]) for a, b in pairs_in_a_box([box]))


class BoxQuantified(Template):
    """'Each box has ...', 'There is a box with ...', 'There is exactly one box with ...', ..."""
    kind = "box quantifier"
    PHRASES = {
        "each": ["each {box} has {P}", "each {box} contains {P}", "all three boxes have {P}",
                 "every box has {P}", "all 3 boxes contain {P}"],
        "exists": ["there is a {box} with {P}", "there is a {box} which contains {P}",
                   "there is a {box} that has {P}", "one of the grey boxes has {P}",
                   "at least one box has {P}", "there is at least 1 box with {P}"],
        "exactly_one": ["there is exactly one {box} with {P}", "exactly one box has {P}",
                        "there is only one {box} with {P}", "only one box has {P}",
                        "there is only 1 box with {P}"],
        "two": ["there are two {box}es with {P}", "there are exactly 2 boxes with {P}",
                "exactly two boxes have {P}", "there are 2 boxes that have {P}"],
        "none": ["there is no {box} with {P}", "no box has {P}", "none of the boxes have {P}",
                 "none of the grey boxes contain {P}"],
    }

    def __init__(self, q, weight, example):
        self.q, self.weight, self.example, self.id = q, weight, example, f"box_{q}"

    def sample(self, rng):
        return {"prop": random_box_property(rng, self.q)}

    def say(self, p, rng):
        prop = p["prop"]
        if (self.q == "each" and prop["what"] == "count" and prop["cmp"] == "at_least"
                and prop["n"] == 1 and rng.random() < 0.4):
            o = prop["obj"]
            return pick(rng, [f"there is at least one {noun_phrase(o, rng)} in each box",
                              f"there are {noun_phrase(o, rng, True)} in each box"])
        box = pick(rng, ("box", "grey box"), (4, 1))
        return pick(rng, self.PHRASES[self.q]).format(box=box, P=say_box_property(prop, rng))

    def holds(self, p, boxes):
        return QUANTIFIERS[self.q](sum(box_has(box, p["prop"]) for box in boxes))


# --- Scatter scenes: touching an edge -----------------------------------------------------------

EDGE_PHRASES = {
    "any": ["touching the edge", "touching the wall", "touching an edge", "touching the side",
            "closely touching the edge", "touching the wall of a box"],
    "bottom": ["touching the bottom of a box", "closely touching the bottom of a box",
               "touching the base", "touching the bottom", "touching the base edge"],
    "top": ["touching the top of a box", "touching the top edge"],
    "left": ["touching the left wall", "closely touching left wall of a box"],
    "right": ["touching the right wall", "closely touching right wall of a box"],
    "corner": ["touching the corner", "touching a corner", "closely touching a corner of a box",
               "closely touching a box corner"],
}
NOT_EDGE_PHRASES = ["not touching any edge", "not touching the edge", "not touching the wall",
                    "not touching any wall"]
NONE_EDGE_PHRASES = ["touching any edge", "touching the edge", "touching the wall", "touching a wall"]


def random_where(rng):
    return pick(rng, ("any", "bottom", "top", "left", "right", "corner"), (8, 3, 1, 1, 2, 3))


def say_where(where, rng, neg=False):
    return pick(rng, NONE_EDGE_PHRASES if neg and where == "any" else EDGE_PHRASES[where])


class EdgeExists(Template):
    id, kind, weight, example = "edge_exists", "touching edge", 4.0, "There is a yellow circle touching the edge."

    def sample(self, rng):
        return {"obj": random_object(rng), "where": random_where(rng), "neg": rng.random() < 0.25}

    def say(self, p, rng):
        o, w = p["obj"], say_where(p["where"], rng, p["neg"])
        if p["neg"]:
            return pick(rng, [f"there is no {noun_phrase(o, rng)} {w}",
                              f"none of the {noun_phrase(o, rng, True)} are {w}",
                              f"no {noun_phrase(o, rng)} is {w}"])
        return pick(rng, [f"there is {a_noun(o, rng)} {w}", f"there is {a_noun(o, rng)} that is {w}",
                          f"there is at least one {noun_phrase(o, rng)} {w}"])

    def holds(self, p, boxes):
        found = count(boxes, p["obj"], p["where"]) >= 1
        return not found if p["neg"] else found


class EdgeCount(Template):
    id, kind, weight, example = "edge_count", "touching edge", 3.0, "There are exactly 2 items touching the wall."

    def sample(self, rng):
        obj = random_object(rng)
        where = pick(rng, ("any", "bottom", "corner", "right"), (6, 2, 1, 1))
        frac = {"any": 0.36, "bottom": 0.11, "corner": 0.05, "right": 0.11}[where]
        return {"obj": obj, "where": where, "cmp": pick(rng, ("exactly", "at_least"), (2, 1)),
                "n": likely_count(obj, rng, items=12 * frac + 1)}

    def say(self, p, rng):
        o, n, w = p["obj"], p["n"], say_where(p["where"], rng)
        if p["cmp"] == "exactly" and rng.random() < 0.2:
            return f"{number(n, rng)} {noun_phrase(o, rng, n != 1)} {be(n)} {w}"
        return f"there {be(n)} {quantity(p['cmp'], n, o, rng)} {w}"

    def holds(self, p, boxes):
        return compare(p["cmp"], count(boxes, p["obj"], p["where"]), p["n"])


class NotEdgeCount(Template):
    id, kind, weight, example = ("not_edge_count", "touching edge", 2.0,
                                 "There are exactly three blue objects not touching any edge.")

    def sample(self, rng):
        obj = random_object(rng)
        return {"obj": obj, "cmp": pick(rng, ("exactly", "at_least"), (3, 1)),
                "n": likely_count(obj, rng, items=8)}

    def say(self, p, rng):
        o, n = p["obj"], p["n"]
        if p["cmp"] == "at_least" and n == 1:
            return f"there is {a_noun(o, rng)} {pick(rng, NOT_EDGE_PHRASES)}"
        return f"there {be(n)} {quantity(p['cmp'], n, o, rng)} {pick(rng, NOT_EDGE_PHRASES)}"

    def holds(self, p, boxes):
        return compare(p["cmp"], count(boxes, p["obj"], "any", edge=False), p["n"])


class EdgeAll(Template):
    id, kind, weight, example = "edge_all", "touching edge", 1.0, "All black circles are touching the edge."

    def sample(self, rng):
        return {"obj": random_object(rng, p_color=0.8, p_shape=0.8),
                "where": pick(rng, ("any", "bottom"), (4, 1))}

    def say(self, p, rng):
        o, w = p["obj"], say_where(p["where"], rng)
        return pick(rng, [f"all {noun_phrase(o, rng, True)} are {w}", f"{noun_phrase(o, rng, True)} are {w}",
                          f"every {noun_phrase(o, rng)} is {w}", f"all the {noun_phrase(o, rng, True)} are {w}"])

    def holds(self, p, boxes):  # needs at least one such item
        n = count(boxes, p["obj"])
        return n >= 1 and count(boxes, p["obj"], p["where"]) == n


# --- Scatter scenes: touching another item, above and below -----------------------------------

class TouchingPair(Template):
    id, kind, weight, example = ("touching_pair", "touching item", 0.7,
                                 "There is a black square touching a yellow item.")

    def sample(self, rng):
        return {"obj": random_object(rng, p_shape=0.3, p_size=0), "obj2": random_object(rng, p_shape=0.3, p_size=0)}

    def say(self, p, rng):
        a, b = a_noun(p["obj"], rng), a_noun(p["obj2"], rng)
        return pick(rng, [f"there is {a} touching {b}", f"{a} is touching {b}",
                          f"there is {a} attached to {b}"])

    def holds(self, p, boxes):
        return any(matches(a, p["obj"]) and matches(b, p["obj2"]) and touching(a, b)
                   for a, b in pairs_in_a_box(boxes))


class TouchingEachOther(Template):
    id, kind, weight, example = ("touching_each_other", "touching item", 0.7,
                                 "There is a box with 2 black items touching each other.")

    def sample(self, rng):
        return {"obj": random_object(rng, p_color=0.6, p_shape=0.3, p_size=0)}

    def say(self, p, rng):
        two, objs = number(2, rng), noun_phrase(p["obj"], rng, True)
        return pick(rng, [f"there is a box with {two} {objs} touching each other",
                          f"there are {two} {objs} touching each other", f"{two} {objs} are touching each other",
                          f"there is {a_noun(p['obj'], rng)} touching another {noun_phrase(p['obj'], rng)}"])

    def holds(self, p, boxes):
        return any(matches(a, p["obj"]) and matches(b, p["obj"]) and touching(a, b)
                   for a, b in pairs_in_a_box(boxes))


class Above(Template):
    id, kind, weight, example = "above", "above/below", 1.3, "There is a black item above a blue circle."

    def sample(self, rng):
        return {"obj": random_object(rng, p_size=0.1), "obj2": random_object(rng, p_size=0.1),
                "neg": rng.random() < 0.25}

    def say(self, p, rng):
        a, b = p["obj"], p["obj2"]
        if p["neg"]:
            return pick(rng, [f"there is no {noun_phrase(a, rng)} above {a_noun(b, rng)}",
                              f"no {noun_phrase(a, rng)} is above {a_noun(b, rng)}"])
        return pick(rng, [f"there is {a_noun(a, rng)} above {a_noun(b, rng)}",
                          f"there is at least one {noun_phrase(a, rng)} above {a_noun(b, rng)}",
                          f"there is {a_noun(b, rng)} below {a_noun(a, rng)}"])

    def holds(self, p, boxes):
        found = any(matches(a, p["obj"]) and matches(b, p["obj2"]) and a.y_loc < b.y_loc
                    for a, b in pairs_in_a_box(boxes))
        return not found if p["neg"] else found


class BoxTopItem(Template):
    id, kind, weight, example = ("box_top_item", "above/below", 1.0,
                                 "There is a box with 3 items and a yellow item on top.")

    def sample(self, rng):
        return {"obj": random_object(rng, p_color=0.9, p_shape=0.3, p_size=0),
                "items": rng.randint(2, 5) if rng.random() < 0.4 else None,
                "q": pick(rng, ("exists", "two"), (3, 1))}

    def say(self, p, rng):
        top = f"{a_noun(p['obj'], rng)} on top"
        if p["items"]:
            top = f"{quantity('exactly', p['items'], {}, rng)} and {top}"
        return pick(rng, ["there is a box with {T}", "there is a grey box with {T}"] if p["q"] == "exists"
                    else ["there are two boxes with {T}", "there are 2 boxes with {T}"]).format(T=top)

    def holds(self, p, boxes):
        def has(box):
            highest = min(it.y_loc for it in box)
            return ((p["items"] is None or len(box) == p["items"])
                    and any(matches(it, p["obj"]) for it in box if it.y_loc == highest))
        return QUANTIFIERS[p["q"]](sum(has(box) for box in boxes))


# --- Tower scenes ------------------------------------------------------------------------------

TOWER_QUANTIFIER_PHRASES = {
    "exists": ["there is a tower with {P}", "there is at least one tower with {P}",
               "there is a tower which has {P}", "there is a tower that has {P}"],
    "exactly_one": ["there is exactly one tower with {P}", "there is only one tower with {P}",
                    "there is one tower with {P}", "only one tower has {P}", "one tower has {P}",
                    "there is exactly one tower which has {P}"],
    "two": ["there are two towers with {P}", "there are exactly two towers with {P}",
            "there are 2 towers with {P}", "two towers have {P}", "two of the towers have {P}",
            "there are two towers having {P}"],
    "at_least_two": ["there are at least two towers with {P}", "there are atleast 2 towers with {P}",
                     "at least two towers have {P}"],
    "none": ["there is no tower with {P}", "no tower has {P}", "none of the towers have {P}"],
    "each": ["each tower has {P}", "all three towers have {P}", "all towers have {P}",
             "every tower has {P}", "all 3 towers contain {P}"],
}


def say_height(cmp: str, h: int, rng: random.Random) -> str:
    """'three blocks', 'exactly one block', 'at least 2 blocks', 'more than two blocks'."""
    return quantity(cmp, h, {}, rng, noun="block")


class TowerTemplate(Template):
    """A property of one tower, counted over the 3 towers with a quantifier ("there is a tower
    with ...", "exactly one tower ...", "two towers ...", "no tower ...", "each tower ...")."""
    scene = "tower"
    quantifiers = {"exists": 10, "exactly_one": 3, "two": 3, "at_least_two": 1, "none": 2, "each": 1}

    def sample(self, rng):
        return {"q": pick(rng, list(self.quantifiers), list(self.quantifiers.values())), **self.sample_property(rng)}

    def say(self, p, rng):
        special = self.special_phrasings(p, rng)
        if special and rng.random() < 0.5:
            return pick(rng, special)
        return pick(rng, TOWER_QUANTIFIER_PHRASES[p["q"]]).format(P=self.say_property(p, rng))

    def holds(self, p, boxes):
        return QUANTIFIERS[p["q"]](sum(self.tower_has(tower(box), p) for box in boxes))

    def sample_property(self, rng) -> dict:
        raise NotImplementedError

    def say_property(self, p, rng) -> str:
        raise NotImplementedError

    def special_phrasings(self, p, rng) -> list:
        return []

    def tower_has(self, blocks: list, p: dict) -> bool:
        raise NotImplementedError


def random_height_condition(rng):
    """None (any height) or a condition on the tower's height: exactly / at least / more than h."""
    if rng.random() < 0.6:
        return None
    cmp = pick(rng, ("exactly", "at_least", "more_than"), (3, 2, 1))
    return {"cmp": cmp, "h": {"exactly": rng.randint(1, 4), "at_least": rng.randint(2, 3),
                              "more_than": rng.randint(1, 2)}[cmp]}


def height_ok(blocks, hcond) -> bool:
    return hcond is None or compare(hcond["cmp"], len(blocks), hcond["h"])


class TowerHeight(TowerTemplate):
    id, kind, weight, example = "tower_height", "tower height", 8.0, "There is a tower with four blocks."

    def sample_property(self, rng):
        cmp = pick(rng, ("exactly", "at_least", "more_than"), (6, 1, 1))
        return {"cmp": cmp, "h": rng.randint(1, 4) if cmp == "exactly" else rng.randint(2, 3)}

    def say_property(self, p, rng):
        return say_height(p["cmp"], p["h"], rng)

    def special_phrasings(self, p, rng):
        if p["q"] == "exists" and p["cmp"] == "exactly":
            h, blocks = number(p["h"], rng), "block" if p["h"] == 1 else "blocks"
            return [f"there is a {h} {blocks} tower", f"there is a tower which has only {h} {blocks}"]
        return []

    def tower_has(self, blocks, p):
        return compare(p["cmp"], len(blocks), p["h"])


class TowerEnd(TowerTemplate):
    """The colour of a tower's top (highest) block or base (bottom) block."""
    kind, weight = "tower top/base", 12.0
    END_PHRASES = {"top": ["a {c} block at the top", "a {c} block on the top", "a {c} block on top",
                           "a {c} top"],
                   "base": ["a {c} block at the base", "a {c} base", "a {c} block at the bottom",
                            "a {c} block as the base"]}

    def __init__(self, end, weight, example):
        self.end, self.weight, self.example, self.id = end, weight, example, f"tower_{end}"

    def sample_property(self, rng):
        return {"color": pick(rng, COLOR_NAMES), "hcond": random_height_condition(rng)}

    def say_property(self, p, rng):
        end = pick(rng, self.END_PHRASES[self.end]).format(c=COLOR_WORDS[p["color"]])
        if p["hcond"] is None:
            return end
        h = say_height(p["hcond"]["cmp"], p["hcond"]["h"], rng)
        return f"{h} {pick(rng, ('having', 'with', 'and'))} {end}"

    def special_phrasings(self, p, rng):
        """'There is a yellow block as the top of a tower with three blocks.' and the like."""
        c, end = COLOR_WORDS[p["color"]], self.end
        of = "a tower" if p["hcond"] is None else f"a tower with {say_height(p['hcond']['cmp'], p['hcond']['h'], rng)}"
        phrases = {
            "exists": [f"there is a {c} block as the {end} of {of}", f"there is at least one {c} block as the {end} of {of}",
                       f"the {end} of {of} is {c}"],
            "exactly_one": [f"there is exactly one {c} block as the {end} of {of}",
                            f"there is only one {c} block as the {end} of {of}"],
            "two": [f"there are two {c} blocks as the {end} of {of}", f"there are exactly two {c} blocks as the {end} of {of}"]
                   + ([f"two of the towers have {c} {end}s"] if p["hcond"] is None else []),
            "at_least_two": [f"there are at least two {c} blocks as the {end} of {of}"],
            "none": [f"there is no {c} block as the {end} of {of}"],
            "each": [f"the {end} of each tower is {c}"] if p["hcond"] is None else [],
        }
        return phrases[p["q"]]

    def tower_has(self, blocks, p):
        return height_ok(blocks, p["hcond"]) and blocks[-1 if self.end == "top" else 0] == p["color"]


class TowerOrder(TowerTemplate):
    """A block of one colour above (anywhere higher) or directly on a block of another colour."""
    kind, weight = "above/below", 6.0
    quantifiers = {"exists": 10, "exactly_one": 2, "two": 2, "none": 3}

    def __init__(self, direct, weight, example):
        self.direct, self.weight, self.example = direct, weight, example
        self.id = "tower_on" if direct else "tower_above"

    def sample_property(self, rng):
        return {"upper": pick(rng, COLOR_NAMES), "lower": pick(rng, COLOR_NAMES)}

    def say_property(self, p, rng):
        up, low = COLOR_WORDS[p["upper"]], COLOR_WORDS[p["lower"]]
        if self.direct:
            options = [f"a {up} block on top of a {low} block", f"a {up} block on a {low} block",
                       f"a {up} block directly above a {low} block"]
            if up == low:
                options += [f"{number(2, rng)} {up} blocks stacked together"] * 2
            return pick(rng, options)
        return pick(rng, [f"a {up} block above a {low} block", f"a {up} block over a {low} block",
                          f"a {low} block below a {up} block", f"a {low} block under a {up} block"])

    def special_phrasings(self, p, rng):
        """'There is a yellow block above a black block.' (a relation only holds inside a tower)."""
        relation = self.say_property(p, rng)  # "a yellow block above a black block"
        if not relation.startswith("a "):  # "two blue blocks stacked together"
            return []
        return {"exists": [f"there is {relation}", f"there is at least one {relation[2:]}"],
                "none": [f"there is no {relation[2:]}"]}.get(p["q"], [])

    def tower_has(self, blocks, p):
        if self.direct:
            return any(lo == p["lower"] and up == p["upper"] for lo, up in zip(blocks, blocks[1:]))
        return any(blocks[i] == p["lower"] and p["upper"] in blocks[i + 1:] for i in range(len(blocks)))


class TowerPosition(TowerTemplate):
    id, kind, weight, example = ("tower_position", "tower top/base", 2.0,
                                 "There is a tower whose second block from the base is blue.")
    quantifiers = {"exists": 6, "exactly_one": 2, "two": 1, "none": 1}

    def sample_property(self, rng):
        return {"color": pick(rng, COLOR_NAMES), "index": pick(rng, (2, 3), (3, 1)),
                "from": pick(rng, ("base", "top"))}

    def say(self, p, rng):
        block = f"{ORDINALS[p['index']]} block from the {p['from']} is {COLOR_WORDS[p['color']]}"
        return pick(rng, {
            "exists": [f"there is a tower whose {block}", f"there is a tower where the {block}",
                       f"there is a tower that the {block}"],
            "exactly_one": [f"there is only one tower where the {block}", f"there is exactly one tower whose {block}"],
            "two": [f"there are two towers where the {block}", f"there are two towers whose {block}"],
            "none": [f"there is no tower whose {block}", f"there is no tower where the {block}"],
        }[p["q"]])

    def tower_has(self, blocks, p):
        i = p["index"]
        return len(blocks) >= i and blocks[i - 1 if p["from"] == "base" else -i] == p["color"]


class TowerColorCount(TowerTemplate):
    id, kind, weight, example = ("tower_color_count", "tower colour", 8.0,
                                 "Each tower has at least 1 yellow block.")
    quantifiers = {"exists": 8, "exactly_one": 3, "two": 3, "at_least_two": 1, "none": 1, "each": 2}

    def sample_property(self, rng):
        cmp = pick(rng, ("exactly", "at_least"))
        return {"color": pick(rng, COLOR_NAMES), "cmp": cmp,
                "n": pick(rng, (1, 2, 3), (3, 2, 1)) if cmp == "exactly" else pick(rng, (1, 2, 3), (4, 2, 1))}

    def say_property(self, p, rng):
        c, n = COLOR_WORDS[p["color"]], p["n"]
        if p["cmp"] == "at_least" and n == 1 and rng.random() < 0.5:
            return pick(rng, [f"a {c} block", f"{c} blocks"])
        return quantity(p["cmp"], n, {"color": p["color"]}, rng, noun="block")

    def special_phrasings(self, p, rng):
        c = COLOR_WORDS[p["color"]]
        if p["cmp"] == "at_least" and p["n"] == 1:
            return {"each": [f"there is a {c} block in each tower", f"all towers contain a {c} block"],
                    "two": [f"there are 2 towers that contain at least 1 {c} block",
                            f"there are two towers that contain {c} blocks"],
                    "exactly_one": [f"there is only one tower that contains {c} blocks"]}.get(p["q"], [])
        return []

    def tower_has(self, blocks, p):
        return compare(p["cmp"], blocks.count(p["color"]), p["n"])


class TowerOnlyColor(TowerTemplate):
    id, kind, weight, example = "tower_only_color", "tower colour", 3.0, "There is a yellow tower."
    quantifiers = {"exists": 6, "exactly_one": 2, "two": 1, "none": 2}

    def sample_property(self, rng):
        hcond = None
        if rng.random() < 0.35:
            cmp = pick(rng, ("exactly", "more_than"), (3, 1))
            hcond = {"cmp": cmp, "h": rng.randint(1, 3) if cmp == "exactly" else 1}
        return {"color": pick(rng, COLOR_NAMES) if rng.random() < 0.85 else None, "hcond": hcond}

    def say_property(self, p, rng):
        blocks = "blocks" if p["hcond"] is None else say_height(p["hcond"]["cmp"], p["hcond"]["h"], rng)
        if p["color"] is None:
            return f"{blocks} of only one color" if p["hcond"] else pick(rng, ["blocks of only one color",
                                                                              "only one color"])
        c = COLOR_WORDS[p["color"]]
        return f"only {c} blocks" if p["hcond"] is None else f"{blocks}, all {c}"

    def special_phrasings(self, p, rng):
        if p["color"] is None or p["q"] not in ("exists", "none", "two"):
            return []
        c, tower_word = COLOR_WORDS[p["color"]], {"exists": "there is a", "none": "there is no",
                                                  "two": "there are two"}[p["q"]]
        s = "s" if p["q"] == "two" else ""
        if p["hcond"] is None:
            return [f"{tower_word} {c} tower{s}"]
        h = p["hcond"]["h"]
        blocks = f"{number(h, rng)} {'block' if h == 1 else 'blocks'}"
        return [f"{tower_word} {c} tower{s} with " + (f"only {blocks}" if p["hcond"]["cmp"] == "exactly"
                                                       else f"more than {blocks}")]

    def tower_has(self, blocks, p):
        return (len(set(blocks)) == 1 and (p["color"] is None or blocks[0] == p["color"])
                and height_ok(blocks, p["hcond"]))


class TowerAllColors(TowerTemplate):
    id, kind, weight, example = ("tower_all_colors", "tower colour", 2.0,
                                 "There is a tower with blocks of all three colors.")
    quantifiers = {"exists": 6, "exactly_one": 2, "none": 2, "two": 1}

    def sample_property(self, rng):
        return {}

    def say_property(self, p, rng):
        return pick(rng, ["blocks of all three colors", "blocks of all 3 colours", "blocks of three different colors",
                          "a yellow block, a blue block and a black block"])

    def tower_has(self, blocks, p):
        return len(set(blocks)) == 3


class TowerBlockCount(Template):
    id, kind, scene, weight, example = "tower_block_count", "count", "tower", 5.0, "There are 3 black blocks."

    def sample(self, rng):
        cmp = pick(rng, ("exactly", "at_least", "at_most"), (5, 3, 1))
        return {"color": pick(rng, COLOR_NAMES), "cmp": cmp, "n": rng.randint(1, 5)}

    def say(self, p, rng):
        return f"there {be(p['n'])} {quantity(p['cmp'], p['n'], {'color': p['color']}, rng, noun='block')}"

    def holds(self, p, boxes):
        return compare(p["cmp"], sum(tower(box).count(p["color"]) for box in boxes), p["n"])


class TowerSame(Template):
    """Towers of the same height, or whose top/base blocks have the same colour."""
    scene = "tower"

    def __init__(self, what, kind, weight, example):
        self.what, self.kind, self.weight, self.example = what, kind, weight, example
        self.id = f"tower_same_{what}"

    def sample(self, rng):
        return {"q": pick(rng, ("at_least_two", "all", "none"), (4, 1, 2))}

    def say(self, p, rng):
        if self.what == "height":
            return pick(rng, {
                "at_least_two": ["there are at least two towers with the same height",
                                 "there are two towers that are the same in height", "two towers have the same height"],
                "all": ["all three towers have the same height", "all towers are the same height"],
                "none": ["no two towers have the same height", "all towers have different heights",
                         "the three towers have different heights"]}[p["q"]])
        end = self.what
        return pick(rng, {
            "at_least_two": [f"there are two towers with the same {end} color",
                             f"at least two towers have the same {end} color"],
            "all": [f"all three towers have the same {end} color", f"the {end}s of the three towers are the same color"],
            "none": [f"the {end}s of the three towers are all different colors",
                     f"no two towers have the same {end} color"]}[p["q"]])

    def holds(self, p, boxes):
        towers = [tower(box) for box in boxes]
        values = [len(t) if self.what == "height" else t[-1 if self.what == "top" else 0] for t in towers]
        largest_same = max(Counter(values).values())
        return {"at_least_two": largest_same >= 2, "all": largest_same == 3, "none": largest_same == 1}[p["q"]]


# =============================================================================================
# 4b. Version 3: phrasings grown from NLVR's Test-P sentences (never from dev)
#
# Each template below was written after the most frequent forms of real Test-P sentences that
# version 2 could not write ("there is 1 tower with ...", "the tower with four blocks has ...",
# "there is a box with only blue and yellow items", "a yellow block between two black blocks", ...).
# They only take part when generating with ``version=3`` (``since = 3``). Their parameter spaces are
# kept small (colour and/or shape, no size; words NLVR writers use) so that a common real phrasing
# is written often. Dev sentences were not read to design them: dev stays an unseen check.

def pick_phrase(rng: random.Random, phrases) -> str:
    """One of ``phrases``: strings (weight 1) or (string, weight) pairs; the weights follow how
    often Test-P writers use each phrasing, so the common ones are written often."""
    pairs = [(x, 1) if isinstance(x, str) else x for x in phrases]
    return pick(rng, [x for x, _ in pairs], [w for _, w in pairs])


#: How many of the 3 towers have the property, as Test-P writers say it ({P}: the property).
TOWER_PHRASES_V3 = {
    "exists": [("there is a tower with {P}", 3), ("there is at least 1 tower with {P}", 2),
               ("there is at least one tower with {P}", 2), "there is atleast one tower with {P}",
               "there is at least one tower which has {P}", "at least one tower has {P}"],
    "exactly_one": [("there is 1 tower with {P}", 4), ("there is one tower with {P}", 2),
                    ("there is one tower which has {P}", 2), ("there is exactly one tower with {P}", 3),
                    "there is only one tower with {P}"],
    "two": [("there are 2 towers with {P}", 3), ("there are two towers with {P}", 3),
            "there are two towers that has {P}", "two of the towers has {P}", "two of the towers have {P}", "there are exactly two towers with {P}",
            "two towers have {P}"],
    "at_least_two": ["there are atleast two towers with {P}", "there are at least 2 towers with {P}"],
    "none": [("there is no tower with {P}", 2), "no tower has {P}"],
    "each": [("each tower has {P}", 3), "every tower has {P}", "all towers have {P}"],
}
#: The same with a height condition {H} ("exactly three blocks"): only towers of that height count.
#: "the tower with four blocks has {P}" is read as "a tower with four blocks has {P}".
TOWER_HEIGHT_PHRASES_V3 = {
    "exists": [("there is a tower with {H} having {P}", 4), "there is a tower with {H} with {P}",
               ("there is at least one tower with {H} having {P}", 2), "there is atleast one tower with {H} having {P}",
               "there is at least one tower with {H} and it has {P}", "there is a tower with {H} and it has {P}",
               "at least one tower with {H} has {P}", ("the tower with {H} has {P}", 3)],
    "exactly_one": [("there is one tower with {H} having {P}", 2), "there is one tower with {H} with {P}",
                    "there is exactly one tower with {H} having {P}", "there is 1 tower with {H} with {P}"],
    "two": ["there are two towers with {H} having {P}", "there are 2 towers with {H} with {P}"],
    "none": ["there is no tower with {H} having {P}"],
}


def say_height_v3(h: int, rng: random.Random) -> str:
    """'three blocks', 'exactly two blocks', 'only one block' (always an exact height)."""
    n = NUMBER_WORDS[h] if rng.random() < 0.9 else str(h)
    prefix = pick(rng, ("", "exactly ", "only "), (5, 4, 1))
    return f"{prefix}{n} block{'s' * (h != 1)}"


def say_block_count_v3(cmp: str, n: int, color: str, rng: random.Random) -> str:
    """'2 yellow blocks', 'at least 1 yellow block', 'atleast one blue block', 'exactly two black blocks'."""
    c, blocks = COLOR_WORDS[color], "block" if n == 1 else "blocks"
    if cmp == "at_least" and n == 1 and rng.random() < 0.3:
        return pick(rng, [f"a {c} block", f"{c} blocks"])
    prefix = (pick(rng, ("", "exactly ", "only "), (4, 3, 1)) if cmp == "exactly"
              else pick(rng, ("at least ", "atleast "), (3, 1)))
    return f"{prefix}{number(n, rng)} {c} {blocks}"


# A tower property of version 3: draw(rng) -> params, say(params, rng) -> English, has(blocks, params).
# ``blocks`` lists a tower's colours from the base up (see :func:`tower`).

def _end_draw(rng):
    return {"end": pick(rng, ("top", "base"), (3, 2)), "color": pick(rng, COLOR_NAMES)}


def _end_say(p, rng):
    c = COLOR_WORDS[p["color"]]
    return pick_phrase(rng, {
        "top": [(f"a {c} block at the top", 4), f"a {c} block on top", f"1 {c} block at the top"],
        "base": [(f"a {c} block at the base", 4), f"a {c} block at the bottom", f"a {c} base"]}[p["end"]])


def _end_has(blocks, p):
    return blocks[-1 if p["end"] == "top" else 0] == p["color"]


def _count_draw(rng):
    cmp = pick(rng, ("exactly", "at_least"), (1, 1))
    return {"color": pick(rng, COLOR_NAMES), "cmp": cmp,
            "n": pick(rng, (1, 2, 3), (3, 3, 1) if cmp == "exactly" else (5, 2, 1))}


def _count_say(p, rng):
    return say_block_count_v3(p["cmp"], p["n"], p["color"], rng) + (" in it" if rng.random() < 0.2 else "")


def _count_has(blocks, p):
    return compare(p["cmp"], blocks.count(p["color"]), p["n"])


def _order_draw(rng):
    return {"upper": pick(rng, COLOR_NAMES), "lower": pick(rng, COLOR_NAMES)}


def _order_say(p, rng):
    up, low = COLOR_WORDS[p["upper"]], COLOR_WORDS[p["lower"]]
    return pick(rng, [f"a {up} block above a {low} block", f"a {up} block over a {low} block",
                      f"a {low} block below a {up} block", f"a {low} block under a {up} block",
                      f"{up} block above a {low} block"], (3, 3, 1, 1, 1))


def _order_has(blocks, p):  # anywhere higher in the same tower, as TowerOrder(direct=False)
    return any(blocks[i] == p["lower"] and p["upper"] in blocks[i + 1:] for i in range(len(blocks)))


def _stacked_draw(rng):
    return {"color": pick(rng, COLOR_NAMES)}


def _stacked_say(p, rng):
    return f"{number(2, rng)} {COLOR_WORDS[p['color']]} blocks stacked together"


def _stacked_has(blocks, p):  # two blocks of the colour, one directly on the other
    return any(lo == up == p["color"] for lo, up in zip(blocks, blocks[1:]))


def _only_draw(rng):
    return {"color": pick(rng, COLOR_NAMES)}


def _only_say(p, rng):
    c = COLOR_WORDS[p["color"]]
    return pick(rng, [f"only {c} blocks", f"blocks of {c} color only", f"only {c} blocks"])


def _only_has(blocks, p):
    return set(blocks) == {p["color"]}


def _all_colors_say(p, rng):
    return pick(rng, ["blocks of all three colors", "blocks of all 3 colors", "blocks of all three colours"])


def _middle_say(p, rng):
    c = COLOR_WORDS[p["color"]]
    return pick(rng, [f"a {c} block in the middle", f"one {c} block in the middle"])


def _middle_has(blocks, p):  # neither the base nor the top (in a 3-block tower: the second block)
    return p["color"] in blocks[1:-1]


def _top_base_draw(rng):
    return {"top": pick(rng, COLOR_NAMES), "base": pick(rng, COLOR_NAMES)}


def _top_base_say(p, rng):
    top, base = f"a {COLOR_WORDS[p['top']]} block at the top", f"a {COLOR_WORDS[p['base']]} block at the base"
    return f"{top} and {base}" if rng.random() < 0.5 else f"{base} and {top}"


def _top_base_has(blocks, p):
    return blocks[-1] == p["top"] and blocks[0] == p["base"]


def _height_draw(rng):
    return {"h": pick(rng, (1, 2, 3, 4))}


def _height_say(p, rng):
    h = p["h"]
    n = NUMBER_WORDS[h] if rng.random() < 0.85 else str(h)
    return pick(rng, ("", "only ", "exactly "), (4, 3, 2)) + f"{n} block{'s' * (h != 1)}"


def _height_has(blocks, p):
    return len(blocks) == p["h"]


#: name -> (draw, say, has): the tower properties of the version-3 tower templates.
TOWER_PROPERTIES_V3 = {
    "end": (_end_draw, _end_say, _end_has),
    "count": (_count_draw, _count_say, _count_has),
    "order": (_order_draw, _order_say, _order_has),
    "stacked": (_stacked_draw, _stacked_say, _stacked_has),
    "only_color": (_only_draw, _only_say, _only_has),
    "all_colors": (lambda rng: {}, _all_colors_say, lambda blocks, p: len(set(blocks)) == 3),
    "middle": (_only_draw, _middle_say, _middle_has),
    "top_and_base": (_top_base_draw, _top_base_say, _top_base_has),
    "height": (_height_draw, _height_say, _height_has),
}


class TowerPhrased(TowerTemplate):
    """Version 3: a tower property (:data:`TOWER_PROPERTIES_V3`) with Test-P's quantifier phrasings
    ("there is 1 tower with ...", "two of the towers has ...") and, sometimes, a height condition
    ("there is a tower with exactly two blocks having ...": only towers of that height count)."""
    since = 3

    def __init__(self, prop, kind, weight, example, quantifiers, p_height=0.0):
        self.prop, self.kind, self.weight, self.example = prop, kind, weight, example
        self.quantifiers, self.p_height, self.id = quantifiers, p_height, f"tower3_{prop}"

    def sample(self, rng):
        q = pick(rng, list(self.quantifiers), list(self.quantifiers.values()))
        hcond = None
        if q in TOWER_HEIGHT_PHRASES_V3 and rng.random() < self.p_height:
            heights = ((3, 4), (4, 1)) if self.prop == "middle" else ((2, 3, 4), (2, 3, 2))
            hcond = {"cmp": "exactly", "h": pick(rng, *heights)}
        return {"q": q, "hcond": hcond, **TOWER_PROPERTIES_V3[self.prop][0](rng)}

    def say(self, p, rng):
        prop = TOWER_PROPERTIES_V3[self.prop][1](p, rng)
        if p["hcond"] is None:
            return pick_phrase(rng, TOWER_PHRASES_V3[p["q"]]).format(P=prop)
        height = say_height_v3(p["hcond"]["h"], rng)
        if self.prop == "end" and p["q"] == "exists" and rng.random() < 0.4:  # Test-P's "as the top of"
            return f"there is a {COLOR_WORDS[p['color']]} block as the {p['end']} of a tower with {height}"
        return pick_phrase(rng, TOWER_HEIGHT_PHRASES_V3[p["q"]]).format(H=height, P=prop)

    def tower_has(self, blocks, p):
        return height_ok(blocks, p["hcond"]) and TOWER_PROPERTIES_V3[self.prop][2](blocks, p)


class TowerBetween(Template):
    """Version 3: 'There is a yellow block between two black blocks.' (directly below and above it,
    in one tower)."""
    id, kind, scene, weight, example = ("tower3_between", "above/below", "tower", 2.0,
                                        "There is a yellow block between two black blocks.")
    since = 3

    def sample(self, rng):
        return {"color": pick(rng, COLOR_NAMES), "outer": pick(rng, COLOR_NAMES), "neg": rng.random() < 0.2}

    def say(self, p, rng):
        c, o = COLOR_WORDS[p["color"]], COLOR_WORDS[p["outer"]]
        if p["neg"]:
            return pick(rng, [f"there is no {c} block between two {o} blocks",
                              f"no tower has a {c} block between two {o} blocks"])
        return pick(rng, [f"there is a {c} block between two {o} blocks",
                          f"there is a tower with a {c} block between two {o} blocks",
                          f"there is a {c} block in between two {o} blocks"], (3, 2, 1))

    def holds(self, p, boxes):
        found = any(t[i] == p["color"] and t[i - 1] == t[i + 1] == p["outer"]
                    for t in map(tower, boxes) for i in range(1, len(t) - 1))
        return not found if p["neg"] else found


class TowerBlockCountPhrased(TowerBlockCount):
    """Version 3: Test-P's counts of blocks over all towers, 'There are 3 black blocks.' (a bare
    number counts exactly), 'There are at least 2 blue blocks.'; the meaning is tower_block_count's."""
    id, weight, example, since = "tower3_block_count", 4.0, "There are 3 black blocks.", 3

    def sample(self, rng):
        cmp = pick(rng, ("exactly", "at_least", "at_most"), (6, 2, 1))
        return {"color": pick(rng, COLOR_NAMES), "cmp": cmp, "n": pick(rng, range(1, 7), (2, 3, 3, 2, 1, 1))}

    def say(self, p, rng):
        n, c = p["n"], COLOR_WORDS[p["color"]]
        prefix = {"exactly": pick(rng, ("", "exactly "), (3, 2)),
                  "at_least": pick(rng, ("at least ", "atleast "), (3, 1)), "at_most": "at most "}[p["cmp"]]
        return f"there {be(n)} {prefix}{number(n, rng)} {c} block{'s' * (n != 1)}"


# --- Version 3, scatter scenes ------------------------------------------------------------------

def simple_object(rng: random.Random) -> dict:
    """Test-P's usual descriptions: colour and shape, a colour alone or a shape alone (no size)."""
    what = pick(rng, ("both", "color", "shape"), (5, 3, 2))
    return {"color": pick(rng, COLOR_NAMES) if what != "shape" else None,
            "shape": pick(rng, SHAPES) if what != "color" else None, "size": None}


def some(obj: dict, n: int, rng: random.Random) -> str:
    """'two black circles', '1 yellow item', 'three squares'."""
    return f"{number(n, rng)} {noun_phrase(obj, rng, plural=n != 1)}"


#: Box quantifiers as Test-P writers say them ({P}: what the box has).
BOX_PHRASES_V3 = {
    "exists": [("there is a box with {P}", 6), "there is a box that has {P}", "there is a grey box which contains {P}",
               "one of the grey box contains {P}", "there is at least 1 box with {P}"],
    "exactly_one": [("there is 1 box with {P}", 3), "there is only 1 box with {P}", "there is exactly one box with {P}",
                    "only one box has {P}"],
    "two": ["there are 2 boxes with {P}", "there are two boxes with {P}"],
    "none": ["there is no box with {P}", "none of the boxes have {P}"],
    "each": ["each box has {P}", "each grey box contains {P}"],
}


def random_box_property_v3(rng: random.Random, q: str) -> dict:
    if q == "each":  # "each grey box contains atleast two black objects": other properties are too rare
        obj = simple_object(rng)
        return {"what": "count", "obj": obj, "cmp": "at_least", "n": likely_count(obj, rng, items=2, high=2)}
    what = pick(rng, ("items", "count", "only_color", "two_colors_only", "list", "items_colors"), (4, 6, 2, 2, 3, 2))
    if what == "items":
        return {"what": "items", "n": pick(rng, range(1, 8), (2, 4, 4, 3, 2, 1, 1))}
    if what == "count":
        obj = simple_object(rng)
        cmp = pick(rng, ("exactly", "at_least"), (3, 1))
        return {"what": "count", "obj": obj, "cmp": cmp,
                "n": likely_count(obj, rng, items=4, low=1 if cmp == "exactly" else 2, high=4)}
    if what == "only_color":
        return {"what": "only_color", "color": pick(rng, COLOR_NAMES)}
    if what == "two_colors_only":
        return {"what": "two_colors_only", "colors": sorted(rng.sample(COLOR_NAMES, 2))}
    if what == "list":
        k = pick(rng, (2, 3), (3, 1)) if q == "exists" else 2
        return {"what": "list", "objs": [{"color": pick(rng, COLOR_NAMES), "shape": pick(rng, SHAPES), "size": None}
                                         for _ in range(k)]}
    n = pick(rng, (2, 3, 4, 5), (1, 3, 3, 1))
    return {"what": "items_colors", "n": n if rng.random() < 0.8 else None, "k": pick(rng, (2, 3)) if n >= 3 else 2}


def say_box_property_v3(prop: dict, rng: random.Random) -> str:
    what = prop["what"]
    if what == "items":
        n = prop["n"]
        return pick(rng, ("", "only ", "exactly "), (5, 2, 2)) + some({}, n, rng)
    if what == "count":
        prefix = {"exactly": pick(rng, ("", "exactly ", "only "), (5, 3, 1)),
                  "at_least": pick(rng, ("at least ", "atleast "), (3, 1))}[prop["cmp"]]
        return prefix + some(prop["obj"], prop["n"], rng)
    if what == "only_color":
        c = COLOR_WORDS[prop["color"]]
        return pick(rng, [f"only {c} items", f"only {c} objects", f"items of only {c} color"])
    if what == "two_colors_only":
        a, b = (COLOR_WORDS[c] for c in prop["colors"])
        if rng.random() < 0.5:
            a, b = b, a
        return pick(rng, [f"only {a} and {b} items", f"only {a} and {b} objects"])
    if what == "list":
        names = [a_noun(o, rng) for o in prop["objs"]]
        return ", ".join(names[:-1]) + " and " + names[-1]
    n, k = prop["n"], prop["k"]
    colors = pick(rng, [f"{number(k, rng)} different colors", "all 3 different colors", "all three colors"]
                  if k == 3 else [f"{number(k, rng)} different colors", "two colors"])
    return f"{some({}, n, rng) if n else 'items'} of {colors}"


def box_has_v3(box, prop: dict) -> bool:
    what, colors = prop["what"], {it.color for it in box}
    if what in ("items", "count", "only_color"):  # the same meanings as version 2's
        return box_has(box, prop)
    if what == "two_colors_only":
        return colors == set(prop["colors"])
    if what == "list":  # different items for the different descriptions
        return _distinct_matches(box, prop["objs"])
    return (prop["n"] is None or len(box) == prop["n"]) and len(colors) == prop["k"]


def _distinct_matches(items, objs, used=frozenset()) -> bool:
    """Can each description of ``objs`` be given its own item of ``items``?"""
    if not objs:
        return True
    return any(i not in used and matches(it, objs[0]) and _distinct_matches(items, objs[1:], used | {i})
               for i, it in enumerate(items))


class BoxPhrased(Template):
    """Version 3: 'There is a box with only blue and yellow items.', 'There is 1 box with 2 items.',
    'There is a box with a yellow circle and a blue circle.', 'There are 2 boxes with at least 2 blue items.'"""
    id, kind, weight, example = "box3", "box quantifier", 14.0, "There is a box with only blue and yellow items."
    since = 3
    quantifiers = {"exists": 10, "exactly_one": 3, "two": 2, "none": 1, "each": 1}

    def sample(self, rng):
        q = pick(rng, list(self.quantifiers), list(self.quantifiers.values()))
        return {"q": q, "prop": random_box_property_v3(rng, q)}

    def say(self, p, rng):
        return pick_phrase(rng, BOX_PHRASES_V3[p["q"]]).format(P=say_box_property_v3(p["prop"], rng))

    def holds(self, p, boxes):
        return QUANTIFIERS[p["q"]](sum(box_has_v3(box, p["prop"]) for box in boxes))


class BoxSameCount(Template):
    """Version 3: 'There are two boxes that has the same number of objects.'"""
    id, kind, weight, example = ("box3_same_count", "box quantifier", 1.0,
                                 "There are two boxes with the same number of items.")
    since = 3

    def sample(self, rng):
        return {"q": pick(rng, ("at_least_two", "all", "none"), (4, 1, 2))}

    def say(self, p, rng):
        items = pick(rng, ("items", "objects"))
        return pick(rng, {
            "at_least_two": [f"there are two boxes with the same number of {items}",
                             f"there are two boxes that has the same number of {items}",
                             f"two boxes have the same number of {items}"],
            "all": [f"all three boxes have the same number of {items}", f"each box has the same number of {items}"],
            "none": [f"no two boxes have the same number of {items}",
                     f"all boxes have different numbers of {items}"]}[p["q"]])

    def holds(self, p, boxes):
        largest_same = max(Counter(len(box) for box in boxes).values())
        return {"at_least_two": largest_same >= 2, "all": largest_same == 3, "none": largest_same == 1}[p["q"]]


#: Where an item touches its box, as Test-P writers say it.
EDGE_PHRASES_V3 = {
    "any": ["touching the edge", "touching the wall", "touching an edge", "touching the edge"],
    "bottom": ["touching the base", "touching the bottom", "closely touching the bottom of a box",
               "touching the base edge"],
    "corner": ["touching the corner", "touching a corner", "closely touching a corner",
               "closely touching a corner of a box"],
    "right": ["touching the right wall", "closely touching right wall of a box"],
    "left": ["touching the left wall", "closely touching left wall of a box"],
    "top": ["touching the top", "touching the top of a box"],
    "not": ["not touching any edge", "not touching the edge"],  # never with "there is no"
}


def random_where_v3(rng):
    return pick(rng, ("any", "bottom", "corner", "right", "left", "top"), (8, 3, 3, 1, 1, 1))


class EdgePhrased(Template):
    """Version 3: 'There is a black square touching the corner.', 'None of the blue circles are
    touching any edge.', 'There are 2 items closely touching a corner.' (simple descriptions)."""
    kind = "touching edge"
    since = 3

    def __init__(self, what, weight, example):
        self.what, self.weight, self.example, self.id = what, weight, example, f"edge3_{what}"

    def sample(self, rng):
        obj, where = simple_object(rng), random_where_v3(rng)
        if self.what == "exists":
            if rng.random() < 0.12:
                return {"obj": obj, "where": "not", "neg": False}  # "there is a black square not touching the edge"
            return {"obj": obj, "where": where, "neg": rng.random() < 0.3}
        if rng.random() < 0.2:
            where = "not"  # not touching any edge
        frac = {"any": 0.36, "bottom": 0.11, "corner": 0.05, "not": 0.64}.get(where, 0.11)
        cmp = pick(rng, ("exactly", "at_least"), (3, 1))
        return {"obj": obj, "where": where, "cmp": cmp,
                "n": likely_count(obj, rng, items=12 * frac + 1, low=1 if cmp == "exactly" else 2, high=4)}

    def say(self, p, rng):
        o = p["obj"]
        if self.what == "exists":
            if p["neg"]:
                if p["where"] == "any" and rng.random() < 0.6:
                    return pick(rng, [f"none of the {noun_phrase(o, rng, True)} are touching any edge",
                                      f"none of the {noun_phrase(o, rng)} is touching any edge"])
                w = pick(rng, EDGE_PHRASES_V3[p["where"]])
                return pick(rng, [f"there is no {noun_phrase(o, rng)} {w}", f"no {noun_phrase(o, rng)} is {w}"])
            w = pick(rng, EDGE_PHRASES_V3[p["where"]])
            return pick_phrase(rng, [(f"there is {a_noun(o, rng)} {w}", 4), f"there is {a_noun(o, rng)} that is {w}",
                                     f"there is at least one {noun_phrase(o, rng)} {w}"])
        n = p["n"]
        w = ("touching any edge" if p["where"] == "any" and p["cmp"] == "at_least" and rng.random() < 0.3
             else pick(rng, EDGE_PHRASES_V3[p["where"]]))
        if n == 1:
            return f"there is {pick(rng, ('exactly one', 'only one', 'one'), (4, 1, 1))} {noun_phrase(o, rng)} {w}"
        if p["cmp"] == "exactly" and rng.random() < 0.2:
            return f"{some(o, n, rng)} are {w}"
        prefix = {"exactly": pick(rng, ("", "exactly "), (1, 1)), "at_least": "at least "}[p["cmp"]]
        return f"there are {prefix}{some(o, n, rng)} {w}"

    def holds(self, p, boxes):
        n = (count(boxes, p["obj"], "any", edge=False) if p["where"] == "not"  # not touching any edge
             else count(boxes, p["obj"], p["where"]))
        if self.what == "exists":
            return (n == 0) if p["neg"] else n >= 1
        return compare(p["cmp"], n, p["n"])


#: Every template, by id. A group talks about towers with probability TOWER_SHARE; ``weight``
#: then sets a template's frequency among those of its scene kind, after NLVR's dev sentences.
TEMPLATES = {t.id: t for t in [
    Exists(),
    Count("exactly", 3.0, "There are exactly 2 black circles."),
    Count("at_least", 2.0, "There are at least 3 blue items."),
    Count("at_most", 1.0, "There are at most 2 yellow squares."),
    BoxQuantified("each", 2.0, "Each grey box contains atleast one yellow object."),
    BoxQuantified("exists", 4.0, "There is a box with 3 items."),
    BoxQuantified("exactly_one", 2.0, "There is exactly one box with only black items."),
    BoxQuantified("two", 1.3, "There are two boxes with items of all 3 different colors."),
    BoxQuantified("none", 0.7, "No box has a yellow circle and a blue circle."),
    EdgeExists(), EdgeCount(), NotEdgeCount(), EdgeAll(),
    TouchingPair(), TouchingEachOther(), Above(), BoxTopItem(),
    TowerHeight(),
    TowerSame("height", "tower height", 2.0, "There are at least two towers with the same height."),
    TowerEnd("top", 13.0, "There is a tower with a yellow block at the top."),
    TowerEnd("base", 9.0, "There is a black block as the base of a tower with at least two blocks."),
    TowerSame("base", "tower top/base", 1.0, "There are two towers with the same base color."),
    TowerPosition(),
    TowerOrder(False, 6.0, "There is a yellow block above a black block."),
    TowerOrder(True, 5.0, "There is a tower with a blue block on top of a yellow block."),
    TowerColorCount(), TowerOnlyColor(), TowerAllColors(), TowerBlockCount(),
    # version 3 (since = 3): phrasings grown from NLVR Test-P
    TowerPhrased("end", "tower top/base", 12.0, "There is 1 tower with a black block at the top.",
                 {"exists": 6, "exactly_one": 6, "two": 3, "at_least_two": 1, "none": 1, "each": 1}, 0.45),
    TowerPhrased("count", "tower colour", 8.0, "The tower with four blocks has atleast one yellow block.",
                 {"exists": 5, "exactly_one": 5, "two": 3, "none": 1, "each": 2}, 0.3),
    TowerPhrased("order", "above/below", 6.0, "There is one tower which has a yellow block above a blue block.",
                 {"exists": 4, "exactly_one": 6, "two": 3, "none": 1}, 0.2),
    TowerPhrased("stacked", "above/below", 2.0, "There is 1 tower with 2 black blocks stacked together.",
                 {"exists": 3, "exactly_one": 3}),
    TowerPhrased("only_color", "tower colour", 3.0, "There is one tower which has only yellow blocks.",
                 {"exists": 3, "exactly_one": 4, "two": 1, "none": 1}),
    TowerPhrased("all_colors", "tower colour", 1.5, "There is at least one tower which has blocks of all three colors.",
                 {"exists": 4, "exactly_one": 3, "none": 1}, 0.3),
    TowerPhrased("middle", "tower top/base", 1.5,
                 "There is a tower with exactly three blocks having a blue block in the middle.",
                 {"exists": 4, "exactly_one": 2}, 0.6),
    TowerPhrased("top_and_base", "tower top/base", 3.0,
                 "There is a tower with a black block at the top and a yellow block at the base.",
                 {"exists": 4, "exactly_one": 3, "none": 1}, 0.2),
    TowerPhrased("height", "tower height", 4.0, "There are two towers that has only one block.",
                 {"exists": 4, "exactly_one": 3, "two": 3, "none": 1}),
    TowerBetween(), TowerBlockCountPhrased(),
    BoxPhrased(), BoxSameCount(),
    EdgePhrased("exists", 4.0, "There is a black square touching the corner."),
    EdgePhrased("count", 5.0, "There are 2 items closely touching a corner."),
]}
#: The statement kinds, in the order the course presents them.
KINDS = ("existence", "count", "box quantifier", "touching edge", "touching item", "above/below",
         "tower height", "tower top/base", "tower colour")


def evaluate(template_id: str, params: dict, structured_rep) -> bool:
    """The truth of template ``template_id`` with ``params`` on a scene (NLVR dicts or Items).

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    if template_id not in TEMPLATES:
        raise KeyError(f"unknown template {template_id!r}; known: {sorted(TEMPLATES)}")
    return TEMPLATES[template_id].holds(params, as_boxes(structured_rep))


def check_version(version) -> int:
    """``version`` if the generator can write it (one of :data:`VERSIONS`), else a ValueError."""
    if version not in VERSIONS or isinstance(version, bool):
        raise ValueError(f"unknown generator version {version!r}; expected one of {VERSIONS}")
    return version


def templates_of(version: int = GENERATOR_VERSION) -> dict:
    """The templates that generator ``version`` writes (those with ``since <= version``), by id."""
    check_version(version)
    return {i: t for i, t in TEMPLATES.items() if t.since <= version}


def _choose_template(rng: random.Random, version: int = GENERATOR_VERSION) -> Template:
    """A tower template with probability TOWER_SHARE (else a scatter one), then by weight."""
    scene = "tower" if rng.random() < TOWER_SHARE else "scatter"
    ids = [i for i in TEMPLATES if TEMPLATES[i].scene == scene and TEMPLATES[i].since <= version]
    return TEMPLATES[pick(rng, ids, [TEMPLATES[i].weight for i in ids])]


def sample_sentences(count: int, seed: int = 0, version: int = GENERATOR_VERSION) -> list[tuple[str, dict, str]]:
    """``count`` draws of (template id, params, sentence) from the grammar alone (no scenes), e.g.
    to inspect the phrasings or the vocabulary quickly."""
    check_version(version)
    rng = random.Random(f"rnlib-synthetic-sentences/{seed}" + (f"/v{version}" if version != 2 else ""))
    out = []
    for _ in range(count):
        t = _choose_template(rng, version)
        p = t.sample(rng)
        out.append((t.id, p, finish(t.say(p, rng), rng)))
    return out


# =============================================================================================
# 5. Sentence groups and splits


@dataclasses.dataclass(frozen=True)
class SyntheticExample(Example):
    """An :class:`Example` that also knows its template and parameters (kept in a sidecar file)."""
    template: str = ""
    params: dict | None = dataclasses.field(default=None, compare=False)

    def template_json(self) -> dict:
        """The line of ``{split}.templates.json`` for this example."""
        return {"identifier": self.identifier, "template": self.template, "params": self.params}


def sidecar_path(split_json) -> Path:
    """``DIR/train/train.json`` -> ``DIR/train/train.templates.json``."""
    split_json = Path(split_json)
    return split_json.with_name(split_json.stem + ".templates.json")


def fake_evals(label: bool, rng: random.Random) -> dict:
    """5 raters (ids r0-r9) whose majority agrees with ``label``; like NLVR, 1 of 5 disagrees
    about a fifth of the time and 2 rarely."""
    raters = rng.sample(range(10), 5)
    disagree = pick(rng, (0, 1, 2), (78, 20, 2))
    return {f"r{r}": str(label if i >= disagree else not label).lower() for i, r in enumerate(raters)}


def _true_count(rng, balance, n_examples=4, low=0.4, high=0.6) -> int:
    """How many of a new group's 4 examples are true: usually 2, sometimes 1 or 3, never letting the
    template's running share of true labels (``balance`` = [true, total]) leave [low, high]."""
    ok = [k for k in (1, 2, 3) if low <= (balance[0] + k) / (balance[1] + n_examples) <= high]
    return pick(rng, ok, [{1: 2, 2: 6, 3: 2}[k] for k in ok])


def _make_group(template: Template, n_true: int, rng: random.Random,
                max_params: int = 60, max_scenes: int = 300):
    """Params, sentence and 4 (scene, label) pairs with ``n_true`` true ones, in random order."""
    want = {True: n_true, False: 4 - n_true}
    for _ in range(max_params):
        params = template.sample(rng)
        found = {True: [], False: []}
        for _ in range(max_scenes):
            scene = random_scene(template.scene, rng)
            label = template.holds(params, scene)
            if len(found[label]) < want[label] and scene not in found[label]:
                found[label].append(scene)
                if all(len(found[b]) == want[b] for b in (True, False)):
                    sentence = finish(template.say(params, rng), rng)
                    labels = [True] * n_true + [False] * (4 - n_true)
                    rng.shuffle(labels)
                    scenes = [found[b].pop() for b in labels]
                    return params, sentence, list(zip(scenes, labels))
        # these parameters make one answer too rare: draw others
    raise RuntimeError(f"template {template.id}: found no parameters with {n_true} true and "
                       f"{4 - n_true} false scenes in {max_params} tries")


def split_sizes(groups: dict | int | None = None, preset: str = "default") -> dict:
    """Sentence groups per split: a preset, a dict per split, or a total split 80/10/10."""
    if groups is None:
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; expected one of {list(PRESETS)}")
        return dict(PRESETS[preset])
    if isinstance(groups, int):
        if groups < 1:
            raise ValueError(f"groups must be >= 1, got {groups}")
        train, dev = round(0.8 * groups), round(0.1 * groups)
        return {"train": train, "dev": dev, "test": groups - train - dev}
    unknown = set(groups) - set(SPLITS)
    if unknown:
        raise ValueError(f"unknown split(s) {sorted(unknown)}; expected some of {SPLITS}")
    return {s: int(groups.get(s, 0)) for s in SPLITS}


def generate(seed: int = 0, groups: dict | int | None = None, preset: str = "default",
             progress: bool = False, version: int = GENERATOR_VERSION) -> dict[str, list[SyntheticExample]]:
    """Generate synthetic NLVR examples: {"train": [...], "dev": [...], "test": [...]}.

    ``groups``: sentence groups per split as a dict, or a total split 80/10/10; None takes
    ``PRESETS[preset]``. Each group has 4 examples (one sentence, 4 scenes). Group numbers n run
    across the splits, so no group is in two splits. Same seed (and version), same examples.
    ``version``: 2 (the default) or 3 (adds the templates grown from Test-P phrasings; opt-in).

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    from tqdm.auto import tqdm

    check_version(version)
    sizes = split_sizes(groups, preset)
    out, n = {}, 0
    seen = set()  # example_key of every example so far, in all splits: no example twice
    bar = tqdm(total=sum(sizes.values()), desc="sentence groups", disable=not progress)
    for split in SPLITS:
        rng = random.Random(f"rnlib-synthetic-v{version}/{seed}/{split}")
        balance = defaultdict(lambda: [0, 0])  # template id -> [true labels, examples]
        examples = []
        for _ in range(sizes[split]):
            template = _choose_template(rng, version)
            n_true = _true_count(rng, balance[template.id])
            for _ in range(100):
                params, sentence, scenes = _make_group(template, n_true, rng)
                keys = {example_key(sentence, scene) for scene, _ in scenes}
                if len(keys) == 4 and not keys & seen:
                    break
            else:
                raise RuntimeError(f"template {template.id}: 100 groups in a row repeated earlier examples")
            seen |= keys
            balance[template.id][0] += n_true
            balance[template.id][1] += 4
            for m, (scene, label) in enumerate(scenes):
                examples.append(SyntheticExample(
                    identifier=f"{n}-{m}", group=n, m=m, sentence=sentence, label=label,
                    structured_rep=scene, split=split, directory=str(n % 10),
                    evals=fake_evals(label, rng), template=template.id, params=params))
            n += 1
            bar.update()
        out[split] = examples
    bar.close()
    return out


# =============================================================================================
# 6. Files


def write_dataset(out, seed: int = 0, groups: dict | int | None = None, preset: str = "default",
                  images: bool = True, progress: bool = True, version: int = GENERATOR_VERSION) -> Path:
    """Generate and write a dataset in NLVR's layout under ``out``; returns ``out``.

    Writes ``out/{split}/{split}.json`` and, with ``images``, the 6 PNGs of every example at
    ``out/{split}/images/{directory}/{split}-{n}-{m}-{k}.png``; then, last, ``out/COMPLETE`` (the
    generator version and settings), so an interrupted run is recognised and redone.
    ``version``: see :func:`generate` (2 by default; 3 is opt-in).

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    from tqdm.auto import tqdm

    check_version(version)
    out = Path(out)
    stamp = out / "COMPLETE"
    stamp.unlink(missing_ok=True)
    data = generate(seed, groups, preset, progress=progress, version=version)
    for split, examples in data.items():
        path = write_examples(examples, out / split / f"{split}.json")
        with open(sidecar_path(path), "w", encoding="utf-8") as f:
            for e in examples:
                f.write(json.dumps(e.template_json(), separators=(",", ":")) + "\n")
    if images:
        total = sum(len(v) for v in data.values())
        for ex in tqdm([e for v in data.values() for e in v], total=total, desc="images (x6)",
                       disable=not progress):
            for k in range(6):
                save_png(render(ex.structured_rep, k), ex.image_path(out, k))
    stamp.write_text(json.dumps(_settings(seed, groups, preset, images, version), indent=1) + "\n")
    return out


def _settings(seed, groups, preset, images, version: int = GENERATOR_VERSION) -> dict:
    return {"generator": "rnlib.data.synthetic", "version": version, "seed": seed,
            "groups": split_sizes(groups, preset), "images": images}


def default_dataset(preset: str = "default", seed: int = 0, root=None) -> Path:
    """The folder of the course's synthetic dataset, generating it first when absent or incomplete.

    It is ``root / f"{preset}-seed{seed}"`` with ``root`` defaulting to
    ``rnlib.data.DATA_DIR / "synthetic"``. A folder counts as complete when its ``COMPLETE`` stamp
    names this generator version and these settings; otherwise it is (re)written.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    from . import DATA_DIR

    path = Path(root if root is not None else DATA_DIR / "synthetic") / f"{preset}-seed{seed}"
    stamp = path / "COMPLETE"
    try:
        done = json.loads(stamp.read_text()) == _settings(seed, None, preset, True)
    except (OSError, ValueError):
        done = False
    if not done:
        write_dataset(path, seed=seed, preset=preset, images=True, progress=True)
    return path


def read_synthetic(path, split: str | None = None) -> list[SyntheticExample]:
    """Read a synthetic split file like :func:`read_examples`, with each example's template and
    params from the sidecar ``{split}.templates.json``."""
    examples = read_examples(path, split)
    side = sidecar_path(path)
    with open(side, encoding="utf-8") as f:
        extra = [json.loads(line) for line in f if line.strip()]
    ids = [x.get("identifier") for x in extra]
    if ids != [e.identifier for e in examples]:
        raise ValueError(f"{side}: its identifiers do not match {path} line by line "
                         f"({len(ids)} lines for {len(examples)} examples)")
    return [SyntheticExample(**{fl.name: getattr(e, fl.name) for fl in dataclasses.fields(Example)},
                             template=x.get("template", ""), params=x.get("params"))
            for e, x in zip(examples, extra)]


# =============================================================================================
# 7. Checks: label balance, scene statistics, vocabulary


def label_balance(examples: Iterable[Example]) -> dict:
    """template id -> (examples, share of true labels), sorted by id.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    counts = defaultdict(lambda: [0, 0])
    for e in examples:
        template = getattr(e, "template", None)
        if not template:
            raise ValueError(f"example {e.identifier} has no template: label_balance needs synthetic "
                             "examples (from generate() or read_synthetic())")
        counts[template][0] += 1
        counts[template][1] += e.label
    return {t: (n, true / n) for t, (n, true) in sorted(counts.items())}


def scene_statistics(examples: Sequence[Example]) -> dict:
    """Statistics of scenes and labels that synthetic data should share with real NLVR:
    name -> value (shares are fractions). "scatter" rows are about non-tower scenes.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    examples = list(examples)
    towers = [e for e in examples if is_tower_scene(e.structured_rep)]
    scatter = [e for e in examples if not is_tower_scene(e.structured_rep)]
    stats = {"examples": len(examples), "sentence groups": len({(e.split, e.group) for e in examples}),
             "true labels": _share(e.label for e in examples),
             "tower scenes": len(towers) / max(1, len(examples))}
    tower_boxes = [tower(box) for e in towers for box in e.structured_rep]
    stats["tower: blocks per tower (mean)"] = _mean(len(t) for t in tower_boxes)
    for h in range(1, 5):
        stats[f"tower: towers of {h} block{'s' * (h > 1)}"] = _share(len(t) == h for t in tower_boxes)
    for c in COLOR_NAMES:
        stats[f"tower: {COLOR_WORDS[c]} blocks"] = _share(b == c for t in tower_boxes for b in t)
    boxes = [box for e in scatter for box in e.structured_rep]
    items = [(it, box) for box in boxes for it in box]
    stats["scatter: items per box (mean)"] = _mean(len(b) for b in boxes)
    for k in range(1, 8):
        stats[f"scatter: boxes with {k} item{'s' * (k > 1)}"] = _share(len(b) == k for b in boxes)
    for s in SHAPES:
        stats[f"scatter: {s}s"] = _share(it.type == s for it, _ in items)
    for c in COLOR_NAMES:
        stats[f"scatter: {COLOR_WORDS[c]} items"] = _share(it.color == c for it, _ in items)
    for z in SIZES:
        stats[f"scatter: size {z} ({SIZE_WORDS[z][0]})"] = _share(it.size == z for it, _ in items)
    stats["scatter: items touching an edge"] = _share(touches_edge(it) for it, _ in items)
    stats["scatter: items touching a corner"] = _share(touches_edge(it, "corner") for it, _ in items)
    stats["scatter: items touching another item"] = _share(
        any(touching(it, o) for o in box if o is not it) for it, box in items)
    stats["words per sentence (mean)"] = _mean(len(tokenize(e.sentence)) for e in examples)
    return stats


def _share(flags) -> float:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else float("nan")


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else float("nan")


def compare_statistics(synthetic, real) -> list[tuple[str, float, float]]:
    """Rows (statistic, synthetic value, real value) for two example lists (or their
    :func:`scene_statistics`), e.g. synthetic train against real NLVR dev.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    a = synthetic if isinstance(synthetic, dict) else scene_statistics(synthetic)
    b = real if isinstance(real, dict) else scene_statistics(real)
    return [(name, a[name], b.get(name, float("nan"))) for name in a]


_PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}]")


def tokenize(sentence: str) -> list[str]:
    """Lower-cased words without punctuation (as ``keras.layers.TextVectorization`` standardizes)."""
    return _PUNCTUATION.sub("", sentence.lower()).split()


def vocabulary_coverage(synthetic_sentences: Iterable[str], real_sentences: Iterable[str]) -> dict:
    """How much of real text a model trained on synthetic sentences has seen: the share of real
    tokens (and of distinct real words) whose word occurs in the synthetic sentences.

    Returns {"token_coverage", "type_coverage", "real_tokens", "real_words", "synthetic_words",
    "missing"} with ``missing`` the most frequent uncovered real words as (word, count).

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    vocab = {w for s in synthetic_sentences for w in tokenize(s)}
    real = Counter(w for s in real_sentences for w in tokenize(s))
    total = sum(real.values())
    covered = sum(n for w, n in real.items() if w in vocab)
    return {"token_coverage": covered / total if total else float("nan"),
            "type_coverage": sum(w in vocab for w in real) / len(real) if real else float("nan"),
            "real_tokens": total, "real_words": len(real), "synthetic_words": len(vocab),
            "missing": sorted(((w, n) for w, n in real.items() if w not in vocab), key=lambda x: (-x[1], x[0]))[:25]}
