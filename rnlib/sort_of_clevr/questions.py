"""Sort-of-CLEVR questions: their kinds, the 18-float encoding, English, and the answers a scene gives.

Definitions of every subtype and of an *ambiguous* question are in the package docstring
(:mod:`rnlib.sort_of_clevr`). Nothing here draws random numbers: which questions an image gets
is :mod:`rnlib.sort_of_clevr.presets`' job.

Introduced in notebooks/06_sort_of_clevr.ipynb.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from .scenes import COLORS, IMAGE_SIZE, OBJECT_SIZE, SHAPES, Scene

__all__ = ["KINDS", "SUBTYPES", "ANSWERS", "QUESTION_SIZE", "QUESTIONS_PER_KIND", "Question", "encode_question",
           "decode_question", "question_text", "parse_question", "all_questions", "answer_question"]

KINDS = ("non_relational", "binary", "ternary")
#: The subtypes of each kind, in encoding order.
SUBTYPES = {
    "non_relational": ("shape", "left", "top"),
    "binary": ("closest_shape", "furthest_shape", "same_shape_count"),
    "ternary": ("between_count", "on_segment", "obtuse_count"),
}
#: The answer vocabulary: a model's output unit k means ``ANSWERS[k]``.
ANSWERS = ("yes", "no", "square", "circle", "0", "1", "2", "3", "4", "5")
QUESTION_SIZE = 2 * len(COLORS) + len(KINDS) + 3
QUESTIONS_PER_KIND = 10
_ANSWER = {a: k for k, a in enumerate(ANSWERS)}


class Question(NamedTuple):
    """A question in words: ``kind`` and ``subtype`` names, subject colour ``a`` and (ternary) ``b``.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """

    kind: str
    subtype: str
    a: str
    b: str | None = None


def _color_index(color) -> int:
    if isinstance(color, (int, np.integer)):
        if not 0 <= int(color) < len(COLORS):
            raise ValueError(f"colour index must be in 0..{len(COLORS) - 1}; got {color}.")
        return int(color)
    if color not in COLORS:
        raise ValueError(f"unknown colour {color!r}: expected one of {COLORS}.")
    return COLORS.index(color)


def _check(kind, subtype, a, b):
    if kind not in SUBTYPES:
        raise ValueError(f"unknown kind {kind!r}: expected one of {KINDS}.")
    if subtype not in SUBTYPES[kind]:
        raise ValueError(f"unknown subtype {subtype!r} for kind {kind!r}: expected one of {SUBTYPES[kind]}.")
    a = _color_index(a)
    if kind == "ternary":
        if b is None:
            raise ValueError("a ternary question needs two colours, a and b.")
        b = _color_index(b)
        if a == b:
            raise ValueError(f"a ternary question needs two different colours; got {COLORS[a]} twice.")
    elif b is not None:
        raise ValueError(f"a {kind} question has one subject colour; got b={b!r}.")
    return a, b


def encode_question(kind: str, subtype: str, a, b=None) -> np.ndarray:
    """The 18-float vector of a question: one-hot A (6), one-hot B (6, zero unless ternary), kind (3), subtype (3).

    Colours are names (``"red"``) or indices into :data:`COLORS`.

    >>> encode_question("binary", "closest_shape", "blue").nonzero()[0].tolist()
    [2, 13, 15]

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    a, b = _check(kind, subtype, a, b)
    v = np.zeros(QUESTION_SIZE, np.float32)
    n = len(COLORS)
    v[a] = 1
    if b is not None:
        v[n + b] = 1
    v[2 * n + KINDS.index(kind)] = 1
    v[2 * n + len(KINDS) + SUBTYPES[kind].index(subtype)] = 1
    return v


def decode_question(vector) -> Question:
    """The :class:`Question` of an encoded vector (the inverse of :func:`encode_question`).

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    v = np.asarray(vector, np.float32).reshape(-1)
    if v.shape != (QUESTION_SIZE,):
        raise ValueError(f"an encoded question has {QUESTION_SIZE} numbers; got shape {np.shape(vector)}.")
    n = len(COLORS)
    parts = [v[:n], v[n:2 * n], v[2 * n:2 * n + len(KINDS)], v[2 * n + len(KINDS):]]
    for name, p in zip(("colour A", "colour B", "kind", "subtype"), parts):
        if not (np.isin(p, (0, 1)).all() and p.sum() <= 1):
            raise ValueError(f"the {name} block {p.tolist()} of an encoded question is not one-hot.")
    if parts[0].sum() != 1 or parts[2].sum() != 1 or parts[3].sum() != 1:
        raise ValueError(f"not an encoded question (colour A, kind and subtype must be one-hot): {v.tolist()}")
    kind = KINDS[int(parts[2].argmax())]
    b = COLORS[int(parts[1].argmax())] if parts[1].sum() else None
    a = COLORS[int(parts[0].argmax())]
    _check(kind, SUBTYPES[kind][int(parts[3].argmax())], a, b)
    return Question(kind, SUBTYPES[kind][int(parts[3].argmax())], a, b)


_TEMPLATES = {
    "shape": "What is the shape of the {a} object?",
    "left": "Is the {a} object on the left of the image?",
    "top": "Is the {a} object at the top of the image?",
    "closest_shape": "What is the shape of the object closest to the {a} object?",
    "furthest_shape": "What is the shape of the object furthest from the {a} object?",
    "same_shape_count": "How many other objects have the same shape as the {a} object?",
    "between_count": "How many objects are between the {a} object and the {b} object?",
    "on_segment": "Is there an object on the line between the {a} object and the {b} object?",
    "obtuse_count": "How many obtuse triangles have the {a} object and the {b} object as vertices?",
}
_KIND_OF = {s: k for k, subs in SUBTYPES.items() for s in subs}
_COLOR_RE = "(" + "|".join(COLORS) + ")"
_PATTERNS = [(s, re.compile("^" + re.escape(t).replace(r"\{a\}", _COLOR_RE).replace(r"\{b\}", _COLOR_RE) + "$"))
             for s, t in _TEMPLATES.items()]


def question_text(question) -> str:
    """The English sentence of a question, given as an encoded vector or a :class:`Question`.

    >>> question_text(encode_question("ternary", "between_count", "red", "blue"))
    'How many objects are between the red object and the blue object?'

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    q = question if isinstance(question, Question) else decode_question(question)
    _check(q.kind, q.subtype, q.a, q.b)
    return _TEMPLATES[q.subtype].format(a=q.a, b=q.b)


