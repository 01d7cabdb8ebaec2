"""rnlib.relation: pairs and the RelationNetwork layer against a NumPy reference."""

import itertools

import keras
import numpy as np
import pytest
import tensorflow as tf

from rnlib.relation import RelationNetwork, pair_indices, pairs

RNG = np.random.default_rng(0)
OPTIONS = [dict(pairs=p, self_pairs=s) for p, s in itertools.product(("ordered", "unordered"), (True, False))]


def reference_pair_list(n, pairs="ordered", self_pairs=True):
    """The pairs (i, j), written out the slow obvious way."""
    return [(i, j) for i in range(n) for j in range(n)
            if (i != j or self_pairs) and (pairs == "ordered" or i <= j)]


def reference_pairs(objects, question, pairs="ordered", self_pairs=True):
    rows = [[np.concatenate([o[i], o[j], q]) for i, j in reference_pair_list(len(o), pairs, self_pairs)]
            for o, q in zip(objects, question)]
    return np.array(rows, dtype="float32")


def reference_rn(layer, objects, question, mask=None):
    """The layer's function in NumPy, from its weights: (output, pair grid)."""
    def bn(x, layer_bn):
        gamma, beta, mean, var = layer_bn.get_weights()
        return gamma * (x - mean) / np.sqrt(var + layer_bn.epsilon) + beta

    batch, n, _ = objects.shape
    if mask is None:
        mask = np.ones((batch, n), bool)
    grid = np.zeros((batch, n, n, layer.g_units[-1]), "float64")
    counts = np.zeros(batch)
    for b in range(batch):
        for i, j in reference_pair_list(n, layer.pairs, layer.self_pairs):
            if not (mask[b, i] and mask[b, j]):
                continue
            x = np.concatenate([objects[b, i], objects[b, j], question[b]]).astype("float64")
            for k, dense in enumerate(layer.g_layers):
                w, c = dense.get_weights()
                x = x @ w + c
                if layer.g_batchnorm:
                    x = bn(x, layer.g_norms[k])
                x = np.maximum(x, 0)
            grid[b, i, j] = x
            counts[b] += 1
    x = grid.sum(axis=(1, 2))
    if layer.reduction == "mean":
        x = x / np.maximum(counts, 1)[:, None]
    for k, dense in enumerate(layer.f_layers):
        w, c = dense.get_weights()
        x = x @ w + c
        if layer.f_batchnorm:
            x = bn(x, layer.f_norms[k])
        x = np.maximum(x, 0)
    return x, grid


def randomize_batchnorm(layer):
    """Give every BatchNormalization non-trivial moving statistics and scale, so they are tested."""
    for norm in layer.g_norms + layer.f_norms:
        size = norm.get_weights()[0].shape
        norm.set_weights([RNG.uniform(0.5, 1.5, size), RNG.normal(0, 0.1, size),
                          RNG.normal(0, 0.1, size), RNG.uniform(0.5, 2.0, size)])


def data(batch=3, n=5, d=4, q=6):
    return (RNG.normal(size=(batch, n, d)).astype("float32"), RNG.normal(size=(batch, q)).astype("float32"))


# -- pairs ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("opts", OPTIONS, ids=str)
def test_pairs_match_numpy_reference_values_and_order(opts):
    objects, question = data()
    got = keras.ops.convert_to_numpy(pairs(objects, question, **opts))
    np.testing.assert_array_equal(got, reference_pairs(objects, question, **opts))
    i, j = pair_indices(5, **opts)
    assert list(zip(i.tolist(), j.tolist())) == reference_pair_list(5, **opts)


def test_pairs_row_major_layout():
    objects, question = data(batch=2, n=4, d=3, q=2)
    got = keras.ops.convert_to_numpy(pairs(objects, question))
    assert got.shape == (2, 16, 3 + 3 + 2)
    for i, j in itertools.product(range(4), repeat=2):
        np.testing.assert_array_equal(got[:, i * 4 + j], np.concatenate(
            [objects[:, i], objects[:, j], question], axis=-1))


