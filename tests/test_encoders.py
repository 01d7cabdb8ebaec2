"""rnlib.encoders: CNN objects, coordinate tagging, question embedding."""

import keras
import numpy as np
import pytest

from rnlib.encoders import (CNN_CONFIGS, CoordinateTagging, build_cnn_encoder, build_question_encoder,
                            cnn_config, cnn_feature_map, feature_map_shape)

RNG = np.random.default_rng(0)


def test_seed_cnn_turns_an_nlvr_image_into_2x8_cells_of_32_features():
    assert feature_map_shape((50, 200, 3)) == (2, 8, 32)
    encoder = build_cnn_encoder((50, 200, 3))
    assert encoder.get_layer("cnn_relu_4").output.shape == (None, 2, 8, 32)
    assert encoder.output.shape == (None, 16, 32)
    pools = [layer.pool_size for layer in encoder.layers if isinstance(layer, keras.layers.MaxPooling2D)]
    assert pools == [(4, 4), (3, 3), (2, 2)]
    filters = [layer.filters for layer in encoder.layers if isinstance(layer, keras.layers.Conv2D)]
    assert filters == [16, 16, 16, 32]
    images = RNG.normal(size=(2, 50, 200, 3)).astype("float32")
    assert encoder.predict(images, verbose=0).shape == (2, 16, 32)


def test_objects_are_the_feature_map_cells_in_row_major_order():
    encoder = build_cnn_encoder((50, 200, 3))
    both = keras.Model(encoder.input, [encoder.get_layer("cnn_relu_4").output, encoder.output])
    feature_map, objects = both.predict(RNG.normal(size=(1, 50, 200, 3)).astype("float32"), verbose=0)
    for row in range(2):
        for col in range(8):
            np.testing.assert_array_equal(objects[0, row * 8 + col], feature_map[0, row, col])


def test_paper_cnn_gives_5x5_objects_on_75x75_images():
    assert feature_map_shape((75, 75, 3), "paper") == (5, 5, 24)
    encoder = build_cnn_encoder((75, 75, 3), "paper")
    assert encoder.output.shape == (None, 25, 24)
    convs = [layer for layer in encoder.layers if isinstance(layer, keras.layers.Conv2D)]
    assert [(c.filters, c.kernel_size, c.strides) for c in convs] == [(24, (3, 3), (2, 2))] * 4
    assert not any(isinstance(layer, keras.layers.MaxPooling2D) for layer in encoder.layers)
    assert sum(isinstance(layer, keras.layers.BatchNormalization) for layer in encoder.layers) == 4


@pytest.mark.parametrize("image_shape, cnn", [((50, 200, 3), "paper"), ((64, 96, 3), "seed"),
                                              ((33, 47, 3), {"strides": 2, "pool_sizes": (2, None, None, None)})])
def test_feature_map_shape_agrees_with_the_built_cnn(image_shape, cnn):
    h, w, c = feature_map_shape(image_shape, cnn, coordinates=True)
    assert build_cnn_encoder(image_shape, cnn, coordinates=True).output.shape == (None, h * w, c)


def test_every_size_is_a_parameter():
    encoder = build_cnn_encoder((40, 40, 3), filters=(8, 12), pool_sizes=(2, 2), kernel_size=5)
    assert encoder.output.shape == (None, 100, 12)
    assert cnn_config("paper", filters=(4, 4, 4, 4))["filters"] == (4, 4, 4, 4)
    assert CNN_CONFIGS["seed"]["filters"] == (16, 16, 16, 32)  # overriding does not change the defaults


def test_bad_cnn_settings_are_named():
    with pytest.raises(ValueError, match="unknown CNN configuration 'vgg'"):
        cnn_config("vgg")
    with pytest.raises(ValueError, match="pool_sizes needs one entry per block"):
        cnn_config("seed", pool_sizes=(2, 2))
    with pytest.raises(ValueError, match=r"unknown CNN setting\(s\) \['dilation'\]"):
        cnn_config({"dilation": 2})
    with pytest.raises(ValueError, match="CNN order must be one of"):
        cnn_config("paper", order="bn_first")
    with pytest.raises(ValueError, match="CNN batchnorm must be one of"):
        cnn_config("paper", batchnorm="torch")


