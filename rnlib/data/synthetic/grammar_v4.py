"""Grammar version 4: more phrasings grown from NLVR's Test-P sentences (never from dev).

Each template here was written after the most frequent forms of real Test-P sentences that version 3
still could not write, with their meaning checked against the real Test-P labels
(:func:`rnlib.diagnosis.fidelity_check`): a tower named by its height ("the top of a three blocks
tower is yellow", "there is a single block blue tower"), boxes of tower scenes described by their
items ("there is a box with 4 items of which 3 are black"), blocks "touching the wall" in tower
scenes (the base blocks), a block's position ("there are two towers with a blue second block"),
the two blocks at a tower's top or base ("a blue block below a yellow block at the top"), boxes
with two conditions ("there is a box with a yellow circle and at least one black item") and bare
counts ("there are 2 yellow squares"), plus Test-P's other spellings of known meanings ("bellow",
"there are two towers that the base are blue"). They only take part when generating with
``version=4`` (``since = 4``), which also writes every template of versions 2 and 3. Their
parameter spaces are small (colour and/or shape, no size; heights 1-4; counts up to 5) so that a
common real phrasing is written often. Meanings use :mod:`.world`'s predicates, so "touching",
"above" and "a bare number counts exactly" mean what they mean in versions 2 and 3. Dev sentences
were not read to design them: dev stays an unseen check.

Introduced in notebooks/07_sim_to_real.ipynb.
"""

from __future__ import annotations

import random
from collections import Counter

from .grammar_v2_towers import TowerTemplate, height_ok
from .grammar_v3 import TOWER_HEIGHT_PHRASES_V3, TOWER_PHRASES_V3, say_height_v3, simple_object, some
from .scenes import COLOR_NAMES, pick
from .template import Template
from .words import COLOR_WORDS, NUMBER_WORDS, ORDINALS, a_noun, be, likely_count, noun_phrase, number, pick_phrase
from .world import QUANTIFIERS, compare, count, matches, touches_edge, tower


def _two_colors(rng: random.Random) -> list:
    """Two different colours, in a random order."""
    return rng.sample(COLOR_NAMES, 2)


# --- Version 4, tower scenes -------------------------------------------------------------------

def say_tower_size(h: int, rng: random.Random) -> str:
    """A tower's height as an adjective, as Test-P writers say it: 'three blocks', 'single block'."""
    if h == 1:
        return pick(rng, ("single block", "one block"))
    return f"{NUMBER_WORDS[h] if rng.random() < 0.9 else h} blocks"


