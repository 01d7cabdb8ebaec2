"""Grammar version 2, scatter scenes: existence, counts, box quantifiers, touching an edge or
another item, above and below. Each template: ``sample`` draws its parameters, ``say`` writes them
in one of NLVR's phrasings, ``holds`` is its meaning, written with :mod:`.world`'s predicates.

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from __future__ import annotations

import random

from .scenes import COLOR_NAMES, pick
from .template import Template
from .words import COLOR_WORDS, a_noun, be, likely_count, noun_phrase, number, quantity, random_object
from .world import QUANTIFIERS, compare, count, matches, pairs_in_a_box, touching


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


#: The scatter templates of version 2, in the order the generator draws among them.
TEMPLATES = [
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
]
