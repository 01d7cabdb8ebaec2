"""Tests of rnlib.sort_of_clevr.datasets: generated arrays, files, batches and state descriptions."""

import numpy as np
import pytest
from test_sort_of_clevr_scenes import S

from rnlib import sort_of_clevr as soc
from rnlib.sort_of_clevr import (ANSWERS, KINDS, QUESTION_SIZE, SUBTYPES, Scene, answer_question, decode_question,
                                 draw_scene)


@pytest.fixture(scope="module")
def small():
    return soc.generate(60, [7, 1], progress=False)


def test_generation_is_deterministic(small, tmp_path):
    again = soc.generate(60, [7, 1], progress=False)
    assert small.keys() == again.keys()
    for k in small:
        np.testing.assert_array_equal(small[k], again[k], err_msg=k)
    other = soc.generate(60, [8, 1], progress=False)
    assert not np.array_equal(small["images"], other["images"])
    paths = soc.generate_dataset(tmp_path / "a", seed=3, n_train=5, n_test=2, progress=False)
    paths_b = soc.generate_dataset(tmp_path / "b", seed=3, n_train=5, n_test=2, progress=False)
    for split in ("train", "test"):
        a, b = soc.load_dataset(paths[split]), soc.load_dataset(paths_b[split])
        assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(soc.load_dataset(paths["train"])["images"][:2],
                              soc.load_dataset(paths["test"])["images"])


def test_generated_answers_match_the_scene(small):
    n, q = small["answers"].shape
    assert q == 30 and small["questions"].shape == (n, 30, 18)
    assert (small["kinds"] == np.repeat(np.arange(3), 10)[None]).all()
    for i in range(n):
        sc = Scene(small["centers"][i], small["shapes"][i])
        np.testing.assert_array_equal(draw_scene(sc), small["images"][i])
        for k in range(q):
            v = small["questions"][i, k]
            qq = decode_question(v)
            assert KINDS.index(qq.kind) == small["kinds"][i, k]
            assert SUBTYPES[qq.kind].index(qq.subtype) == small["subtypes"][i, k]
            assert answer_question(sc, v)[0] == ANSWERS[small["answers"][i, k]]


def test_answers_are_balanced_and_every_colour_plays_every_role(small):
    dist = soc.answer_distribution(small)
    for key in ("non_relational/shape", "non_relational/left", "binary/closest_shape", "ternary/on_segment"):
        counts = list(dist[key].values())
        assert len(counts) == 2 and min(counts) / sum(counts) > 0.3, (key, dist[key])
    assert len(dist["ternary/between_count"]) >= 4
    subjects, kinds = small["subjects"], small["kinds"]
    assert set(subjects[kinds == 0][:, 0].tolist()) == set(range(6))
    assert set(subjects[kinds == 2][:, 0].tolist()) == set(range(6))
    assert set(subjects[kinds == 2][:, 1].tolist()) == set(range(6))
    assert (subjects[kinds < 2][:, 1] == -1).all()


def test_load_rejects_pickles(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, images=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError):
        soc.load_dataset(path)