class TowerSized(Template):
    """Version 4: a tower named by its height, 'The top of a three blocks tower is yellow.',
    'There is a single block blue tower.', 'There is a one block tower that the color is not
    yellow.', 'There is a two blocks tower and the base is blue and the top is black.' (there is a
    tower of exactly that height with the property)."""
    id, kind, scene, weight, example = ("tower4_sized", "tower top/base", "tower", 5.0,
                                        "The top of a three blocks tower is yellow.")
    since = 4
    props = {"end": 5, "top_and_base": 2, "base_second": 1, "middle": 1.5, "one_block": 3, "either": 0.7}

    def sample(self, rng):
        what = pick(rng, list(self.props), list(self.props.values()))
        if what == "one_block":
            return {"what": what, "h": 1, "color": pick(rng, COLOR_NAMES), "neg": rng.random() < 0.4}
        if what == "middle":
            return {"what": what, "h": 3, "color": pick(rng, COLOR_NAMES)}
        if what == "either":
            return {"what": what, "h": 2, "colors": sorted(_two_colors(rng))}
        h = pick(rng, (2, 3, 4), (2, 3, 2)) if what != "base_second" else pick(rng, (3, 4))
        if what == "end":
            return {"what": what, "h": h, "end": pick(rng, ("top", "base"), (3, 2)), "color": pick(rng, COLOR_NAMES)}
        return {"what": what, "h": h, "lower": pick(rng, COLOR_NAMES), "upper": pick(rng, COLOR_NAMES)}

    def say(self, p, rng):
        what, size = p["what"], say_tower_size(p["h"], rng)
        if what == "end":
            end, c = p["end"], COLOR_WORDS[p["color"]]
            return pick_phrase(rng, [(f"the {end} of a {size} tower is {c}", 3),
                                     (f"there is a {size} tower with a {c} {end}", 2),
                                     f"there is a {size} tower with a {c} block at the {end}",
                                     f"there is a {size} tower whose {end} is {c}"])
        if what == "one_block":
            c = COLOR_WORDS[p["color"]]
            if p["neg"]:
                return pick_phrase(rng, [(f"there is a {size} tower that the color is not {c}", 2),
                                         (f"there is a tower with exactly one block which is not of {c} color", 2),
                                         f"there is a {size} tower which is not {c}"])
            return pick_phrase(rng, [(f"there is a {size} {c} tower", 3),
                                     f"there is a {size} tower that the color is {c}",
                                     f"there is a tower with exactly one block which is of {c} color",
                                     f"there is at least one tower which has exactly one block which is of {c} color"])
        if what == "middle":
            c = COLOR_WORDS[p["color"]]
            return pick(rng, [f"there is a {size} tower which has a {c} block in the middle",
                              f"there is a {size} tower with a {c} block in the middle",
                              f"there is a {size} tower which has one {c} block that is in the middle"], (2, 2, 1))
        if what == "either":
            a, b = (COLOR_WORDS[c] for c in rng.sample(p["colors"], 2))
            return pick(rng, [f"there is at least one tower with exactly two objects either of {a} or {b} color",
                              f"there is a tower with exactly two blocks either of {a} or {b} color"])
        low, up = COLOR_WORDS[p["lower"]], COLOR_WORDS[p["upper"]]
        if what == "base_second":
            return f"there is a {size} tower with a {low} base and the second block is {up}"
        return pick_phrase(rng, [(f"there is a {size} tower and the base is {low} and the top is {up}", 2),
                                 f"there is a {size} tower with a {low} base and a {up} top",
                                 f"there is a {size} tower and the top is {up} and the base is {low}"])

    def holds(self, p, boxes):
        return any(len(t) == p["h"] and self._has(t, p) for t in map(tower, boxes))

    @staticmethod
    def _has(blocks, p) -> bool:
        what = p["what"]
        if what == "end":
            return blocks[-1 if p["end"] == "top" else 0] == p["color"]
        if what == "one_block":
            return (blocks[0] != p["color"]) if p["neg"] else blocks[0] == p["color"]
        if what == "middle":
            return p["color"] in blocks[1:-1]
        if what == "either":
            return set(blocks) <= set(p["colors"])
        if what == "base_second":
            return blocks[0] == p["lower"] and blocks[1] == p["upper"]
        return blocks[0] == p["lower"] and blocks[-1] == p["upper"]  # top_and_base


# A tower property of version 4 (as version 3's TOWER_PROPERTIES_V3): draw(rng) -> params,
# say(params, rng) -> English after "a tower with", has(blocks, params).

def _position_draw(rng):
    return {"color": pick(rng, COLOR_NAMES), "index": pick(rng, (2, 3), (3, 2)),
            "from": pick(rng, ("base", "top"), (4, 1))}


def _position_say(p, rng):
    c, nth = COLOR_WORDS[p["color"]], ORDINALS[p["index"]]
    if p["from"] == "top":
        return pick(rng, [f"a {c} {nth} block from the top", f"a {c} block as the {nth} block from the top"])
    return pick(rng, [f"a {c} {nth} block", f"a {c} block as {nth} block", f"a {c} block as the {nth} block"],
                (3, 1, 1))


def _position_has(blocks, p):
    i = p["index"]
    return len(blocks) >= i and blocks[i - 1 if p["from"] == "base" else -i] == p["color"]