def test_pair_counts():
    n = 7
    assert len(pair_indices(n)[0]) == n * n
    assert len(pair_indices(n, self_pairs=False)[0]) == n * (n - 1)
    assert len(pair_indices(n, pairs="unordered")[0]) == n * (n + 1) // 2
    assert len(pair_indices(n, self_pairs=False, pairs="unordered")[0]) == n * (n - 1) // 2


def test_pairs_setting_has_one_name_and_a_clear_error():
    """pair_indices, pairs and RelationNetwork take the same ``pairs`` values, and say which when wrong."""
    objects, question = data(n=4)
    layer = RelationNetwork(g_units=(3,), f_units=(), pairs="unordered", self_pairs=False)
    grid = keras.ops.convert_to_numpy(layer.pair_features(objects, question))
    i, j = pair_indices(4, self_pairs=False, pairs="unordered")
    assert set(zip(*np.nonzero(np.abs(grid[0]).sum(-1) > 0))) <= set(zip(i.tolist(), j.tolist()))
    assert keras.ops.convert_to_numpy(pairs(objects, question, self_pairs=False, pairs="unordered")).shape[1] == len(i)
    for call in (lambda: pair_indices(4, pairs=False), lambda: pairs(objects, question, pairs="all"),
                 lambda: RelationNetwork(pairs="both")):
        with pytest.raises(ValueError, match=r"pairs must be one of \('ordered', 'unordered', 'singles'\)"):
            call()


@pytest.mark.parametrize("opts", OPTIONS, ids=str)
def test_pairs_with_n_unknown_until_run(opts):
    fn = tf.function(lambda o, q: pairs(o, q, **opts), input_signature=[
        tf.TensorSpec((None, None, 4), tf.float32), tf.TensorSpec((None, 6), tf.float32)])
    for n in (1, 3, 5):
        objects, question = data(n=n)
        np.testing.assert_array_equal(fn(objects, question).numpy(),
                                      reference_pairs(objects, question, **opts).reshape(3, -1, 14))


def test_pairs_reject_bad_ranks():
    with pytest.raises(ValueError, match=r"objects must have shape \(batch, n, d\)"):
        pairs(np.zeros((2, 3), "float32"), np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match=r"question must have shape \(batch, q\)"):
        pairs(np.zeros((2, 3, 4), "float32"), np.zeros((2, 1, 4), "float32"))


# -- RelationNetwork against the reference -----------------------------------------------------

LAYER_OPTIONS = [
    dict(pairs="ordered", self_pairs=True, reduction="sum"),
    dict(pairs="ordered", self_pairs=False, reduction="mean"),
    dict(pairs="unordered", self_pairs=True, reduction="sum"),
    dict(pairs="unordered", self_pairs=False, reduction="mean"),
]


