"""Synthetic NLVR: the course's offline default dataset, in exactly NLVR's format and layout.

Real NLVR pairs a human-written sentence with 4 image sets (scenes) of 3 grey boxes. This package
makes data of the same shape from a small English grammar, so the same loader reads both
(:func:`rnlib.data.read_examples`, :meth:`Example.image_path`) and a model trained here can be
tested on real NLVR sentences. One job per module, each importing only those above it:

- :mod:`.scenes`: random scenes, towers (68%, as in NLVR) or scattered items (:func:`random_scene`).
- :mod:`.world`: what NLVR's words mean on a scene: the predicates every template's meaning is
  built from ("touching the edge", "above", "a bare number counts exactly", ...).
- :mod:`.words`: colours, sizes, numbers, noun phrases and quantities as NLVR writers write them.
- :mod:`.template`: what a template is: ``sample`` its parameters, ``say`` them, ``holds`` on a scene.
- :mod:`.grammar_v2_scatter`, :mod:`.grammar_v2_towers`: version 2's 29 templates (the default).
- :mod:`.grammar_v3`: version 3's 15 templates, grown from NLVR Test-P phrasings (opt-in).
- :mod:`.grammar_v4`: version 4's 12 templates, grown from the Test-P phrasings version 3 still
  could not write (opt-in; version 4 also writes every template of versions 2 and 3).
- :mod:`.registry`: the templates of each version (:data:`TEMPLATES`, :func:`templates_of`), their
  truth (:func:`evaluate`), a quick sample of sentences (:func:`sample_sentences`).
- :mod:`.dataset`: balanced sentence groups and splits (:func:`generate`), NLVR's layout and its
  sidecars (:func:`write_dataset`, :func:`default_dataset`), reading them back (:func:`read_synthetic`).
- :mod:`.checks`: label balance, scene statistics and vocabulary against real NLVR.

Versions (``generate(..., version=)``, ``python -m rnlib.data synth --version 3``): each is
byte-identical per seed; the version is part of the random seed and is recorded in ``COMPLETE``.
Versions 3 and 4 were designed from NLVR Test-P sentences only; NLVR dev was never read for them.

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from .checks import compare_statistics, label_balance, scene_statistics, vocabulary_coverage
from .dataset import (PRESETS, SPLITS, SyntheticExample, default_dataset, generate, read_synthetic,
                      sidecar_path, split_sizes, write_dataset)
from .registry import (GENERATOR_VERSION, GRAMMARS, KINDS, TEMPLATES, TOWER_SHARE, VERSIONS, check_version,
                       evaluate, sample_sentences, templates_of)
from .scenes import COLOR_NAMES, TOWER_X, TOWER_Y, as_boxes, gap, is_tower_scene, random_scene, tower_box
from .template import Template
from .world import TOUCH_GAP, touches_edge, touching, tower
