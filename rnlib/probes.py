"""Probes: what a trained network's objects encode, read by a small classifier on frozen features.

A *probe* (Alain & Bengio 2016, arXiv 1610.01644) is a small classifier trained on the features a
network computes, with the network frozen. If a probe reads an object's colour from them at 93%
but its shape only at 70%, the network sees colours and barely sees shapes, whatever the rest of
the model does with them. That separates a failure to *see* from a failure to *reason*.

- :func:`probe_accuracy` trains one probe (standardized inputs, one ReLU layer or none) and
  reports its accuracy on held-out rows against the majority-class rate.
- :func:`receptive_centres` gives the pixel each cell of a stride-2 "same"-padded CNN is centred on.
- :func:`object_features` takes, for each object of a Sort-of-CLEVR image, the CNN cells around
  its centre; :func:`probe_objects` probes them for colour and shape.

Introduced in notebooks/06_sort_of_clevr.ipynb.
"""

from __future__ import annotations

import keras
import numpy as np

from . import sort_of_clevr as soc

__all__ = ["probe_accuracy", "receptive_centres", "cnn_output_layer", "object_features", "probe_objects"]


def probe_accuracy(x_train, y_train, x_test, y_test, hidden: int = 64, epochs: int = 20, batch_size: int = 128,
                   learning_rate: float = 3e-3, seed: int = 0) -> dict[str, float]:
    """Train a probe on ``(x_train, y_train)`` and score it: ``{"train", "test", "majority"}`` accuracies.

    The inputs are standardized with the training rows' mean and standard deviation; the probe is
    ``Dense(hidden, relu) -> Dense(classes, softmax)`` (``hidden=0``: a linear softmax classifier),
    trained with Adam. ``majority`` is the test accuracy of always answering the most common
    training label: a probe near it found nothing.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    x_train, x_test = np.asarray(x_train, np.float32), np.asarray(x_test, np.float32)
    y_train, y_test = np.asarray(y_train).astype(np.int64), np.asarray(y_test).astype(np.int64)
    if x_train.ndim != 2 or x_train.shape[1:] != x_test.shape[1:] or len(x_train) != len(y_train) \
            or len(x_test) != len(y_test):
        raise ValueError(f"probe_accuracy needs 2-D features with one label per row; got x_train "
                         f"{x_train.shape}, y_train {y_train.shape}, x_test {x_test.shape}, y_test {y_test.shape}.")
    mean, std = x_train.mean(0), x_train.std(0) + 1e-6
    classes = int(max(y_train.max(), y_test.max())) + 1
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((x_train.shape[1],))]
    layers += [keras.layers.Dense(hidden, activation="relu")] if hidden else []
    probe = keras.Sequential(layers + [keras.layers.Dense(classes, activation="softmax")], name="probe")
    probe.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy")

    def accuracy(x, y):
        return float(np.mean(probe.predict((x - mean) / std, batch_size=1024, verbose=0).argmax(-1) == y))

    probe.fit((x_train - mean) / std, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
    majority = np.bincount(y_train, minlength=classes).argmax()
    return {"train": accuracy(x_train, y_train), "test": accuracy(x_test, y_test),
            "majority": float(np.mean(y_test == majority))}


def receptive_centres(size: int = soc.IMAGE_SIZE, layers: int = 4, kernel: int = 3, stride: int = 2,
                      padding="same") -> np.ndarray:
    """The input pixel on which each output cell of ``layers`` convolutions is centred.

    Keras (TensorFlow) pads ``total = max((out - 1) * stride + kernel - size, 0)`` pixels, ``total // 2``
    before; so for the paper's CNN on 75 pixels (75 -> 38 -> 19 -> 10 -> 5) the 5 cells are centred
    on pixels 10, 26, 42, 58 and 74: the grid is not symmetric, and an object at x = 14 belongs to
    cell 0. ``padding`` is ``"same"`` or ``"valid"`` (no padding), or one of them per layer: the
    ``course`` CNN, ``("same", "same", "same", "valid")``, gives 4 cells centred on 10, 26, 42 and 58.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    paddings = (padding,) * layers if isinstance(padding, str) else tuple(padding)
    centres = np.arange(size, dtype=np.float64)  # pixel k of the input is centred on pixel k
    for pad in paddings:
        if pad == "valid":
            out, before = (len(centres) - kernel) // stride + 1, 0
        else:
            out = -(-len(centres) // stride)
            before = max((out - 1) * stride + kernel - len(centres), 0) // 2
        # output cell j reads input cells j * stride - before .. + kernel - 1; its centre is the middle one
        middle = np.arange(out) * stride - before + kernel // 2
        step = centres[1] - centres[0] if len(centres) > 1 else 1.0
        centres = centres[0] + middle * step
    return centres


def cnn_output_layer(model) -> keras.layers.Layer:
    """The last layer of ``model``'s CNN (the 5 x 5 x 24 map): the last layer whose name starts with ``cnn_``."""
    names = [layer.name for layer in model.layers if layer.name.startswith("cnn_")]
    if not names:
        raise ValueError(f"model {model.name!r} has no layer named cnn_*: probe_objects needs a Sort-of-CLEVR "
                         "pixel model (build_rn_model or build_cnn_mlp_model).")
    return model.get_layer(names[-1])


def object_features(model, data: dict, neighbourhood: int = 1, batch_size: int = 256):
    """Per object of every image: the CNN cells around its centre, its colour and its shape.

    Runs ``model``'s CNN (frozen, inference mode) on ``data["images"]``, finds the cell whose
    receptive field is centred nearest each object's centre (:func:`receptive_centres`) and takes
    the ``(2 * neighbourhood + 1)`` squared block of cells around it (zeros outside the map).
    Returns ``(features (N * 6, cells * channels), colours (N * 6,), shapes (N * 6,))``.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    last = cnn_output_layer(model)  # first, so that a model without a CNN gets the clear error
    cnn = keras.Model(model.get_layer("image").output, last.output)
    maps = cnn.predict(data["images"].astype(np.float32), batch_size=batch_size, verbose=0)  # (N, 5, 5, C)
    n, h, w, _ = maps.shape
    centres = receptive_centres(soc.IMAGE_SIZE)
    if len(centres) != h:
        raise ValueError(f"the CNN's map is {h} x {w} cells but 4 stride-2 layers on 75 pixels give {len(centres)}.")
    xy = data["centers"].astype(np.float64)  # (N, 6, 2) as (x, y)
    col = np.abs(xy[..., 0, None] - centres).argmin(-1)
    row = np.abs(xy[..., 1, None] - centres).argmin(-1)
    k = neighbourhood
    padded = np.pad(maps, ((0, 0), (k, k), (k, k), (0, 0)))
    images = np.arange(n)[:, None]
    blocks = [padded[images, row + k + dy, col + k + dx] for dy in range(-k, k + 1) for dx in range(-k, k + 1)]
    features = np.concatenate(blocks, axis=-1).reshape(n * len(soc.COLORS), -1)
    colours = np.tile(np.arange(len(soc.COLORS)), n)
    return features, colours, data["shapes"].reshape(-1).astype(np.int64)


def probe_objects(model, train: dict, test: dict, neighbourhood: int = 1, hidden: int = 64,
                  epochs: int = 20, seed: int = 0) -> dict[str, dict[str, float]]:
    """Can a probe read each object's colour and shape from ``model``'s CNN? ``{"colour": {...}, "shape": {...}}``.

    Features from :func:`object_features` on the ``train`` images fit the probes
    (:func:`probe_accuracy`); they are scored on the ``test`` images. Colour has 6 balanced classes
    (majority about 1/6), shape 2 (about 1/2).

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    x_train, c_train, s_train = object_features(model, train, neighbourhood)
    x_test, c_test, s_test = object_features(model, test, neighbourhood)
    return {"colour": probe_accuracy(x_train, c_train, x_test, c_test, hidden, epochs, seed=seed),
            "shape": probe_accuracy(x_train, s_train, x_test, s_test, hidden, epochs, seed=seed)}
