"""What a template is: a kind of statement with its parameters, its English and its meaning.

Every grammar module (``grammar_v2_*.py``, ``grammar_v3.py``, ``grammar_v4.py``) writes subclasses of
:class:`Template`; :mod:`rnlib.data.synthetic.registry` lists them by version.

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from __future__ import annotations

import random


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