@pytest.mark.parametrize("shortcut", [False, True], ids=["plain", "shortcut"])
@pytest.mark.parametrize("opts", LAYER_OPTIONS, ids=str)
@pytest.mark.parametrize("masked", [False, True], ids=["nomask", "mask"])
def test_layer_matches_reference(opts, shortcut, masked):
    objects, question = data()
    mask = np.array([[1, 1, 1, 1, 1], [1, 0, 1, 1, 0], [0, 0, 1, 0, 0]], bool) if masked else None
    layer = RelationNetwork(g_units=(8, 7), f_units=(5, 4), shortcut=shortcut, g_batchnorm=True,
                            f_batchnorm=True, **opts)
    layer(objects, question)
    randomize_batchnorm(layer)
    want, want_grid = reference_rn(layer, objects, question, mask)
    got = keras.ops.convert_to_numpy(layer(objects, question, mask=mask))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    grid = keras.ops.convert_to_numpy(layer.pair_features(objects, question, mask=mask))
    assert grid.shape == (3, 5, 5, 7)
    np.testing.assert_allclose(grid, want_grid, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("opts", LAYER_OPTIONS, ids=str)
def test_shortcut_equals_plain_form_with_same_weights(opts):
    objects, question = data(batch=4, n=16, d=32, q=128)
    mask = RNG.random((4, 16)) > 0.3
    plain = RelationNetwork(g_units=(64, 64, 64), f_units=(32,), g_batchnorm=True, **opts)
    fast = RelationNetwork(g_units=(64, 64, 64), f_units=(32,), g_batchnorm=True, shortcut=True, **opts)
    plain(objects, question), fast(objects, question)
    randomize_batchnorm(plain)
    fast.set_weights(plain.get_weights())
    for m in (None, mask):
        a = keras.ops.convert_to_numpy(plain(objects, question, mask=m))
        b = keras.ops.convert_to_numpy(fast(objects, question, mask=m))
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5 * np.abs(a).max())
    # training mode: BatchNorm statistics over the same valid pairs, so the same result too
    a = keras.ops.convert_to_numpy(plain(objects, question, mask=mask, training=True))
    b = keras.ops.convert_to_numpy(fast(objects, question, mask=mask, training=True))
    np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-4 * np.abs(a).max())


def test_shortcut_uses_the_same_variables():
    plain = RelationNetwork(g_units=(8,), f_units=(4,), name="rn")
    fast = RelationNetwork(g_units=(8,), f_units=(4,), shortcut=True, name="rn")
    objects, question = data()
    plain(objects, question), fast(objects, question)
    assert [v.path for v in plain.weights] == [v.path for v in fast.weights]
    assert [tuple(v.shape) for v in plain.weights] == [tuple(v.shape) for v in fast.weights]


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_masked_objects_are_ignored(reduction):
    """Padding objects with mask False changes nothing: same output as without them."""
    objects, question = data(batch=2, n=4)
    padded = np.concatenate([objects, RNG.normal(size=(2, 3, 4)).astype("float32")], axis=1)
    mask = np.array([[True] * 4 + [False] * 3] * 2)
    for shortcut in (False, True):
        layer = RelationNetwork(g_units=(8, 8), f_units=(4,), reduction=reduction, shortcut=shortcut)
        a = keras.ops.convert_to_numpy(layer(objects, question))
        b = keras.ops.convert_to_numpy(layer(padded, question, mask=mask))
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
        grid = keras.ops.convert_to_numpy(layer.pair_features(padded, question, mask=mask))
        assert np.all(grid[:, 4:] == 0) and np.all(grid[:, :, 4:] == 0)


def test_mean_is_sum_over_valid_pairs_divided_by_their_number():
    objects, question = data(batch=2, n=5)
    mask = np.array([[1, 1, 0, 1, 0], [1, 1, 1, 1, 1]], bool)
    total = RelationNetwork(g_units=(6,), f_units=(), reduction="sum")
    mean = RelationNetwork(g_units=(6,), f_units=(), reduction="mean")
    total(objects, question), mean(objects, question)
    mean.set_weights(total.get_weights())
    s = keras.ops.convert_to_numpy(total(objects, question, mask=mask))
    m = keras.ops.convert_to_numpy(mean(objects, question, mask=mask))
    np.testing.assert_allclose(m, s / np.array([[9.0], [25.0]]), rtol=1e-6)


def test_sum_of_pair_features_is_what_f_phi_reads():
    objects, question = data()
    layer = RelationNetwork(g_units=(8, 8), f_units=())
    out = keras.ops.convert_to_numpy(layer(objects, question))
    grid = keras.ops.convert_to_numpy(layer.pair_features(objects, question))
    np.testing.assert_allclose(grid.sum(axis=(1, 2)), out, rtol=1e-5, atol=1e-5)


