"""NLVR batches as plain NumPy, for any Keras backend: the uint8 image cache and :class:`NLVRBatches`.

This module imports no TensorFlow: on a machine with Keras on JAX (a lent GPU without TensorFlow)
it trains from an image cache file and token ids made beforehand (by :func:`rnlib.pipeline.build_image_cache`
and the vectorizer, which need TensorFlow). Every example has 6 images, one per order of its
3 boxes: image ``6 e + k`` is box order k of example e.

Introduced in notebooks/04_training.ipynb.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

IMAGES_PER_EXAMPLE = 6


@dataclass
class ImageCache:
    """A file of ``n`` resized uint8 images, ``(n, height, width, 3)`` in C order, read batch by batch.

    Reads use ``os.pread`` into a fresh buffer rather than ``np.memmap``: the pages of a memory
    map that a process has touched count as its resident memory, so one epoch over a 2.2 GB memmap
    would show 2.2 GB of RSS; with pread the kernel keeps the file in its page cache instead, which
    it frees whenever memory is needed.
    """
    path: Path
    n: int
    image_size: tuple

    @property
    def image_bytes(self) -> int:
        return self.image_size[0] * self.image_size[1] * 3

    def read(self, indices) -> np.ndarray:
        out = np.empty((len(indices), *self.image_size, 3), np.uint8)
        size = self.image_bytes
        with open(self.path, "rb", buffering=0) as f:
            for j, i in enumerate(indices):
                out[j] = np.frombuffer(os.pread(f.fileno(), size, int(i) * size), np.uint8).reshape(out.shape[1:])
        return out

    def chunks(self, chunk: int = 256):
        """Yield the images in order, ``chunk`` at a time (for one-pass statistics)."""
        for start in range(0, self.n, chunk):
            yield self.read(range(start, min(start + chunk, self.n)))


class EpochBatches(keras.utils.PyDataset):
    """The epoch protocol of the course's batch streams, which :func:`rnlib.training.train` relies on.

    Epoch ``e`` is served in an order drawn from ``default_rng([seed, e])`` by the subclass's
    ``_epoch_batches()`` (the served indices, and where each batch starts: the last entry is their
    number). In a plain ``fit`` the order moves on at every epoch end (:meth:`on_epoch_end`);
    :func:`rnlib.training.train` also calls :meth:`set_epoch` as each epoch begins, so epoch numbers
    and orders match exactly, also after a resume: :meth:`resume_at` gives the batches of an
    interrupted epoch from a batch on, in the order that epoch first had. A dataset made with
    ``start_batch`` > 0 is meant to finish that one epoch. Subclasses: :class:`NLVRBatches`,
    :class:`rnlib.sort_of_clevr.datasets.QuestionBatches`.

    Introduced in notebooks/04_training.ipynb.
    """

    def __init__(self, seed: int = 0, epoch: int = 0, start_batch: int = 0, workers: int = 1):
        super().__init__(workers=workers, use_multiprocessing=False)
        self.seed, self.epoch, self.start_batch = int(seed), int(epoch), int(start_batch)

    def _epoch_batches(self) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _plan_epoch(self) -> None:
        """Draw the current epoch's order; the constructor of a subclass calls it once it is set up."""
        self._order, self._bounds = self._epoch_batches()
        if not 0 <= self.start_batch < max(self.batches_per_epoch, 1):
            raise ValueError(f"start_batch must be in [0, {self.batches_per_epoch}); got {self.start_batch}.")

    @property
    def batches_per_epoch(self) -> int:
        return len(self._bounds) - 1

    def __len__(self):
        return self.batches_per_epoch - self.start_batch

    def _batch(self, i) -> tuple[int, np.ndarray]:
        """Where batch ``i`` of this dataset starts in the epoch's order, and the indices it serves."""
        if not 0 <= i < len(self):
            raise IndexError(f"batch {i} out of range: this dataset has {len(self)} batches.")
        b = self.start_batch + int(i)
        return int(self._bounds[b]), self._order[self._bounds[b]:self._bounds[b + 1]]

    def on_epoch_end(self):
        self.set_epoch(self.epoch + 1)

    def set_epoch(self, epoch: int) -> None:
        """Serve epoch ``epoch``'s order from now on (:func:`rnlib.training.train` calls it as each epoch begins)."""
        if int(epoch) != self.epoch:
            self.epoch = int(epoch)
            self._order, self._bounds = self._epoch_batches()

    def resume_at(self, epoch: int, batch: int = 0):
        """The batches of epoch ``epoch`` from batch ``batch`` on, in the order that epoch first had."""
        resumed = copy.copy(self)
        resumed.epoch, resumed.start_batch = int(epoch), int(batch)
        resumed._plan_epoch()
        return resumed


