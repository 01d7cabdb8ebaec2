"""The NLVR task as a library: which examples train, select and test (:func:`load_splits`), their
images and token ids (:func:`prepare`), NLVR's metrics (:func:`nlvr_metrics`), scoring a model
(:func:`evaluate_examples`, :func:`predict_images`), which pairs of objects move an answer
(:func:`pair_importance`), and the learning curves beside the seed's log (:func:`plot_curves`).
The command line that trains, evaluates and exports is :mod:`rnlib.nlvr.cli`.

Introduced in notebooks/04_training.ipynb.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np

from ..data import DATA_DIR, display_path, first_groups, random_example_split, read_examples, split_by_group
from ..data.synthetic import default_dataset, is_tower_scene, read_synthetic, sidecar_path
from ..images import IMAGE_SIZE, NormalizationStats, normalization_stats
from ..batches import IMAGES_PER_EXAMPLE, NLVRBatches
from ..items import example_objects
from ..pipeline import RenderedImages, build_image_cache
from ..text import SEQUENCE_LENGTH, make_vectorizer, vectorizer_from_vocabulary

#: The seed's training log as printed in its post (epochs 1-5 and 46-50; 6-45 were not shown):
#: Keras's loss/acc on 74,460 training images (:data:`SEED_IMAGES_PER_EPOCH`) and val_loss/val_acc on real dev (5,934 images).
SEED_LOG = {"epoch": [1, 2, 3, 4, 5, 46, 47, 48, 49, 50],
            "loss": [1.0313, 0.7153, 0.6576, 0.6421, 0.6343, 0.1855, 0.1775, 0.1716, 0.1699, 0.1673],
            "accuracy": [0.5506, 0.5630, 0.5740, 0.5805, 0.5920, 0.9210, 0.9240, 0.9282, 0.9279, 0.9305],
            "val_loss": [0.7847, 0.6877, 0.6664, 0.6624, 0.6584, 3.5557, 4.1076, 3.0868, 3.1258, 3.3528],
            "val_accuracy": [0.5484, 0.5425, 0.5693, 0.5644, 0.5797, 0.5121, 0.4949, 0.5300, 0.5153, 0.5163]}

SEED_IMAGES_PER_EPOCH = 74_460  # 12,410 training examples x 6 box orders

COUNT_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "1", "2", "3", "4", "5", "6", "7",
               "exactly", "least", "most", "more", "than", "only", "single", "multiple", "several", "many",
               "no", "none", "each", "every", "all"}
SPATIAL_WORDS = {"above", "below", "over", "under", "top", "bottom", "base", "edge", "edges", "wall", "walls",
                 "side", "sides", "corner", "corners", "touching", "touch", "touches", "left", "right",
                 "middle", "stacked", "on", "next", "between", "closely"}


# ------------------------------------------------------------------------------------------------
# Data: which examples train, select and test
# ------------------------------------------------------------------------------------------------

def read_split(path):
    """Examples of an NLVR-format file, with template ids when a synthetic sidecar lies beside it."""
    return read_synthetic(path) if sidecar_path(path).exists() else read_examples(path)


def _find(root: Path, split: str):
    for path in (root / split / f"{split}.json", root / f"{split}.json"):
        if path.exists():
            return path
    return None


def load_splits(data="synthetic", validation_fraction: float = 0.2, seed: int = 0, train_groups: int | None = None,
                random_split: bool = False):
    """``data`` -> ``(splits, image_root, description)``; ``splits`` maps train/validation/test to examples.

    - ``"synthetic"``: the course's default dataset (generated on first use): train, dev as
      validation, test.
    - a folder with ``train.json`` (``train/train.json`` or beside dev.json): the seed's setting,
      train, dev as validation (and as the reported split, as the seed did), test.json as test.
    - a folder with ``dev.json`` and ``test.json`` only (``../shared/nlvr``): Test-P split by
      sentence group into training and validation (``validation_fraction`` of the groups); dev is
      the test split, never seen in training or selection.

    ``train_groups``: keep only the first that many sentence groups of the training examples.
    ``random_split`` (with a train.json): validation is a random ``validation_fraction`` of the
    training *examples* (:func:`random_example_split`, leaky on purpose) and dev becomes the test split.

    Introduced in notebooks/04_training.ipynb.
    """
    root = default_dataset() if data == "synthetic" else Path(data)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder (--data takes 'synthetic' or an NLVR folder)")
    train, dev, test = (_find(root, s) for s in ("train", "dev", "test"))
    image_root = root if (root / "train" / "images").exists() or (root / "dev" / "images").exists() else None
    if train is not None:
        if dev is None:
            raise FileNotFoundError(f"{root}: has {train.name} but no dev.json for validation")
        splits = {"train": read_split(train), "validation": read_split(dev)}
        if test is not None:
            splits["test"] = read_split(test)
        what = {"train": display_path(train), "validation": display_path(dev), "test": display_path(test) if test else None}
    elif dev is not None and test is not None:
        part_train, part_val = split_by_group(read_split(test), (1 - validation_fraction, validation_fraction), seed=seed)
        splits = {"train": part_train, "validation": part_val, "test": read_split(dev)}
        what = {"train": f"{display_path(test)}: {1 - validation_fraction:.0%} of its sentence groups (seed {seed})",
                "validation": f"{display_path(test)}: the other {validation_fraction:.0%} of its sentence groups",
                "test": display_path(dev),
                "note": "no train.json here: a miniature of the seed's run, trained on Test-P, reported on dev"}
    else:
        raise FileNotFoundError(f"{root}: neither train.json (with dev.json) nor dev.json and test.json found")
    if train_groups is not None:
        splits["train"] = first_groups(splits["train"], train_groups)
        what["train_groups"] = train_groups
    if random_split:
        if train is None:
            raise ValueError("--random-split needs a train.json (the leaky split is made of training examples)")
        splits["train"], splits["validation"], splits["test"] = (
            *random_example_split(splits["train"], validation_fraction, seed), splits["validation"])
        what.update(validation=f"a random {validation_fraction:.0%} of the training examples (seed {seed}): "
                               "sentence groups on both sides", test=str(dev))
    what["source"] = "synthetic" if data == "synthetic" else str(root)
    what["sizes"] = {k: len(v) for k, v in splits.items()}
    return splits, image_root, what


STATS_EXAMPLES = 2000  # with render_train: the training examples whose 12,000 images give the pixel statistics


@dataclass
class Prepared:
    """What :func:`prepare` makes of the splits: token ids, labels, image caches, fitted statistics."""
    splits: dict
    vocabulary: list
    tokens: dict  # split -> (E, T) int32
    labels: dict  # split -> (E,) float32
    caches: dict  # split -> the 6E images (rnlib.batches.ImageCache, rnlib.pipeline.RenderedImages) or true objects
    stats: NormalizationStats  # of the training images

    def batches(self, split, batch_size, orders="all", shuffle=False, seed=0, repeats=1, flip=False):
        objects = not hasattr(self.caches[split], "read")
        return NLVRBatches(self.caches[split], self.tokens[split], self.labels[split], batch_size, orders,
                           shuffle, seed, repeats=repeats, flip=flip, input_name="objects" if objects else "image")


def prepare(splits, image_root=None, cache_dir=None, image_size=IMAGE_SIZE, vocabulary=None,
            sequence_length: int = SEQUENCE_LENGTH, verbose: bool = True, objects: bool = False,
            render_train: bool = False) -> Prepared:
    """Vectorize the sentences (vocabulary fitted on ``splits["train"]`` unless given), cache every
    split's resized uint8 images on disk (:func:`rnlib.pipeline.build_image_cache`) and compute the
    training images' statistics. With ``objects``, ``caches`` holds each split's true objects
    (:func:`rnlib.items.example_objects`) instead of images, and ``stats`` is None.
    With ``render_train``, the training images are made per batch (:class:`rnlib.pipeline.RenderedImages`,
    no disk) and their statistics are computed on all images of the first :data:`STATS_EXAMPLES` examples.

    Introduced in notebooks/04_training.ipynb.
    """
    if vocabulary is not None and len(vocabulary) <= 2:  # a model that reads no sentence (image-only)
        vectorizer = lambda sentences: np.zeros((len(sentences), sequence_length), np.int32)  # noqa: E731
    else:
        vectorizer = (vectorizer_from_vocabulary(vocabulary, sequence_length) if vocabulary is not None else
                      make_vectorizer([e.sentence for e in splits["train"]], sequence_length))
    tokens, labels, caches = {}, {}, {}
    for name, examples in splits.items():
        tokens[name] = np.asarray(vectorizer([e.sentence for e in examples]), np.int32)
        labels[name] = np.array([float(e.label) for e in examples], np.float32)
        tag = name if examples[0].split == name else f"{name}-from-{examples[0].split}"
        if objects:
            caches[name] = example_objects(examples)
        elif render_train and name == "train":
            caches[name] = RenderedImages(examples, image_root, image_size)
        else:
            caches[name] = build_image_cache(examples, image_root, cache_dir or DATA_DIR / "cache", image_size,
                                             name=tag, verbose=verbose)
    stats = None
    if "train" in caches and not objects:
        sample = (RenderedImages(splits["train"][:STATS_EXAMPLES], image_root, image_size) if render_train
                  else caches["train"])
        stats = normalization_stats(sample.chunks())
    vocabulary = list(vocabulary) if vocabulary is not None else vectorizer.get_vocabulary()
    return Prepared(splits, vocabulary, tokens, labels, caches, stats)


def image_normalization(stats: NormalizationStats, normalization: str):
    """``(mean, std)`` for the model: per channel, or one scalar over all pixels (the seed's)."""
    if normalization == "per_channel":
        return stats.mean.tolist(), stats.std.tolist()
    mean = float(np.mean(stats.mean))  # the channels have the same number of pixels
    var = float(np.mean(stats.std.astype(np.float64) ** 2 + (stats.mean - mean) ** 2))
    return mean, var ** 0.5


# ------------------------------------------------------------------------------------------------
# Metrics
# ------------------------------------------------------------------------------------------------

def _words(sentence: str) -> set:
    return set(re.findall(r"[a-z0-9]+", sentence.lower()))


def statement_kinds(examples) -> dict:
    """Per-example group names for the per-kind accuracies: ``label`` (the accuracy on true examples
    is the share answered true, on false ones the share answered false) and ``scene`` (tower or scatter) always;
    ``template`` for synthetic examples; ``count words`` and ``spatial words`` (yes/no) for real ones.

    Introduced in notebooks/04_training.ipynb.
    """
    kinds = {"label": ["true" if e.label else "false" for e in examples],
             "scene": ["tower" if is_tower_scene(e.structured_rep) else "scatter" for e in examples]}
    if all(getattr(e, "template", "") for e in examples):
        kinds["template"] = [e.template for e in examples]
    else:
        kinds["count words"] = ["yes" if _words(e.sentence) & COUNT_WORDS else "no" for e in examples]
        kinds["spatial words"] = ["yes" if _words(e.sentence) & SPATIAL_WORDS else "no" for e in examples]
    return kinds


def nlvr_metrics(probabilities, examples) -> dict:
    """NLVR's image metrics from ``probabilities`` (E, 6): P(true) of every box order of every example.

    ``accuracy``/``count``: over all 6E images; ``consistency``: share of sentence groups all of whose
    images are right; ``example_accuracy``: each example's 6 probabilities averaged, then thresholded;
    ``majority``: share of the more frequent label; ``predicted_true``: share of images answered true;
    ``example_consistency``: share of sentence groups all of whose examples are right by
    ``example_accuracy``'s rule (with ``example_accuracy``, NLVR's structured-representation metrics:
    one answer per example); ``kinds``: image accuracy per statement kind (:func:`statement_kinds`).

    Introduced in notebooks/04_training.ipynb.
    """
    p = np.asarray(probabilities, np.float64).reshape(len(examples), IMAGES_PER_EXAMPLE)
    labels = np.array([e.label for e in examples], bool)
    right = (p > 0.5) == labels[:, None]
    example_right = (p.mean(axis=1) > 0.5) == labels
    groups, example_groups = defaultdict(list), defaultdict(list)
    for e, r, er in zip(examples, right, example_right):
        groups[e.group].append(bool(r.all()))
        example_groups[e.group].append(bool(er))
    kinds = {}
    for level, names in statement_kinds(examples).items():
        names = np.array(names)
        kinds[level] = {str(n): {"accuracy": float(right[names == n].mean()), "examples": int((names == n).sum())}
                        for n in sorted(set(names.tolist()))}
    return {"accuracy": float(right.mean()), "count": int(right.size),
            "consistency": float(np.mean([all(g) for g in groups.values()])), "groups": len(groups),
            "examples": len(examples), "example_accuracy": float(example_right.mean()),
            "example_consistency": float(np.mean([all(g) for g in example_groups.values()])),
            "majority": float(max(labels.mean(), 1 - labels.mean())),
            "predicted_true": float((p > 0.5).mean()), "kinds": kinds}


def predict_images(model, cache, token_ids, batch_size: int = 256, examples=None) -> np.ndarray:
    """P(true) for every image of a cache: (E, 6), box orders in columns; with ``examples`` (indices),
    only those examples' rows, in that order.

    Introduced in notebooks/04_training.ipynb.
    """
    token_ids = np.asarray(token_ids, np.int32)
    batches = NLVRBatches(cache, token_ids, np.zeros(len(token_ids)), batch_size, orders="all", shuffle=False,
                          input_name=_image_input(model), examples=examples)
    out = [np.asarray(model.predict_on_batch(batches[i][0])).reshape(-1) for i in range(len(batches))]
    return np.concatenate(out).reshape(len(batches.examples), IMAGES_PER_EXAMPLE)


def _image_input(model) -> str:
    """``"objects"`` for a model on true objects (:mod:`rnlib.items`), else ``"image"``."""
    return "objects" if "objects" in {i.name for i in model.inputs} else "image"


def load_model(path):
    """Load an NLVR model file (``safe_mode=True``) and check that it is one.

    Raises FileNotFoundError / ValueError naming ``path`` when it is missing, not a ``.keras`` file,
    or a model of another task (no ``question_tokens`` layer: e.g. a Sort-of-CLEVR model).

    Introduced in notebooks/04_training.ipynb.
    """
    from .. import boxes, encoders, relation  # noqa: F401  (registers the custom layers)

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such model file (make one with python -m rnlib.nlvr train)")
    if path.suffix != ".keras":
        raise ValueError(f"{path}: expected a .keras model file, got a {path.suffix or 'suffix-less'} file")
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as e:  # a zip that is not a Keras model, a truncated file, ...
        raise ValueError(f"{path}: not a loadable Keras model ({type(e).__name__}: {e})") from None
    names = {layer.name for layer in model.layers}
    if not {"question_tokens", "image_normalization"} & names or not ({"image", "objects"} & names and "tokens" in names):
        raise ValueError(f"{path}: not an NLVR model of rnlib.nlvr (it has no question_tokens/image_normalization "
                         f"layer; its inputs are {[i.name for i in model.inputs]}). NLVR models are made by "
                         "python -m rnlib.nlvr train.")
    return model


def model_vocabulary(model) -> list:
    """The vocabulary a model was trained with (``["", "[UNK]"]`` for the image-only baseline)."""
    names = {layer.name for layer in model.layers}
    return list(model.get_layer("question_tokens").vocabulary) if "question_tokens" in names else ["", "[UNK]"]


def evaluate_examples(model, examples, image_root=None, batch_size: int = 256, cache_dir=None,
                      verbose: bool = False, return_probabilities: bool = False) -> dict:
    """:func:`nlvr_metrics` of ``model`` on ``examples`` (images read from ``image_root`` or drawn);
    with ``return_probabilities`` also ``"probabilities"``, P(true) of every image (E, 6).

    The sentences are turned into ids with the model's own vocabulary; the embedding must have one
    row per vocabulary word, otherwise ValueError (a vocabulary mismatch).

    Introduced in notebooks/04_training.ipynb.
    """
    vocabulary = model_vocabulary(model)
    rows = model.get_layer("word_embedding").input_dim if "word_embedding" in {l.name for l in model.layers} else None
    if rows is not None and rows != len(vocabulary):
        raise ValueError(f"vocabulary mismatch: the model's question_tokens layer has {len(vocabulary)} words, "
                         f"its word_embedding {rows} rows")
    objects = _image_input(model) == "objects"
    size = IMAGE_SIZE if objects else tuple(model.get_layer("image").output.shape[1:3])
    prepared = prepare({"eval": list(examples)}, image_root, cache_dir, size, vocabulary=vocabulary,
                       sequence_length=int(model.get_layer("tokens").output.shape[1]), verbose=verbose,
                       objects=objects)
    probabilities = predict_images(model, prepared.caches["eval"], prepared.tokens["eval"], batch_size)
    metrics = nlvr_metrics(probabilities, list(examples))
    return {**metrics, "probabilities": probabilities} if return_probabilities else metrics


# ------------------------------------------------------------------------------------------------
# Which pairs move the answer
# ------------------------------------------------------------------------------------------------

def pair_importance(model, image, tokens) -> tuple[np.ndarray, float]:
    """For one image: how much P(true) changes when each pair (i, j) is left out of the RN's sum.

    ``image`` (H, W, 3) float32 pixels 0..255, ``tokens`` (T,) ids. Returns ``(delta, p)`` with
    ``delta`` (n, n): P(true) without pair (i, j) minus ``p``, the model's P(true) with all pairs
    (inference mode). Positive: the pair pushed towards "false"; negative: towards "true".
    For the object RN (``--model objects``) ``image`` is one scene's objects (24, 17) from
    :func:`rnlib.items.scene_objects`; ``n`` is then its number of real (non-padding) objects.

    Introduced in notebooks/04_training.ipynb.
    """
    from keras import ops

    rn = model.get_layer("relation_network")
    objects_input = _image_input(model) == "objects"
    name = "object_mask" if objects_input else "objects"
    probe = keras.Model(model.inputs, [model.get_layer(name).output, model.get_layer("question_embedding").output])
    objects, question = probe.predict_on_batch({_image_input(model): np.asarray(image, np.float32)[None],
                                                "tokens": np.asarray(tokens, np.int32)[None]})
    if objects_input:  # the real objects come first; the all-zero padding rows are no objects
        objects = objects[:, :int(np.any(objects[0] != 0, axis=-1).sum())]
    grid = np.asarray(rn.pair_features(objects, question))[0]  # (n, n, units)
    n = grid.shape[0]
    total = grid.sum(axis=(0, 1))
    sums = np.concatenate([total[None], total[None] - grid.reshape(n * n, -1)])  # all pairs, then each left out
    x = ops.convert_to_tensor(sums.astype(np.float32))
    for k, dense in enumerate(rn.f_layers):
        x = dense(x)
        if rn.f_batchnorm:
            x = rn.f_norms[k](x, training=False)
        x = rn.activation(x)
    p = np.asarray(model.get_layer("answer")(x)).reshape(-1)
    return (p[1:] - p[0]).reshape(n, n), float(p[0])


def plot_curves(history, path=None, seed_log: bool = True, title=None, images_per_epoch=None):
    """Loss and accuracy, train and validation, with the seed's printed log beside them (dashed).

    With ``images_per_epoch`` the x axis is training images seen (the seed's epochs are 74,460
    images; ours are one box order of every example), so runs with different epochs line up;
    otherwise it is the epoch. Returns ``path`` when given (the figure is saved there), else the figure.

    Introduced in notebooks/04_training.ipynb.
    """
    import matplotlib.pyplot as plt

    scale = (lambda e: np.asarray(e) * images_per_epoch / 1e6) if images_per_epoch else (lambda e: np.asarray(e))
    seed_scale = (lambda e: np.asarray(e) * SEED_IMAGES_PER_EPOCH / 1e6) if images_per_epoch else scale
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), dpi=100)
    epochs = [e + 1 for e in history["epoch"]]
    for ax, metric in zip(axes, ("loss", "accuracy")):
        ax.plot(scale(epochs), history[metric], label="train", color="C0")
        ax.plot(scale(epochs), history[f"val_{metric}"], label="validation", color="C1")
        if seed_log:
            for part in (slice(0, 5), slice(5, 10)):
                ax.plot(seed_scale(SEED_LOG["epoch"][part]), SEED_LOG[metric][part], "o--", color="C0", alpha=0.45,
                        ms=3, label="seed: train" if part.start == 0 else None)
                ax.plot(seed_scale(SEED_LOG["epoch"][part]), SEED_LOG[f"val_{metric}"][part], "o--", color="C1",
                        alpha=0.45, ms=3, label="seed: real dev" if part.start == 0 else None)
        ax.set_xlabel("training images seen (millions)" if images_per_epoch else "epoch")
        if images_per_epoch and seed_log:
            ax.set_xscale("log")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)
    plt.close(fig)
    return path if path is not None else fig


def images_per_epoch(config: dict) -> int:
    """Training images one epoch of a run showed (from its ``config.json``)."""
    return config["data"]["sizes"]["train"] * (IMAGES_PER_EXAMPLE if config.get("box_orders") == "all"
                                               else config.get("repeats", 1))