def _pair_draw(rng):
    return {"end": pick(rng, ("top", "base")), "outer": pick(rng, COLOR_NAMES), "inner": pick(rng, COLOR_NAMES)}


def _pair_say(p, rng):
    """'outer' is the top (or base) block, 'inner' the block directly below (or on) it."""
    out, inn = COLOR_WORDS[p["outer"]], COLOR_WORDS[p["inner"]]
    if p["end"] == "top":
        return pick(rng, [f"a {inn} block below a {out} block at the top",
                          f"a {out} block at the top and above a {inn} block",
                          f"a {out} block at the top above a {inn} block",
                          f"a {out} block at the top and a {inn} block below it"], (3, 3, 1, 1))
    return pick(rng, [f"a {out} block at the base and a {inn} block on top of it",
                      f"a {out} base and a {inn} block on it",
                      f"a {inn} block on a {out} block at the base"], (3, 1, 1))


def _pair_has(blocks, p):
    if len(blocks) < 2:
        return False
    return ((blocks[-1], blocks[-2]) if p["end"] == "top" else (blocks[0], blocks[1])) == (p["outer"], p["inner"])


def _two_counts_draw(rng):
    a, b = _two_colors(rng)
    return {"a": a, "na": pick(rng, (1, 2), (1, 2)), "b": b}


def _two_counts_say(p, rng):
    blocks = "block" if p["na"] == 1 else "blocks"
    return (f"{number(p['na'], rng)} {COLOR_WORDS[p['a']]} {blocks} and "
            f"{pick(rng, ('at least one', 'a'))} {COLOR_WORDS[p['b']]} block")


def _two_counts_has(blocks, p):  # exactly na blocks of colour a, at least one of colour b
    return blocks.count(p["a"]) == p["na"] and p["b"] in blocks


def _run_say(p, rng):
    n, colour = number(p["n"], rng), pick(rng, ("colour", "color"))
    return pick(rng, [f"{n} blocks stacked together of the same {colour}",
                      f"{n} blocks of the same {colour} stacked together"])


def _run_has(blocks, p):  # n blocks of one colour, each directly on the one before
    return any(len(set(blocks[i:i + p["n"]])) == 1 for i in range(len(blocks) - p["n"] + 1))


#: name -> (draw, say, has): the tower properties of the version-4 quantified tower templates.
TOWER_PROPERTIES_V4 = {
    "position": (_position_draw, _position_say, _position_has),
    "pair": (_pair_draw, _pair_say, _pair_has),
    "two_counts": (_two_counts_draw, _two_counts_say, _two_counts_has),
    "same_run": (lambda rng: {"n": pick(rng, (2, 3), (1, 2))}, _run_say, _run_has),
}
#: Version 3's phrasings with a height condition {H}, and Test-P's "... with four blocks with {P}".
TOWER_HEIGHT_PHRASES_V4 = {**TOWER_HEIGHT_PHRASES_V3, "exists": TOWER_HEIGHT_PHRASES_V3["exists"]
                           + ["there is at least one tower with {H} with {P}"]}


