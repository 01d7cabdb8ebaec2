"""How a dataset's scenes and questions are drawn: the named presets ``course``, ``extended`` and ``paper``.

A :class:`Preset` fixes everything the generator chooses: which kinds of questions an image gets
and how many, how a question's subject is drawn, the squares' size, the centres' range and their
smallest distance. The package docstring (:mod:`rnlib.sort_of_clevr`) compares the two presets
and says where each of the ``paper`` preset's facts comes from.

Introduced in notebooks/06_sort_of_clevr.ipynb.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .questions import _ANSWER, KINDS, QUESTIONS_PER_KIND, SUBTYPES, Question, answer_question
from .scenes import CENTER_RANGE, COLORS, MIN_DISTANCE, OBJECT_SIZE, Scene, object_geometry

__all__ = ["Preset", "PRESETS", "DEFAULT_PRESET", "SAMPLINGS", "get_preset", "sample_questions"]

#: How a question's subject is drawn. ``balanced``: an answer uniformly among those the scene's
#: clear subjects give, then a subject with that answer. ``uniform``: the subject colour(s)
#: uniformly; the answer is whatever the scene gives.
SAMPLINGS = ("balanced", "uniform")


class Preset(NamedTuple):
    """The generator's settings (see the package docstring's table).

    ``kinds`` are asked in this order, ``questions_per_kind`` each, the subtype of every question
    drawn uniformly; ``sampling`` is one of :data:`SAMPLINGS`; ``square_size`` and ``object_size``
    (the circles' diameter) go to :func:`~rnlib.sort_of_clevr.scenes.draw_scene`, ``min_distance`` and
    ``center_range`` (both ends included) to :func:`~rnlib.sort_of_clevr.scenes.random_scene`.
    """

    name: str
    kinds: tuple[str, ...]
    questions_per_kind: int
    sampling: str
    square_size: int
    min_distance: int
    center_range: tuple[int, int]
    object_size: int = OBJECT_SIZE


#: The ``course`` preset's object size in pixels (squares' side, circles' diameter).
COURSE_OBJECT_SIZE = 14
#: The named presets. ``course`` is the lesson's dataset, sized for a CPU (notebook 06): the paper's
#: two kinds of questions, drawn balanced, on objects that never touch, drawn 14 px wide instead of 10
#: (placed by :func:`~rnlib.sort_of_clevr.scenes.object_geometry`: centres 21 px apart, in [7, 68]):
#: the lever that let a pixel RN find an object by its colour on a CPU budget (notebook 06, section 3's
#: ladder, round 3). ``extended`` adds a third,
#: harder kind (ternary); ``paper`` is the setup of Santoro et al. (2017) as the PyTorch
#: reproduction (kimhc6028/relational-networks) draws it.
PRESETS = {
    "course": Preset("course", ("non_relational", "binary"), QUESTIONS_PER_KIND, "balanced", COURSE_OBJECT_SIZE,
                     *object_geometry(COURSE_OBJECT_SIZE), COURSE_OBJECT_SIZE),
    "extended": Preset("extended", KINDS, QUESTIONS_PER_KIND, "balanced", OBJECT_SIZE, MIN_DISTANCE, CENTER_RANGE),
    "paper": Preset("paper", ("non_relational", "binary"), 10, "uniform", 11, 10, (5, 69)),
}
DEFAULT_PRESET = "extended"


def get_preset(preset) -> Preset:
    """The :class:`Preset` named ``preset`` (a :class:`Preset` is returned as it is); a clear error otherwise."""
    if isinstance(preset, Preset):
        if preset.sampling not in SAMPLINGS:
            raise ValueError(f"sampling must be one of {SAMPLINGS}; got {preset.sampling!r}.")
        if not set(preset.kinds) <= set(KINDS):
            raise ValueError(f"unknown kinds {preset.kinds}: expected some of {KINDS}.")
        return preset
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}: expected one of {tuple(PRESETS)}.")
    return PRESETS[preset]


def _scene_table(scene: Scene, kinds=KINDS):
    """For every subtype, the candidate subjects with their answers: {(kind, subtype): [(a, b, answer, ambiguous)]}."""
    table = {}
    n = len(COLORS)
    for kind in kinds:
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


def sample_questions(rng: np.random.Generator, scene: Scene, preset="extended",
                     questions_per_kind: int | None = None) -> list[tuple[int, int, int, int | None, int]]:
    """One image's questions, drawn as ``preset`` says: ``(kind, subtype, a, b, answer)`` tuples.

    ``kind`` indexes :data:`KINDS`, ``subtype`` ``SUBTYPES[kind]``, ``a`` and ``b`` :data:`COLORS`
    (``b`` is None unless ternary), ``answer`` :data:`ANSWERS`. Questions come kind by kind in the
    preset's order, ``questions_per_kind`` each (default: the preset's). ``balanced`` sampling
    draws the subtype, then an answer among those the scene's clear subjects give, then a subject
    (ambiguous subjects only when no clear one exists); ``uniform`` sampling draws the colour, then
    the subtype (then, for a ternary question, a second colour), and takes the scene's answer, ties
    and all (see :func:`~rnlib.sort_of_clevr.questions.answer_question`).

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    p = get_preset(preset)
    per_kind = p.questions_per_kind if questions_per_kind is None else int(questions_per_kind)
    out = []
    if p.sampling == "balanced":
        table = _scene_table(scene, p.kinds)
        for kind in p.kinds:
            for _ in range(per_kind):
                sub_index = int(rng.integers(len(SUBTYPES[kind])))
                a, b, answer, _amb = _sample_question(rng, table[kind, SUBTYPES[kind][sub_index]])
                out.append((KINDS.index(kind), sub_index, a, b, answer))
        return out
    n = len(COLORS)
    for kind in p.kinds:
        for _ in range(per_kind):
            a = int(rng.integers(n))
            sub_index = int(rng.integers(len(SUBTYPES[kind])))
            b = None
            if kind == "ternary":
                b = int(rng.integers(n - 1))
                b += b >= a
            answer, _amb = answer_question(scene, Question(kind, SUBTYPES[kind][sub_index], COLORS[a],
                                                           None if b is None else COLORS[b]))
            out.append((KINDS.index(kind), sub_index, a, b, _ANSWER[answer]))
    return out
