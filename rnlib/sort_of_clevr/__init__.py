"""Sort-of-CLEVR: the paper's small benchmark where a Relation Network beats a CNN + MLP.

Santoro et al. (2017, arXiv 1706.01427, section 4.2) built Sort-of-CLEVR to separate questions
about one object from questions about relations between objects. This package regenerates it,
as the paper set it up (preset ``paper``) or with a third, harder group of questions (preset
``extended``, the default), encodes the questions, renders them as English, builds the two models
of the paper and trains or evaluates them from the command line.

One job per module, data flowing one way:

- :mod:`~rnlib.sort_of_clevr.scenes`: objects, their positions and shapes, the pictures;
- :mod:`~rnlib.sort_of_clevr.questions`: kinds, the 18-float encoding, English, the answers;
- :mod:`~rnlib.sort_of_clevr.presets`: how a dataset's scenes and questions are drawn;
- :mod:`~rnlib.sort_of_clevr.datasets`: generated arrays, ``.npz`` files, training batches;
- :mod:`~rnlib.sort_of_clevr.models`: the RN, the CNN + MLP and the RN on state descriptions;
- :mod:`~rnlib.sort_of_clevr.evaluation`: accuracy per question kind and subtype (``train`` writes it
  after every epoch to the run's ``kinds.csv``) and the colour-blind ceiling;
- :mod:`~rnlib.sort_of_clevr.cli`: the command line (``python -m rnlib.sort_of_clevr``).

Every name below is importable from ``rnlib.sort_of_clevr`` itself.

**Scenes.** A 75 x 75 RGB image (uint8) on a white background with 6 objects, one of each colour
of :data:`COLORS`. Each object is a square (10 x 10 by default) or a circle of radius 5 (a pixel
belongs to the object when its centre lies inside), centred on an integer point ``(x, y)`` with
``5 <= x, y <= 70`` (``y`` grows downwards, as in image arrays). In the ``extended`` preset
centres are at least :data:`MIN_DISTANCE` = 15 px apart: the reproduction's 10 px lets objects
touch and two squares overlap; 15 px (> 10 * sqrt(2)) guarantees a visible gap between any two
objects, so every object is whole in the picture. Object ``c`` always has colour ``COLORS[c]``.

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
``extended`` generator never asks those when another subject gives a clear answer.

**Encoding.** A question is a float32 vector of :data:`QUESTION_SIZE` = 18 numbers:
``[0:6]`` one-hot colour of the subject A, ``[6:12]`` one-hot colour of B (all zero unless the
kind is ternary), ``[12:15]`` one-hot kind, ``[15:18]`` one-hot subtype within its kind.
:func:`encode_question`, :func:`decode_question`, :func:`question_text` and
:func:`parse_question` convert between the vector, a :class:`Question` and English.
Answers are indices into the one vocabulary :data:`ANSWERS`. Both presets use this layout, so
one model reads either preset's questions: the paper's 11-bit question (6 colour bits, 2 kind
bits, 3 subtype bits) is this vector with the B block and the ternary kind bit always zero,
which is also how the PyTorch reproduction lays out its 18 floats.

**Presets** (:data:`PRESETS`; ``generate_dataset(..., preset="paper")``, ``--preset paper``):

======================  ===========================================  ===========================================
setting                 ``extended`` (default)                       ``paper``
======================  ===========================================  ===========================================
kinds, per image        non_relational, binary, ternary: 10 each     non_relational, binary: 10 each
                        (30 questions)                               (20 questions)
question sampling       subtype uniform; then an answer uniformly    colour uniform, subtype uniform; the answer
                        among those the scene's clear subjects       is whatever the scene gives (not balanced)
                        give; then a subject with that answer
ambiguous questions     avoided when a clear subject exists          asked as drawn (a distance tie between two
                                                                     shapes: the lower colour index wins)
centres                 ``5 <= x, y <= 70``                          ``5 <= x, y <= 69``
min. centre distance    15 px (objects never touch)                  10 px (objects may touch, squares overlap)
squares                 10 x 10 px                                   11 x 11 px
circles                 radius 5 (80 px)                             radius 5 (80 px)
question vector         18 floats (layout above)                     the same 18 floats; B block and ternary
                                                                     kind bit always zero
default folder          ``data/sort_of_clevr``                       ``data/sort_of_clevr_paper``
======================  ===========================================  ===========================================

The ``course`` preset (notebook 06) asks the ``paper`` preset's two kinds, 10 of each per image, drawn
balanced as in ``extended``, on objects drawn 14 px wide (squares 14 x 14, circles of diameter 14:
``Preset.object_size``) with centres in ``[7, 68]`` at least 21 px apart
(:func:`object_geometry`), so they never touch: at 10 px a pixel RN on the course's 4 x 4 feature
map did not learn to find an object by its colour on a CPU budget, at 14 px it did (notebook 06,
section 3). ``generate --preset course --object-size 10`` makes the preset's earlier 10 px pictures.

Where the ``paper`` facts come from. *The paper* (Santoro et al. 2017, section 4.2 and
appendix): 6 objects per image, each a square or a circle, 6 colours that name the objects,
questions as fixed-length binary strings, 10 relational and 10 non-relational questions per
image, and example questions (the shape of an object given by its colour, of the object closest
to or furthest from it, how many objects share its shape). *The PyTorch reproduction*
(kimhc6028/relational-networks, ``sort_of_clevr_generator.py`` and its README), for everything the
paper leaves open: the three subtypes of each kind (with yes/no answers to "left?" and "top?"),
75 x 75 images, 9,800 training and 200 test images, centres drawn with
``randint(5, 70)`` (70 excluded), a centre redrawn when it lies within 10 px of an earlier one
(squared distance below 100), squares drawn by OpenCV's filled ``rectangle(center - 5, center + 5)``
(11 x 11) and circles of radius 5, each shape with probability 1/2, the subject colour and then
the subtype drawn uniformly for each question, the answer read off the scene (closest / furthest
by ``argmin`` / ``argmax``, so ties go to the lower colour index; the count leaves the object
itself out). What differs here: the random generator (NumPy's ``default_rng``: a seed does not
give the reproduction's images), and the circles: OpenCV fills a disc of radius 5 around a pixel
centre (about 81 pixels), here a circle of 80 pixels (pixel centres within 5 px of a pixel corner).

**Balance** (``extended``). For each question the generator lists every subject (6 colours, or
the 30 ordered pairs of distinct colours), draws one of the answers those subjects give
uniformly, then a subject with that answer: yes/no questions are about 50/50 whenever both
answers occur in the scene, and rare counts are asked about as often as the scene allows. The
``paper`` preset asks what a uniform draw asks: e.g. "how many other objects share A's shape"
follows a binomial distribution (2 and 3 are common, 0 and 5 rare).

**Files.** ``generate --out DIR`` writes ``DIR/train.npz`` and ``DIR/test.npz``
(``np.savez_compressed``, read with ``allow_pickle=False``; the arrays are identical for the same
seed and preset), ``DIR/generate.json`` (the settings, preset included) and
``DIR/answer_distribution.json``. Each ``.npz`` records its preset (:func:`dataset_preset`;
files from before presets existed are ``extended``). ``train`` records the data's preset in the
run's ``config.json`` and ``results.json``, ``export`` in ``NAME_results.json``, and
``evaluate`` reads it back (:func:`weights_preset`, and :func:`weights_object_size` for the
objects' size) to draw its fresh test set from the same preset at the same object size; weights with no record are ``extended``.

Command line::

    python -m rnlib.sort_of_clevr generate [--preset extended|paper|course] [--out DIR] --seed 0 [--train 9800 --test 200]
        [--square-size 10] [--object-size 14]
    python -m rnlib.sort_of_clevr train --model rn|cnn_mlp|rn_state --run-dir DIR --epochs E   # rerun to resume
        [--preset extended|paper] [--data DIR] [--reduction sum|mean] [--init keras|pytorch|pytorch_all]
        [--cnn-order bn_relu|relu_bn] [--batchnorm keras|pytorch] [--kind-batches] [--lr 2.5e-4] [--dropout 0.5]
        [--time-budget MINUTES] [--workers N]
    python -m rnlib.sort_of_clevr evaluate --weights PATH --seed 1 [--images 1000]  # the weights' preset;
        # also prints the colour-blind reader's accuracy on the same questions
    python -m rnlib.sort_of_clevr export --run-dir DIR --out data/pretrained --name NAME [--machine TEXT]

Training uses plain NumPy batches (:class:`QuestionBatches`), so it runs with any Keras backend
(``KERAS_BACKEND=jax`` on a GPU machine without TensorFlow, for instance).

Introduced in notebooks/06_sort_of_clevr.ipynb.
"""