class TowerPhrased4(TowerTemplate):
    """Version 4: a tower property of :data:`TOWER_PROPERTIES_V4` with version 3's quantifier
    phrasings ("there are two towers with a blue second block", "there is a tower with a blue block
    below a yellow block at the top"), sometimes with a height condition, and a few phrasings of
    their own ("the third block of a tower from the top is blue", "there is a box with a blue item
    touching the wall and a yellow item on top of it": the base block and the one on it)."""
    since = 4

    def __init__(self, prop, kind, weight, example, quantifiers, p_height=0.0):
        self.prop, self.kind, self.weight, self.example = prop, kind, weight, example
        self.quantifiers, self.p_height, self.id = quantifiers, p_height, f"tower4_{prop}"

    def sample(self, rng):
        q = pick(rng, list(self.quantifiers), list(self.quantifiers.values()))
        p = TOWER_PROPERTIES_V4[self.prop][0](rng)
        hcond = None
        if q in TOWER_HEIGHT_PHRASES_V4 and rng.random() < self.p_height:
            low = max(2, p.get("index", 2), p.get("n", 2))  # a height the property can have
            hcond = {"cmp": "exactly", "h": pick(rng, range(low, 5))}
        return {"q": q, "hcond": hcond, **p}

    def say(self, p, rng):
        if p["hcond"] is None and p["q"] == "exists" and rng.random() < 0.3:
            special = self._special(p, rng)
            if special:
                return special
        prop = TOWER_PROPERTIES_V4[self.prop][1](p, rng)
        if p["hcond"] is None:
            return pick_phrase(rng, TOWER_PHRASES_V3[p["q"]]).format(P=prop)
        return pick_phrase(rng, TOWER_HEIGHT_PHRASES_V4[p["q"]]).format(H=say_height_v3(p["hcond"]["h"], rng), P=prop)

    def _special(self, p, rng):
        if self.prop == "position":
            c, nth = COLOR_WORDS[p["color"]], ORDINALS[p["index"]]
            if p["from"] == "top":
                return f"the {nth} block of a tower from the top is {c}"
            return pick(rng, [f"the {nth} block of a tower is {c}", f"the {nth} block of a tower from the base is {c}"])
        if self.prop == "pair" and p["end"] == "base":
            out, inn = COLOR_WORDS[p["outer"]], COLOR_WORDS[p["inner"]]
            on = pick(rng, ("on top of it", "right on top of it"), (2, 1))
            return f"there is a box with a {out} item touching the wall and a {inn} item {on}"
        return None

    def tower_has(self, blocks, p):
        return height_ok(blocks, p["hcond"]) and TOWER_PROPERTIES_V4[self.prop][2](blocks, p)


class TowerBelow(Template):
    """Version 4: 'There is a blue block below a yellow block.' (anywhere lower in the same tower, as
    tower_above), with Test-P's spelling 'bellow' too, and 'There is no black block under a blue block.'"""
    id, kind, scene, weight, example = ("tower4_below", "above/below", "tower", 1.5,
                                        "There is a blue block below a yellow block.")
    since = 4

    def sample(self, rng):
        return {"lower": pick(rng, COLOR_NAMES), "upper": pick(rng, COLOR_NAMES), "neg": rng.random() < 0.25}

    def say(self, p, rng):
        low, up = COLOR_WORDS[p["lower"]], COLOR_WORDS[p["upper"]]
        below = pick(rng, ("below", "bellow", "under", "beneath"), (4, 2, 2, 1))
        if p["neg"]:
            return f"there is no {low} block {below} a {up} block"
        return pick_phrase(rng, [(f"there is a {low} block {below} a {up} block", 4),
                                 f"there is at least one {low} block {below} a {up} block"])

    def holds(self, p, boxes):
        found = any(t[i] == p["lower"] and p["upper"] in t[i + 1:] for t in map(tower, boxes) for i in range(len(t)))
        return not found if p["neg"] else found


