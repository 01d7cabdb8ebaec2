"""rnlib.models: the NLVR models build, train, and save/reload with safe_mode=True."""

import keras
import numpy as np
import pytest

from rnlib.models import build_nlvr_loop_rn, build_nlvr_rn
from rnlib.relation import RelationNetwork

RNG = np.random.default_rng(0)


def nlvr_batch(batch=4, image_shape=(50, 200, 3), sequence_length=32, vocab_size=50):
    images = RNG.normal(size=(batch,) + tuple(image_shape)).astype("float32")
    tokens = RNG.integers(1, vocab_size, size=(batch, sequence_length)).astype("int32")
    tokens[:, 12:] = 0
    return [images, tokens]


def test_default_model_inputs_outputs_and_sizes():
    model = build_nlvr_rn(vocab_size=50)
    assert [i.name for i in model.inputs] == ["image", "tokens"]
    assert model.inputs[0].shape == (None, 50, 200, 3) and model.inputs[0].dtype == "float32"
    assert model.inputs[1].shape == (None, 32) and "int" in model.inputs[1].dtype
    assert model.output.shape == (None, 1)
    assert model.get_layer("objects").output.shape == (None, 16, 32)
    assert model.get_layer("question_embedding").output.shape == (None, 128)
    relation = model.get_layer("relation_network")
    assert isinstance(relation, RelationNetwork)
    assert relation.g_units == (128, 128, 128) and relation.f_units == (128, 128)
    assert model.get_layer("answer").get_config()["activation"] == "sigmoid"
    p = model.predict(nlvr_batch(), verbose=0)
    assert p.shape == (4, 1) and np.all((p >= 0) & (p <= 1))


def test_inputs_by_name_and_uint8_images():
    model = build_nlvr_rn(vocab_size=50)
    images, tokens = nlvr_batch(batch=2)
    a = model.predict([images, tokens], verbose=0)
    np.testing.assert_array_equal(model.predict({"image": images, "tokens": tokens}, verbose=0), a)
    raw = RNG.integers(0, 256, size=(2, 50, 200, 3)).astype("uint8")
    assert model.predict([raw, tokens], verbose=0).shape == (2, 1)


def test_options_reach_the_layers():
    matrix = RNG.normal(size=(50, 20)).astype("float32")
    model = build_nlvr_rn(vocab_size=50, sequence_length=16, embedding_dim=20, embedding_matrix=matrix,
                          trainable_embeddings=False, lstm_units=8, coordinates=True, g_units=(32, 32),
                          f_units=(16,), f_dropout=0.1, g_batchnorm=False, pairs="unordered",
                          self_pairs=False, reduction="mean", shortcut=True, activation="elu")
    np.testing.assert_array_equal(model.get_layer("word_embedding").get_weights()[0], matrix)
    assert not model.get_layer("word_embedding").trainable
    assert model.get_layer("objects").output.shape == (None, 16, 34)
    assert model.get_layer("question_embedding").output.shape == (None, 16)
    config = model.get_layer("relation_network").get_config()
    assert {k: config[k] for k in ("g_units", "f_units", "f_dropout", "pairs", "self_pairs", "reduction",
                                   "shortcut", "activation", "g_batchnorm", "f_batchnorm")} == dict(
        g_units=[32, 32], f_units=[16], f_dropout=0.1, pairs="unordered", self_pairs=False, reduction="mean",
        shortcut=True, activation="elu", g_batchnorm=False, f_batchnorm=True)


def test_paper_cnn_on_nlvr_images():
    model = build_nlvr_rn(vocab_size=50, cnn="paper", g_units=(16,), f_units=(8,))
    assert model.get_layer("objects").output.shape == (None, 52, 24)  # 4x13 cells
    assert model.predict(nlvr_batch(batch=1), verbose=0).shape == (1, 1)


def test_loop_model_has_the_same_parameters():
    loop, vectorized = build_nlvr_loop_rn(vocab_size=50), build_nlvr_rn(vocab_size=50)
    assert loop.count_params() == vectorized.count_params()
    assert [i.name for i in loop.inputs] == ["image", "tokens"] and loop.output.shape == (None, 1)


def test_vectorized_model_trains():
    model = build_nlvr_rn(vocab_size=50, shortcut=True)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    x, y = nlvr_batch(batch=8), np.array([[0], [1]] * 4, "float32")
    losses = [float(model.train_on_batch(x, y)) for _ in range(6)]
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]


SAVE_CASES = {
    "layer": (build_nlvr_rn, dict()),
    "shortcut+coordinates+unordered": (build_nlvr_rn, dict(shortcut=True, coordinates=True, pairs="unordered",
                                                           reduction="mean")),
    "paper-cnn": (build_nlvr_rn, dict(cnn="paper", g_units=(16,), f_units=(8,))),
    "loop": (build_nlvr_loop_rn, dict(coordinates=True)),
}


@pytest.mark.parametrize("case", list(SAVE_CASES))
def test_save_and_reload_with_safe_mode(case, tmp_path):
    builder, kwargs = SAVE_CASES[case]
    model = builder(vocab_size=50, embedding_matrix=RNG.normal(size=(50, 50)), **kwargs)
    x = nlvr_batch(batch=2)
    for layer in model.layers:  # move BatchNorm statistics away from their initial values
        if isinstance(layer, keras.layers.BatchNormalization):
            size = layer.get_weights()[0].shape
            layer.set_weights([RNG.uniform(0.5, 1.5, size), RNG.normal(0, 0.1, size),
                               RNG.normal(0, 0.1, size), RNG.uniform(0.5, 2.0, size)])
    logits = keras.Model(model.inputs, model.get_layer("answer").input)
    path = tmp_path / f"{case}.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    assert [layer.name for layer in reloaded.layers] == [layer.name for layer in model.layers]
    reloaded_logits = keras.Model(reloaded.inputs, reloaded.get_layer("answer").input)
    np.testing.assert_array_equal(reloaded_logits(x, training=False), logits(x, training=False))
    np.testing.assert_array_equal(reloaded(x, training=False), model(x, training=False))
    if case != "loop":  # tracing predict for the loop graph's thousands of nodes takes half a minute
        np.testing.assert_array_equal(reloaded.predict(x, verbose=0), model.predict(x, verbose=0))