@pytest.mark.parametrize("order", ["bn_relu", "relu_bn"])
def test_cnn_order_places_batchnorm_before_or_after_the_relu(order):
    images = keras.Input((19, 19, 3))
    model = keras.Model(images, cnn_feature_map(images, cnn="paper", order=order))
    names = [layer.name for layer in model.layers if layer.name.startswith("cnn_") and layer.name.endswith("_1")]
    assert names == (["cnn_conv_1", "cnn_bn_1", "cnn_relu_1"] if order == "bn_relu"
                     else ["cnn_conv_1", "cnn_relu_1", "cnn_bn_1"])
    x = RNG.uniform(0, 1, (8, 19, 19, 3)).astype("float32")
    out = keras.ops.convert_to_numpy(model(x, training=True))
    if order == "bn_relu":
        assert out.min() >= 0  # the objects are rectified
    else:  # BatchNorm last: each channel of the objects is standardized over the batch and the cells
        np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-4)
        np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=0.05)


def test_coordinate_tagging_appends_row_and_column_in_minus_one_one():
    x = RNG.normal(size=(2, 2, 8, 5)).astype("float32")
    y = keras.ops.convert_to_numpy(CoordinateTagging()(x))
    assert y.shape == (2, 2, 8, 7)
    np.testing.assert_array_equal(y[..., :5], x)
    np.testing.assert_allclose(y[0, :, 0, 5], [-1, 1])
    np.testing.assert_allclose(y[1, 0, :, 6], np.linspace(-1, 1, 8), atol=1e-6)
    np.testing.assert_allclose(y[:, 1, :, 5], 1)
    single = keras.ops.convert_to_numpy(CoordinateTagging()(np.zeros((1, 1, 3, 2), "float32")))
    np.testing.assert_allclose(single[0, 0, :, 2], 0)  # one row -> row coordinate 0
    np.testing.assert_allclose(single[0, 0, :, 3], [-1, 0, 1])


def test_coordinate_tagging_with_unknown_size_and_reload(tmp_path):
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, CoordinateTagging(name="coordinates")(inputs))
    assert model.output.shape == (None, None, None, 5)
    x = RNG.normal(size=(1, 5, 5, 3)).astype("float32")
    path = tmp_path / "coords.keras"
    model.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(reloaded.predict(x, verbose=0), model.predict(x, verbose=0))
    np.testing.assert_allclose(reloaded.predict(x, verbose=0)[0, :, 0, 3], [-1, -0.5, 0, 0.5, 1])


def test_question_encoder_shape_and_padding_is_masked():
    encoder = build_question_encoder(vocab_size=20, sequence_length=None, embedding_dim=8, lstm_units=6)
    assert encoder.output.shape == (None, 12)
    assert encoder.get_layer("word_embedding").mask_zero
    short = np.array([[3, 5, 7, 0, 0]], "int32")
    long = np.array([[3, 5, 7] + [0] * 29], "int32")
    np.testing.assert_allclose(encoder.predict(short, verbose=0), encoder.predict(long, verbose=0), atol=1e-6)
    other = np.array([[3, 5, 8, 0, 0]], "int32")
    assert not np.allclose(encoder.predict(short, verbose=0), encoder.predict(other, verbose=0))


def test_question_encoder_sizes_and_unidirectional_option():
    encoder = build_question_encoder(vocab_size=20, sequence_length=32, lstm_units=64)
    assert encoder.output.shape == (None, 128)
    assert encoder.get_layer("word_embedding").output_dim == 50
    single = build_question_encoder(vocab_size=20, lstm_units=10, bidirectional=False)
    assert single.output.shape == (None, 10)


def test_embedding_matrix_initialises_and_can_be_frozen(tmp_path):
    matrix = RNG.normal(size=(20, 8)).astype("float32")
    encoder = build_question_encoder(20, 6, embedding_dim=8, lstm_units=4, embedding_matrix=matrix,
                                     trainable_embeddings=False)
    embedding = encoder.get_layer("word_embedding")
    np.testing.assert_array_equal(embedding.get_weights()[0], matrix)
    assert not embedding.trainable and not embedding.trainable_weights
    assert "weights" not in embedding.get_config()  # the matrix is a weight, not part of the config
    path = tmp_path / "question.keras"
    encoder.save(path)
    reloaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(reloaded.get_layer("word_embedding").get_weights()[0], matrix)
    assert not reloaded.get_layer("word_embedding").trainable


def test_embedding_matrix_of_the_wrong_shape_is_named():
    with pytest.raises(ValueError, match=r"embedding_matrix must have shape .* \(20, 8\); got \(20, 9\)"):
        build_question_encoder(20, embedding_dim=8, embedding_matrix=np.zeros((20, 9)))


def test_docstring_examples():
    import doctest

    import rnlib.encoders

    assert doctest.testmod(rnlib.encoders).failed == 0