class TowerEndThat(Template):
    """Version 4: 'There are two towers that the base are blue.' (how many towers have a top or
    base of a colour) and 'The top of the three towers are not the same.' (no two alike)."""
    id, kind, scene, weight, example = ("tower4_end_that", "tower top/base", "tower", 1.5,
                                        "There are two towers that the base are blue.")
    since = 4

    def sample(self, rng):
        end = pick(rng, ("top", "base"))
        if rng.random() < 0.3:
            return {"what": "same", "end": end, "q": pick(rng, ("none", "all"), (2, 1))}
        return {"what": "color", "end": end, "color": pick(rng, COLOR_NAMES),
                "q": pick(rng, ("exists", "exactly_one", "two", "each"), (3, 2, 3, 1))}

    def say(self, p, rng):
        end = p["end"]
        if p["what"] == "same":
            ends = pick(rng, (end, f"{end}s"), (2, 1))
            return (f"the {ends} of the three towers are not the same" if p["q"] == "none"
                    else f"the {ends} of the three towers are the same")
        c = COLOR_WORDS[p["color"]]
        return pick(rng, {"exists": [f"there is a tower that the {end} is {c}"],
                          "exactly_one": [f"there is one tower that the {end} is {c}",
                                          f"there is only one tower that the {end} is {c}"],
                          "two": [f"there are two towers that the {end} are {c}",
                                  f"there are 2 towers that the {end} is {c}"],
                          "each": [f"the {end} of each tower is {c}", f"the {end} of all three towers is {c}"]}[p["q"]])

    def holds(self, p, boxes):
        ends = [t[-1 if p["end"] == "top" else 0] for t in map(tower, boxes)]
        if p["what"] == "same":
            return len(set(ends)) == (3 if p["q"] == "none" else 1)
        return QUANTIFIERS[p["q"]](ends.count(p["color"]))


class TowerBoxItems(Template):
    """Version 4: boxes of tower scenes described by their items, 'There is a box with 4 items of
    which 3 are black.', 'There is a box with only 2 blue and one yellow item.', 'There is a box
    with 3 squares of different color.' (counts are exact; "some" means at least one)."""
    id, kind, scene, weight, example = ("box4_items", "box quantifier", "tower", 4.0,
                                        "There is a box with 4 items of which 3 are black.")
    since = 4
    props = {"of_which": 4, "some": 1.5, "mix": 3, "once_each": 1, "distinct": 1, "two_colors_one": 1}

    def sample(self, rng):
        what = pick(rng, list(self.props), list(self.props.values()))
        if what == "of_which":
            n = pick(rng, (2, 3, 4), (2, 3, 3))
            return {"what": what, "n": n, "k": rng.randint(1, n - 1), "color": pick(rng, COLOR_NAMES)}
        if what == "some":
            return {"what": what, "n": pick(rng, (2, 3, 4)), "color": pick(rng, COLOR_NAMES)}
        if what == "mix":
            ks = pick(rng, ((2, 1), (1, 1), (3, 1), (2, 2), (1, 1, 1), (2, 1, 1)), (3, 2, 1, 1, 1, 2))
            return {"what": what, "counts": [[c, k] for c, k in zip(rng.sample(COLOR_NAMES, len(ks)), ks)]}
        if what == "once_each":
            return {"what": what, "colors": _two_colors(rng)}
        if what == "distinct":
            return {"what": what, "n": 3, "noun": pick(rng, ("items", "squares"))}
        return {"what": what, "n": pick(rng, (3, 4)), "color": pick(rng, COLOR_NAMES)}

    def say(self, p, rng):
        return f"there is a {pick(rng, ('box', 'grey box'), (7, 1))} with {self._say_items(p, 'items', rng)}"

    @staticmethod
    def _say_items(p, items, rng):
        what = p["what"]
        if what == "of_which":
            k = p["k"]
            return f"{number(p['n'], rng)} {items} of which {number(k, rng)} {be(k)} {COLOR_WORDS[p['color']]}"
        if what == "some":
            return f"{number(p['n'], rng)} {items} of which some are {COLOR_WORDS[p['color']]}"
        if what == "once_each":
            a, b = (COLOR_WORDS[c] for c in p["colors"])
            return pick(rng, [f"items of which there is only one {a} item and one {b} item",
                              f"only one {a} item and only one {b} item"])
        if what == "distinct":
            colors = pick(rng, ("different color", "different colors", "3 different colors"))
            return f"{number(3, rng)} {p['noun']} of {colors}"
        if what == "two_colors_one":
            return (f"{number(p['n'], rng)} {items} of {number(2, rng)} different colors of which one is "
                    f"{COLOR_WORDS[p['color']]}")
        counts = [(COLOR_WORDS[c], k) for c, k in p["counts"]]  # mix: the exact number of each colour
        n = sum(k for _, k in counts)
        if len(counts) == 2 and rng.random() < 0.6:
            (a, ka), (b, kb) = counts
            return f"only {number(ka, rng)} {a} and {number(kb, rng)} {b} item{'s' * (kb != 1)}"
        parts = [f"{number(k, rng)} {be(k)} {c}" for c, k in counts]
        return f"{number(n, rng)} {items} of which " + " ".join(parts[:-1]) + " and " + parts[-1]

    def holds(self, p, boxes):
        return any(self._box_has(box, p) for box in boxes)

    @staticmethod
    def _box_has(box, p) -> bool:
        what, colors = p["what"], Counter(it.color for it in box)
        if what == "of_which":
            return len(box) == p["n"] and colors[p["color"]] == p["k"]
        if what == "some":
            return len(box) == p["n"] and colors[p["color"]] >= 1
        if what == "once_each":
            return all(colors[c] == 1 for c in p["colors"])
        if what == "distinct":  # "squares": only squares (as in every tower)
            return (len(box) == p["n"] and len(colors) == p["n"]
                    and (p["noun"] == "items" or all(it.type == "square" for it in box)))
        if what == "two_colors_one":
            return len(box) == p["n"] and len(colors) == 2 and p["color"] in colors
        return colors == Counter({c: k for c, k in p["counts"]})  # mix


