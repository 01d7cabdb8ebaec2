"""Sort-of-CLEVR: the paper's small benchmark where a Relation Network beats a CNN + MLP.

Santoro et al. (2017, arXiv 1706.01427, section 4.2) built Sort-of-CLEVR to separate questions
about one object from questions about relations between objects. This module regenerates it
(with a third, harder group of questions), encodes the questions, renders them as English,
builds the two models of the paper and trains or evaluates them from the command line.

**Scenes.** A 75 x 75 RGB image (uint8) on a white background with 6 objects, one of each colour
of :data:`COLORS`. Each object is a 10 x 10 square or a circle of radius 5 (a pixel belongs to
the object when its centre lies inside), centred on an integer point ``(x, y)`` with
``5 <= x, y <= 70`` (``y`` grows downwards, as in image arrays). Centres are at least
:data:`MIN_DISTANCE` = 15 px apart. The paper asked for 10 px, with which objects touch and two
squares may overlap; 15 px (> 10 * sqrt(2)) guarantees a visible gap between any two objects, so
every object is whole in the picture. Object ``c`` always has colour ``COLORS[c]``.

**Questions** (three kinds, three subtypes each; counts are over the *other* objects):

=================  ====================  =============================================================
kind               subtype               question (answers)
=================  ====================  =============================================================
non_relational     shape                 What is the shape of the A object? (square / circle)
non_relational     left                  Is the A object on the left? ``x < 37.5`` (yes / no)
non_relational     top                   Is the A object at the top? ``y < 37.5`` (yes / no)
binary             closest_shape         Shape of the object closest to A? (square / circle)
binary             furthest_shape        Shape of the object furthest from A? (square / circle)
binary             same_shape_count      How many *other* objects have A's shape? (0 .. 5)
ternary            between_count         How many objects are between A and B? (0 .. 4)
ternary            on_segment            Is any object on the line segment from A to B? (yes / no)
ternary            obtuse_count          How many obtuse triangles have A and B as vertices? (0 .. 4)
=================  ====================  =============================================================

Geometry, on object centres, computed exactly in integers:

- *closest / furthest*: Euclidean distance between centres.
- *between*: object C lies between A and B when its centre projects strictly inside the segment
  AB, i.e. ``(C - A).(B - A) > 0`` and ``(C - B).(A - B) > 0``: C is in the band bounded by the
  two lines through A and B perpendicular to AB (equivalently, the angles CAB and CBA are acute).
- *on the segment*: the distance from C's centre to the segment AB is below 5 px (an object's
  radius): the segment from A's centre to B's centre passes through C.
- *obtuse triangle*: for each third object C, triangle ABC counts when one of its angles is
  strictly larger than 90 degrees (a dot product of two edge vectors is negative). A right or a
  flat (collinear) triangle does not count.

A question is *ambiguous* when its answer sits on a boundary (two objects equally close with
different shapes, a right angle, a centre exactly on a band edge, a distance of exactly 5): the
generator never asks those when another subject gives a clear answer.

**Encoding.** A question is a float32 vector of :data:`QUESTION_SIZE` = 18 numbers:
``[0:6]`` one-hot colour of the subject A, ``[6:12]`` one-hot colour of B (all zero unless the
kind is ternary), ``[12:15]`` one-hot kind, ``[15:18]`` one-hot subtype within its kind.
:func:`encode_question`, :func:`decode_question`, :func:`question_text` and
:func:`parse_question` convert between the vector, a :class:`Question` and English.
Answers are indices into the one vocabulary :data:`ANSWERS`.

**Balance.** Each image gets 10 questions of each kind (30 in all), the subtype drawn uniformly.
For each question the generator lists every subject (6 colours, or the 30 ordered pairs of
distinct colours), draws one of the answers those subjects give uniformly, then a subject with
that answer: yes/no questions are about 50/50 whenever both answers occur in the scene, and
rare counts are asked about as often as the scene allows.

**Files.** ``generate --out DIR`` writes ``DIR/train.npz`` and ``DIR/test.npz``
(``np.savez_compressed``, read with ``allow_pickle=False``), identical for the same seed.

Command line::

    python -m rnlib.sort_of_clevr generate --out data/sort_of_clevr --seed 0 [--train 9800 --test 200] [--square-size 10]
    python -m rnlib.sort_of_clevr train --model rn|cnn_mlp|rn_state --run-dir DIR --epochs E   # rerun to resume
        [--reduction sum|mean] [--init keras|pytorch|pytorch_all] [--cnn-order bn_relu|relu_bn] [--lr 2.5e-4]
        [--time-budget MINUTES] [--workers N]
    python -m rnlib.sort_of_clevr evaluate --weights PATH --seed 1 [--images 200]
    python -m rnlib.sort_of_clevr export --run-dir DIR --out data/pretrained --name NAME [--machine TEXT]

Training uses plain NumPy batches (:class:`QuestionBatches`), so it runs with any Keras backend
(``KERAS_BACKEND=jax`` on a GPU machine without TensorFlow, for instance).

Introduced in notebooks/06_sort_of_clevr.ipynb.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import NamedTuple

import keras
import numpy as np

from .encoders import CNN_ORDERS

__all__ = [
    "IMAGE_SIZE", "OBJECT_SIZE", "MIN_DISTANCE", "COLORS", "RGB", "SHAPES", "KINDS", "SUBTYPES", "ANSWERS",
    "QUESTION_SIZE", "QUESTIONS_PER_KIND", "Question", "Scene", "random_scene", "draw_scene",
    "answer_question", "encode_question", "decode_question", "question_text", "parse_question",
    "all_questions", "generate", "save_dataset", "load_dataset", "generate_dataset", "answer_distribution",
    "question_groups", "STATE_SIZE", "state_descriptions", "make_dataset", "QuestionBatches", "INITS",
    "init_like_pytorch", "build_rn_model", "build_cnn_mlp_model", "build_state_rn_model", "takes_state", "MODELS",
    "load_model", "evaluate_model", "main",
]

IMAGE_SIZE = 75
#: Side of a square and diameter of a circle, in pixels.
OBJECT_SIZE = 10
#: Smallest distance between two object centres (see the module docstring for why not 10).
MIN_DISTANCE = 15
#: Object ``c`` of every scene has colour ``COLORS[c]``.
COLORS = ("red", "green", "blue", "orange", "gray", "yellow")
RGB = np.array([(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 156, 0), (128, 128, 128), (255, 255, 0)],
               dtype=np.uint8)
SHAPES = ("square", "circle")
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
DEFAULT_TRAIN, DEFAULT_TEST = 9800, 200
_ANSWER = {a: k for k, a in enumerate(ANSWERS)}


# ------------------------------------------------------------------------------------------------
# Scenes
# ------------------------------------------------------------------------------------------------

class Scene(NamedTuple):
    """One image's objects: ``centers`` (6, 2) int (x, y) and ``shapes`` (6,) int (0 square, 1 circle).

    Object ``c`` has colour ``COLORS[c]``. Introduced in notebooks/06_sort_of_clevr.ipynb.
    """

    centers: np.ndarray
    shapes: np.ndarray


def random_scene(rng: np.random.Generator, min_distance: int = MIN_DISTANCE) -> Scene:
    """Draw 6 objects with random shapes and centres at least ``min_distance`` px apart.

    Centres are integers in [5, 70] so every object lies inside the 75 x 75 image; a centre too
    close to an earlier one is drawn again. Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    half = OBJECT_SIZE // 2
    centers = []
    while len(centers) < len(COLORS):
        c = rng.integers(half, IMAGE_SIZE - half, size=2, endpoint=True)
        if all((c[0] - x) ** 2 + (c[1] - y) ** 2 >= min_distance ** 2 for x, y in centers):
            centers.append((int(c[0]), int(c[1])))
    shapes = rng.integers(0, len(SHAPES), size=len(COLORS))
    return Scene(np.array(centers, dtype=np.int16), shapes.astype(np.int8))


