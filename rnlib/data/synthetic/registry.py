"""The registry of grammar versions: which templates each version writes, their truth on a scene
(:func:`evaluate`), and how the generator chooses a template.

A new grammar version is a new module ``grammar_vN.py`` (templates with ``since = N``) plus one
line in :data:`GRAMMARS`. Version 2 is the default and writes exactly what it always wrote (the
course's dataset and committed runs depend on its bytes); versions 3 and 4 are opt-in. A version
writes its own templates and those of every earlier version (``Template.since <= version``), and
adding one changes no earlier version's output: each version has its own random streams and draws
only among its templates.

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from __future__ import annotations

import random

from . import grammar_v2_scatter, grammar_v2_towers, grammar_v3, grammar_v4
from .scenes import as_boxes, pick
from .template import Template
from .words import finish

#: Generator version -> the templates it adds (in the order the generator draws among them).
GRAMMARS = {
    2: grammar_v2_scatter.TEMPLATES + grammar_v2_towers.TEMPLATES,
    3: grammar_v3.TEMPLATES,
    4: grammar_v4.TEMPLATES,
}
#: Bump when the generator changes what it writes; ``default_dataset`` then regenerates.
GENERATOR_VERSION = 2  # 2: no example (sentence + scene up to box order) is generated twice
#: The versions :func:`generate` can write. 2 is the default (the course's dataset and runs); 3 is
#: opt-in and adds the templates grown from NLVR Test-P phrasings (``Template.since == 3``); 4 is
#: opt-in and adds, to version 3's, templates for the Test-P phrasings version 3 still could not
#: write (``Template.since == 4``). Both were designed from Test-P only; NLVR dev was never read.
VERSIONS = tuple(GRAMMARS)
TOWER_SHARE = 0.68  # share of sentence groups about towers (real NLVR dev: 68%, Test-P: 72%)

#: Every template, by id. A group talks about towers with probability TOWER_SHARE; ``weight``
#: then sets a template's frequency among those of its scene kind, after NLVR's dev sentences.
TEMPLATES = {t.id: t for version in GRAMMARS for t in GRAMMARS[version]}
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


def choose_template(rng: random.Random, version: int = GENERATOR_VERSION) -> Template:
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
        t = choose_template(rng, version)
        p = t.sample(rng)
        out.append((t.id, p, finish(t.say(p, rng), rng)))
    return out