class TowerEdge(Template):
    """Version 4: items 'touching the wall' in tower scenes, where only the base blocks touch a
    border (the bottom): 'There are 3 blue squares touching the wall.', 'The items of all 3
    different colors are touching the wall.' (the meaning is the scatter templates': geometry;
    "squares" and "blocks" count squares, "items" any shape)."""
    id, kind, scene, weight, example = ("edge4_towers", "touching edge", "tower", 3.0,
                                        "There are 3 blue squares touching the wall.")
    since = 4
    WHERE = {"any": [("touching the wall", 3), ("touching the edge", 2), "touching an edge"],
             "bottom": ["touching the bottom", "touching the base", "touching the bottom of the box"]}

    def sample(self, rng):
        what = pick(rng, ("count", "all_colors", "only_one"), (6, 1, 1))
        if what == "count":
            return {"what": what, "color": pick(rng, COLOR_NAMES),
                    "noun": pick(rng, ("square", "item", "block"), (2, 2, 1)),
                    "where": pick(rng, ("any", "bottom"), (4, 1)),
                    "cmp": pick(rng, ("exactly", "at_least"), (4, 1)), "n": pick(rng, (1, 2, 3), (2, 3, 2))}
        return {"what": what, "color": pick(rng, COLOR_NAMES) if what == "only_one" else None, "where": "any"}

    def say(self, p, rng):
        w = pick_phrase(rng, self.WHERE[p["where"]])
        if p["what"] == "all_colors":
            return pick(rng, [f"the items of all 3 different colors are {w}", f"items of all three colors are {w}"])
        c = COLOR_WORDS[p["color"]]
        if p["what"] == "only_one":
            return f"there is a box with only one {c} item and that item is {w}"
        n = p["n"]
        obj = f"{c} {p['noun']}{'s' * (n != 1)}"
        if p["cmp"] == "at_least":
            return f"there {be(n)} at least {number(n, rng)} {obj} {w}"
        if rng.random() < 0.25:
            return f"{number(n, rng)} {obj} {be(n)} {w}"
        return f"there {be(n)} {pick(rng, ('', 'exactly '), (3, 1))}{number(n, rng)} {obj} {w}"

    def holds(self, p, boxes):
        if p["what"] == "all_colors":
            return len({it.color for box in boxes for it in box if touches_edge(it)}) == 3
        if p["what"] == "only_one":
            return any(len(found) == 1 and touches_edge(found[0])
                       for found in ([it for it in box if it.color == p["color"]] for box in boxes))
        obj = {"color": p["color"], "shape": None if p["noun"] == "item" else "square"}  # blocks are squares
        return compare(p["cmp"], count(boxes, obj, p["where"]), p["n"])


