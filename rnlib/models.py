"""Whole NLVR models: image + sentence -> probability that the sentence is true of the image.

``image`` (batch, 50, 200, 3) float32, already normalised by the tf.data pipeline, goes through
the CNN (:mod:`rnlib.encoders`) and becomes a set of objects; ``tokens`` (batch, 32) integer ids,
0 = padding, go through the word embedding and the bidirectional LSTM and become the
``question_embedding``. The relation module pairs the objects, conditions every pair on the
question, and a one-unit sigmoid layer ``answer`` gives P(true).

- :func:`build_nlvr_rn` uses the vectorized :class:`rnlib.relation.RelationNetwork` layer.
- :func:`build_nlvr_loop_rn` builds the same function as the tutorial did, one graph branch per
  pair (:mod:`rnlib.loop_graph`); it is there to compare, not to train.

Both save to ``.keras`` files and reload with ``keras.saving.load_model(path, safe_mode=True)``
once ``rnlib.models`` (or ``rnlib.relation`` / ``rnlib.loop_graph`` / ``rnlib.encoders``) is imported.

Default sizes (the seed tutorial's model, kept small enough for a 2-core CPU):

- CNN ``"seed"``: 16/16/16/32 filters, pools 4/3/2 -> 2x8x32 map, 16 objects of 32 features.
- Question: 50-d embeddings (GloVe 50d fits), Bidirectional LSTM(64) -> 128-d question.
- ``g_theta``: 3 x Dense(128) + BatchNorm + ReLU, as in the tutorial (3 layers of 128 with
  BatchNorm); the paper's 4 x 256 on 256 pairs costs about 4 times as many multiply-adds per
  image, too slow to train on a laptop CPU in a notebook session.
- ``f_phi``: 2 x Dense(128) + BatchNorm + ReLU, dropout 0.5, then ``answer``. (The tutorial put a
  dropout of 0.5 after each of its two f layers; here there is one, before the answer layer, as in
  the paper.)

The training speed of these models is measured by ``bench/bench_relation.py``.

Introduced in notebooks/03_relation_network.ipynb.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from .boxes import BoxCrops, BoxSum, PerBox
from .encoders import CNN_CONFIGS, CoordinateTagging, QuestionTokens, cnn_feature_map, question_embedding
from .loop_graph import loop_relation_graph
from .relation import RelationNetwork

__all__ = ["build_nlvr_rn", "build_nlvr_loop_rn", "NLVR_CONFIGS", "MODEL_KINDS", "nlvr_config",
           "build_nlvr_model"]


def _encoders(vocab_size, sequence_length, image_shape, embedding_dim, embedding_matrix,
              trainable_embeddings, lstm_units, cnn, coordinates):
    image = keras.Input(shape=tuple(image_shape), dtype="float32", name="image")
    tokens = keras.Input(shape=(sequence_length,), dtype="int32", name="tokens")
    feature_map = cnn_feature_map(image, cnn=cnn)
    if coordinates:
        feature_map = CoordinateTagging(name="coordinates")(feature_map)
    question = question_embedding(tokens, vocab_size, embedding_dim=embedding_dim, lstm_units=lstm_units,
                                  embedding_matrix=embedding_matrix,
                                  trainable_embeddings=trainable_embeddings)
    return image, tokens, feature_map, question


def build_nlvr_rn(vocab_size, sequence_length=32, image_shape=(50, 200, 3), embedding_dim=50,
                  embedding_matrix=None, trainable_embeddings=True, lstm_units=64, cnn="seed",
                  coordinates=False, g_units=(128, 128, 128), f_units=(128, 128), f_dropout=0.5,
                  g_batchnorm=True, f_batchnorm=True, pairs="ordered", self_pairs=True,
                  reduction="sum", shortcut=False, activation="relu", name="nlvr_rn") -> keras.Model:
    """The NLVR Relation Network with the vectorized relation layer. Inputs ``image``, ``tokens``.

    ``cnn``: ``"seed"``, ``"paper"`` or a dict for :func:`rnlib.encoders.cnn_config`;
    ``coordinates``: tag every object with its (row, col); the relation arguments are those of
    :class:`rnlib.relation.RelationNetwork` (layer ``relation_network``). The model is not
    compiled. Output: (batch, 1) probabilities (layer ``answer``).

    Introduced in notebooks/03_relation_network.ipynb.
    """
    image, tokens, feature_map, question = _encoders(
        vocab_size, sequence_length, image_shape, embedding_dim, embedding_matrix,
        trainable_embeddings, lstm_units, cnn, coordinates)
    objects = layers.Reshape((-1, feature_map.shape[-1]), name="objects")(feature_map)
    relation = RelationNetwork(g_units=g_units, f_units=f_units, f_dropout=f_dropout, pairs=pairs,
                               self_pairs=self_pairs, reduction=reduction, shortcut=shortcut,
                               activation=activation, g_batchnorm=g_batchnorm, f_batchnorm=f_batchnorm,
                               name="relation_network")(objects, question)
    answer = layers.Dense(1, activation="sigmoid", name="answer")(relation)
    return keras.Model([image, tokens], answer, name=name)


def build_nlvr_loop_rn(vocab_size, sequence_length=32, image_shape=(50, 200, 3), embedding_dim=50,
                       embedding_matrix=None, trainable_embeddings=True, lstm_units=64, cnn="seed",
                       coordinates=False, g_units=(128, 128, 128), f_units=(128, 128), f_dropout=0.5,
                       g_batchnorm=True, f_batchnorm=True, activation="relu",
                       name="nlvr_loop_rn") -> keras.Model:
    """The same model as :func:`build_nlvr_rn` (ordered pairs, self pairs, sum) with the loop graph.

    One branch per ordered pair of feature-map cells (:func:`rnlib.loop_graph.loop_relation_graph`):
    256 branches for the seed CNN. :func:`rnlib.loop_graph.copy_weights` copies weights between
    this model and :func:`build_nlvr_rn` built with the same sizes.

    Introduced in notebooks/03_relation_network.ipynb.
    """
    image, tokens, feature_map, question = _encoders(
        vocab_size, sequence_length, image_shape, embedding_dim, embedding_matrix,
        trainable_embeddings, lstm_units, cnn, coordinates)
    relation = loop_relation_graph(feature_map, question, g_units=g_units, f_units=f_units,
                                   f_dropout=f_dropout, activation=activation,
                                   g_batchnorm=g_batchnorm, f_batchnorm=f_batchnorm)
    answer = layers.Dense(1, activation="sigmoid", name="answer")(relation)
    return keras.Model([image, tokens], answer, name=name)


# ------------------------------------------------------------------------------------------------
# The seed's configuration and the course's, and the baselines (notebook 04)
# ------------------------------------------------------------------------------------------------

#: Every setting in which the seed's NLVR model and the course's differ, switchable one by one
#: (``nlvr_config("seed", padding="post")``). Shared by both: the seed CNN (16/16/16/32, pools
#: 4/3/2, he_normal), frozen GloVe 6B 50d, BiLSTM(64), g 3 x (Dense 128, BatchNorm, ReLU), sum over
#: the 256 ordered pairs (self pairs included), f 2 x (Dense 128, BatchNorm, ReLU), Adam 3e-4.
#:
#: - ``padding``/``mask_padding``: the seed padded *before* the words (``pad_sequences``) and masked
#:   nothing, so its LSTM read up to 25 zero vectors first; the course pads after them and masks.
#: - ``recurrent_l2``/``recurrent_dropout``: the seed's LSTM regularizers (0.01, 0.25); the course
#:   drops them (recurrent dropout also rules out the fast fused LSTM kernels).
#: - ``f_dropout_every_layer``: the seed put Dropout(0.5) after both f layers, the paper once.
#: - ``normalization``: one mean and std over all pixels (seed) or one per colour channel (course:
#:   the colours carry meaning; a grey mean treats them alike).
#: - ``coordinates``: the seed's objects did not know where they were; the course tags each cell with
#:   its (row, col), as the paper does.
#: - ``batch_size``: 256 (seed) or 64 (course: four times the updates per epoch on small data).
NLVR_CONFIGS = {
    "seed": {"padding": "pre", "mask_padding": False, "trainable_embeddings": False,
             "recurrent_l2": 0.01, "recurrent_dropout": 0.25, "f_dropout_every_layer": True,
             "kernel_initializer": "he_normal", "normalization": "scalar", "coordinates": False,
             "batch_size": 256, "learning_rate": 3e-4, "f_dropout": 0.5, "g_units": [128, 128, 128],
             "f_units": [128, 128], "lstm_units": 64, "pairs": "ordered", "weight_decay": 0.0},
    "course": {"padding": "post", "mask_padding": True, "trainable_embeddings": False,
               "recurrent_l2": 0.0, "recurrent_dropout": 0.0, "f_dropout_every_layer": False,
               "kernel_initializer": "he_normal", "normalization": "per_channel", "coordinates": True,
               "batch_size": 64, "learning_rate": 3e-4, "f_dropout": 0.5, "g_units": [128, 128, 128],
               "f_units": [128, 128], "lstm_units": 64, "pairs": "ordered", "weight_decay": 0.0},
}
#: ``rn``: the Relation Network; the baselines: ``text_only`` (question encoder + f),
#: ``image_only`` (CNN + f), ``cnn_lstm`` (CNN and question concatenated + f: Suhr et al.'s CNN+RNN).
#: ``objects`` (notebook 05): the same RN on the true objects of :mod:`rnlib.items` instead of the CNN's cells.
#: ``box_rn`` (notebook 07): the RN with per-box perception, a 3 x 3 grid per box and pairs inside a box (:mod:`rnlib.boxes`).
MODEL_KINDS = ("rn", "text_only", "image_only", "cnn_lstm", "objects", "box_rn")


def nlvr_config(name="course", **overrides) -> dict:
    """A copy of ``NLVR_CONFIGS[name]`` with ``overrides`` applied (unknown keys are an error).

    Introduced in notebooks/04_training.ipynb.
    """
    if name not in NLVR_CONFIGS:
        raise ValueError(f"unknown NLVR configuration {name!r}; choose one of {sorted(NLVR_CONFIGS)}.")
    config = dict(NLVR_CONFIGS[name])
    unknown = set(overrides) - set(config)
    if unknown:
        raise ValueError(f"unknown setting(s) {sorted(unknown)}; known: {sorted(config)}.")
    config.update(overrides)
    if config["normalization"] not in ("scalar", "per_channel"):
        raise ValueError(f"normalization must be 'scalar' or 'per_channel'; got {config['normalization']!r}.")
    return config


def build_nlvr_model(kind="rn", vocabulary=None, image_mean=None, image_std=None, config="course",
                     embedding_matrix=None, image_shape=(50, 200, 3), sequence_length=32,
                     name=None) -> keras.Model:
    """An NLVR model that carries what it needs to run: inputs ``image`` and ``tokens``, output P(true).

    ``image``: (batch, 50, 200, 3) float32 pixel values in 0..255; the model normalizes them itself
    with the training split's ``image_mean``/``image_std`` (a ``keras.layers.Normalization`` layer
    ``image_normalization``: scalars for ``normalization="scalar"``, 3 values for ``"per_channel"``).
    ``tokens``: (batch, ``sequence_length``) int32 ids from ``TextVectorization`` (pads after the words);
    the layer ``question_tokens`` (:class:`rnlib.encoders.QuestionTokens`) stores ``vocabulary`` and
    moves the pads before the words when ``padding="pre"``.
    ``kind`` is one of :data:`MODEL_KINDS`; ``config`` a name of :data:`NLVR_CONFIGS` or a dict from
    :func:`nlvr_config`. ``embedding_matrix`` (len(vocabulary), 50): GloVe rows
    (:func:`rnlib.embeddings.glove_matrix`); None starts from random vectors. Not compiled.
    Saved with ``model.save`` it reloads with ``keras.saving.load_model(path, safe_mode=True)``.

    Introduced in notebooks/04_training.ipynb.
    """
    if kind not in MODEL_KINDS:
        raise ValueError(f"unknown model kind {kind!r}; choose one of {MODEL_KINDS}.")
    config = nlvr_config(config) if isinstance(config, str) else nlvr_config("course", **config)
    if not vocabulary:
        raise ValueError("build_nlvr_model needs the fitted vocabulary (vectorizer.get_vocabulary()).")
    if kind == "objects":
        return _object_rn(vocabulary, config, embedding_matrix, sequence_length, name)
    if image_mean is None or image_std is None:
        raise ValueError("build_nlvr_model needs the training images' mean and std (rnlib.images.normalization_stats).")
    scalar = config["normalization"] == "scalar"
    mean, std = (np.asarray(v, np.float32) for v in (image_mean, image_std))
    if mean.size != (1 if scalar else 3) or std.size != mean.size:
        raise ValueError(f"normalization={config['normalization']!r} takes {1 if scalar else 3} mean and std "
                         f"value(s), got {mean.size} and {std.size} (rnlib.nlvr.image_normalization gives them).")
    mean, std = mean.reshape(() if scalar else (3,)), std.reshape(() if scalar else (3,))
    image = keras.Input(shape=tuple(image_shape), dtype="float32", name="image")
    tokens = keras.Input(shape=(sequence_length,), dtype="int32", name="tokens")
    pixels = layers.Normalization(axis=None if scalar else -1, mean=mean, variance=std ** 2,
                                  name="image_normalization")(image)
    ids = QuestionTokens(list(vocabulary), padding=config["padding"], name="question_tokens")(tokens)
    parts = []
    if kind == "box_rn":  # the seed CNN on each box (pools 4, 4: 50 x 50 -> 3 x 3 cells), pairs inside a box
        pixels = BoxCrops(name="box_crops")(pixels)
    if kind != "text_only":
        pools = (4, 4, None, None) if kind == "box_rn" else CNN_CONFIGS["seed"]["pool_sizes"]
        feature_map = cnn_feature_map(pixels, cnn="seed", kernel_initializer=config["kernel_initializer"], pool_sizes=pools)
        if config["coordinates"]:
            feature_map = CoordinateTagging(name="coordinates")(feature_map)
    if kind != "image_only":
        question = _question(ids, vocabulary, config, embedding_matrix)
    f = dict(f_units=tuple(config["f_units"]), f_dropout=float(config["f_dropout"]), f_batchnorm=True,
             f_dropout_every_layer=config["f_dropout_every_layer"])
    if kind == "rn":
        objects = layers.Reshape((-1, feature_map.shape[-1]), name="objects")(feature_map)
        x = RelationNetwork(g_units=tuple(config["g_units"]), g_batchnorm=True, pairs=config["pairs"],
                            name="relation_network", **f)(objects, question)
    elif kind == "box_rn":  # f_phi's first layer per box, the box sum, then the rest of f_phi
        if len(f["f_units"]) < 2:
            raise ValueError(f"box_rn needs at least two f_units (the first runs on each box, the rest after the "
                             f"boxes are summed); got {list(f['f_units'])}.")
        objects = layers.Reshape((-1, feature_map.shape[-1]), name="objects")(feature_map)
        per_box = RelationNetwork(g_units=tuple(config["g_units"]), g_batchnorm=True, pairs=config["pairs"],
                                  f_units=f["f_units"][:1], f_batchnorm=True, name="relation_network")(
            objects, PerBox(name="question_per_box")(question))
        x = _readout(BoxSum(name="box_sum")(per_box), **{**f, "f_units": f["f_units"][1:]}, first=1)
    else:  # the same f_phi (Dense, BatchNorm, ReLU, dropout), without g_theta and the pairs
        if kind != "text_only":
            parts.append(layers.Flatten(name="image_features")(feature_map))
        if kind != "image_only":
            parts.append(question)
        x = parts[0] if len(parts) == 1 else layers.Concatenate(name="image_and_question")(parts)
        x = _readout(x, **f)
    answer = layers.Dense(1, activation="sigmoid", dtype="float32", name="answer")(x)  # float32 under mixed precision
    inputs = {"image": image, "tokens": tokens}
    return keras.Model(inputs, answer, name=name or f"nlvr_{kind}")


def _question(ids, vocabulary, config, embedding_matrix):
    """The question encoder of every NLVR model: GloVe-sized embedding, BiLSTM(lstm_units), the config's switches."""
    return question_embedding(ids, len(vocabulary), embedding_dim=50, lstm_units=int(config["lstm_units"]), embedding_matrix=embedding_matrix,
                              trainable_embeddings=config["trainable_embeddings"], mask_padding=config["mask_padding"],
                              recurrent_l2=config["recurrent_l2"], recurrent_dropout=config["recurrent_dropout"])