def _masks():
    r = OBJECT_SIZE / 2
    c = np.arange(OBJECT_SIZE) + 0.5  # pixel centres relative to the object's top-left corner
    py, px = np.meshgrid(c, c, indexing="ij")
    return {0: np.ones((OBJECT_SIZE, OBJECT_SIZE), bool), 1: (px - r) ** 2 + (py - r) ** 2 <= r * r}


_MASKS = _masks()


def draw_scene(scene: Scene, square_size: int = OBJECT_SIZE) -> np.ndarray:
    """The (75, 75, 3) uint8 image of ``scene``: white background, coloured squares and circles.

    An object centred on (x, y) covers the pixels whose centres lie inside it: columns
    x - 5 .. x + 4 and rows y - 5 .. y + 4 for a square. ``square_size`` changes the squares only:
    11 gives columns x - 5 .. x + 5, the 11 x 11 squares of the PyTorch reproduction (OpenCV's
    filled ``rectangle(center - 5, center + 5)``), whose difference from a circle is 41 pixels
    instead of 20 (notebooks/06_sort_of_clevr.ipynb, section 5); a square that would cross the
    border is cut there. Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    square_size = int(square_size)
    if not 1 <= square_size <= 2 * OBJECT_SIZE:
        raise ValueError(f"square_size must be between 1 and {2 * OBJECT_SIZE} pixels; got {square_size}.")
    img = np.full((IMAGE_SIZE, IMAGE_SIZE, 3), 255, np.uint8)
    half = OBJECT_SIZE // 2
    square = np.ones((square_size, square_size), bool)
    for c, ((x, y), s) in enumerate(zip(scene.centers.tolist(), scene.shapes.tolist())):
        mask, start = (square, square_size // 2) if s == 0 else (_MASKS[s], half)
        top, left = y - start, x - start
        rows = slice(max(top, 0), min(top + len(mask), IMAGE_SIZE))
        cols = slice(max(left, 0), min(left + len(mask), IMAGE_SIZE))
        img[rows, cols][mask[rows.start - top:rows.stop - top, cols.start - left:cols.stop - left]] = RGB[c]
    return img


# ------------------------------------------------------------------------------------------------
# Questions: encoding and English
# ------------------------------------------------------------------------------------------------

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
    (definitions in the module docstring). Ties for "closest" / "furthest" are broken towards the
    lower colour index; such a tie is ambiguous when the tied objects have different shapes.

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


def _scene_table(scene: Scene):
    """For every subtype, the candidate subjects with their answers: {(kind, subtype): [(a, b, answer, ambiguous)]}."""
    table = {}
    n = len(COLORS)
    for kind in KINDS:
        subjects = ([(a, b) for a in range(n) for b in range(n) if a != b] if kind == "ternary"
                    else [(a, None) for a in range(n)])
        for subtype in SUBTYPES[kind]:
            rows = []
            for a, b in subjects:
                ans, amb = answer_question(scene, Question(kind, subtype, COLORS[a],
                                                           None if b is None else COLORS[b]))
                rows.append((a, b, _ANSWER[ans], amb))
            table[kind, subtype] = rows
    return table


def _sample_question(rng, rows):
    """Draw an answer uniformly among those the clear subjects give, then a subject with that answer."""
    clear = [r for r in rows if not r[3]] or rows
    answers = sorted({r[2] for r in clear})
    target = answers[rng.integers(len(answers))]
    choices = [r for r in clear if r[2] == target]
    return choices[rng.integers(len(choices))]


# ------------------------------------------------------------------------------------------------
# Datasets
# ------------------------------------------------------------------------------------------------

def generate(n_images: int, seed, questions_per_kind: int = QUESTIONS_PER_KIND, progress: bool = True,
             desc: str = "sort-of-clevr", square_size: int = OBJECT_SIZE) -> dict[str, np.ndarray]:
    """Generate ``n_images`` scenes with their questions; the same ``seed`` gives identical arrays.

    Returns a dict of arrays (Q = 3 * ``questions_per_kind`` questions per image):

    - ``images`` (N, 75, 75, 3) uint8, ``centers`` (N, 6, 2) int16 (x, y), ``shapes`` (N, 6) int8;
    - ``questions`` (N, Q, 18) float32 (see :func:`encode_question`), ``answers`` (N, Q) int8
      (indices into :data:`ANSWERS`);
    - ``kinds``, ``subtypes`` (N, Q) int8 (index into :data:`KINDS`, then into ``SUBTYPES[kind]``),
      ``subjects`` (N, Q, 2) int8 (colour indices of A and B, B = -1 when there is none).

    The questions of an image come kind by kind: ``questions_per_kind`` non-relational, then
    binary, then ternary. ``seed`` is anything ``np.random.default_rng`` accepts. ``square_size``
    is passed to :func:`draw_scene` (the scenes, questions and answers do not depend on it).

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    rng = np.random.default_rng(seed)
    per_image = len(KINDS) * questions_per_kind
    out = {
        "images": np.empty((n_images, IMAGE_SIZE, IMAGE_SIZE, 3), np.uint8),
        "centers": np.empty((n_images, len(COLORS), 2), np.int16),
        "shapes": np.empty((n_images, len(COLORS)), np.int8),
        "questions": np.zeros((n_images, per_image, QUESTION_SIZE), np.float32),
        "answers": np.empty((n_images, per_image), np.int8),
        "kinds": np.empty((n_images, per_image), np.int8),
        "subtypes": np.empty((n_images, per_image), np.int8),
        "subjects": np.empty((n_images, per_image, 2), np.int8),
    }
    steps = range(n_images)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc=desc, mininterval=1.0)
    for i in steps:
        scene = random_scene(rng)
        out["images"][i] = draw_scene(scene, square_size)
        out["centers"][i] = scene.centers
        out["shapes"][i] = scene.shapes
        table = _scene_table(scene)
        k = 0
        for kind_index, kind in enumerate(KINDS):
            for _ in range(questions_per_kind):
                sub_index = int(rng.integers(len(SUBTYPES[kind])))
                a, b, answer, _amb = _sample_question(rng, table[kind, SUBTYPES[kind][sub_index]])
                out["questions"][i, k] = encode_question(kind, SUBTYPES[kind][sub_index], a, b)
                out["answers"][i, k] = answer
                out["kinds"][i, k] = kind_index
                out["subtypes"][i, k] = sub_index
                out["subjects"][i, k] = (a, -1 if b is None else b)
                k += 1
    return out