from .cli import main
from .datasets import (BATCH_SIZE, DEFAULT_TEST, DEFAULT_TRAIN, STATE_SIZE, QuestionBatches, answer_distribution,
                       dataset_preset, generate, generate_dataset, load_dataset, make_dataset, save_dataset,
                       state_descriptions)
from .evaluation import (KindHistory, colour_blind_accuracy, colour_blind_answers, evaluate_model, question_groups,
                         read_kind_history, weights_object_size, weights_preset)
from .models import (DROPOUT, INITS, LEARNING_RATE, MODELS, STATE_MLP_UNITS, STATE_MODELS, build_cnn_mlp_model,
                     build_rn_model, build_state_mlp_model, build_state_rn_model, init_like_pytorch,
                     learning_rate_schedule, load_model, takes_state)
from .presets import DEFAULT_PRESET, PRESETS, SAMPLINGS, Preset, get_preset, sample_questions
from .questions import (ANSWERS, KINDS, QUESTION_SIZE, QUESTIONS_PER_KIND, SUBTYPES, Question, all_questions,
                        answer_question, decode_question, encode_question, parse_question, question_text)
from .scenes import CENTER_RANGE, COLORS, IMAGE_SIZE, MIN_DISTANCE, OBJECT_SIZE, RGB, SHAPES, Scene, draw_scene, \
    object_geometry, random_scene
