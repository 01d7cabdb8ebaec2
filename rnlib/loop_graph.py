"""The Relation Network written as one graph branch per pair, the way the Keras NLVR tutorial did it.

The tutorial this course starts from built the relation module with Python loops over the CNN's
2x8 feature map: slice out each of the 16 cells, concatenate every ordered pair of cells with the
question (16 * 16 = 256 branches), send each branch through the *same* (shared) Dense layers of
``g_theta``, add the 256 results and feed the sum to ``f_phi``. The arithmetic is exactly the
Relation Network's, but the model graph has a node for every cell, every pair and every layer of
every branch: about 300 layers and thousands of layer calls, slow to build, slow to trace and
slow to run, because each small branch is a separate little matrix product.

This module rebuilds that graph faithfully, with one change: the tutorial's ``Lambda`` slicing
closures cannot be saved and reloaded (Keras refuses them with ``safe_mode=True``), so each cell
is cut out by a registered, serializable layer, :class:`CellSlice`. It exists for comparison with
the vectorized :class:`rnlib.relation.RelationNetwork`: :func:`copy_weights` moves weights
between the two forms, and with the same weights they compute the same outputs in inference.

In *training* mode they differ when ``g_theta`` has BatchNormalization (the tutorial's has): a
BatchNormalization layer shared by 256 branches is called 256 times per step, and each call
normalises its own branch with that branch's batch statistics, whereas the vectorized layer takes
the statistics over all pairs of the batch at once. Each call also updates the moving averages,
so per training step they move by ``1 - momentum**256`` (about 0.92 with Keras' momentum 0.99)
instead of ``1 - momentum``. The moving averages are what inference uses, and with the same
weights, moving averages included, the two models compute the same outputs in inference.

Introduced in notebooks/03_relation_network.ipynb.
"""

from __future__ import annotations

import keras
from keras import layers

from .relation import RelationNetwork

__all__ = ["CellSlice", "loop_relation_graph", "relation_weight_layers", "copy_weights"]


@keras.saving.register_keras_serializable(package="rnlib")
class CellSlice(layers.Layer):
    """Cut one cell out of a feature map: ``(batch, h, w, c) -> (batch, c)`` at (row, col).

    The serializable stand-in for the tutorial's ``Lambda(lambda t: t[:, row, col, :])``.

    Introduced in notebooks/03_relation_network.ipynb.
    """

    def __init__(self, row, col, **kwargs):
        super().__init__(**kwargs)
        self.row, self.col = int(row), int(col)

    def call(self, feature_map):
        return feature_map[:, self.row, self.col, :]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])

    def get_config(self):
        return dict(super().get_config(), row=self.row, col=self.col)


def loop_relation_graph(feature_map, question, g_units=(256, 256, 256, 256), f_units=(256, 256),
                        f_dropout=0.0, activation="relu", g_batchnorm=False, f_batchnorm=False):
    """The relation module as n * n explicit branches: ``(batch, h, w, c), (batch, q) -> (batch, f_units[-1])``.

    Cells are taken row-major (object ``k`` is cell ``(k // w, k % w)``, as in
    :func:`rnlib.encoders.cnn_objects`); branch ``pair_{i}_{j}`` is ``[o_i; o_j; q]`` for every
    ordered pair, self pairs included. Every branch goes through the same shared layers
    ``g_theta_{k}`` (Dense), ``g_theta_bn_{k}`` (BatchNormalization, with ``g_batchnorm``) and
    ``g_theta_act_{k}``; ``relation_sum`` adds the branches; ``f_phi_{k}`` / ``f_phi_bn_{k}`` /
    ``f_phi_act_{k}`` and ``f_phi_dropout`` form the readout. The names and weight shapes are
    those of :class:`rnlib.relation.RelationNetwork` with ``pairs="ordered", self_pairs=True,
    reduction="sum"``, which computes the same function (see the module docstring for
    BatchNormalization in training mode). The map's height and width must be known.

    Introduced in notebooks/03_relation_network.ipynb.
    """
    h, w = feature_map.shape[1], feature_map.shape[2]
    if h is None or w is None:
        raise ValueError("the loop graph needs a feature map of known height and width (one branch "
                         f"per pair is built in Python); got shape {tuple(feature_map.shape)}.")
    cells = [CellSlice(r, c, name=f"cell_{r}_{c}")(feature_map) for r in range(h) for c in range(w)]
    g_layers = [(layers.Dense(u, name=f"g_theta_{k}"),
                 layers.BatchNormalization(name=f"g_theta_bn_{k}") if g_batchnorm else None,
                 layers.Activation(activation, name=f"g_theta_act_{k}")) for k, u in enumerate(g_units)]
    relations = []
    for i, first in enumerate(cells):
        for j, second in enumerate(cells):
            x = layers.Concatenate(name=f"pair_{i}_{j}")([first, second, question])
            for dense, norm, act in g_layers:
                x = dense(x)
                if norm is not None:
                    x = norm(x)
                x = act(x)
            relations.append(x)
    x = layers.Add(name="relation_sum")(relations) if len(relations) > 1 else relations[0]
    for k, u in enumerate(f_units):
        x = layers.Dense(u, name=f"f_phi_{k}")(x)
        if f_batchnorm:
            x = layers.BatchNormalization(name=f"f_phi_bn_{k}")(x)
        x = layers.Activation(activation, name=f"f_phi_act_{k}")(x)
    if f_units and f_dropout > 0:
        x = layers.Dropout(f_dropout, name="f_phi_dropout")(x)
    return x


def relation_weight_layers(model) -> dict:
    """Every layer with weights, by name, with a RelationNetwork opened into its g_theta/f_phi parts.

    In a vectorized model the relation weights live inside the ``RelationNetwork`` layer (as
    ``g_theta_0``, ``g_theta_bn_0``, ..., ``f_phi_0``, ...); in the loop model they are top-level
    layers with the same names. Nested models are searched too.
    """
    found = {}

    def visit(layer):
        if isinstance(layer, RelationNetwork):
            for sub in layer.g_layers + layer.g_norms + layer.f_layers + layer.f_norms:
                found[sub.name] = sub
        elif isinstance(layer, keras.Model):
            for sub in layer.layers:
                visit(sub)
        elif layer.weights:
            if layer.name in found:
                raise ValueError(f"two layers named {layer.name!r}; cannot match weights by name.")
            found[layer.name] = layer

    for layer in model.layers:
        visit(layer)
    return found


def copy_weights(source, target) -> None:
    """Copy every weight of ``source`` into ``target``, matching layers by name.

    Works in both directions between a loop model (:func:`rnlib.models.build_nlvr_loop_rn`) and a
    vectorized one (:func:`rnlib.models.build_nlvr_rn`, with or without ``shortcut``) built with
    the same sizes: the encoders have the same layer names in both, and the relation weights are
    matched through :func:`relation_weight_layers`. Raises ValueError naming the layers that do
    not correspond.

    Introduced in notebooks/03_relation_network.ipynb.
    """
    src, dst = relation_weight_layers(source), relation_weight_layers(target)
    if set(src) != set(dst):
        raise ValueError("the two models do not have the same weighted layers; only in source: "
                         f"{sorted(set(src) - set(dst))}, only in target: {sorted(set(dst) - set(src))}.")
    for name, layer in dst.items():
        values = src[name].get_weights()
        shapes = [tuple(v.shape) for v in layer.get_weights()]
        if [tuple(v.shape) for v in values] != shapes:
            raise ValueError(f"layer {name!r}: source weights {[v.shape for v in values]} do not fit "
                             f"target weights {shapes}.")
        layer.set_weights(values)