class NLVRBatches(EpochBatches):
    """Batches ``({"image": float32 pixels 0..255, "tokens": int32}, label)`` from a uint8 image cache.

    ``token_ids`` (E, T) and ``labels`` (E,) are per example; ``images`` is an :class:`ImageCache`
    (or anything with its ``n`` and ``read``, such as :class:`rnlib.pipeline.RenderedImages`, or a uint8
    array) of the 6E images, image ``6 e + k`` being box order k of example e.
    ``orders``:

    - ``"one"`` (training; what an *epoch* means in this course): every example once, in one box
      order drawn at random for that epoch, in a random order of examples;
    - ``"all"`` (the seed's epochs, and evaluation): all 6E images; shuffled when ``shuffle``.

    ``repeats`` (with ``"one"``): an epoch is that many passes over the examples, each with its own
    order and box orders, so a small training set gets epochs as long as a large one's (notebook 05's
    data-size runs). ``flip``: mirror about half of the images left to right (an augmentation that
    changes 0.4% of NLVR's labels, notebook 01). ``input_name``: the key of the images in the inputs
    (``"objects"`` when ``images`` holds the true objects of :mod:`rnlib.items` instead of pixels).

    ``examples``: the indices of the examples to serve (default: all E), e.g. a sample to score.
    Epochs follow :class:`EpochBatches` (``set_epoch``, ``resume_at``, ``on_epoch_end``). The model normalizes the pixels
    itself (:func:`rnlib.models.build_nlvr_model`), so the batches are plain NumPy and run with any
    Keras backend (TensorFlow here and on Colab, JAX on a machine without TensorFlow).

    Introduced in notebooks/04_training.ipynb.
    """

    def __init__(self, images, token_ids, labels, batch_size: int = 64, orders: str = "one",
                 shuffle: bool = True, seed: int = 0, epoch: int = 0, start_batch: int = 0, workers: int = 1,
                 repeats: int = 1, flip: bool = False, input_name: str = "image", examples=None):
        super().__init__(seed, epoch, start_batch, workers)
        if orders not in ("one", "all"):
            raise ValueError(f"orders must be 'one' or 'all'; got {orders!r}.")
        if int(repeats) < 1 or (int(repeats) > 1 and orders != "one"):
            raise ValueError(f"repeats must be >= 1 (and 1 unless orders='one'); got {repeats} with orders={orders!r}.")
        self.repeats, self.flip, self.input_name = int(repeats), bool(flip), input_name
        self.images, self.token_ids = images, np.asarray(token_ids, np.int32)
        self.labels = np.asarray(labels, np.float32)
        n_images = images.n if hasattr(images, "read") else len(images)
        if n_images != IMAGES_PER_EXAMPLE * len(self.labels) or len(self.token_ids) != len(self.labels):
            raise ValueError(f"{len(self.labels)} labels, {len(self.token_ids)} token rows and {n_images} images "
                             f"do not fit ({IMAGES_PER_EXAMPLE} images per example).")
        self.examples = np.arange(len(self.labels)) if examples is None else np.asarray(examples, np.int64)
        if len(self.examples) and not (0 <= self.examples.min() and self.examples.max() < len(self.labels)):
            raise ValueError(f"examples must be indices in [0, {len(self.labels)}).")
        self.batch_size, self.orders, self.shuffle = int(batch_size), orders, bool(shuffle)
        self._plan_epoch()

    def _epoch_batches(self) -> tuple[np.ndarray, np.ndarray]:
        """The image indices (6 e + k) of the current epoch, in the order they are served, and where
        each batch starts."""
        n = len(self.examples)
        rng = np.random.default_rng([self.seed, self.epoch])
        if self.orders == "one":  # each of the `repeats` passes: its own example order and box orders
            passes = []
            for _ in range(self.repeats):
                examples = rng.permutation(n) if self.shuffle else np.arange(n)
                passes.append(IMAGES_PER_EXAMPLE * self.examples[examples] + rng.integers(0, IMAGES_PER_EXAMPLE, n))
            order = np.concatenate(passes)
        else:
            images = (IMAGES_PER_EXAMPLE * self.examples[:, None] + np.arange(IMAGES_PER_EXAMPLE)).ravel()
            order = rng.permutation(images) if self.shuffle else images
        return order, np.append(np.arange(0, len(order), self.batch_size), len(order))

    def image_indices(self, i) -> np.ndarray:
        """The image indices (6 e + k) in batch ``i`` of this dataset."""
        return self._batch(i)[1]

    def __getitem__(self, i):
        k, idx = self._batch(i)
        pixels = self.images.read(idx) if hasattr(self.images, "read") else self.images[idx]
        if self.flip:  # mirror about half of the images, left to right (the same ones on a resume)
            mirror = np.random.default_rng([self.seed, self.epoch, 1]).random(len(self._order))[k:k + len(idx)] < 0.5
            pixels = np.where(mirror[:, None, None, None], pixels[:, :, ::-1], pixels)
        example = idx // IMAGES_PER_EXAMPLE
        return ({self.input_name: pixels.astype(np.float32), "tokens": self.token_ids[example]}, self.labels[example])
