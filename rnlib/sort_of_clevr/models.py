"""The Sort-of-CLEVR models: the paper's RN and CNN + MLP on pixels, and the RN on state descriptions.

Each builder returns a compiled ``keras.Model`` with inputs ``image`` (or ``objects``) and
``question`` and a softmax over :data:`~rnlib.sort_of_clevr.questions.ANSWERS`; :data:`MODELS`
names them for the command line and :func:`load_model` reloads a saved one with ``safe_mode=True``.
The custom layers they use (``rnlib>CoordinateTagging``, ``rnlib>RelationNetwork``) are registered
by :mod:`rnlib.encoders` and :mod:`rnlib.relation`, imported here.

Introduced in notebooks/06_sort_of_clevr.ipynb.
"""

from __future__ import annotations

import keras
import numpy as np

from ..encoders import BATCHNORMS, CNN_ORDERS, CoordinateTagging, cnn_feature_map, cnn_objects
from ..relation import RelationNetwork
from .datasets import STATE_SIZE
from .questions import ANSWERS, QUESTION_SIZE
from .scenes import COLORS, IMAGE_SIZE

__all__ = ["LEARNING_RATE", "DROPOUT", "INITS", "CNN_ORDERS", "BATCHNORMS", "init_like_pytorch", "learning_rate_schedule",
           "build_rn_model", "build_cnn_mlp_model", "build_state_rn_model", "build_state_mlp_model", "takes_state",
           "MODELS", "load_model"]

#: Default learning rate of the models (see :func:`build_rn_model`).
LEARNING_RATE = 2.5e-4
#: Default dropout rate before the answer layer: the paper's f_phi for CLEVR. The PyTorch reproduction
#: calls ``F.dropout(x)``, a no-op in the PyTorch of 2017 (``training=False`` was its default before
#: PyTorch 1.0): its README's figures were trained without dropout (``dropout=0``). Its per-epoch log
#: of 2022 ran on a later PyTorch, where the same call drops 50% in training and at test time.
DROPOUT = 0.5


def _inputs():
    image = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), name="image")
    question = keras.Input((QUESTION_SIZE,), name="question")
    return image, question


def learning_rate_schedule(peak: float, warmup_steps: int = 0, decay_steps: int | None = None):
    """Adam's learning rate: ``peak`` throughout (the paper's way), or a warm-up and a cosine decay.

    With ``warmup_steps`` > 0 or ``decay_steps`` set: linear from 0 to ``peak`` over ``warmup_steps``
    batches, then a cosine from ``peak`` down to 1% of it over ``decay_steps`` batches (then flat):
    Keras's ``CosineDecay`` with ``warmup_target``. The schedule reads the optimizer's step count,
    which a resumed run restores (:func:`rnlib.training.train`), so it continues where it stopped.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    if not warmup_steps and decay_steps is None:
        return float(peak)
    decay = max(int(decay_steps or 1), 1)
    if warmup_steps:
        return keras.optimizers.schedules.CosineDecay(0.0, decay, alpha=0.01, warmup_target=float(peak),
                                                      warmup_steps=int(warmup_steps))
    return keras.optimizers.schedules.CosineDecay(float(peak), decay, alpha=0.01)


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


def build_rn_model(learning_rate=LEARNING_RATE, g_units=(256, 256, 256, 256), f_units=(256, 256),
                   dropout: float = DROPOUT, shortcut: bool = True, reduction: str = "sum", init: str = "keras",
                   cnn_order: str = "bn_relu", batchnorm: str = "keras", compile: bool = True, cnn: str = "paper",
                   pairs: str = "ordered", coordinate_input: bool = False, filters=None):
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
    ReLU in each CNN block (see :data:`rnlib.encoders.CNN_ORDERS`); ``batchnorm="pytorch"`` gives
    its BatchNorm layers PyTorch's momentum and epsilon (:data:`rnlib.encoders.BATCHNORMS`).

    The ``course`` preset's levers (notebook 06, section 3): ``cnn="course"`` ends the CNN on a 4 x 4
    map (16 objects, :data:`rnlib.encoders.CNN_CONFIGS`); ``pairs="unordered"`` applies g_theta to
    each unordered pair once (i <= j: 136 pairs of 16 objects instead of 256); ``coordinate_input``
    gives the CNN two more input channels, each pixel's row and column in [-1, 1]
    (:class:`~rnlib.encoders.CoordinateTagging` on the image), so a filter can tell where it is;
    ``filters`` (one number per convolution, default the configuration's 24s) widens the CNN, e.g.
    (32, 64, 128, 256), the kernels of the paper's own Sort-of-CLEVR CNN.

    Compiled with Adam at ``learning_rate`` (default 2.5e-4, the paper's RN learning rate; the
    CNN + MLP baseline uses the same; a float or a :func:`learning_rate_schedule`), sparse
    categorical cross-entropy and accuracy. The softmax is
    computed in float32 under a mixed-precision policy (``train --precision``), as Keras advises.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    _check_init(init)
    image, question = _inputs()
    x = _pixels(image, coordinate_input)
    objects = cnn_objects(x, cnn=cnn, coordinates=True, order=cnn_order, batchnorm=batchnorm, filters=filters)
    answer = _relation_answer(objects, question, g_units, f_units, dropout, shortcut, reduction, pairs)
    model = keras.Model({"image": image, "question": question}, answer, name="sort_of_clevr_rn")
    return _finish(model, init, learning_rate, compile)


def build_cnn_mlp_model(learning_rate=LEARNING_RATE, units=(256, 256), dropout: float = DROPOUT,
                        init: str = "keras", cnn_order: str = "bn_relu", batchnorm: str = "keras",
                        compile: bool = True, cnn: str = "paper", coordinate_input: bool = False, filters=None):
    """The paper's baseline: the same CNN, its 5 x 5 x 24 map flattened, the question appended, an MLP.

    ``image`` -> Rescaling -> CNN (as in :func:`build_rn_model`) -> Flatten (600) -> concatenate
    the question (618) -> Dense 256 ReLU -> Dense 256 ReLU -> dropout 0.5 -> Dense softmax. It sees
    the same pixels and question as the RN but has no built-in notion of pairs of objects.
    ``init``, ``cnn_order``, ``batchnorm``, ``cnn``, ``coordinate_input`` and ``filters`` as in :func:`build_rn_model`
    (with ``cnn="course"`` the map is 4 x 4 x 24: 384 numbers).

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    _check_init(init)
    image, question = _inputs()
    x = _pixels(image, coordinate_input)
    x = keras.layers.Flatten(name="flatten")(cnn_feature_map(x, cnn=cnn, order=cnn_order, batchnorm=batchnorm,
                                                             filters=filters))
    answer = _mlp_answer(x, question, units, dropout)
    model = keras.Model({"image": image, "question": question}, answer, name="sort_of_clevr_cnn_mlp")
    return _finish(model, init, learning_rate, compile)