def save_dataset(data: dict, path) -> Path:
    """Write a dataset from :func:`generate` to ``path`` with ``np.savez_compressed`` (atomically).

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **data, answer_vocabulary=np.array(ANSWERS), colors=np.array(COLORS))
    os.replace(tmp, path)
    return path


def load_dataset(path) -> dict[str, np.ndarray]:
    """Read a dataset written by :func:`save_dataset` (``allow_pickle=False``: data, never code).

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    with np.load(path, allow_pickle=False) as f:
        data = {k: f[k] for k in f.files}
    if tuple(data.pop("answer_vocabulary").tolist()) != ANSWERS or tuple(data.pop("colors").tolist()) != COLORS:
        raise ValueError(f"{path} was written with another answer vocabulary or colour list; generate it again.")
    return data


def _split_seed(seed: int, split: str):
    return [int(seed), {"train": 0, "test": 1}[split]]


def generate_dataset(out_dir, seed: int = 0, n_train: int = DEFAULT_TRAIN, n_test: int = DEFAULT_TEST,
                     questions_per_kind: int = QUESTIONS_PER_KIND, progress: bool = True,
                     square_size: int = OBJECT_SIZE) -> dict[str, Path]:
    """Generate ``out_dir/train.npz`` and ``out_dir/test.npz`` (random streams ``[seed, 0]`` and ``[seed, 1]``).

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    out_dir = Path(out_dir)
    paths = {}
    for split, n in (("train", n_train), ("test", n_test)):
        data = generate(n, _split_seed(seed, split), questions_per_kind, progress, desc=f"{split} images",
                        square_size=square_size)
        paths[split] = save_dataset(data, out_dir / f"{split}.npz")
    return paths


def answer_distribution(data: dict) -> dict[str, dict[str, int]]:
    """How often each answer occurs, per subtype: ``{"non_relational/shape": {"square": 9801, ...}, ...}``.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    out = {}
    kinds, subs, answers = data["kinds"].ravel(), data["subtypes"].ravel(), data["answers"].ravel()
    for k, kind in enumerate(KINDS):
        for s, subtype in enumerate(SUBTYPES[kind]):
            sel = answers[(kinds == k) & (subs == s)]
            counts = np.bincount(sel, minlength=len(ANSWERS))
            out[f"{kind}/{subtype}"] = {ANSWERS[i]: int(c) for i, c in enumerate(counts) if c}
    return out


