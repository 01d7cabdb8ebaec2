"""NLVR as ``tf.data`` pipelines in one call: :func:`nlvr_datasets`.

Every example gives 6 images (its box orders), all with the example's label, so a split of E examples
has 6E images; image i is box order ``i % 6`` of example ``i // 6``. Elements are::

    ((image, question), label)
    image:    float32 (batch, height, width, 3), normalized with the TRAINING split's per-channel stats
    question: int32   (batch, sequence_length), token ids from the vectorizer fitted on training sentences
    label:    float32 (batch,), 1.0 = the sentence is true of the image

A model with ``inputs=[image_input, question_input]`` takes these batches as they are.

Memory: images are never held as one float32 array (the seed's 8.9 GB for NLVR train). By default
each split's resized uint8 images are written once to a cache file on disk (``data/cache/``,
30 KB per 200x50 image, 2.2 GB for NLVR train's 74,460) and every batch reads only its own images
from it, converting them to float32 just before the model. With ``cache=False`` each batch is
instead read from PNGs / rendered and resized on the fly, every epoch. Both keep the input
pipeline's memory to a few batches; ``bench/bench_input_pipeline.py`` measures it.

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tensorflow as tf

from .data import DATA_DIR, SHARED_NLVR, check_leakage, load_image, read_examples, split_by_group
from .batches import IMAGES_PER_EXAMPLE, ImageCache
from .images import IMAGE_SIZE, RESIZE_METHOD, NormalizationStats, augment, normalization_stats, normalize, resize
from .text import SEQUENCE_LENGTH, make_vectorizer, text_report

FULL_SIZE = (100, 400)
_CACHE_VERSION = 1  # bump when the way cached pixels are made changes


# ---------------------------------------------------------------------------------------------
# Where the examples come from


def load_source(source="synthetic", validation_fraction: float = 0.2, seed: int = 0):
    """Resolve ``source`` into ``({"train": [...], "validation": [...], "test": [...]}, image_root)``.

    - ``"synthetic"``: the offline default dataset (``rnlib.data.synthetic.default_dataset()``).
    - a folder in NLVR's layout, ``{root}/{split}/{split}.json`` (images under
      ``{root}/{split}/images/...``, drawn from ``structured_rep`` where missing): train.json is the
      training split, dev.json the validation split, test.json (optional) the test split.
    - ``"shared"`` or a folder holding ``dev.json`` (and optionally ``test.json``) directly, such as
      ``../shared/nlvr``: dev is split by sentence group into training and validation
      (``validation_fraction`` of the groups), test.json is the test split; all images are rendered.
    - a mapping ``{"train": examples, "validation": examples[, "test": examples]}``: used as is,
      images rendered.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    if isinstance(source, Mapping):
        return {k: list(v) for k, v in source.items() if v is not None}, None
    if source == "synthetic":
        from .data.synthetic import default_dataset  # written by the data layer
        source = default_dataset()
    elif source == "shared":
        source = SHARED_NLVR
    root = Path(source)
    if (root / "train" / "train.json").exists():
        splits = {"train": read_examples(root / "train" / "train.json")}
        for name, split in (("validation", "dev"), ("test", "test")):
            path = root / split / f"{split}.json"
            if path.exists():
                splits[name] = read_examples(path)
        if "validation" not in splits:
            raise FileNotFoundError(f"{root}: has train/train.json but no dev/dev.json for validation")
        return splits, root
    if (root / "dev.json").exists():
        dev = read_examples(root / "dev.json")
        train, validation = split_by_group(dev, (1 - validation_fraction, validation_fraction), seed=seed)
        splits = {"train": train, "validation": validation}
        if (root / "test.json").exists():
            splits["test"] = read_examples(root / "test.json")
        return splits, None
    raise FileNotFoundError(f"{root}: neither {{split}}/{{split}}.json (NLVR layout) nor dev.json found")


