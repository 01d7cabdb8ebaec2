"""NLVR images for a network: resize (uint8), per-channel statistics of the training split,
normalization on the fly, and the augmentations that keep NLVR's labels true.

Images stay ``uint8`` (30 KB each at 200x50x3) until a batch is about to enter the model; only then
:func:`normalize` makes float32 ``(x - mean) / std`` with the TRAINING split's per-channel mean and
std (:func:`normalization_stats`). The seed held every image as float32 (8.9 GB for NLVR train).

Resizing: 400x100 -> 200x50 by default with *area averaging*: each output pixel is the mean of the
input pixels it covers. Every input pixel counts, so 10-px items (5 px after resizing) and the 1-px
gaps between tower blocks survive as blended pixels; nearest-neighbour resizing drops every other
row and column and can erase such details or shift them by a pixel, and bilinear without antialias
does the same for factors above 2.

Augmentations and NLVR labels (a statement must stay true or false after the change):

=====================================  ======  ==================================================
change                                 safe?   why
=====================================  ======  ==================================================
permute the 3 boxes                    yes     already in the data: the 6 images (box orders) of
                                               an example are separate training images
horizontal flip                        no      "left"/"right", "touching the right wall"
vertical flip                          no      "top", "base", "above"/"below", towers fall over
rotation, crop, shift, zoom            no      "touching the edge/wall", "top", sizes, counts
colour jitter, hue shift, grey-scale   no      "yellow", "blue", "black" name palette colours
small pixel noise (std ~2/255)         yes     colours stay unmistakable, geometry unchanged
tiny brightness change (+-4/255)       yes     same (palette colours differ by >= 83 levels)
=====================================  ======  ==================================================

:func:`augment` applies the two safe ones in a ``tf.data`` pipeline.

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

#: (height, width) the seed fed to the network: NLVR's 100x400 images halved.
IMAGE_SIZE = (50, 200)
#: ``tf.image.resize`` method used by :func:`resize` (see the module docstring).
RESIZE_METHOD = "area"


def resize(images, size=IMAGE_SIZE, method: str = RESIZE_METHOD) -> tf.Tensor:
    """Resize uint8 images ``(..., H, W, 3)`` to ``size`` = (height, width), returning uint8.

    Works on one image or a batch, eagerly or inside ``tf.data``; values are rounded to the
    nearest integer. Returns the input unchanged (as a tensor) when it already has that size.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    images = tf.convert_to_tensor(images)
    if images.dtype != tf.uint8:
        raise TypeError(f"resize expects uint8 images, got {images.dtype.name}")
    if tuple(images.shape[-3:-1]) == tuple(size):
        return images
    out = tf.image.resize(tf.cast(images, tf.float32), size, method=method)
    return tf.cast(tf.round(tf.clip_by_value(out, 0.0, 255.0)), tf.uint8)


@dataclass(frozen=True)
class NormalizationStats:
    """Per-channel mean and std of pixel values (0..255 scale) and how many pixels they summarise."""
    mean: np.ndarray  # (3,) float32
    std: np.ndarray  # (3,) float32
    n_pixels: int

    def __str__(self) -> str:
        fmt = lambda a: "(" + ", ".join(f"{v:.2f}" for v in a) + ")"
        return f"per-channel mean {fmt(self.mean)}, std {fmt(self.std)} over {self.n_pixels:,} pixels"


def _batches(images):
    """Yield uint8 numpy batches (or single images) from an array, an iterable or a tf.data.Dataset.

    Dataset elements may be images or tuples/dicts whose first leaf (or ``"image"``) is the image.
    """
    if isinstance(images, np.ndarray):
        for start in range(0, len(images), 256):
            yield images[start:start + 256]
        return
    iterator = images.as_numpy_iterator() if isinstance(images, tf.data.Dataset) else images
    for element in iterator:
        if isinstance(element, dict):
            element = element["image"]
        while isinstance(element, (tuple, list)):
            element = element[0]
        yield np.asarray(element)


def normalization_stats(images) -> NormalizationStats:
    """Per-channel mean and std of TRAINING images, computed in one streaming pass.

    ``images``: a uint8 array ``(N, H, W, 3)`` (a ``np.memmap`` works), an iterable of uint8 images or
    batches, or a ``tf.data.Dataset`` of them (or of ``((image, ...), label)`` elements). Never pass
    validation or test images: their statistics would leak into training.

    Each channel's 256-bin histogram is accumulated (``np.bincount``), so memory stays at one batch
    of uint8 and the result is exact whatever the order or batching.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    counts = np.zeros((3, 256), np.int64)
    for batch in _batches(images):
        if batch.dtype != np.uint8:
            raise TypeError(f"normalization_stats expects uint8 images, got {batch.dtype}")
        if batch.shape[-1] != 3:
            raise ValueError(f"expected RGB images (..., 3), got shape {batch.shape}")
        for c in range(3):
            counts[c] += np.bincount(batch[..., c].ravel(), minlength=256)
    n = int(counts[0].sum())
    if n == 0:
        raise ValueError("normalization_stats: no images")
    values = np.arange(256, dtype=np.float64)
    mean = counts @ values / n
    var = counts @ values ** 2 / n - mean ** 2
    std = np.sqrt(np.maximum(var, 0.0))
    return NormalizationStats(mean=mean.astype(np.float32), std=np.maximum(std, 1e-6).astype(np.float32),
                              n_pixels=n)


def normalize(images, stats: NormalizationStats) -> tf.Tensor:
    """uint8 images -> float32 ``(x - mean) / std`` per channel, for one batch at a time.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    x = tf.cast(images, tf.float32)
    return (x - tf.constant(stats.mean, tf.float32)) / tf.constant(stats.std, tf.float32)


def augment(images, seed, noise_std: float = 2.0, max_brightness: float = 4.0) -> tf.Tensor:
    """The label-preserving augmentations of NLVR images: a tiny brightness shift and pixel noise.

    ``images``: uint8 ``(batch, H, W, 3)`` (or one image); returns uint8 of the same shape.
    Each image gets one brightness offset drawn uniformly in ``[-max_brightness, max_brightness]``
    and every pixel value Gaussian noise of std ``noise_std`` (0..255 scale), then values are
    clipped and rounded. ``seed`` is a shape-(2,) integer tensor (stateless random ops): the same
    seed gives the same result. No flips, crops or colour changes: they make statements false
    (see the module docstring).

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    images = tf.convert_to_tensor(images)
    seed = tf.cast(seed, tf.int64)
    x = tf.cast(images, tf.float32)
    per_image = tf.concat([tf.shape(x)[:-3], tf.ones([3], tf.int32)], axis=0)
    brightness = tf.random.stateless_uniform(per_image, seed, -max_brightness, max_brightness)
    noise = tf.random.stateless_normal(tf.shape(x), seed + [0, 1], stddev=noise_std)
    x = tf.clip_by_value(tf.round(x + brightness + noise), 0.0, 255.0)
    return tf.cast(x, tf.uint8)