# --- Version 4, scatter scenes ------------------------------------------------------------------

def _disjoint(a: dict, b: dict) -> bool:
    """Do two descriptions differ in an attribute both give (so no item fits both)?"""
    return any(a.get(k) and b.get(k) and a[k] != b[k] for k in ("color", "shape"))


def _say_part(part: dict, rng: random.Random) -> str:
    """'a yellow circle', 'at least one black item', 'exactly one yellow triangle', 'two black circles'
    (no "only", which could also mean that the box holds nothing else)."""
    o, n = part["obj"], part["n"]
    if part["cmp"] == "at_least":
        if n == 1 and rng.random() < 0.5:
            return a_noun(o, rng)
        return f"at least {number(n, rng)} {noun_phrase(o, rng, plural=n != 1)}"
    return pick(rng, ("", "exactly "), (3, 2)) + some(o, n, rng)


class BoxWith(Template):
    """Version 4: a box with two conditions at once, 'There is a box with a yellow circle and at
    least one black item.', 'There is a box with five items and the colors are yellow and blue.',
    'There is a box with all 3 different colors and only 1 blue item.', and counts of 2 or 3
    ('There is a box that has two black circles.'; a bare number counts exactly)."""
    id, kind, weight, example = ("box4_with", "box quantifier", 5.0,
                                 "There is a box with a yellow circle and at least one black item.")
    since = 4

    def sample(self, rng):
        what = pick(rng, ("two_counts", "count", "items_colors", "all_colors_count"), (5, 4, 1, 1))
        if what == "items_colors":
            return {"what": what, "n": pick(rng, (3, 4, 5)), "colors": sorted(_two_colors(rng))}
        if what == "all_colors_count":
            return {"what": what, "color": pick(rng, COLOR_NAMES)}
        if what == "count":
            obj = simple_object(rng)
            return {"what": what, "parts": [{"obj": obj, "cmp": "exactly", "n": pick(rng, (2, 3), (3, 1))}]}
        parts = []
        for _ in range(2):
            obj = simple_object(rng)
            while parts and not _disjoint(parts[0]["obj"], obj):
                obj = simple_object(rng)
            cmp = pick(rng, ("at_least", "exactly"), (3, 2))
            parts.append({"obj": obj, "cmp": cmp, "n": pick(rng, (1, 2), (3, 1))})
        return {"what": what, "parts": parts}

    def say(self, p, rng):
        what = p["what"]
        if what == "items_colors":
            a, b = (COLOR_WORDS[c] for c in rng.sample(p["colors"], 2))
            return f"there is a box with {number(p['n'], rng)} items and the colors are {a} and {b}"
        if what == "all_colors_count":
            return (f"there is a box with {pick(rng, ('all 3 different colors', 'all three colors'))} and only "
                    f"{number(1, rng)} {COLOR_WORDS[p['color']]} item")
        said = " and ".join(_say_part(part, rng) for part in p["parts"])
        return pick_phrase(rng, [(f"there is a box with {said}", 4), f"there is a box that has {said}",
                                 f"there is a grey box which contains {said}"])

    def holds(self, p, boxes):
        return any(self._box_has(box, p) for box in boxes)

    @staticmethod
    def _box_has(box, p) -> bool:
        colors = {it.color for it in box}
        if p["what"] == "items_colors":
            return len(box) == p["n"] and colors == set(p["colors"])
        if p["what"] == "all_colors_count":
            return len(colors) == 3 and sum(it.color == p["color"] for it in box) == 1
        return all(compare(part["cmp"], sum(matches(it, part["obj"]) for it in box), part["n"]) for part in p["parts"])


#: Where an item touches its box, as Test-P writers say it in counts.
EDGE_COUNT_PHRASES_V4 = {"any": [("touching the edge", 3), ("touching the wall", 3), "touching any edge",
                                 "touching an edge"],
                         "bottom": [("touching the bottom of a box", 1), ("closely touching the bottom of a box", 2),
                                    "touching the base"],
                         "corner": [("touching a corner", 2), ("closely touching a corner", 2), "touching the corner"]}


