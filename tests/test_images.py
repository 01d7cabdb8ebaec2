"""rnlib.images: uint8 resizing, training statistics, normalization, label-preserving augmentation."""

import numpy as np
import pytest
import tensorflow as tf

from rnlib.data import render
from rnlib.data.render import PALETTE
from rnlib.images import IMAGE_SIZE, augment, normalization_stats, normalize, resize

TOWER = [{"x_loc": 40, "y_loc": 80, "type": "square", "color": "Black", "size": 20},
         {"x_loc": 40, "y_loc": 59, "type": "square", "color": "Black", "size": 20}]  # 1-px gap at y=79
SCENE = [TOWER, [{"x_loc": 1, "y_loc": 1, "type": "triangle", "color": "Yellow", "size": 10}],
         [{"x_loc": 45, "y_loc": 45, "type": "circle", "color": "#0099ff", "size": 10}]]


def random_images(n, seed=0, size=(50, 200)):
    return np.random.default_rng(seed).integers(0, 256, (n, *size, 3), dtype=np.uint8)


def test_resize_shape_and_dtype():
    image = render(SCENE)
    one = resize(image)
    batch = resize(np.stack([image, image]))
    assert one.shape == (*IMAGE_SIZE, 3) and one.dtype == tf.uint8
    assert batch.shape == (2, *IMAGE_SIZE, 3) and batch.dtype == tf.uint8
    assert resize(image, (100, 400)).numpy().tobytes() == image.tobytes()  # same size: unchanged


def test_resize_is_area_averaging():
    image = np.zeros((4, 8, 3), np.uint8)
    image[0:2, 0:2] = [[[0, 0, 0], [100, 10, 1]], [[200, 20, 2], [100, 10, 1]]]  # mean 100, 10, 1
    out = resize(image, (2, 4)).numpy()
    assert out[0, 0].tolist() == [100, 10, 1]
    # averaging conserves the mean intensity of a real scene (up to rounding)
    scene = render(SCENE)
    assert abs(resize(scene).numpy().mean() - scene.mean()) < 0.5


def test_area_keeps_one_pixel_gaps_where_nearest_drops_them():
    image = render(SCENE)  # the 1-px gap between the two tower blocks is at y=79, x=190..209
    column = lambda img, x: img[:, x, 0]
    area = resize(image, (25, 100)).numpy()  # factor 4
    nearest = resize(image, (25, 100), method="nearest").numpy()
    assert (column(area, 12)[15:20] > 0).any()  # a grey row between the black blocks
    assert (column(nearest, 12)[15:20] == 0).all()  # the gap is gone


def test_resize_rejects_float_images():
    with pytest.raises(TypeError, match="uint8"):
        resize(np.zeros((100, 400, 3), np.float32))


def test_normalization_stats_match_numpy():
    images = random_images(10)
    stats = normalization_stats(images)
    pixels = images.reshape(-1, 3).astype(np.float64)
    np.testing.assert_allclose(stats.mean, pixels.mean(0), rtol=1e-6)
    np.testing.assert_allclose(stats.std, pixels.std(0), rtol=1e-5)
    assert stats.n_pixels == 10 * 50 * 200


def test_normalization_stats_stream_from_any_source(tmp_path):
    images = random_images(12)
    reference = normalization_stats(images)
    memmap = np.lib.format.open_memmap(tmp_path / "x.npy", "w+", np.uint8, images.shape)
    memmap[:] = images
    dataset = tf.data.Dataset.from_tensor_slices((images, np.zeros(12))).batch(5)  # (image, label)
    for source in (memmap, (b for b in np.split(images, 4)), dataset, list(images)):
        stats = normalization_stats(source)
        np.testing.assert_allclose(stats.mean, reference.mean, rtol=1e-6)
        np.testing.assert_allclose(stats.std, reference.std, rtol=1e-6)


def test_normalization_stats_reject_float_images():
    with pytest.raises(TypeError, match="uint8"):
        normalization_stats(np.zeros((2, 5, 5, 3), np.float32))


def test_normalize_uses_the_given_training_stats():
    train, validation = random_images(8, seed=1), random_images(8, seed=2)
    stats = normalization_stats(train)
    x = normalize(train, stats).numpy()
    assert x.dtype == np.float32
    np.testing.assert_allclose(x.mean((0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(x.std((0, 1, 2)), 1, atol=1e-4)
    v = normalize(validation, stats).numpy()
    np.testing.assert_allclose(v, (validation - stats.mean) / stats.std, rtol=1e-5, atol=1e-5)


def nearest_palette(images):
    distance = ((images[..., None, :].astype(np.int32) - PALETTE.astype(np.int32)) ** 2).sum(-1)
    return distance.argmin(-1)


def test_augment_keeps_every_pixel_its_palette_colour():
    images = np.stack([resize(render(SCENE, k)).numpy() for k in range(6)])
    out = augment(images, seed=[3, 4]).numpy()
    assert out.shape == images.shape and out.dtype == np.uint8
    assert not np.array_equal(out, images)
    assert np.abs(out.astype(int) - images).mean() < 4
    original = nearest_palette(images)
    # pixels that are exactly a palette colour stay closest to that colour
    exact = (images[..., None, :] == PALETTE).all(-1).any(-1)
    assert (nearest_palette(out)[exact] == original[exact]).all()
    # no flip or shift: the image is still the same picture, pixel for pixel
    assert np.corrcoef(out.ravel(), images.ravel())[0, 1] > 0.99


def test_augment_is_seeded():
    images = random_images(2)
    a = augment(images, seed=[0, 1]).numpy()
    assert np.array_equal(a, augment(images, seed=[0, 1]).numpy())
    assert not np.array_equal(a, augment(images, seed=[0, 2]).numpy())