def _object_rn(vocabulary, config, embedding_matrix, sequence_length, name):
    """The RN of :func:`build_nlvr_model` on the true objects: input ``objects`` (batch, 24, 17) from
    :func:`rnlib.items.example_objects` (all-zero rows are padding, masked out of every pair by
    ``mask_zero_objects``; models saved before that setting existed summed over them)."""
    from .items import FEATURES, MAX_OBJECTS

    items = keras.Input(shape=(MAX_OBJECTS, len(FEATURES)), dtype="float32", name="objects")
    tokens = keras.Input(shape=(sequence_length,), dtype="int32", name="tokens")
    ids = QuestionTokens(list(vocabulary), padding=config["padding"], name="question_tokens")(tokens)
    question = _question(ids, vocabulary, config, embedding_matrix)
    objects = layers.Masking(mask_value=0.0, name="object_mask")(items)
    x = RelationNetwork(g_units=tuple(config["g_units"]), g_batchnorm=True, f_units=tuple(config["f_units"]),
                        f_dropout=float(config["f_dropout"]), f_batchnorm=True,
                        f_dropout_every_layer=config["f_dropout_every_layer"], shortcut=True, pairs=config["pairs"],
                        mask_zero_objects=True, name="relation_network")(objects, question)  # shortcut: the same g, computed faster (notebook 03)
    answer = layers.Dense(1, activation="sigmoid", dtype="float32", name="answer")(x)
    return keras.Model({"objects": items, "tokens": tokens}, answer, name=name or "nlvr_objects")


def _readout(x, f_units, f_dropout, f_batchnorm, f_dropout_every_layer, first=0):
    """f_phi's layers (named from f_phi_{first}), with dropout after the last (or after each)."""
    for k, units in enumerate(f_units, start=first):
        x = layers.Dense(units, name=f"f_phi_{k}")(x)
        if f_batchnorm:
            x = layers.BatchNormalization(name=f"f_phi_bn_{k}")(x)
        x = layers.ReLU(name=f"f_phi_relu_{k}")(x)
        if f_dropout and (f_dropout_every_layer or k == first + len(f_units) - 1):
            x = layers.Dropout(f_dropout, name=f"f_phi_dropout_{k}")(x)
    return x
