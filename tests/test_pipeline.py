"""rnlib.pipeline: NLVR -> tf.data in one call (element specs, train-only fitting, leakage, caching)."""

import random

import numpy as np
import pytest
import tensorflow as tf

from rnlib.data import (SHARED_NLVR, Example, Item, check_leakage, read_examples, render, save_png,
                        split_by_group, write_examples)
from rnlib.images import normalization_stats, resize
from rnlib.pipeline import RenderedImages, build_image_cache, nlvr_datasets, random_image_split

WORDS = ["there", "is", "a", "yellow", "black", "blue", "tower", "circle", "square", "at", "the", "top"]


def make_examples(n_groups, split="train", seed=0, extra_word=None):
    """Small NLVR examples: n_groups sentence groups of 2-4 examples with random tower scenes."""
    rng = random.Random(seed)
    examples = []
    for g in range(n_groups):
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))) + f" {g}."
        if extra_word:
            sentence = f"{extra_word} {sentence}"
        for m in range(rng.randint(2, 4)):
            boxes = tuple(tuple(Item(40, 80 - 21 * h, "square", rng.choice(["Yellow", "Black", "#0099ff"]), 20)
                                for h in range(rng.randint(1, 4))) for _ in range(3))
            examples.append(Example(identifier=f"{g}-{m}", group=g, m=m, sentence=sentence,
                                    label=rng.random() < 0.5, structured_rep=boxes, split=split, directory="0"))
    return examples


@pytest.fixture(scope="module")
def splits():
    return {"train": make_examples(6, seed=1), "validation": make_examples(3, "dev", seed=2, extra_word="hexagon")}


@pytest.fixture(scope="module")
def data(splits, tmp_path_factory):
    return nlvr_datasets(splits, batch_size=8, cache_dir=tmp_path_factory.mktemp("cache"), verbose=False)


def test_element_spec(data):
    (image, question), label = data.train.element_spec
    assert image.shape.as_list() == [None, 50, 200, 3] and image.dtype == tf.float32
    assert question.shape.as_list() == [None, 32] and question.dtype == tf.int32
    assert label.shape.as_list() == [None] and label.dtype == tf.float32
    assert data.validation.element_spec == data.train.element_spec
    (image, question), label = next(iter(data.train))
    assert image.shape == (8, 50, 200, 3) and question.shape == (8, 32) and label.shape == (8,)


def test_six_images_per_example_all_with_its_label(data, splits):
    labels = np.concatenate([y.numpy() for _, y in data.validation])
    questions = np.concatenate([q.numpy() for (_, q), _ in data.validation])
    examples = splits["validation"]
    assert len(labels) == 6 * len(examples) == data.num_images("validation")
    np.testing.assert_array_equal(labels, np.repeat([float(e.label) for e in examples], 6))
    expected = data.vectorizer(tf.constant([e.sentence for e in examples])).numpy()
    np.testing.assert_array_equal(questions, np.repeat(expected, 6, axis=0))


def test_images_are_normalized_renders(data, splits):
    (image, _), _ = next(iter(data.validation))
    e = splits["validation"][0]
    expected = (resize(np.stack([render(e.structured_rep, k) for k in range(6)])).numpy()
                - data.stats.mean) / data.stats.std
    np.testing.assert_allclose(image.numpy()[:6], expected, rtol=1e-5, atol=1e-5)


def test_vocabulary_and_stats_come_from_training_only(splits, tmp_path):
    changed = {"train": splits["train"], "validation": make_examples(4, "dev", seed=9, extra_word="hexagon")}
    a = nlvr_datasets(splits, cache_dir=tmp_path, verbose=False)
    b = nlvr_datasets(changed, cache_dir=tmp_path, verbose=False)
    assert a.vectorizer.get_vocabulary() == b.vectorizer.get_vocabulary()
    np.testing.assert_array_equal(a.stats.mean, b.stats.mean)  # other validation images, same stats
    np.testing.assert_array_equal(a.stats.std, b.stats.std)
    assert "hexagon" not in a.vectorizer.get_vocabulary()
    (_, question), _ = next(iter(a.validation))
    assert (question.numpy()[:, 0] == 1).all()  # "hexagon", a validation-only word, is OOV
    c = nlvr_datasets({"train": make_examples(6, seed=5), "validation": splits["validation"]},
                      cache_dir=tmp_path, verbose=False)
    assert not np.array_equal(a.stats.mean, c.stats.mean)  # other training images, other stats


def test_stats_equal_those_of_all_training_images(data, splits):
    images = np.stack([resize(render(e.structured_rep, k)).numpy() for e in splits["train"] for k in range(6)])
    reference = normalization_stats(images)
    np.testing.assert_allclose(data.stats.mean, reference.mean, rtol=1e-6)
    np.testing.assert_allclose(data.stats.std, reference.std, rtol=1e-6)


def test_training_order_is_seeded_and_reshuffled(splits, tmp_path):
    a = nlvr_datasets(splits, cache_dir=tmp_path, verbose=False, seed=3)
    b = nlvr_datasets(splits, cache_dir=tmp_path, verbose=False, seed=3)
    epoch = lambda d: np.concatenate([q.numpy()[:, :3] for (_, q), _ in d.train])
    e1, e2 = epoch(a), epoch(a)
    np.testing.assert_array_equal(e1, epoch(b))  # same seed, same order
    assert not np.array_equal(e1, e2)  # a new order each epoch
    np.testing.assert_array_equal(np.sort(e1, axis=0), np.sort(e2, axis=0))  # same images


