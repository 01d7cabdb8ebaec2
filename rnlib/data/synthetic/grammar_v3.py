"""Grammar version 3: phrasings grown from NLVR's Test-P sentences (never from dev).

Each template here was written after the most frequent forms of real Test-P sentences that
version 2 could not write ("there is 1 tower with ...", "the tower with four blocks has ...",
"there is a box with only blue and yellow items", "a yellow block between two black blocks", ...).
They only take part when generating with ``version=3`` (``since = 3``). Their parameter spaces are
kept small (colour and/or shape, no size; words NLVR writers use) so that a common real phrasing
is written often. Dev sentences were not read to design them: dev stays an unseen check.

Introduced in notebooks/07_sim_to_real.ipynb.
"""

from __future__ import annotations

import random

from .grammar_v2_scatter import box_has
from .grammar_v2_towers import TowerBlockCount, TowerTemplate, height_ok
from .scenes import COLOR_NAMES, pick
from .template import Template
from .words import COLOR_WORDS, NUMBER_WORDS, a_noun, be, likely_count, noun_phrase, number, pick_phrase
from .world import QUANTIFIERS, compare, count, matches, same, tower
from ..render import SHAPES


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
        return same(p["q"], [len(box) for box in boxes])


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


#: The templates of version 3, in the order the generator draws among them.
TEMPLATES = [
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
]