def question_groups(data: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per question (flattened in image order): its kind name and its subtype name, as string arrays."""
    kinds, subs = data["kinds"].ravel(), data["subtypes"].ravel()
    kind_names = np.array(KINDS)[kinds]
    sub_names = np.array([SUBTYPES[KINDS[k]][s] for k, s in zip(kinds.tolist(), subs.tolist())])
    return kind_names, sub_names


#: Numbers per object in a state description: colour one-hot (6), shape one-hot (2), x and y.
STATE_SIZE = len(COLORS) + len(SHAPES) + 2


def state_descriptions(data: dict) -> np.ndarray:
    """Each image's objects as the paper's *state description*: (N, 6, :data:`STATE_SIZE`) float32.

    Object ``c`` of image ``n`` is ``[one-hot colour c (6); one-hot shape (2); x; y]`` with the
    centre scaled to [-1, 1] (``(x - 37.5) / 37.5``). It is what a perfect CNN would hand the RN:
    the RN on these rows (:func:`build_state_rn_model`) learns the question set without having to
    see, which separates reasoning from perception (notebooks/06_sort_of_clevr.ipynb, section 5).

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    n = len(data["shapes"])
    colour = np.broadcast_to(np.eye(len(COLORS), dtype=np.float32), (n, len(COLORS), len(COLORS)))
    shape = np.eye(len(SHAPES), dtype=np.float32)[data["shapes"].astype(np.int64)]
    xy = (data["centers"].astype(np.float32) - IMAGE_SIZE / 2) / (IMAGE_SIZE / 2)
    return np.concatenate([colour, shape, xy], axis=-1)


# ------------------------------------------------------------------------------------------------
# tf.data, models, evaluation
# ------------------------------------------------------------------------------------------------

#: Defaults of the two models and of their training (see :func:`build_rn_model`).
BATCH_SIZE = 64
LEARNING_RATE = 2.5e-4


def make_dataset(data: dict, batch_size: int = BATCH_SIZE, shuffle: bool = False, seed: int = 0,
                 workers: int = 1, state: bool = False) -> "QuestionBatches":
    """Batches of ``({"image", "question"}, answer)``, one example per question (a :class:`QuestionBatches`).

    ``image`` is float32 in [0, 255] (the models rescale), ``question`` the 18-float encoding,
    ``answer`` an int32 index into :data:`ANSWERS`. Examples come image by image (question order
    within an image) unless ``shuffle``: then epoch ``e`` uses the permutation drawn from
    ``numpy.random.default_rng([seed, e])``, so a resumed run (:func:`rnlib.training.train` calls
    ``resume_at(epoch, batch)``) finishes an interrupted epoch in exactly its original order.
    Each image is stored once; a batch gathers the images of its questions. With ``state=True``
    the input is ``objects`` (the image's :func:`state_descriptions` rows) instead of ``image``.

    Plain NumPy batches (a ``keras.utils.PyDataset``) work with every Keras backend: TensorFlow
    here and on Colab, JAX on the GPU machine that trained the committed weights.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    return QuestionBatches(data, batch_size, shuffle, seed, workers=workers, state=state)


class QuestionBatches(keras.utils.PyDataset):
    """The batches of :func:`make_dataset`; ``resume_at(epoch, batch)`` gives the same stream from there on.

    Epoch ``e`` is served in the permutation drawn from ``default_rng([seed, e])``. In a plain
    ``fit`` the order moves on at every epoch end; :func:`rnlib.training.train` also calls
    :meth:`set_epoch` as each epoch begins, so epoch numbers and orders match exactly, also after a
    resume. A dataset made with ``start_batch`` > 0 is meant to finish that one epoch.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """

    def __init__(self, data: dict, batch_size: int = BATCH_SIZE, shuffle: bool = False, seed: int = 0,
                 epoch: int = 0, start_batch: int = 0, workers: int = 1, state: bool = False):
        super().__init__(workers=workers, use_multiprocessing=False)
        n, q = data["answers"].shape
        self.data, self.state = data, bool(state)
        self.inputs = state_descriptions(data) if self.state else data["images"]
        self.image_index = np.repeat(np.arange(n, dtype=np.int32), q)
        self.questions = data["questions"].reshape(-1, QUESTION_SIZE).astype(np.float32)
        self.answers = data["answers"].reshape(-1).astype(np.int32)
        self.batch_size, self.shuffle, self.seed = int(batch_size), bool(shuffle), int(seed)
        self.epoch, self.start_batch = int(epoch), int(start_batch)
        if not 0 <= self.start_batch < self.batches_per_epoch:
            raise ValueError(f"start_batch must be in [0, {self.batches_per_epoch}); got {start_batch}.")
        self._order = self._permutation()

    def _permutation(self) -> np.ndarray:
        if not self.shuffle:
            return np.arange(len(self.answers))
        return np.random.default_rng([self.seed, self.epoch]).permutation(len(self.answers))

    @property
    def batches_per_epoch(self) -> int:
        return -(-len(self.answers) // self.batch_size)

    def __len__(self):
        return self.batches_per_epoch - self.start_batch

    def __getitem__(self, i):
        if not 0 <= i < len(self):
            raise IndexError(f"batch {i} out of range: this dataset has {len(self)} batches.")
        k = (self.start_batch + int(i)) * self.batch_size
        idx = self._order[k:k + self.batch_size]
        seen = self.inputs[self.image_index[idx]].astype(np.float32)
        return {"objects" if self.state else "image": seen, "question": self.questions[idx]}, self.answers[idx]

    def on_epoch_end(self):
        self.set_epoch(self.epoch + 1)

    def set_epoch(self, epoch: int) -> None:
        """Use epoch ``epoch``'s order from now on (:func:`rnlib.training.train` calls it as each epoch begins)."""
        if int(epoch) != self.epoch:
            self.epoch = int(epoch)
            self._order = self._permutation()

    def resume_at(self, epoch: int, batch: int = 0) -> "QuestionBatches":
        """The batches of epoch ``epoch`` from batch ``batch`` on, in the order that epoch first had."""
        return QuestionBatches(self.data, self.batch_size, self.shuffle, self.seed, epoch, batch, self.workers,
                               self.state)


def _inputs():
    image = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), name="image")
    question = keras.Input((QUESTION_SIZE,), name="question")
    return image, question