def random_image_split(examples, validation_fraction: float = 0.2, seed: int = 0):
    """THE WRONG WAY, kept to show why: split the 6E images at random, ignoring examples and groups.

    Returns the examples that have at least one image on each side. Almost every example ends up on
    both sides (its other box orders), so validation measures memory, not generalisation;
    ``rnlib.data.check_leakage`` flags it. A split by sentence group (``rnlib.data.split_by_group``)
    shares no group and no example (real NLVR reuses a few sentence texts in different groups,
    which ``check_leakage`` lists too).

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    images = [(e, k) for e in examples for k in range(IMAGES_PER_EXAMPLE)]
    random.Random(seed).shuffle(images)
    cut = round(len(images) * (1 - validation_fraction))
    unique = lambda pairs: list({e.identifier: e for e, _ in pairs}.values())
    return unique(images[:cut]), unique(images[cut:])


# ---------------------------------------------------------------------------------------------
# Images: read/render one batch, or read it from a uint8 cache file


class _FullSizeLoader:
    """indices -> (b, 100, 400, 3) uint8: the real PNG when it exists under ``root``, else rendered."""

    def __init__(self, examples, root):
        self.examples, self.root = examples, root

    def __call__(self, indices):
        return np.stack([load_image(self.examples[i // IMAGES_PER_EXAMPLE], int(i % IMAGES_PER_EXAMPLE), self.root)
                         for i in indices])


def _cache_key(examples, root, image_size, method) -> str:
    h = hashlib.sha1(json.dumps([_CACHE_VERSION, str(root), list(image_size), method]).encode())
    for e in examples:
        h.update(json.dumps([e.split, e.to_json()], sort_keys=True).encode())
    return h.hexdigest()[:16]


def build_image_cache(examples, root, cache_dir, image_size=IMAGE_SIZE, method: str = RESIZE_METHOD,
                      name: str = "images", verbose: bool = True) -> ImageCache:
    """Write the resized uint8 images of ``examples`` (6 each) to ``cache_dir`` once and return the cache.

    The file name contains a hash of the examples, image root, size and resize method, so a changed
    dataset gets a new file and an unchanged one is reused. Written to a temporary name first: an
    interrupted build never leaves a file that looks complete. Memory: one batch at a time.
    """
    examples = list(examples)
    n = len(examples) * IMAGES_PER_EXAMPLE
    h, w = image_size
    path = Path(cache_dir) / f"{name}-{n}x{h}x{w}-{_cache_key(examples, root, image_size, method)}.u8"
    cache = ImageCache(path, n, tuple(image_size))
    if path.exists() and path.stat().st_size == n * cache.image_bytes:
        return cache
    path.parent.mkdir(parents=True, exist_ok=True)
    if verbose:
        print(f"caching {n:,} {w}x{h} uint8 images ({n * cache.image_bytes / 1e6:,.0f} MB) in {path}")
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    batches = _load(tf.data.Dataset.range(n).batch(64), _FullSizeLoader(examples, root), FULL_SIZE,
                    image_size, method)
    with open(tmp, "wb") as f:
        for images, _ in batches.as_numpy_iterator():
            f.write(images.tobytes())
    tmp.replace(path)
    return cache


class RenderedImages:
    """The 6E images of ``examples`` made when a batch asks for them: an :class:`ImageCache` without
    the file. ``read(indices)`` gives the same uint8 pixels the cache would hold (PNG or rendered at
    full size, then resized), so it trains the same model; it costs about 1.3 ms per image on a CPU
    (notebook 07) instead of 30 KB of disk per image, which is what a training set of 400,000 examples
    (2.4 million images, 72 GB cached) needs.

    Introduced in notebooks/07_sim_to_real.ipynb.
    """

    def __init__(self, examples, root=None, image_size=IMAGE_SIZE, method: str = RESIZE_METHOD):
        self.examples, self.root = list(examples), root
        self.n = IMAGES_PER_EXAMPLE * len(self.examples)
        self.image_size, self.method = tuple(image_size), method
        self._full_size = _FullSizeLoader(self.examples, root)

    def read(self, indices) -> np.ndarray:
        indices = np.asarray(indices, np.int64)
        if len(indices) and (indices.min() < 0 or indices.max() >= self.n):
            raise IndexError(f"image index out of range [0, {self.n}): {indices.min()}..{indices.max()}")
        return np.asarray(resize(self._full_size(indices), self.image_size, self.method), np.uint8)

    def chunks(self, chunk: int = 256):
        """Yield the images in order, ``chunk`` at a time (for one-pass statistics)."""
        for start in range(0, self.n, chunk):
            yield self.read(range(start, min(start + chunk, self.n)))


def _load(indices, read, read_size, image_size, method=RESIZE_METHOD):
    """Map a dataset of index batches to ``(uint8 images, indices)``: ``read(indices)`` gives
    (b, *read_size, 3) uint8 images (PNG/rendered at full size, or from a cache), resized if needed."""

    def load(i):
        images = tf.numpy_function(read, [i], tf.uint8, stateful=False)
        images.set_shape([None, *read_size, 3])
        return resize(images, image_size, method), i

    return indices.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


# ---------------------------------------------------------------------------------------------
# Datasets


@dataclass
class NLVRData:
    """What :func:`nlvr_datasets` returns: the datasets and everything fitted on the training split."""
    train: tf.data.Dataset
    validation: tf.data.Dataset
    test: tf.data.Dataset | None
    vectorizer: object  # keras.layers.TextVectorization, fitted on training sentences
    stats: NormalizationStats  # per-channel mean/std of the training images
    leakage: dict  # "train/validation", "train/test", "validation/test" -> rnlib.data.LeakageReport
    examples: dict  # split -> list of Example
    image_size: tuple
    batch_size: int
    source: str = ""
    caches: dict = field(default_factory=dict, repr=False)  # split -> ImageCache (when cached)

    def num_images(self, split: str) -> int:
        return IMAGES_PER_EXAMPLE * len(self.examples[split])

    def __str__(self) -> str:
        sizes = ", ".join(f"{s} {len(ex):,} examples ({self.num_images(s):,} images)"
                          for s, ex in self.examples.items())
        lines = [f"NLVR data from {self.source}: {sizes}",
                 f"images {self.image_size[1]}x{self.image_size[0]}, batches of {self.batch_size}",
                 f"text: {text_report(self.vectorizer, [e.sentence for e in self.examples['train']])}",
                 f"normalization (train): {self.stats}"]
        lines += [f"leakage {pair}: {report}" for pair, report in self.leakage.items()]
        return "\n".join(lines)


def nlvr_datasets(source="synthetic", image_size=IMAGE_SIZE, batch_size: int = 64,
                  sequence_length: int = SEQUENCE_LENGTH, seed: int = 0, augment_train: bool = False,
                  validation_fraction: float = 0.2, max_examples: int | None = None, cache: bool = True,
                  cache_dir=None, max_tokens: int | None = None, verbose: bool = True) -> NLVRData:
    """Training, validation (and test) ``tf.data`` pipelines for NLVR, in one call.

    ``source``: see :func:`load_source` (``"synthetic"``, an NLVR folder, ``"shared"``, a mapping).
    The vectorizer is fitted on the training sentences and the normalization statistics computed on
    the training images only; the leakage check between every pair of splits is stored (and printed
    when ``verbose``). Training batches are reshuffled every epoch (seeded) and, with
    ``augment_train``, get :func:`rnlib.images.augment`; validation and test keep their file order.
    ``max_examples`` keeps the first n examples of each split (quick runs). ``cache``/``cache_dir``:
    see the module docstring (default ``data/cache``).

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    splits, root = load_source(source, validation_fraction, seed)
    if max_examples is not None:
        splits = {k: v[:max_examples] for k, v in splits.items()}
    for name in ("train", "validation"):
        if not splits.get(name):
            raise ValueError(f"nlvr_datasets: the {name} split of {source!r} has no examples")
    image_size = tuple(image_size)
    vectorizer = make_vectorizer([e.sentence for e in splits["train"]], sequence_length, max_tokens)

    readers, caches = {}, {}  # split -> (read(indices) -> uint8 images, their size)
    for name, examples in splits.items():
        if cache:
            c = build_image_cache(examples, root, cache_dir or DATA_DIR / "cache", image_size,
                                  name=name if examples[0].split == name else f"{name}-from-{examples[0].split}",
                                  verbose=verbose)
            caches[name], readers[name] = c, (c.read, image_size)
        else:
            readers[name] = (_FullSizeLoader(examples, root), FULL_SIZE)
    if cache:
        stats = normalization_stats(caches["train"].chunks())
    else:
        n_train = IMAGES_PER_EXAMPLE * len(splits["train"])
        stats = normalization_stats(_load(tf.data.Dataset.range(n_train).batch(64), *readers["train"], image_size))

    datasets = {}
    for name, examples in splits.items():
        token_ids = tf.cast(vectorizer(tf.constant([e.sentence for e in examples])), tf.int32)
        labels = tf.constant([float(e.label) for e in examples], tf.float32)
        n = IMAGES_PER_EXAMPLE * len(examples)
        indices = tf.data.Dataset.range(n)
        if name == "train":
            indices = indices.shuffle(n, seed=seed, reshuffle_each_iteration=True)
        ds = _load(indices.batch(batch_size), *readers[name], image_size)  # (uint8 images, image indices)
        if name == "train" and augment_train:
            seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
            ds = tf.data.Dataset.zip(ds, seeds).map(lambda pair, s: (augment(pair[0], s), pair[1]),
                                                     num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)

        def to_element(images, i, token_ids=token_ids, labels=labels):
            example = i // IMAGES_PER_EXAMPLE
            return (normalize(images, stats), tf.gather(token_ids, example)), tf.gather(labels, example)

        datasets[name] = ds.map(to_element, num_parallel_calls=tf.data.AUTOTUNE,
                                deterministic=True).prefetch(tf.data.AUTOTUNE)

    leakage = {}
    names = list(splits)
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            leakage[f"{names[a]}/{names[b]}"] = check_leakage(splits[names[a]], splits[names[b]])
    data = NLVRData(train=datasets["train"], validation=datasets["validation"], test=datasets.get("test"),
                    vectorizer=vectorizer, stats=stats, leakage=leakage, examples=splits,
                    image_size=image_size, batch_size=batch_size,
                    source=str(source if not isinstance(source, Mapping) else "examples"), caches=caches)
    if verbose:
        print(data)
    return data