def test_question_batches_align_images_questions_and_answers():
    data = soc.generate(3, [0, 4], progress=False)
    ds = soc.make_dataset(data, 8)
    assert len(ds) == ds.batches_per_epoch == -(-90 // 8)
    x, y = ds[0]  # unshuffled: the first 8 questions of image 0
    np.testing.assert_array_equal(x["image"], np.repeat(data["images"][:1], 8, axis=0).astype(np.float32))
    np.testing.assert_array_equal(x["question"], data["questions"][0, :8])
    np.testing.assert_array_equal(y, data["answers"][0, :8])
    x, y = ds[len(ds) - 1]  # the last, short batch: questions 88, 89 (image 2, questions 28, 29)
    assert y.shape == (2,) and x["image"].shape == (2, 75, 75, 3)
    np.testing.assert_array_equal(x["question"], data["questions"][2, 28:])
    with pytest.raises(IndexError):
        ds[len(ds)]


def test_question_batches_shuffle_per_epoch_and_resume_in_the_same_order():
    data = soc.generate(3, [0, 4], progress=False)
    ds = soc.make_dataset(data, 8, shuffle=True, seed=3)

    first = np.concatenate([ds[i][0]["question"] for i in range(len(ds))])
    # every question exactly once per epoch
    key = lambda q: sorted(map(bytes, q))  # noqa: E731
    assert key(first) == key(data["questions"].reshape(-1, QUESTION_SIZE))
    assert not np.array_equal(first, data["questions"].reshape(-1, QUESTION_SIZE))
    ds.on_epoch_end()  # Keras calls it after each epoch: the next epoch has its own order
    second = np.concatenate([ds[i][0]["question"] for i in range(len(ds))])
    assert ds.epoch == 1 and not np.array_equal(first, second) and key(second) == key(first)
    # resuming at (epoch 1, batch 4) serves exactly the rest of epoch 1, in its original order
    rest = ds.resume_at(1, 4)
    assert len(rest) == ds.batches_per_epoch - 4
    np.testing.assert_array_equal(np.concatenate([rest[i][0]["question"] for i in range(len(rest))]),
                                  second[4 * 8:])
    again = soc.make_dataset(data, 8, shuffle=True, seed=3)
    again.set_epoch(1)
    np.testing.assert_array_equal(again[0][0]["question"], second[:8])
    with pytest.raises(ValueError, match="start_batch"):
        ds.resume_at(0, ds.batches_per_epoch)


def test_kind_batches_serve_one_kind_per_batch_in_turns_and_resume_in_the_same_order():
    data = soc.generate(5, [0, 4], progress=False, preset="paper")  # 50 non-relational, 50 binary questions
    ds = soc.make_dataset(data, 8, shuffle=True, seed=3, kind_batches=True)
    assert len(ds) == ds.batches_per_epoch == 2 * -(-50 // 8)  # each kind's last batch is short, not dropped
    kinds, served = data["kinds"].reshape(-1), []
    for i in range(len(ds)):
        x, y = ds[i]
        idx = ds._order[ds._bounds[i]:ds._bounds[i + 1]]
        assert set(kinds[idx]) == {i % 2}  # non-relational, binary, non-relational, ...
        assert len(y) == (8 if i < len(ds) - 2 else 2)
        np.testing.assert_array_equal(x["question"], data["questions"].reshape(-1, QUESTION_SIZE)[idx])
        np.testing.assert_array_equal(y, data["answers"].reshape(-1)[idx])
        served += idx.tolist()
    assert sorted(served) == list(range(100))  # every question exactly once per epoch
    # each kind in the epoch's permutation; the next epoch has another order; a resume serves the rest
    mixed = soc.make_dataset(data, 8, shuffle=True, seed=3)
    np.testing.assert_array_equal(ds._order[kinds[ds._order] == 0], mixed._order[kinds[mixed._order] == 0])
    ds.on_epoch_end()
    second = np.concatenate([ds[i][1] for i in range(len(ds))])
    assert not np.array_equal(ds._order, mixed._order)
    rest = ds.resume_at(1, 5)
    assert rest.kind_batches and len(rest) == len(ds) - 5
    np.testing.assert_array_equal(np.concatenate([rest[i][1] for i in range(len(rest))]), second[5 * 8:])


def test_kind_batches_go_on_with_the_other_kinds_when_one_runs_out():
    data = soc.generate(4, [0, 4], progress=False, preset="paper")
    kinds = np.ones_like(data["kinds"])
    kinds[0] = data["kinds"][0]  # only image 0's 10 non-relational questions stay kind 0; 70 are kind 1
    ds = soc.make_dataset(dict(data, kinds=kinds), 4, kind_batches=True)  # 3 batches of kind 0, 18 of kind 1
    firsts = [int(kinds.reshape(-1)[ds._order[ds._bounds[i]]]) for i in range(len(ds))]
    assert len(ds) == 21 and firsts == [0, 1] * 3 + [1] * 15


# -- state descriptions: the RN without a CNN ----------------------------------------------------

def test_state_descriptions_hold_each_objects_colour_shape_and_centre():
    data = {"centers": S.centers[None], "shapes": S.shapes[None]}
    state = soc.state_descriptions(data)
    assert state.shape == (1, 6, soc.STATE_SIZE) == (1, 6, 10) and state.dtype == np.float32
    np.testing.assert_array_equal(state[0, :, :6], np.eye(6))  # object c has colour c
    np.testing.assert_array_equal(state[0, :, 6:8], [[1, 0], [0, 1], [1, 0], [1, 0], [0, 1], [0, 1]])
    # red (10, 10): (10 - 37.5) / 37.5; yellow (62, 66): (62 - 37.5) / 37.5, (66 - 37.5) / 37.5
    np.testing.assert_allclose(state[0, 0, 8:], [-27.5 / 37.5, -27.5 / 37.5])
    np.testing.assert_allclose(state[0, 5, 8:], [24.5 / 37.5, 28.5 / 37.5])


def test_state_batches_carry_the_objects_of_each_questions_image():
    data = soc.generate(3, [0, 4], progress=False)
    ds = soc.make_dataset(data, 8, shuffle=True, seed=3, state=True)
    image_of = np.repeat(np.arange(3), 30)
    state = soc.state_descriptions(data)
    for i in (0, len(ds) - 1):
        x, y = ds[i]
        assert set(x) == {"objects", "question"}
        idx = ds._order[i * 8:(i + 1) * 8]
        np.testing.assert_array_equal(x["objects"], state[image_of[idx]])
        np.testing.assert_array_equal(y, data["answers"].reshape(-1)[idx])
    assert set(ds.resume_at(1, 2)[0][0]) == {"objects", "question"}