def _compile(model, learning_rate):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


#: Values of ``init``: Keras's defaults (Glorot-uniform kernels, zero biases), PyTorch's default for
#: the Dense layers only (``nn.Linear``: kernel and bias uniform in +-1 / sqrt(fan_in)), or PyTorch's
#: default for the convolutions too (``nn.Conv2d`` draws from the same bound), as in the best-known
#: reproduction. See :func:`init_like_pytorch`.
INITS = ("keras", "pytorch", "pytorch_all")


def init_like_pytorch(model, seed: int = 0, convolutions: bool = False) -> int:
    """Re-draw the Dense kernels and biases of ``model`` (also inside the RN) from U(-1/sqrt(fan_in), +1/sqrt(fan_in)).

    That is PyTorch's ``nn.Linear`` default; with ``convolutions=True`` the Conv2D layers are
    re-drawn too, with fan_in = input channels x kernel height x kernel width (PyTorch's
    ``nn.Conv2d`` default). The Dense kernels are about 1.7 times smaller than Glorot's for
    256 x 256 layers and the biases are not zero, so g_theta's outputs, and their sum over 625
    pairs, start much smaller (see notebooks/06_sort_of_clevr.ipynb, section 4). BatchNorm keeps
    Keras's defaults (PyTorch's are the same: scale 1, offset 0). Returns the number of layers re-drawn.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    rng = np.random.default_rng(seed)
    kinds = (keras.layers.Dense, keras.layers.Conv2D) if convolutions else (keras.layers.Dense,)
    chosen = []
    for layer in model.layers:
        chosen += [layer] if isinstance(layer, kinds) else []
        chosen += list(getattr(layer, "g_layers", [])) + list(getattr(layer, "f_layers", []))
    for layer in chosen:
        bound = 1.0 / np.sqrt(np.prod(layer.kernel.shape[:-1]))
        layer.kernel.assign(rng.uniform(-bound, bound, layer.kernel.shape).astype("float32"))
        layer.bias.assign(rng.uniform(-bound, bound, layer.bias.shape).astype("float32"))
    return len(chosen)


def build_rn_model(learning_rate: float = LEARNING_RATE, g_units=(256, 256, 256, 256), f_units=(256, 256),
                   dropout: float = 0.5, shortcut: bool = True, reduction: str = "sum", init: str = "keras",
                   cnn_order: str = "bn_relu", compile: bool = True):
    """The paper's Sort-of-CLEVR Relation Network: CNN -> 25 objects + coordinates -> RN -> answer.

    - ``image`` (75, 75, 3) in [0, 255] -> Rescaling(1/255) -> the CNN ``cnn="paper"`` (4 x [conv 24 3x3
      stride 2 "same", BatchNorm, ReLU], :func:`rnlib.encoders.cnn_objects`: the paper's 24-kernel
      CLEVR-from-pixels CNN with the reproductions' kernel size and stride; see :mod:`rnlib.encoders`)
      -> a 5 x 5 x 24 map -> :class:`~rnlib.encoders.CoordinateTagging` -> 25 objects of 26 numbers;
    - :class:`~rnlib.relation.RelationNetwork` with ``g_theta`` = 4 x 256 on all 625 ordered pairs
      ``[o_i; o_j; q]`` (the 18-float question appended to every pair), summed, ``f_phi`` =
      256 -> 256 -> dropout 0.5; ``shortcut=True`` (same function, faster first layer);
    - Dense softmax over the 10 :data:`ANSWERS`.

    ``init="pytorch"`` re-draws the Dense layers as PyTorch would, ``init="pytorch_all"`` the
    convolutions too (:func:`init_like_pytorch`). ``cnn_order="relu_bn"`` puts BatchNorm after the
    ReLU in each CNN block (see :data:`rnlib.encoders.CNN_ORDERS`).

    Compiled with Adam at ``learning_rate`` (default 2.5e-4, the paper's RN learning rate; the
    CNN + MLP baseline uses the same), sparse categorical cross-entropy and accuracy.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    _check_init(init)
    from .encoders import cnn_objects

    image, question = _inputs()
    x = keras.layers.Rescaling(1 / 255, name="rescale")(image)
    objects = cnn_objects(x, cnn="paper", coordinates=True, order=cnn_order)
    answer = _relation_answer(objects, question, g_units, f_units, dropout, shortcut, reduction)
    model = keras.Model({"image": image, "question": question}, answer, name="sort_of_clevr_rn")
    return _finish(model, init, learning_rate, compile)


def build_cnn_mlp_model(learning_rate: float = LEARNING_RATE, units=(256, 256), dropout: float = 0.5,
                        init: str = "keras", cnn_order: str = "bn_relu", compile: bool = True):
    """The paper's baseline: the same CNN, its 5 x 5 x 24 map flattened, the question appended, an MLP.

    ``image`` -> Rescaling -> CNN (as in :func:`build_rn_model`) -> Flatten (600) -> concatenate
    the question (618) -> Dense 256 ReLU -> Dense 256 ReLU -> dropout 0.5 -> Dense softmax. It sees
    the same pixels and question as the RN but has no built-in notion of pairs of objects.
    ``init`` and ``cnn_order`` as in :func:`build_rn_model`.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    _check_init(init)
    from .encoders import cnn_feature_map

    image, question = _inputs()
    x = keras.layers.Rescaling(1 / 255, name="rescale")(image)
    x = keras.layers.Flatten(name="flatten")(cnn_feature_map(x, cnn="paper", order=cnn_order))
    x = keras.layers.Concatenate(name="with_question")([x, question])
    for k, u in enumerate(units):
        x = keras.layers.Dense(u, activation="relu", name=f"mlp_{k}")(x)
    x = keras.layers.Dropout(dropout, name="mlp_dropout")(x)
    answer = keras.layers.Dense(len(ANSWERS), activation="softmax", name="answer")(x)
    model = keras.Model({"image": image, "question": question}, answer, name="sort_of_clevr_cnn_mlp")
    return _finish(model, init, learning_rate, compile)


def build_state_rn_model(learning_rate: float = LEARNING_RATE, g_units=(256, 256, 256, 256), f_units=(256, 256),
                         dropout: float = 0.5, reduction: str = "sum", init: str = "keras", compile: bool = True):
    """The RN on state descriptions: no CNN, the 6 true objects (:func:`state_descriptions`) as its input.

    ``objects`` (6, :data:`STATE_SIZE`) and ``question`` -> the same
    :class:`~rnlib.relation.RelationNetwork` as :func:`build_rn_model` (g_theta 4 x 256 on the 36
    ordered pairs, sum, f_phi 256 -> 256 -> dropout) -> Dense softmax over :data:`ANSWERS`. The
    paper runs this control on CLEVR; here it tells whether a model that fails on pixels fails to
    see or fails to reason. Train it with ``make_dataset(..., state=True)`` or the command line's
    ``--model rn_state``.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    _check_init(init)
    objects = keras.Input((len(COLORS), STATE_SIZE), name="objects")
    question = keras.Input((QUESTION_SIZE,), name="question")
    answer = _relation_answer(objects, question, g_units, f_units, dropout, True, reduction)
    model = keras.Model({"objects": objects, "question": question}, answer, name="sort_of_clevr_state_rn")
    return _finish(model, init, learning_rate, compile)


def _relation_answer(objects, question, g_units, f_units, dropout, shortcut, reduction):
    """The RN layer on ``objects`` and ``question``, then the softmax over :data:`ANSWERS` (both RN models)."""
    from .relation import RelationNetwork

    relation = RelationNetwork(g_units=g_units, f_units=f_units, f_dropout=dropout, shortcut=shortcut,
                               reduction=reduction, name="relation_network")(objects, question)
    return keras.layers.Dense(len(ANSWERS), activation="softmax", name="answer")(relation)


def takes_state(model) -> bool:
    """Whether ``model`` reads state descriptions (an ``objects`` input) rather than pixels."""
    return any(getattr(t, "name", None) == "objects" for t in getattr(model, "inputs", None) or ())


def _check_init(init):
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}; got {init!r}.")