from .scenes import _MASKS  # noqa: F401  (notebooks/06_sort_of_clevr.ipynb counts the pixels of a circle with it)

__all__ = [
    "IMAGE_SIZE", "OBJECT_SIZE", "MIN_DISTANCE", "CENTER_RANGE", "COLORS", "RGB", "SHAPES", "KINDS", "SUBTYPES",
    "ANSWERS", "QUESTION_SIZE", "QUESTIONS_PER_KIND", "Question", "Scene", "object_geometry", "random_scene", "draw_scene",
    "answer_question", "encode_question", "decode_question", "question_text", "parse_question",
    "all_questions", "Preset", "PRESETS", "DEFAULT_PRESET", "SAMPLINGS", "get_preset", "sample_questions",
    "generate", "save_dataset", "load_dataset", "dataset_preset", "generate_dataset", "answer_distribution",
    "question_groups", "STATE_SIZE", "state_descriptions", "make_dataset", "QuestionBatches", "INITS",
    "init_like_pytorch", "build_rn_model", "build_cnn_mlp_model", "build_state_rn_model", "build_state_mlp_model",
    "STATE_MLP_UNITS", "STATE_MODELS", "learning_rate_schedule", "takes_state", "MODELS",
    "load_model", "evaluate_model", "colour_blind_answers", "colour_blind_accuracy", "weights_preset",
    "weights_object_size",
    "KindHistory", "read_kind_history", "main",
    "BATCH_SIZE", "LEARNING_RATE", "DROPOUT", "DEFAULT_TRAIN", "DEFAULT_TEST",
]
