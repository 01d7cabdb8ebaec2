"""The Relation Network module: a relation MLP ``g_theta`` on every pair of objects, summed, then ``f_phi``.

Santoro et al. (2017, arXiv 1706.01427) answer a question about a set of ``objects`` o_1 .. o_n
with one formula::

    RN(O, q) = f_phi( sum over pairs (i, j) of g_theta([o_i; o_j; q]) )

``g_theta`` (the *relation MLP*) looks at one pair of objects together with the question
embedding ``q`` and says how they relate *for this question*; the sum lets every pair vote and
makes the answer independent of the order of the objects; ``f_phi`` (the *readout*) turns the
summed relations into an answer. The same ``g_theta`` is shared by all pairs, so the module learns
one notion of "relation" and applies it n * n times.

Two ways to compute it, both here:

- :func:`pairs` builds the explicit pair tensor, one row ``[o_i; o_j; q]`` per pair, and
  ``g_theta`` runs on all rows in one batched matrix product. That is the plain form.
- With ``shortcut=True`` the first layer of ``g_theta`` is split. Its kernel ``W`` has three
  blocks of rows, ``W = [W_a; W_b; W_c]``, so ``W [o_i; o_j; q] + b = W_a o_i + W_b o_j + (W_c q + b)``.
  ``W_a o_i`` and ``W_b o_j`` are computed once per object (n products instead of n * n) and
  added by broadcasting. The variables are the same as in the plain form, so the same weights
  give the same outputs with either setting; only the cost of the first layer changes.

:class:`RelationNetwork` is the Keras layer (vectorized, serializable, any number of objects,
including a number unknown when the model is built); :mod:`rnlib.loop_graph` rebuilds the older
"one branch per pair" graph for comparison.

Introduced in notebooks/03_relation_network.ipynb.
"""

from __future__ import annotations

import numpy as np
import keras
from keras import ops

__all__ = ["PAIR_MODES", "REDUCTIONS", "pair_indices", "pairs", "RelationNetwork"]

#: Values of ``RelationNetwork(pairs=...)``. ``"singles"`` is the control without relations: g sees
#: one object at a time, ``f(sum_i g([o_i; q]))`` (a set network, Zaheer et al.'s Deep Sets).
PAIR_MODES = ("ordered", "unordered", "singles")
#: Values of ``RelationNetwork(reduction=...)``.
REDUCTIONS = ("sum", "mean")


def pair_indices(n: int, self_pairs: bool = True, pairs: str = "ordered"):
    """The pairs (i, j) of ``n`` objects as two NumPy index arrays, in row-major order over (i, j).

    ``pairs="ordered"`` keeps every ordered pair (i, j) (so both (0, 1) and (1, 0));
    ``pairs="unordered"`` keeps i < j only (the same setting, under the same name, as
    ``RelationNetwork(pairs=...)``). ``self_pairs=True`` adds the pairs (i, i).
    ``pairs="singles"`` gives each object once, as (i, i) (``self_pairs`` does not apply).
    Row-major means pair number ``k`` runs over ``j`` fastest: (0, 0), (0, 1), ..., (1, 0), ...
    With ``pairs="ordered", self_pairs=True`` that is simply ``k = i * n + j``.

    >>> pair_indices(3, self_pairs=False, pairs="unordered")
    (array([0, 0, 1], dtype=int32), array([1, 2, 2], dtype=int32))

    Introduced in notebooks/03_relation_network.ipynb.
    """
    _check_mode(pairs)
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    i, j = i.reshape(-1), j.reshape(-1)
    keep = _keep(i, j, self_pairs, pairs)
    return i[keep].astype("int32"), j[keep].astype("int32")


def _check_mode(pairs) -> str:
    """``pairs`` itself when it is one of :data:`PAIR_MODES`; a clear error for anything else."""
    if pairs not in PAIR_MODES:
        raise ValueError(f"pairs must be one of {PAIR_MODES}; got {pairs!r}.")
    return pairs


def _keep(i, j, self_pairs, mode):
    """Which grid cells (i, j) are pairs; works on NumPy arrays and on keras.ops tensors alike."""
    if mode == "singles":
        return (i == j) if isinstance(i, np.ndarray) else ops.equal(i, j)
    if mode == "ordered":
        return (i != j) | self_pairs if isinstance(i, np.ndarray) else ops.logical_or(
            ops.not_equal(i, j), self_pairs)
    if isinstance(i, np.ndarray):
        return (i <= j) if self_pairs else (i < j)
    return ops.less_equal(i, j) if self_pairs else ops.less(i, j)