def _finish(model, init, learning_rate, compile):
    if init != "keras":
        init_like_pytorch(model, convolutions=init == "pytorch_all")
    return _compile(model, learning_rate) if compile else model


MODELS = {"rn": build_rn_model, "cnn_mlp": build_cnn_mlp_model, "rn_state": build_state_rn_model}


def load_model(path, compile: bool = False):
    """Load a saved Sort-of-CLEVR model (``safe_mode=True``: no code is run from the file).

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    from . import encoders, relation  # noqa: F401  (registers the custom layers)

    return keras.models.load_model(path, compile=compile, safe_mode=True)


def evaluate_model(model, data: dict, batch_size: int = 256) -> dict:
    """Accuracy overall, per question kind and per subtype, as a nested dict.

    ``{"accuracy": .., "count": .., "non_relational": {"accuracy": .., "count": .., "shape": {...}, ...}, ...}``
    A model with an ``objects`` input (:func:`build_state_rn_model`) is fed the state descriptions.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    from .training import accuracy_by_group, predict_labels

    y_true, y_pred = predict_labels(model, make_dataset(data, batch_size, state=takes_state(model)))
    kinds, subtypes = question_groups(data)
    return accuracy_by_group(y_true, y_pred, kinds, subtypes)


# ------------------------------------------------------------------------------------------------
# Command line
# ------------------------------------------------------------------------------------------------

