"""rnlib.loop_graph: the one-branch-per-pair graph computes what the RelationNetwork layer computes."""

import keras
import numpy as np
import pytest

from rnlib.loop_graph import CellSlice, copy_weights, loop_relation_graph, relation_weight_layers
from rnlib.models import build_nlvr_loop_rn, build_nlvr_rn
from rnlib.relation import RelationNetwork

RNG = np.random.default_rng(0)
SMALL = dict(vocab_size=30, sequence_length=7, image_shape=(16, 24, 3), embedding_dim=6, lstm_units=5,
             cnn={"filters": (4, 6), "pool_sizes": (4, 4)}, g_units=(12, 10), f_units=(9, 8))


def randomize_batchnorm(model):
    """Non-trivial moving statistics everywhere, so that inference-mode BatchNorm is really tested."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            size = layer.get_weights()[0].shape
            layer.set_weights([RNG.uniform(0.5, 1.5, size), RNG.normal(0, 0.1, size),
                               RNG.normal(0, 0.1, size), RNG.uniform(0.5, 2.0, size)])


def logits_model(model):
    """The model up to the input of its ``answer`` layer (the sigmoid hides differences)."""
    return keras.Model(model.inputs, model.get_layer("answer").input)


def nlvr_batch(image_shape, sequence_length, vocab_size, batch=3, rng=RNG):
    images = rng.normal(size=(batch,) + tuple(image_shape)).astype("float32")
    tokens = rng.integers(1, vocab_size, size=(batch, sequence_length)).astype("int32")
    tokens[0, 3:] = 0
    return [images, tokens]


def test_cell_slice_takes_one_cell_and_round_trips():
    x = RNG.normal(size=(2, 3, 4, 5)).astype("float32")
    layer = CellSlice(1, 2)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer(x)), x[:, 1, 2, :])
    assert CellSlice.from_config(layer.get_config()).get_config() == layer.get_config()


def test_loop_graph_layout():
    loop = build_nlvr_loop_rn(**SMALL)  # 16x24 image, pools 4 and 4: a 1x1 map, one object, one pair
    names = [layer.name for layer in loop.layers]
    assert names.count("g_theta_0") == 1  # one shared layer ...
    assert len(loop.get_layer("g_theta_0")._inbound_nodes) == 1  # ... called once per pair (1 cell here)
    seed = build_nlvr_loop_rn(vocab_size=30)
    cells = [layer for layer in seed.layers if isinstance(layer, CellSlice)]
    pairs = [layer for layer in seed.layers if layer.name.startswith("pair_")]
    assert len(cells) == 16 and len(pairs) == 256
    assert len(seed.get_layer("g_theta_2")._inbound_nodes) == 256
    assert len(seed.layers) > 300


@pytest.mark.parametrize("shortcut", [False, True], ids=["plain", "shortcut"])
def test_loop_equals_layer_with_same_weights_in_inference(shortcut):
    """Seed sizes (2x8 map, 256 branches, BatchNorm in g and f): same weights, same outputs."""
    sizes = dict(vocab_size=40, coordinates=True)
    loop, vectorized = build_nlvr_loop_rn(**sizes), build_nlvr_rn(**sizes, shortcut=shortcut)
    assert loop.count_params() == vectorized.count_params()
    randomize_batchnorm(loop)
    copy_weights(loop, vectorized)
    x = nlvr_batch((50, 200, 3), 32, 40)
    a = keras.ops.convert_to_numpy(logits_model(loop)(x, training=False))
    b = keras.ops.convert_to_numpy(logits_model(vectorized)(x, training=False))
    np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5 * np.abs(a).max())
    np.testing.assert_allclose(vectorized(x, training=False), loop(x, training=False), rtol=1e-5, atol=1e-6)


def test_copy_weights_both_directions():
    sizes = dict(SMALL, cnn={"filters": (4, 6), "pool_sizes": (2, 4)})  # 4x3 map: 12 objects, 144 branches
    loop, vectorized = build_nlvr_loop_rn(**sizes), build_nlvr_rn(**sizes)
    randomize_batchnorm(vectorized)
    for layer in relation_weight_layers(vectorized).values():
        if isinstance(layer, keras.layers.BatchNormalization):
            size = layer.get_weights()[0].shape
            layer.set_weights([RNG.uniform(0.5, 1.5, size), RNG.normal(0, 0.1, size),
                               RNG.normal(0, 0.1, size), RNG.uniform(0.5, 2.0, size)])
    copy_weights(vectorized, loop)
    x = nlvr_batch(sizes["image_shape"], sizes["sequence_length"], sizes["vocab_size"])
    a = keras.ops.convert_to_numpy(logits_model(vectorized)(x, training=False))
    b = keras.ops.convert_to_numpy(logits_model(loop)(x, training=False))
    np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5 * np.abs(a).max())
    back = build_nlvr_rn(**sizes, shortcut=True)
    copy_weights(loop, back)
    c = keras.ops.convert_to_numpy(logits_model(back)(x, training=False))
    np.testing.assert_allclose(c, a, rtol=1e-5, atol=1e-5 * np.abs(a).max())


def test_without_g_batchnorm_training_mode_agrees_too():
    """BatchNorm in g is the only thing that differs in training (per-branch vs over all pairs)."""
    keras.utils.set_random_seed(0)  # fixed weights: float32 sums in another order must not depend on test order
    sizes = dict(SMALL, cnn={"filters": (4, 6), "pool_sizes": (2, 4)}, g_batchnorm=False, f_dropout=0.0)
    loop, vectorized = build_nlvr_loop_rn(**sizes), build_nlvr_rn(**sizes)
    copy_weights(loop, vectorized)
    x = nlvr_batch(sizes["image_shape"], sizes["sequence_length"], sizes["vocab_size"], batch=4, rng=np.random.default_rng(0))
    a = keras.ops.convert_to_numpy(logits_model(loop)(x, training=True))
    b = keras.ops.convert_to_numpy(logits_model(vectorized)(x, training=True))
    np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5 * np.abs(a).max())


def test_copy_weights_names_what_does_not_match():
    loop = build_nlvr_loop_rn(**SMALL)
    other = build_nlvr_rn(**dict(SMALL, g_units=(12, 10, 10)))
    with pytest.raises(ValueError, match=r"only in target: \['g_theta_2', 'g_theta_bn_2'\]"):
        copy_weights(loop, other)
    wider = build_nlvr_rn(**dict(SMALL, g_units=(12, 11)))
    with pytest.raises(ValueError, match="layer 'g_theta_1'"):
        copy_weights(loop, wider)


def test_loop_graph_needs_a_known_map_size():
    feature_map, question = keras.Input((None, None, 4)), keras.Input((3,))
    with pytest.raises(ValueError, match="known height and width"):
        loop_relation_graph(feature_map, question)


def test_loop_relation_graph_matches_layer_on_plain_tensors():
    feature_map, question = keras.Input((2, 3, 4)), keras.Input((5,))
    out = loop_relation_graph(feature_map, question, g_units=(7, 6), f_units=(4,))
    loop = keras.Model([feature_map, question], out)
    layer = RelationNetwork(g_units=(7, 6), f_units=(4,))
    x = RNG.normal(size=(2, 2, 3, 4)).astype("float32")
    q = RNG.normal(size=(2, 5)).astype("float32")
    layer(x.reshape(2, 6, 4), q)
    for sub in layer.g_layers + layer.f_layers:
        sub.set_weights(loop.get_layer(sub.name).get_weights())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x.reshape(2, 6, 4), q)),
                               loop.predict([x, q], verbose=0), rtol=1e-5, atol=1e-5)


def test_shared_batchnorm_updates_its_moving_averages_once_per_branch():
    """Training mode: the loop graph's g BatchNorm is called once per pair, so per training step its
    moving mean moves by 1 - momentum**(number of pairs) instead of 1 - momentum."""
    feature_map, question = keras.Input((1, 2, 3)), keras.Input((2,))
    loop = keras.Model([feature_map, question], keras.layers.Dense(1, name="answer")(
        loop_relation_graph(feature_map, question, g_units=(4,), f_units=(), g_batchnorm=True)))
    objects_in = keras.layers.Reshape((2, 3))(feature_map)
    layer = RelationNetwork(g_units=(4,), f_units=(), g_batchnorm=True)
    vectorized = keras.Model([feature_map, question],
                             keras.layers.Dense(1, name="answer")(layer(objects_in, question)))
    copy_weights(loop, vectorized)
    cell = RNG.normal(size=(8, 1, 1, 3)).astype("float32")
    x = [np.concatenate([cell, cell], axis=2), RNG.normal(size=(8, 2)).astype("float32")]  # o_1 == o_2
    dense = loop.get_layer("g_theta_0")
    pre = keras.ops.convert_to_numpy(dense(np.concatenate([x[0][:, 0, 0], x[0][:, 0, 0], x[1]], axis=1)))
    batch_mean = pre.mean(axis=0)
    for model in (loop, vectorized):
        model.compile(keras.optimizers.SGD(0.0), "mse")
        model.train_on_batch(x, np.zeros((8, 1)))
    momentum = 0.99
    np.testing.assert_allclose(loop.get_layer("g_theta_bn_0").moving_mean.numpy(),
                               batch_mean * (1 - momentum ** 4), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(layer.g_norms[0].moving_mean.numpy(), batch_mean * (1 - momentum),
                               rtol=1e-4, atol=1e-6)