def _dim(x, axis):
    """A static size when the shape knows it, else the dynamic one (a scalar tensor)."""
    size = x.shape[axis]
    return size if size is not None else ops.shape(x)[axis]


class _PairIndex:
    """Index tensors for the pairs of n objects (n static or dynamic).

    ``i``, ``j``: object indices of the P pairs (row-major). ``grid``: for each of the n * n cells
    (i, j), row-major, the pair number k, or P when (i, j) is not a pair. ``full`` is True for
    ordered pairs with self pairs, where pair k is simply cell k and no gathering is needed.
    ``singles``: each object alone (g sees [o_i; q]), pair k is object k.
    """

    def __init__(self, n, self_pairs, mode):
        self.n = n
        self.singles = mode == "singles"
        self.full = bool(mode == "ordered" and self_pairs)
        if self.full:
            self.count = n * n
            return
        if isinstance(n, int):
            i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
            i, j = i.reshape(-1), j.reshape(-1)
            keep = _keep(i, j, self_pairs, mode)
            self.count = int(keep.sum())
            self.i = i[keep].astype("int32")
            self.j = j[keep].astype("int32")
            self.grid = np.where(keep, np.cumsum(keep) - 1, self.count).astype("int32")
            return
        # n unknown until the graph runs: the same construction with keras.ops.
        r = ops.arange(n, dtype="int32")
        i = ops.reshape(ops.broadcast_to(ops.expand_dims(r, 1), (n, n)), (-1,))
        j = ops.reshape(ops.broadcast_to(ops.expand_dims(r, 0), (n, n)), (-1,))
        keep = _keep(i, j, self_pairs, mode)
        keep_int = ops.cast(keep, "int32")
        self.count = ops.sum(keep_int)
        where = ops.nonzero(keep)[0]
        self.i = ops.take(i, where)
        self.j = ops.take(j, where)
        self.grid = ops.where(keep, ops.cumsum(keep_int) - 1, self.count)


def _pair_tensor(objects, question, index: _PairIndex):
    """[o_i; o_j; q] for every pair of ``index``: (batch, P, 2d + q); [o_i; q] for singles (batch, n, d + q)."""
    batch, n = _dim(objects, 0), index.n
    d, qd = objects.shape[-1], question.shape[-1]
    if index.singles:
        q = ops.broadcast_to(ops.expand_dims(question, 1), (batch, n, qd))
        return ops.concatenate([objects, ops.cast(q, objects.dtype)], axis=-1)
    if index.full:
        first = ops.broadcast_to(ops.expand_dims(objects, 2), (batch, n, n, d))
        second = ops.broadcast_to(ops.expand_dims(objects, 1), (batch, n, n, d))
        first = ops.reshape(first, (batch, index.count, d))
        second = ops.reshape(second, (batch, index.count, d))
    else:
        first = ops.take(objects, index.i, axis=1)
        second = ops.take(objects, index.j, axis=1)
    q = ops.broadcast_to(ops.expand_dims(question, 1), (batch, index.count, qd))
    return ops.concatenate([first, second, ops.cast(q, objects.dtype)], axis=-1)


def pairs(objects, question, self_pairs: bool = True, pairs: str = "ordered"):
    """Concatenate every pair of objects with the question: ``(batch, n, d), (batch, q) -> (batch, P, 2d + q)``.

    Row ``k`` is ``[o_i; o_j; q]`` (object i, then object j, then the question) for the k-th pair
    of :func:`pair_indices` (row-major over (i, j)). ``pairs="ordered", self_pairs=True`` gives all
    P = n * n ordered pairs, with pair (i, j) at row ``i * n + j``; ``pairs="unordered"`` keeps i < j
    (i <= j with ``self_pairs``), P = n (n - 1) / 2 (or n (n + 1) / 2); ``pairs="singles"`` gives
    ``[o_i; q]``, (batch, n, d + q). ``n`` may be unknown
    until the graph runs. This is what :class:`RelationNetwork` (same ``pairs`` and ``self_pairs``
    settings) feeds to ``g_theta`` when ``shortcut=False``.

    Introduced in notebooks/03_relation_network.ipynb.
    """
    _check_mode(pairs)
    objects = ops.convert_to_tensor(objects)
    question = ops.convert_to_tensor(question)
    _check_ranks(objects.shape, question.shape)
    return _pair_tensor(objects, question, _PairIndex(_dim(objects, 1), self_pairs, pairs))


