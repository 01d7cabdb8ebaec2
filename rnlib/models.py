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
from keras import layers

from .encoders import CoordinateTagging, cnn_feature_map, question_embedding
from .loop_graph import loop_relation_graph
from .relation import RelationNetwork

__all__ = ["build_nlvr_rn", "build_nlvr_loop_rn"]


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
