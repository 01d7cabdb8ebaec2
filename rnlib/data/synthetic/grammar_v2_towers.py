"""Grammar version 2, tower scenes: a tower's height, its top and base, the order of its blocks,
its colours; counts of blocks; towers that are the same. Most are a property of one tower
(:class:`TowerTemplate`) counted over the 3 towers with a quantifier.

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from __future__ import annotations

import random

from .scenes import COLOR_NAMES, pick
from .template import Template
from .words import COLOR_WORDS, ORDINALS, be, number, quantity
from .world import QUANTIFIERS, compare, same, tower


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
        return same(p["q"], values)


#: The tower templates of version 2, in the order the generator draws among them.
TEMPLATES = [
    TowerHeight(),
    TowerSame("height", "tower height", 2.0, "There are at least two towers with the same height."),
    TowerEnd("top", 13.0, "There is a tower with a yellow block at the top."),
    TowerEnd("base", 9.0, "There is a black block as the base of a tower with at least two blocks."),
    TowerSame("base", "tower top/base", 1.0, "There are two towers with the same base color."),
    TowerPosition(),
    TowerOrder(False, 6.0, "There is a yellow block above a black block."),
    TowerOrder(True, 5.0, "There is a tower with a blue block on top of a yellow block."),
    TowerColorCount(), TowerOnlyColor(), TowerAllColors(), TowerBlockCount(),
]