# -- shapes, unknown n, saving ------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 4, 16, 25])
@pytest.mark.parametrize("shortcut", [False, True], ids=["plain", "shortcut"])
def test_shapes_for_several_n(n, shortcut):
    objects, question = data(batch=2, n=n, d=5, q=3)
    for mode in ("ordered", "unordered"):
        layer = RelationNetwork(g_units=(8, 8), f_units=(6, 4), pairs=mode, shortcut=shortcut)
        assert tuple(layer(objects, question).shape) == (2, 4)
        assert tuple(layer.pair_features(objects, question).shape) == (2, n, n, 8)


@pytest.mark.parametrize("pair_mode", ["ordered", "unordered"])
def test_one_model_for_any_n(pair_mode):
    """A model built with n unknown runs on 1, 4, 16 and 25 objects and matches the eager layer."""
    objects_in = keras.Input((None, 5), name="objects")
    question_in = keras.Input((3,), name="question")
    mask_in = keras.Input((None,), dtype="bool", name="mask")
    layer = RelationNetwork(g_units=(8,), f_units=(4,), pairs=pair_mode, self_pairs=False, shortcut=True,
                            reduction="mean")
    model = keras.Model([objects_in, question_in, mask_in], layer(objects_in, question_in, mask=mask_in))
    for n in (1, 4, 16, 25):
        objects, question = data(batch=2, n=n, d=5, q=3)
        mask = RNG.random((2, n)) > 0.2
        got = model.predict([objects, question, mask], verbose=0)
        assert got.shape == (2, 4)
        np.testing.assert_allclose(got, keras.ops.convert_to_numpy(layer(objects, question, mask=mask)),
                                   rtol=1e-5, atol=1e-6)


def test_config_round_trip():
    layer = RelationNetwork(g_units=(8, 9), f_units=(7,), f_dropout=0.25, pairs="unordered", self_pairs=False,
                            reduction="mean", shortcut=True, activation="tanh", g_batchnorm=True, name="rn")
    config = layer.get_config()
    clone = RelationNetwork.from_config(config)
    assert clone.get_config() == config
    assert config["g_units"] == [8, 9] and config["activation"] == "tanh" and config["f_dropout"] == 0.25


def test_save_and_reload_safe_mode(tmp_path):
    objects_in, question_in = keras.Input((None, 4)), keras.Input((6,))
    out = RelationNetwork(g_units=(8, 8), f_units=(5,), f_dropout=0.5, g_batchnorm=True, f_batchnorm=True,
                          pairs="unordered", shortcut=True)(objects_in, question_in)
    model = keras.Model([objects_in, question_in], keras.layers.Dense(1)(out))
    objects, question = data(n=6)
    model.compile("adam", "mse")
    model.train_on_batch([objects, question], np.ones((3, 1)))  # moves the BatchNorm statistics
    path = tmp_path / "rn.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(reloaded.predict([objects, question], verbose=0),
                                  model.predict([objects, question], verbose=0))
    assert reloaded.layers[2].get_config() == model.layers[2].get_config()