class EdgeCountPhrased(Template):
    """Version 4: counts of items touching an edge, 'There are 2 items closely touching a corner.',
    'There are two squares closely touching the bottom of a box.', 'There is exactly one blue object
    touching the edge.' (any item, or a colour and/or shape; a bare number counts exactly)."""
    id, kind, weight, example = ("edge4_count", "touching edge", 2.0, "There are 2 items closely touching a corner.")
    since = 4

    def sample(self, rng):
        obj = simple_object(rng) if rng.random() < 0.7 else {"color": None, "shape": None, "size": None}
        where = pick(rng, ("any", "bottom", "corner"), (5, 2, 2))
        cmp = pick(rng, ("exactly", "at_least"), (4, 1))
        frac = {"any": 0.36, "bottom": 0.11, "corner": 0.05}[where]
        return {"obj": obj, "where": where, "cmp": cmp,
                "n": likely_count(obj, rng, items=12 * frac + 1, low=1 if cmp == "exactly" else 2, high=4)}

    def say(self, p, rng):
        n, w = p["n"], pick_phrase(rng, EDGE_COUNT_PHRASES_V4[p["where"]])
        if p["cmp"] == "at_least":
            return f"there {be(n)} at least {some(p['obj'], n, rng)} {w}"
        if rng.random() < 0.2:
            return f"{some(p['obj'], n, rng)} {be(n)} {w}"
        return f"there {be(n)} {pick(rng, ('', 'exactly '), (3, 2))}{some(p['obj'], n, rng)} {w}"

    def holds(self, p, boxes):
        return compare(p["cmp"], count(boxes, p["obj"], p["where"]), p["n"])


class CountPhrased(Template):
    """Version 4: Test-P's bare counts over all boxes, 'There are 2 yellow squares.', 'There is 1
    blue triangle.', 'There are 4 blue items.' (a bare number counts exactly; simple descriptions)."""
    id, kind, weight, example = "count4", "count", 3.0, "There are 2 yellow squares."
    since = 4

    def sample(self, rng):
        obj = simple_object(rng)
        cmp = pick(rng, ("exactly", "at_least"), (4, 1))
        return {"obj": obj, "cmp": cmp, "n": likely_count(obj, rng, items=12, low=1 if cmp == "exactly" else 2, high=5)}

    def say(self, p, rng):
        n = p["n"]
        prefix = "at least " if p["cmp"] == "at_least" else pick(rng, ("", "exactly "), (3, 1))
        return f"there {be(n)} {prefix}{some(p['obj'], n, rng)}"

    def holds(self, p, boxes):
        return compare(p["cmp"], count(boxes, p["obj"]), p["n"])


#: The templates of version 4, in the order the generator draws among them.
TEMPLATES = [
    TowerSized(),
    TowerPhrased4("position", "tower top/base", 2.0, "There are two towers with a blue second block.",
                  {"exists": 4, "exactly_one": 2, "two": 3, "none": 1}, 0.3),
    TowerPhrased4("pair", "above/below", 3.0, "There is a tower with a blue block below a yellow block at the top.",
                  {"exists": 5, "exactly_one": 2, "two": 2, "at_least_two": 1, "none": 1}),
    TowerPhrased4("two_counts", "tower colour", 1.0,
                  "There is a tower with two blue blocks and at least one black block.",
                  {"exists": 4, "exactly_one": 2, "none": 1}),
    TowerPhrased4("same_run", "above/below", 1.0, "There is 1 tower with 3 blocks stacked together of the same colour.",
                  {"exists": 3, "exactly_one": 3, "none": 1}),
    TowerBelow(), TowerEndThat(), TowerBoxItems(), TowerEdge(),
    BoxWith(), EdgeCountPhrased(), CountPhrased(),
]