def build_state_rn_model(learning_rate=LEARNING_RATE, g_units=(256, 256, 256, 256), f_units=(256, 256),
                         dropout: float = DROPOUT, reduction: str = "sum", init: str = "keras", compile: bool = True,
                         pairs: str = "ordered"):
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
    answer = _relation_answer(objects, question, g_units, f_units, dropout, True, reduction, pairs)
    model = keras.Model({"objects": objects, "question": question}, answer, name="sort_of_clevr_state_rn")
    return _finish(model, init, learning_rate, compile)


#: The state MLP's hidden layers: with them it has more parameters than the state RN (g 4 x 256, f 2 x 256).
STATE_MLP_UNITS = (512, 512, 512, 256)


def build_state_mlp_model(learning_rate=LEARNING_RATE, units=STATE_MLP_UNITS, dropout: float = DROPOUT,
                          init: str = "keras", compile: bool = True):
    """The non-relational control on state descriptions: the 6 true objects flattened, the question, an MLP.

    ``objects`` (6, :data:`STATE_SIZE`) -> Flatten (60) -> concatenate the question (78) -> Dense
    512 -> 512 -> 512 -> 256 (ReLU) -> dropout -> Dense softmax over :data:`ANSWERS`. It reads
    exactly what :func:`build_state_rn_model` reads, with more parameters (about 0.7 M against
    0.35 M), but nothing in it compares objects two by two: whatever relation it answers, it must
    learn for every pair of positions in the flattened vector separately.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    _check_init(init)
    objects = keras.Input((len(COLORS), STATE_SIZE), name="objects")
    question = keras.Input((QUESTION_SIZE,), name="question")
    x = keras.layers.Flatten(name="flatten")(objects)
    answer = _mlp_answer(x, question, units, dropout)
    model = keras.Model({"objects": objects, "question": question}, answer, name="sort_of_clevr_state_mlp")
    return _finish(model, init, learning_rate, compile)


def _mlp_answer(x, question, units, dropout):
    """Both MLP models' head: the flat input with the question appended, Dense ReLU layers, dropout, the softmax."""
    x = keras.layers.Concatenate(name="with_question")([x, question])
    for k, u in enumerate(units):
        x = keras.layers.Dense(u, activation="relu", name=f"mlp_{k}")(x)
    x = keras.layers.Dropout(dropout, name="mlp_dropout")(x)
    return keras.layers.Dense(len(ANSWERS), activation="softmax", dtype="float32", name="answer")(x)


def _pixels(image, coordinate_input):
    """Rescale the image to [0, 1]; with ``coordinate_input``, append each pixel's (row, col) in [-1, 1]."""
    x = keras.layers.Rescaling(1 / 255, name="rescale")(image)
    return CoordinateTagging(name="pixel_coordinates")(x) if coordinate_input else x


def _relation_answer(objects, question, g_units, f_units, dropout, shortcut, reduction, pairs="ordered"):
    """The RN layer on ``objects`` and ``question``, then the softmax over :data:`ANSWERS` (both RN models)."""
    relation = RelationNetwork(g_units=g_units, f_units=f_units, f_dropout=dropout, shortcut=shortcut,
                               reduction=reduction, pairs=pairs, name="relation_network")(objects, question)
    return keras.layers.Dense(len(ANSWERS), activation="softmax", dtype="float32", name="answer")(relation)


def takes_state(model) -> bool:
    """Whether ``model`` reads state descriptions (an ``objects`` input) rather than pixels."""
    return any(getattr(t, "name", None) == "objects" for t in getattr(model, "inputs", None) or ())


#: The models that read state descriptions (the command line's ``--model`` names).
STATE_MODELS = ("rn_state", "mlp_state")


def _check_init(init):
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}; got {init!r}.")


def _finish(model, init, learning_rate, compile):
    if init != "keras":
        init_like_pytorch(model, convolutions=init == "pytorch_all")
    return _compile(model, learning_rate) if compile else model


MODELS = {"rn": build_rn_model, "cnn_mlp": build_cnn_mlp_model, "rn_state": build_state_rn_model,
          "mlp_state": build_state_mlp_model}


def load_model(path, compile: bool = False):
    """Load a saved Sort-of-CLEVR model (``safe_mode=True``: no code is run from the file).

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    return keras.models.load_model(path, compile=compile, safe_mode=True)
