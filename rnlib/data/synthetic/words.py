"""Words: NLVR's own (see the real dev and Test-P sentences) for colours, sizes, numbers, noun
phrases and quantities, and the descriptions (colour, shape, size) a sentence talks about.

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from __future__ import annotations

import random

from ..render import SHAPES, SIZES
from .scenes import COLOR_NAMES, pick

COLOR_WORDS = {"#0099ff": "blue", "Yellow": "yellow", "Black": "black"}
SIZE_WORDS = {10: ("small",), 20: ("medium",), 30: ("large", "big")}
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven")
ORDINALS = {2: "second", 3: "third"}


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


def pick_phrase(rng: random.Random, phrases) -> str:
    """One of ``phrases``: strings (weight 1) or (string, weight) pairs; the weights follow how
    often Test-P writers use each phrasing, so the common ones are written often."""
    pairs = [(x, 1) if isinstance(x, str) else x for x in phrases]
    return pick(rng, [x for x, _ in pairs], [w for _, w in pairs])
