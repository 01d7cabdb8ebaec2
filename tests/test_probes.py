"""Tests of rnlib.probes: probe accuracy on known separable / unlearnable data, receptive-field
centres against Keras's own padding, and the cells read for each object."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from rnlib import probes  # noqa: E402
from rnlib import sort_of_clevr as soc  # noqa: E402


def test_probe_reads_a_separable_label_and_finds_nothing_in_noise():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1200, 5)).astype(np.float32)
    y = (x[:, 2] > 0).astype(int)                     # one feature decides the label
    found = probes.probe_accuracy(x[:1000], y[:1000], x[1000:], y[1000:], hidden=0, epochs=20, batch_size=32)
    assert found["test"] > 0.95 and 0.4 < found["majority"] < 0.6
    noise = rng.integers(0, 2, 1200)                 # labels unrelated to the features
    nothing = probes.probe_accuracy(x[:1000], noise[:1000], x[1000:], noise[1000:], hidden=0, epochs=20, batch_size=32)
    assert abs(nothing["test"] - 0.5) < 0.1


def test_probe_rejects_misaligned_inputs():
    with pytest.raises(ValueError, match="one label per row"):
        probes.probe_accuracy(np.zeros((10, 3)), np.zeros(9), np.zeros((4, 3)), np.zeros(4))


def test_receptive_centres_match_keras_same_padding():
    """A linear stack of the paper's 4 convolutions (3x3, stride 2, "same"): the input columns that
    reach output cell j are exactly centre_j - 15 .. centre_j + 15 (clipped to the image)."""
    centres = probes.receptive_centres(75)
    np.testing.assert_array_equal(centres, [10, 26, 42, 58, 74])
    net = keras.Sequential([keras.Input((75, 75, 1))] + [
        keras.layers.Conv2D(1, 3, strides=2, padding="same", use_bias=False, kernel_initializer="ones")
        for _ in range(4)])
    kernel = np.zeros((75, 75), np.float32)
    for col in range(75):  # the network is linear: column col's effect on cell (2, j) is out[2, j]
        image = np.zeros((1, 75, 75, 1), np.float32)
        image[0, 37, col] = 1.0
        kernel[37, col] = 1.0
        out = np.asarray(net(image))[0, :, :, 0]
        for j, c in enumerate(centres):
            assert (out[2, j] != 0) == (abs(col - c) <= 15), (col, j)


def test_object_features_take_the_block_of_cells_around_each_object():
    scene = soc.Scene(np.array([(10, 10), (40, 12), (65, 30), (35, 45), (12, 62), (62, 70)], np.int16),
                      np.array([0, 1, 0, 0, 1, 1], np.int8))
    data = {"images": soc.draw_scene(scene)[None], "centers": scene.centers[None], "shapes": scene.shapes[None]}
    model = soc.build_rn_model(compile=False)
    features, colours, shapes = probes.object_features(model, data)
    assert features.shape == (6, 9 * 24)
    np.testing.assert_array_equal(colours, np.arange(6))
    np.testing.assert_array_equal(shapes, scene.shapes)
    cnn = keras.Model(model.get_layer("image").output, probes.cnn_output_layer(model).output)
    maps = np.asarray(cnn(data["images"].astype(np.float32)))[0]
    blocks = features.reshape(6, 9, 24)   # block b = (dy, dx) = divmod(b, 3) - 1
    np.testing.assert_allclose(blocks[1, 4], maps[0, 2], rtol=1e-6)   # green (40, 12): row 0, column 2
    np.testing.assert_allclose(blocks[1, 5], maps[0, 3], rtol=1e-6)   # ... its right-hand neighbour
    np.testing.assert_allclose(blocks[5, 4], maps[4, 3], rtol=1e-6)   # yellow (62, 70): row 4, column 3
    assert not blocks[0, :3].any() and not blocks[0, [0, 3, 6]].any()  # red (10, 10): above / left is off the map
    assert probes.cnn_output_layer(model).name == "cnn_relu_4"
    assert probes.cnn_output_layer(soc.build_rn_model(cnn_order="relu_bn", compile=False)).name == "cnn_bn_4"
    with pytest.raises(ValueError, match="has no layer named cnn_"):
        probes.object_features(soc.build_state_rn_model(compile=False), data)


def test_receptive_centres_of_the_course_cnn_drop_the_last_padded_cell():
    from rnlib.probes import receptive_centres

    np.testing.assert_array_equal(receptive_centres(), [10, 26, 42, 58, 74])
    np.testing.assert_array_equal(receptive_centres(padding=("same", "same", "same", "valid")), [10, 26, 42, 58])