def _default_data_dir() -> Path:
    from .data import DATA_DIR

    return DATA_DIR / "sort_of_clevr"


def _cmd_generate(args) -> int:
    paths = generate_dataset(args.out, args.seed, args.train, args.test, args.questions_per_kind,
                             square_size=args.square_size)
    dist = {split: answer_distribution(load_dataset(p)) for split, p in paths.items()}
    (Path(args.out) / "answer_distribution.json").write_text(json.dumps(dist, indent=1) + "\n")
    settings = {k: getattr(args, k) for k in ("seed", "train", "test", "questions_per_kind", "square_size")}
    (Path(args.out) / "generate.json").write_text(json.dumps(settings, indent=1) + "\n")
    print(json.dumps({"files": {k: str(v) for k, v in paths.items()}, "answer_distribution": dist["train"]},
                     indent=1))
    return 0


def _cmd_train(args) -> int:
    from .training import train

    data_dir = Path(args.data)
    if not (data_dir / "train.npz").exists():
        print(f"[sort_of_clevr] no dataset in {data_dir}: generating it (seed {args.seed})", flush=True)
        generate_dataset(data_dir, args.seed)
    run_dir = Path(args.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    config = {"model": args.model, "data": str(data_dir), "batch_size": args.batch_size,
              "learning_rate": args.lr, "shuffle_seed": args.shuffle_seed, "train_images": args.train_images,
              "test_images": args.test_images}
    if args.model != "cnn_mlp":
        config["reduction"] = args.reduction
    if args.model == "rn_state" and args.cnn_order != "bn_relu":
        print("[sort_of_clevr] --cnn-order: the rn_state model has no CNN.", file=sys.stderr)
        return 2
    # (runs made before --init and --cnn-order existed have no such keys: they used the defaults)
    if args.init != "keras":
        config["init"] = args.init
    if args.cnn_order != "bn_relu":
        config["cnn_order"] = args.cnn_order
    config_path = run_dir / "config.json"
    if config_path.exists():
        old = json.loads(config_path.read_text())
        if args.model == "rn":
            old.setdefault("reduction", "sum")  # runs made before --reduction existed
        same = {k: v for k, v in old.items() if k != "data"} == {k: v for k, v in config.items() if k != "data"}
        if not same:
            print(f"[sort_of_clevr] {run_dir} was started with other settings:\n  {old}\n  now: {config}\n"
                  "Use the same arguments to resume, or a new --run-dir.", file=sys.stderr)
            return 2
    else:
        config_path.write_text(json.dumps(config, indent=1) + "\n")

    train_data, test_data = load_dataset(data_dir / "train.npz"), load_dataset(data_dir / "test.npz")
    if args.train_images:
        train_data = {k: v[:args.train_images] for k, v in train_data.items()}
    if args.test_images:
        test_data = {k: v[:args.test_images] for k, v in test_data.items()}
    n_train = train_data["answers"].size
    print(f"[sort_of_clevr] {args.model}: {n_train} training questions ({len(train_data['images'])} images), "
          f"{test_data['answers'].size} validation questions, batch {args.batch_size}, "
          f"Adam {args.lr}, {args.epochs} epochs, run dir {run_dir}", flush=True)
    keras.utils.set_random_seed(args.shuffle_seed)
    options = {"reduction": args.reduction} if args.model != "cnn_mlp" else {}
    options |= {"cnn_order": args.cnn_order} if args.model != "rn_state" else {}
    model = MODELS[args.model](learning_rate=args.lr, init=args.init, **options)
    state = args.model == "rn_state"
    train_ds = make_dataset(train_data, args.batch_size, shuffle=True, seed=args.shuffle_seed, workers=args.workers,
                            state=state)
    val_ds = make_dataset(test_data, 256, state=state)
    budget = None if args.time_budget is None else 60 * args.time_budget
    history = train(model, train_ds, val_ds, args.epochs, run_dir, save_every_steps=args.save_every_steps,
                    log_every_steps=args.log_every, batch_size=args.batch_size, time_budget_s=budget)
    best = run_dir / "best.keras"
    if best.exists():
        results = evaluate_model(load_model(best), test_data)
        results = {"model": args.model, "weights": str(best), "epochs_done": len(history.get("epoch", [])),
                   "split": f"validation (test.npz of {data_dir}, {len(test_data['images'])} images)",
                   "accuracy": results}
        (run_dir / "results.json").write_text(json.dumps(results, indent=1) + "\n")
        print(json.dumps(results, indent=1))
    return 0


def _cmd_evaluate(args) -> int:
    model = load_model(args.weights)
    data = generate(args.images, _split_seed(args.seed, "test"), progress=False)
    result = evaluate_model(model, data, args.batch_size)
    print(json.dumps({"weights": str(args.weights), "seed": args.seed, "images": args.images,
                      "questions": int(data["answers"].size), "accuracy": result}, indent=1))
    return 0


def _cmd_export(args) -> int:
    """Copy a run's best model (without optimizer state), its evaluation and learning curves to ``--out``."""
    from .training import plot_history, read_history, save_model_atomic

    run_dir, out = Path(args.run_dir), Path(args.out)
    model = load_model(run_dir / "best.keras")  # compile=False: the optimizer state is left out
    weights = save_model_atomic(model, out / f"{args.name}.keras")
    history = read_history(run_dir / "history.csv")
    curves = out / f"{args.name}_curves.png"
    plot_history(history, curves, title=args.name)
    config = json.loads((run_dir / "config.json").read_text()) if (run_dir / "config.json").exists() else {}
    val_acc = history.get("val_accuracy", [])
    best_epoch = int(np.argmax(val_acc)) if val_acc else None
    results = {"name": args.name, "weights": str(weights), "curves": str(curves), "config": config,
               "epochs_done": len(history.get("epoch", [])),
               "best_epoch": best_epoch, "best_val_accuracy": val_acc[best_epoch] if val_acc else None,
               "seconds_per_epoch": args.seconds_per_epoch, "machine": args.machine}
    test_npz = Path(args.data) / "test.npz"
    if test_npz.exists():  # the validation set that picked best.keras (so slightly optimistic)
        results["validation"] = {"what": f"{test_npz} (picked the best epoch)",
                                 "accuracy": evaluate_model(model, load_dataset(test_npz))}
    data = generate(args.images, _split_seed(args.seed, "test"), progress=False)
    results["fresh_test"] = {"what": f"fresh test set: evaluate --seed {args.seed} --images {args.images}",
                             "accuracy": evaluate_model(model, data)}
    (out / f"{args.name}_results.json").write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1))
    return 0