def _check_ranks(objects_shape, question_shape):
    if len(objects_shape) != 3:
        raise ValueError(f"objects must have shape (batch, n, d); got shape {tuple(objects_shape)}.")
    if len(question_shape) != 2:
        raise ValueError(f"question must have shape (batch, q); got shape {tuple(question_shape)}.")
    if objects_shape[-1] is None or question_shape[-1] is None:
        raise ValueError("the object size d and the question size q must be known; got shapes "
                         f"{tuple(objects_shape)} and {tuple(question_shape)}.")


@keras.saving.register_keras_serializable(package="rnlib")
class RelationNetwork(keras.layers.Layer):
    """``f_phi(sum_{i,j} g_theta([o_i; o_j; q]))`` as one Keras layer, for any number of objects.

    Args:
        g_units: sizes of the relation MLP ``g_theta`` (every layer is Dense + activation).
        f_units: sizes of the readout MLP ``f_phi`` (Dense + activation each). The answer layer is
            not part of this layer: the model adds it on top, so the paper's
            ``f: 256 -> 256 -> dropout -> answers`` is ``f_units=(256, 256), f_dropout=0.5``
            followed by the model's answer Dense. May be empty: the layer then returns the sum.
        f_dropout: dropout rate applied to the output of ``f_phi``'s last layer, i.e. right before
            the answer layer (training only).
        f_dropout_every_layer: apply that dropout after *every* ``f_phi`` layer instead (the seed's
            code: Dense, BatchNorm, ReLU, Dropout twice).
        pairs: ``"ordered"``: all ordered pairs (i, j), n * n of them with ``self_pairs``;
            ``"unordered"``: i < j only (i <= j with ``self_pairs``), half the work. The paper
            uses ordered pairs. ``"singles"``: no pairs, g sees one object and the question,
            ``f(sum_i g([o_i; q]))``: the control that shows what the pairs add.
        self_pairs: include the pairs (i, i).
        reduction: ``"sum"`` (the paper) or ``"mean"`` over the valid pairs (with a mask, the
            pairs between unmasked objects), which keeps the scale independent of n.
        shortcut: compute ``g_theta``'s first layer as ``W_a o_i + W_b o_j + (W_c q + b)``, with
            ``W_a o`` and ``W_b o`` computed once per object (see the module docstring). Same
            variables, same outputs (up to float rounding), n instead of n * n matrix products.
        activation: activation of every ``g_theta`` and ``f_phi`` layer.
        mask_zero_objects: an object whose features are all 0 is padding (masked, as with ``mask``);
            for inputs padded with zero rows, such as the true objects of :mod:`rnlib.items`.
        g_batchnorm, f_batchnorm: BatchNormalization between each Dense and its activation, as in
            the Keras NLVR tutorial this course starts from. In training, the statistics of
            ``g_theta``'s BatchNorm are taken over all valid pairs of the batch at once; the
            tutorial's one-branch-per-pair graph (:mod:`rnlib.loop_graph`) takes them per pair
            branch. In inference both use the same moving averages and agree.

    Call: ``layer(objects, question, mask=None)`` with ``objects`` (batch, n, d), ``question``
    (batch, q) and an optional boolean ``mask`` (batch, n) (False = padding object; every pair
    touching one is left out of the sum and of BatchNorm's statistics) returns
    (batch, f_units[-1]). :meth:`pair_features` returns ``g_theta``'s output for every pair.

    Sub-layers are named ``g_theta_0``, ``g_theta_bn_0``, ..., ``f_phi_0``, ``f_phi_bn_0``, ...
    (the names :func:`rnlib.loop_graph.copy_weights` matches).

    Introduced in notebooks/03_relation_network.ipynb.
    """

    def __init__(self, g_units=(256, 256, 256, 256), f_units=(256, 256), f_dropout=0.0,
                 pairs="ordered", self_pairs=True, reduction="sum", shortcut=False,
                 activation="relu", g_batchnorm=False, f_batchnorm=False, f_dropout_every_layer=False,
                 mask_zero_objects=False, **kwargs):
        super().__init__(**kwargs)
        self.mask_zero_objects = bool(mask_zero_objects)
        self.f_dropout_every_layer = bool(f_dropout_every_layer)
        self.g_units = tuple(int(u) for u in g_units)
        self.f_units = tuple(int(u) for u in f_units)
        if not self.g_units:
            raise ValueError("g_units must name at least one layer: g_theta is the relation MLP.")
        _check_mode(pairs)  # ValueError for anything but "ordered" / "unordered" / "singles"
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}; got {reduction!r}.")
        if not 0.0 <= float(f_dropout) < 1.0:
            raise ValueError(f"f_dropout must be in [0, 1); got {f_dropout!r}.")
        self.f_dropout = float(f_dropout)
        self.pairs = pairs
        self.self_pairs = bool(self_pairs)
        self.reduction = reduction
        self.shortcut = bool(shortcut)
        self.activation = keras.activations.get(activation)
        self._activation_config = keras.activations.serialize(self.activation)
        self.g_batchnorm = bool(g_batchnorm)
        self.f_batchnorm = bool(f_batchnorm)
        self.g_layers = [keras.layers.Dense(u, name=f"g_theta_{k}") for k, u in enumerate(self.g_units)]
        self.g_norms = ([keras.layers.BatchNormalization(name=f"g_theta_bn_{k}")
                         for k in range(len(self.g_units))] if self.g_batchnorm else [])
        self.f_layers = [keras.layers.Dense(u, name=f"f_phi_{k}") for k, u in enumerate(self.f_units)]
        self.f_norms = ([keras.layers.BatchNormalization(name=f"f_phi_bn_{k}")
                         for k in range(len(self.f_units))] if self.f_batchnorm else [])
        self.f_dropout_layer = keras.layers.Dropout(self.f_dropout, name="f_phi_dropout")
        # The layer consumes the object mask (explicit, or made from all-zero objects with
        # mask_zero_objects); its output (batch, units) carries none (see compute_mask). Keras does
        # not pass a Masking layer's mask on by itself here: this layer takes two tensors.
        self.supports_masking = True

    # -- Keras plumbing -------------------------------------------------------------------------
    def build(self, objects_shape, question_shape):
        _check_ranks(objects_shape, question_shape)
        width = (1 if self.pairs == "singles" else 2) * objects_shape[-1] + question_shape[-1]
        for k, dense in enumerate(self.g_layers):
            dense.build((None, None, width))
            width = self.g_units[k]
            if self.g_batchnorm:
                self.g_norms[k].build((None, None, width))
        for k, dense in enumerate(self.f_layers):
            dense.build((None, width))
            width = self.f_units[k]
            if self.f_batchnorm:
                self.f_norms[k].build((None, width))
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update(g_units=list(self.g_units), f_units=list(self.f_units), f_dropout=self.f_dropout,
                      pairs=self.pairs, self_pairs=self.self_pairs, reduction=self.reduction,
                      shortcut=self.shortcut, activation=self._activation_config,
                      g_batchnorm=self.g_batchnorm, f_batchnorm=self.f_batchnorm,
                      f_dropout_every_layer=self.f_dropout_every_layer,
                      **({"mask_zero_objects": True} if self.mask_zero_objects else {}))
        return config

    def compute_mask(self, inputs, previous_mask=None):
        return None

    @property
    def output_units(self) -> int:
        """Size of the layer's output: ``f_units[-1]``, or ``g_units[-1]`` when ``f_units`` is empty."""
        return self.f_units[-1] if self.f_units else self.g_units[-1]

    # -- the computation ------------------------------------------------------------------------
    def _g_theta(self, objects, question, mask=None, training=None):
        """g_theta on every pair: (outputs (batch, P, g_units[-1]), valid (batch, P) or None, index)."""
        objects = ops.convert_to_tensor(objects)
        question = ops.cast(ops.convert_to_tensor(question), objects.dtype)
        if mask is None and self.mask_zero_objects:
            mask = ops.any(ops.not_equal(objects, 0), axis=-1)
        if not self.built:
            self.build(objects.shape, question.shape)
        index = _PairIndex(_dim(objects, 1), self.self_pairs, self.pairs)
        valid = None
        if mask is not None:
            m = ops.cast(mask, objects.dtype)
            if index.singles:
                valid = m
            elif index.full:
                valid = ops.reshape(ops.expand_dims(m, 2) * ops.expand_dims(m, 1),
                                    (_dim(objects, 0), index.count))
            else:
                valid = ops.take(m, index.i, axis=1) * ops.take(m, index.j, axis=1)
        bn_mask = None if valid is None else ops.cast(valid, "bool")

        if self.shortcut:
            x = self._first_layer_shortcut(objects, question, index)
        else:
            x = self.g_layers[0](_pair_tensor(objects, question, index))
        for k in range(len(self.g_layers)):
            if k > 0:
                x = self.g_layers[k](x)
            if self.g_batchnorm:
                x = self.g_norms[k](x, training=training, mask=bn_mask)
            x = self.activation(x)
        return x, valid, index

    def _first_layer_shortcut(self, objects, question, index):
        """W [o_i; o_j; q] + b computed as W_a o_i + W_b o_j + (W_c q + b): n products, not n * n."""
        dense = self.g_layers[0]
        d = objects.shape[-1]
        kernel = ops.cast(dense.kernel, objects.dtype)
        first = ops.matmul(objects, kernel[:d])            # W_a o, (batch, n, u)
        if index.singles:  # [o_i; q]: W_a o_i + (W_c q + b), nothing to share
            return first + ops.expand_dims(ops.matmul(question, kernel[d:]) + ops.cast(dense.bias, objects.dtype), 1)
        second = ops.matmul(objects, kernel[d:2 * d])      # W_b o, (batch, n, u)
        third = ops.matmul(question, kernel[2 * d:]) + ops.cast(dense.bias, objects.dtype)  # (batch, u)
        if index.full:
            x = (ops.expand_dims(first, 2) + ops.expand_dims(second, 1)
                 + ops.expand_dims(ops.expand_dims(third, 1), 1))
            return ops.reshape(x, (_dim(objects, 0), index.count, self.g_units[0]))
        return (ops.take(first, index.i, axis=1) + ops.take(second, index.j, axis=1)
                + ops.expand_dims(third, 1))

    def call(self, objects, question, mask=None, training=None):
        x, valid, index = self._g_theta(objects, question, mask=mask, training=training)
        valid = None if valid is None else ops.cast(valid, x.dtype)  # g's dtype (bfloat16 under mixed precision)
        if valid is None:
            x = ops.sum(x, axis=1)
            if self.reduction == "mean":
                x = x / ops.cast(ops.maximum(index.count, 1), x.dtype)
        else:
            x = ops.sum(x * ops.expand_dims(valid, -1), axis=1)
            if self.reduction == "mean":
                x = x / ops.maximum(ops.sum(valid, axis=1, keepdims=True), 1.0)
        for k, dense in enumerate(self.f_layers):
            x = dense(x)
            if self.f_batchnorm:
                x = self.f_norms[k](x, training=training)
            x = self.activation(x)
            last = k == len(self.f_layers) - 1
            if self.f_dropout > 0 and (last or self.f_dropout_every_layer):
                x = self.f_dropout_layer(x, training=training)
        return x

    def pair_features(self, objects, question, mask=None, training=False):
        """``g_theta``'s output for every pair, laid out on the (i, j) grid: (batch, n, n, g_units[-1]).

        Cell (i, j) holds ``g_theta([o_i; o_j; q])``; cells that are not pairs (i > j with
        ``pairs="unordered"``, (i, i) without ``self_pairs``) or that touch a masked object are 0.
        Summing over both grid axes gives what the layer passes to ``f_phi`` (with ``reduction="sum"``).
        Useful to look at which pairs a trained ``g_theta`` reacts to.

        Introduced in notebooks/03_relation_network.ipynb.
        """
        x, valid, index = self._g_theta(objects, question, mask=mask, training=training)
        if valid is not None:
            x = x * ops.expand_dims(ops.cast(valid, x.dtype), -1)
        batch, n, units = _dim(x, 0), index.n, self.g_units[-1]
        if not index.full:  # a zero row at position P for the cells that are not pairs
            x = ops.concatenate([x, ops.zeros_like(x[:, :1])], axis=1)
            x = ops.take(x, index.grid, axis=1)
        return ops.reshape(x, (batch, n, n, units))