def parse_question(text: str) -> np.ndarray:
    """The encoded vector of an English question written by :func:`question_text`.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    for subtype, pattern in _PATTERNS:
        m = pattern.match(text.strip())
        if m:
            return encode_question(_KIND_OF[subtype], subtype, *m.groups())
    raise ValueError(f"not a Sort-of-CLEVR question: {text!r}")


def all_questions() -> list[Question]:
    """Every distinct question: 3 x 6 non-relational, 3 x 6 binary and 3 x 30 ternary (126)."""
    out = []
    for kind in KINDS:
        for subtype in SUBTYPES[kind]:
            for a in COLORS:
                if kind != "ternary":
                    out.append(Question(kind, subtype, a))
                else:
                    out.extend(Question(kind, subtype, a, b) for b in COLORS if b != a)
    return out


# ------------------------------------------------------------------------------------------------
# Answers
# ------------------------------------------------------------------------------------------------

def _dot(u, v):
    return u[0] * v[0] + u[1] * v[1]


def _sub(p, q):
    return (p[0] - q[0], p[1] - q[1])


def answer_question(scene: Scene, question) -> tuple[str, bool]:
    """The answer to ``question`` about ``scene`` and whether it is ambiguous (on a boundary).

    ``question`` is a :class:`Question` or an encoded vector. Returns ``(answer, ambiguous)`` with
    ``answer`` in :data:`ANSWERS`. Everything is computed in integers on the object centres
    (definitions in the package docstring). Ties for "closest" / "furthest" are broken towards the
    lower colour index (as ``argmin`` / ``argmax`` do in the PyTorch reproduction); such a tie is
    ambiguous when the tied objects have different shapes.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    q = question if isinstance(question, Question) else decode_question(question)
    a, b = _check(q.kind, q.subtype, q.a, q.b)
    pts = [tuple(p) for p in np.asarray(scene.centers).tolist()]
    shapes = np.asarray(scene.shapes).tolist()
    n = len(pts)
    others = [c for c in range(n) if c != a and c != b]
    half = IMAGE_SIZE / 2
    s = q.subtype
    if s == "shape":
        return SHAPES[shapes[a]], False
    if s == "left":
        return ("yes" if pts[a][0] < half else "no"), False
    if s == "top":
        return ("yes" if pts[a][1] < half else "no"), False
    if s in ("closest_shape", "furthest_shape"):
        d = {c: _dot(_sub(pts[c], pts[a]), _sub(pts[c], pts[a])) for c in others}
        best = (min if s == "closest_shape" else max)(d.values())
        tied = [c for c in others if d[c] == best]
        return SHAPES[shapes[tied[0]]], len({shapes[c] for c in tied}) > 1
    if s == "same_shape_count":
        return str(sum(shapes[c] == shapes[a] for c in others)), False
    A, B = pts[a], pts[b]
    AB, BA = _sub(B, A), _sub(A, B)
    if s == "between_count":
        count, ambiguous = 0, False
        for c in others:
            da, db = _dot(_sub(pts[c], A), AB), _dot(_sub(pts[c], B), BA)
            count += da > 0 and db > 0
            ambiguous |= da == 0 or db == 0
        return str(count), ambiguous
    if s == "on_segment":
        r2 = (OBJECT_SIZE // 2) ** 2
        length2 = _dot(AB, AB)
        hit, ambiguous = False, False
        for c in others:
            AC = _sub(pts[c], A)
            t = _dot(AC, AB)
            if t <= 0:
                d2num, den = _dot(AC, AC), 1
            elif t >= length2:
                BC = _sub(pts[c], B)
                d2num, den = _dot(BC, BC), 1
            else:
                cross = AB[0] * AC[1] - AB[1] * AC[0]
                d2num, den = cross * cross, length2   # distance^2 = cross^2 / |AB|^2
            hit |= d2num < r2 * den
            ambiguous |= d2num == r2 * den
        return ("yes" if hit else "no"), ambiguous
    if s == "obtuse_count":
        count, ambiguous = 0, False
        for c in others:
            C = pts[c]
            AC, BC = _sub(C, A), _sub(C, B)
            cross = AB[0] * AC[1] - AB[1] * AC[0]
            dots = (_dot(AB, AC), _dot(BA, BC), _dot(_sub(A, C), _sub(B, C)))
            if cross == 0:
                ambiguous = True
                continue
            count += min(dots) < 0
            ambiguous |= min(dots) == 0
        return str(count), ambiguous
    raise AssertionError(s)