def main(argv=None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m rnlib.sort_of_clevr",
                                     description="Sort-of-CLEVR: generate, train, evaluate, export.")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate", help="write train.npz and test.npz")
    g.add_argument("--out", default=str(_default_data_dir()))
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--train", type=int, default=DEFAULT_TRAIN, help="training images")
    g.add_argument("--test", type=int, default=DEFAULT_TEST, help="test images")
    g.add_argument("--questions-per-kind", type=int, default=QUESTIONS_PER_KIND)
    g.add_argument("--square-size", type=int, default=OBJECT_SIZE,
                   help="side of the squares in pixels (11: the PyTorch reproduction's; circles keep radius 5)")
    t = sub.add_parser("train", help="train a model; rerun the same command to resume")
    t.add_argument("--model", choices=sorted(MODELS), required=True)
    t.add_argument("--run-dir", required=True)
    t.add_argument("--epochs", type=int, required=True, help="total epochs of the run (including earlier ones)")
    t.add_argument("--data", default=str(_default_data_dir()), help="folder with train.npz and test.npz")
    t.add_argument("--seed", type=int, default=0, help="dataset seed, used when the data must be generated")
    t.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    t.add_argument("--lr", type=float, default=LEARNING_RATE)
    t.add_argument("--shuffle-seed", type=int, default=0)
    t.add_argument("--reduction", choices=("sum", "mean"), default="sum",
                   help="RN models only: sum g over the pairs (the paper) or average it (sum / number of pairs)")
    t.add_argument("--init", choices=INITS, default="keras",
                   help="Keras's default initialization, PyTorch's for the Dense layers, or for the convolutions "
                        "too (see init_like_pytorch)")
    t.add_argument("--cnn-order", choices=CNN_ORDERS, default="bn_relu",
                   help="BatchNorm before the ReLU in each CNN block (default) or after it")
    t.add_argument("--time-budget", type=float, default=None,
                   help="minutes: stop at the epoch end after which one more epoch would not fit; rerun to go on")
    t.add_argument("--workers", type=int, default=1, help="threads that gather batches")
    t.add_argument("--save-every-steps", type=int, default=1000)
    t.add_argument("--log-every", type=int, default=None, help="progress line every that many batches")
    t.add_argument("--train-images", type=int, default=None, help="use only the first N training images")
    t.add_argument("--test-images", type=int, default=None, help="use only the first N test images")
    e = sub.add_parser("evaluate", help="accuracy per question kind and subtype on a fresh test set")
    e.add_argument("--weights", required=True)
    e.add_argument("--seed", type=int, default=1, help="seed of the fresh test set (stream [seed, 1])")
    e.add_argument("--images", type=int, default=DEFAULT_TEST)
    e.add_argument("--batch-size", type=int, default=256)
    x = sub.add_parser("export", help="best model + results JSON + learning curves, e.g. into data/pretrained")
    x.add_argument("--run-dir", required=True)
    x.add_argument("--out", default=str(Path(_default_data_dir()).parent / "pretrained"))
    x.add_argument("--name", required=True, help="file stem, e.g. sort_of_clevr_rn")
    x.add_argument("--seed", type=int, default=1)
    x.add_argument("--images", type=int, default=DEFAULT_TEST)
    x.add_argument("--machine", default="CPU", help="what trained it, recorded in the results JSON")
    x.add_argument("--seconds-per-epoch", type=float, default=None, help="measured training time per epoch")
    x.add_argument("--data", default=str(_default_data_dir()), help="folder whose test.npz is the validation set")
    args = parser.parse_args(argv)
    return {"generate": _cmd_generate, "train": _cmd_train, "evaluate": _cmd_evaluate,
            "export": _cmd_export}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