def test_dropout_only_in_training():
    objects, question = data()
    layer = RelationNetwork(g_units=(8,), f_units=(64,), f_dropout=0.5)
    a = keras.ops.convert_to_numpy(layer(objects, question))
    np.testing.assert_array_equal(a, keras.ops.convert_to_numpy(layer(objects, question, training=False)))
    b = keras.ops.convert_to_numpy(layer(objects, question, training=True))
    assert np.mean(b == 0) > np.mean(a == 0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(pairs="all"), "pairs must be one of"),
    (dict(reduction="max"), "reduction must be one of"),
    (dict(g_units=()), "g_units must name at least one layer"),
    (dict(f_dropout=1.0), r"f_dropout must be in \[0, 1\)"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RelationNetwork(**kwargs)


def test_docstring_examples():
    import doctest

    import rnlib.relation

    assert doctest.testmod(rnlib.relation).failed == 0


def test_mask_zero_objects_equals_an_explicit_mask_and_survives_reloading(tmp_path):
    rng = np.random.default_rng(0)
    objects = rng.normal(size=(2, 5, 4)).astype("float32")
    objects[0, 3:] = 0.0  # padding rows
    question = rng.normal(size=(2, 3)).astype("float32")
    mask = np.any(objects != 0, axis=-1)
    keras.utils.set_random_seed(0)
    layer = RelationNetwork(g_units=(8, 8), f_units=(6,), g_batchnorm=True, mask_zero_objects=True)
    implicit = np.asarray(layer(objects, question, training=False))
    explicit = np.asarray(layer(objects, question, mask=mask, training=False))
    np.testing.assert_allclose(implicit, explicit, rtol=1e-6)
    truncated = np.asarray(layer(objects[:1, :3], question[:1], training=False))
    np.testing.assert_allclose(implicit[:1], truncated, rtol=1e-5, atol=1e-6)
    assert RelationNetwork.from_config(layer.get_config()).mask_zero_objects


# -- singles: the control without relations, f(sum_i g([o_i; q])) --------------------------------

def reference_singles(layer, objects, question, mask):
    """The singles layer's function in NumPy: g on [o_i; q] of every unmasked object, summed, then f."""
    def bn(x, norm):
        gamma, beta, mean, var = norm.get_weights()
        return gamma * (x - mean) / np.sqrt(var + norm.epsilon) + beta

    def mlp(x, dense_layers, norms):
        for k, dense in enumerate(dense_layers):
            w, c = dense.get_weights()
            x = np.maximum(bn(x @ w + c, norms[k]), 0)
        return x

    out = []
    for o, q, m in zip(objects, question, mask):
        g = [mlp(np.concatenate([o[i], q]).astype("float64"), layer.g_layers, layer.g_norms) for i in np.nonzero(m)[0]]
        out.append(mlp(np.sum(g, axis=0), layer.f_layers, layer.f_norms))
    return np.array(out)


@pytest.mark.parametrize("shortcut", [False, True], ids=["plain", "shortcut"])
def test_singles_is_a_set_network_against_numpy(shortcut):
    """pairs="singles": g sees one object and the question (d + q inputs); masked objects are left out."""
    objects, question = data(batch=3, n=5, d=4, q=6)
    mask = np.ones((3, 5), bool)
    mask[0, 3:] = False
    layer = RelationNetwork(g_units=(8, 7), f_units=(6,), pairs="singles", shortcut=shortcut,
                            g_batchnorm=True, f_batchnorm=True)
    layer(objects, question)
    randomize_batchnorm(layer)
    assert tuple(layer.g_layers[0].kernel.shape) == (4 + 6, 8)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(objects, question, mask=mask)),
                               reference_singles(layer, objects, question, mask), rtol=1e-4, atol=1e-4)
    grid = keras.ops.convert_to_numpy(layer.pair_features(objects, question, mask=mask))
    off_diagonal = ~np.eye(5, dtype=bool)
    assert np.all(grid[:, off_diagonal] == 0) and np.all(grid[0, 3:, 3:] == 0)  # only (i, i), only unmasked
    assert keras.ops.convert_to_numpy(pairs(objects, question, pairs="singles")).shape == (3, 5, 10)
    i, j = pair_indices(5, pairs="singles")
    assert i.tolist() == j.tolist() == list(range(5))


def test_singles_with_n_unknown_until_run():
    objects_in, question_in = keras.Input((None, 5)), keras.Input((3,))
    layer = RelationNetwork(g_units=(8,), f_units=(4,), pairs="singles", shortcut=True)
    model = keras.Model([objects_in, question_in], layer(objects_in, question_in))
    for n in (1, 16):
        objects, question = data(batch=2, n=n, d=5, q=3)
        np.testing.assert_allclose(model.predict([objects, question], verbose=0),
                                   keras.ops.convert_to_numpy(layer(objects, question)), rtol=1e-5, atol=1e-6)
