"""Tests of rnlib.data.synthetic.dataset: balanced sentence groups, splits by group, NLVR's layout and sidecars,
the course's default dataset."""

import json
from collections import defaultdict

import numpy as np
import pytest

from rnlib.data import check_leakage, read_examples, read_png, render
from rnlib.data import synthetic as syn
from rnlib.data.synthetic import evaluate


@pytest.fixture(scope="module")
def quick_dir(tmp_path_factory):
    return syn.write_dataset(tmp_path_factory.mktemp("quick") / "ds", seed=0, preset="quick", progress=False)


@pytest.fixture(scope="module")
def medium():
    """1,000 sentence groups without images (about a second)."""
    return syn.generate(seed=0, groups=1000)


def test_same_seed_gives_byte_identical_files_and_another_seed_differs(quick_dir, tmp_path):
    again = syn.write_dataset(tmp_path / "again", seed=0, preset="quick", progress=False)
    other = syn.write_dataset(tmp_path / "other", seed=1, groups=8, images=False, progress=False)
    for split in syn.SPLITS:
        assert (quick_dir / split / f"{split}.json").read_bytes() == (again / split / f"{split}.json").read_bytes()
    pngs = sorted((quick_dir / "train" / "images").rglob("*.png"))[:: 97]
    assert pngs
    for png in pngs:
        assert png.read_bytes() == (again / png.relative_to(quick_dir)).read_bytes(), png.name
    first = read_examples(quick_dir / "train" / "train.json")[:8]
    assert [e.sentence for e in first] != [e.sentence for e in read_examples(other / "train" / "train.json")[:8]]


def test_label_balance_per_template_and_four_examples_per_group(medium):
    examples = [e for split in medium.values() for e in split]
    balance = syn.label_balance(examples)
    off = {t: share for t, (n, share) in balance.items() if not 0.4 <= share <= 0.6}
    assert not off, f"templates whose share of true labels leaves [0.4, 0.6]: {off}"
    per_group = defaultdict(list)
    for e in examples:
        per_group[e.group].append(e)
    assert all(sorted(e.m for e in g) == [0, 1, 2, 3] for g in per_group.values())
    assert all(len({e.sentence for e in g}) == 1 and len({e.structured_rep for e in g}) == 4
               for g in per_group.values())
    assert {e.label for e in examples} == {True, False}
    assert set(balance) == set(syn.templates_of(2)), "a 1,000-group dataset uses every version-2 template"


def test_labels_are_what_the_evaluator_says(medium):
    for e in medium["dev"]:
        assert evaluate(e.template, e.params, e.to_json()["structured_rep"]) is e.label, e.identifier


def test_quick_preset_is_balanced_too(quick_dir):
    examples = [e for s in syn.SPLITS for e in syn.read_synthetic(quick_dir / s / f"{s}.json")]
    assert len(examples) == 4 * sum(syn.PRESETS["quick"].values())
    assert all(0.4 <= share <= 0.6 for _, share in syn.label_balance(examples).values())


def test_output_is_valid_nlvr_with_the_real_image_layout(quick_dir):
    assert json.loads((quick_dir / "COMPLETE").read_text())["version"] == syn.GENERATOR_VERSION
    for split in syn.SPLITS:
        examples = read_examples(quick_dir / split / f"{split}.json")  # validates every field
        assert examples and all(e.split == split for e in examples)
        lines = (quick_dir / split / f"{split}.json").read_text().splitlines()
        assert all(list(json.loads(line)) == ["sentence", "label", "identifier", "directory", "evals",
                                              "structured_rep"] for line in lines)  # NLVR's keys only
        for e in examples:
            assert e.directory == str(e.group % 10)
            assert sum((v == "true") == e.label for v in e.evals.values()) >= 3 and len(e.evals) == 5
            assert all(p.exists() for p in e.image_paths(quick_dir)), e.identifier
        e = examples[-1]
        for k in (0, 5):
            image = read_png(e.image_path(quick_dir, k))  # checks 400 x 100
            assert image.shape == (100, 400, 3)
            np.testing.assert_array_equal(image, render(e.structured_rep, k))


def test_scenes_follow_nlvr_rules(medium):
    for e in medium["train"]:
        boxes = e.structured_rep
        assert len(boxes) == 3 and all(1 <= len(b) <= 7 for b in boxes)
        if syn.is_tower_scene(boxes):
            for b in boxes:
                assert sorted((i.y_loc for i in b), reverse=True) == list(syn.TOWER_Y[:len(b)])
        else:
            for b in boxes:
                assert all(syn.gap(x, y) >= 1 for i, x in enumerate(b) for y in b[i + 1:]), "items overlap"


def test_splits_have_disjoint_sentence_groups(medium):
    for a, b in (("train", "dev"), ("train", "test"), ("dev", "test")):
        assert not check_leakage(medium[a], medium[b]).groups
        assert not {e.group for e in medium[a]} & {e.group for e in medium[b]}
    assert {s: len(v) // 4 for s, v in medium.items()} == {"train": 800, "dev": 100, "test": 100}


def test_split_sizes_and_bad_arguments():
    assert syn.split_sizes(preset="default") == {"train": 3000, "dev": 300, "test": 300}
    assert syn.split_sizes({"train": 5}) == {"train": 5, "dev": 0, "test": 0}
    with pytest.raises(ValueError, match="unknown preset"):
        syn.split_sizes(preset="huge")
    with pytest.raises(ValueError, match="unknown split"):
        syn.split_sizes({"validation": 3})


def test_default_dataset_generates_once_and_redoes_an_interrupted_run(tmp_path):
    path = syn.default_dataset("quick", seed=0, root=tmp_path)
    assert path == tmp_path / "quick-seed0" and (path / "COMPLETE").exists()
    json_file = path / "dev" / "dev.json"
    mtime = json_file.stat().st_mtime_ns
    assert syn.default_dataset("quick", seed=0, root=tmp_path) == path
    assert json_file.stat().st_mtime_ns == mtime, "a complete dataset is not regenerated"
    (path / "COMPLETE").unlink()  # as if interrupted
    json_file.write_text("")
    syn.default_dataset("quick", seed=0, root=tmp_path)
    assert (path / "COMPLETE").exists() and len(read_examples(json_file)) == 4 * syn.PRESETS["quick"]["dev"]


def test_no_example_is_generated_twice_in_any_split():
    from rnlib.data.nlvr import example_key
    data = syn.generate(seed=0, groups=400)
    keys = [example_key(e.sentence, e.structured_rep) for s in syn.SPLITS for e in data[s]]
    assert len(keys) == len(set(keys))
    assert check_leakage(data["train"], data["dev"]).split_safe


def test_first_groups_do_not_depend_on_the_total():
    """Notebook 05's nested training sets: the first N groups of a larger training split are the N-group split."""
    from rnlib.data import first_groups
    from rnlib.data.synthetic import generate

    small = generate(seed=3, groups={"train": 12, "dev": 0, "test": 0})["train"]
    large = generate(seed=3, groups={"train": 30, "dev": 2, "test": 2})["train"]
    assert first_groups(large, 12) == small