def test_cache_and_no_cache_give_the_same_batches(splits, tmp_path):
    cached = nlvr_datasets(splits, cache_dir=tmp_path, verbose=False)
    streamed = nlvr_datasets(splits, cache=False, verbose=False)
    for ((x1, q1), y1), ((x2, q2), y2) in zip(cached.validation, streamed.validation):
        np.testing.assert_array_equal(x1.numpy(), x2.numpy())
        np.testing.assert_array_equal(q1.numpy(), q2.numpy())
    assert len(list(tmp_path.glob("*.u8"))) == 2  # train and validation, uint8 files
    assert sorted(p.stat().st_size for p in tmp_path.glob("*.u8")) == sorted(
        cached.num_images(s) * 50 * 200 * 3 for s in ("train", "validation"))


def test_rendered_images_equal_the_cache_they_replace(splits, tmp_path):
    examples = splits["train"]
    cache = build_image_cache(examples, None, tmp_path, verbose=False)
    rendered = RenderedImages(examples)
    assert rendered.n == cache.n == 6 * len(examples)
    rows = [0, 5, 7, cache.n - 1, 3]
    np.testing.assert_array_equal(rendered.read(rows), cache.read(rows))
    a, b = normalization_stats(rendered.chunks(chunk=5)), normalization_stats(cache.chunks())
    np.testing.assert_array_equal(a.mean, b.mean)
    assert a.n_pixels == b.n_pixels
    with pytest.raises(IndexError, match="out of range"):
        rendered.read([cache.n])


def test_augmented_training_keeps_specs(splits, tmp_path):
    data = nlvr_datasets(splits, cache_dir=tmp_path, verbose=False, augment_train=True)
    assert data.train.element_spec == data.validation.element_spec
    n = sum(int(y.shape[0]) for _, y in data.train)
    assert n == data.num_images("train")


def test_folder_source_reads_pngs_and_renders_the_rest(tmp_path):
    root = tmp_path / "nlvr"
    train, dev = make_examples(4, "train", seed=1), make_examples(2, "dev", seed=2)
    write_examples(train, root / "train" / "train.json")
    write_examples(dev, root / "dev" / "dev.json")
    marked = np.zeros((100, 400, 3), np.uint8)  # an all-black PNG for dev image 0 of example 0
    save_png(marked, dev[0].image_path(root, 0))
    data = nlvr_datasets(root, cache_dir=tmp_path / "cache", verbose=False, batch_size=6)
    assert data.test is None and len(data.examples["validation"]) == len(dev)
    (image, _), _ = next(iter(data.validation))
    black = (0 - data.stats.mean) / data.stats.std
    np.testing.assert_allclose(image.numpy()[0], np.broadcast_to(black, (50, 200, 3)), rtol=1e-5)
    assert not np.allclose(image.numpy()[1], black)  # image 1 has no PNG: rendered


def test_naive_image_split_leaks_and_group_split_does_not():
    examples = make_examples(30, seed=4)
    naive_train, naive_validation = random_image_split(examples, 0.2, seed=0)
    leak = check_leakage(naive_train, naive_validation)
    assert not leak.clean and len(leak.examples) > 0.5 * len(naive_validation) and leak.groups
    train, validation = split_by_group(examples, (0.8, 0.2), seed=0)
    assert check_leakage(train, validation).clean


def test_leakage_reported_for_each_pair(data):
    assert set(data.leakage) == {"train/validation"}
    assert data.leakage["train/validation"].clean
    assert "leakage train/validation: no leakage" in str(data)


@pytest.mark.skipif(not (SHARED_NLVR / "dev.json").exists(), reason=f"real NLVR dev/test not at {SHARED_NLVR}")
def test_shared_dev_is_split_by_group_and_test_kept(tmp_path):
    dev = read_examples(SHARED_NLVR / "dev.json")
    naive = check_leakage(*random_image_split(dev, 0.2, seed=0))
    assert len(naive.examples) > 100  # the same examples on both sides
    data = nlvr_datasets("shared", cache_dir=tmp_path, verbose=False, max_examples=60, batch_size=32)
    assert set(data.examples) == {"train", "validation", "test"}
    assert data.test is not None and data.test.element_spec == data.train.element_spec
    report = data.leakage["train/validation"]
    # no sentence group and no example on both sides; NLVR does reuse a few sentence texts across groups
    assert not report.groups and not report.examples
    full = split_by_group(dev, (0.8, 0.2), seed=0)
    assert [e.identifier for e in data.examples["train"]] == [e.identifier for e in full[0][:60]]


def test_synthetic_folder_source(tmp_path):
    synthetic = pytest.importorskip("rnlib.data.synthetic", reason="rnlib.data.synthetic not available")
    root = synthetic.default_dataset("quick", seed=0, root=tmp_path / "synthetic")
    data = nlvr_datasets(root, cache_dir=tmp_path / "cache", verbose=False)
    assert set(data.examples) == {"train", "validation", "test"}
    assert all(report.clean for report in data.leakage.values())
    (image, question), label = next(iter(data.validation))
    assert image.shape[1:] == (50, 200, 3) and question.shape[1:] == (32,)
