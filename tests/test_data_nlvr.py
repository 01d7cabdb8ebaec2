import json
import re

import numpy as np
import pytest
from PIL import Image

from rnlib.data import (Example, NLVRFormatError, check_leakage, first_groups, held_out_sentence_accuracy, load_image,
                        random_example_split, read_examples, read_png, render, seen_sentence_share, sentence_memorization_accuracy,
                        split_by_group, write_examples)
from rnlib.data.nlvr import parse_example
from conftest import example_json, write_jsonl


@pytest.mark.parametrize("name,count,groups", [("dev.json", 989, 267), ("test.json", 990, 266)])
def test_reads_every_real_example(shared_nlvr, name, count, groups):
    examples = read_examples(shared_nlvr / name)
    assert len(examples) == count
    assert len({e.group for e in examples}) == groups
    lines = [json.loads(line) for line in (shared_nlvr / name).read_text().splitlines()]
    for ex, raw in zip(examples, lines):
        assert ex.identifier == raw["identifier"] and ex.sentence == raw["sentence"]
        assert ex.label == (raw["label"] == "true") and ex.directory == raw["directory"]
        assert ex.evals == raw["evals"] and len(ex.structured_rep) == 3
        assert ex.to_json() == raw  # nothing dropped, nothing invented


def test_label_counts_match_the_published_figures(shared_nlvr):
    dev = read_examples(shared_nlvr / "dev.json")
    assert sum(e.label for e in dev) == 547  # README: 547 true / 442 false


def test_write_then_read_round_trips(shared_nlvr, tmp_path):
    dev = read_examples(shared_nlvr / "dev.json")[:50]
    path = write_examples(dev, tmp_path / "dev" / "dev.json")
    assert read_examples(path) == dev


def test_hidden_split_without_directory_and_evals(tmp_path):
    obj = example_json("12-3")
    del obj["directory"], obj["evals"]
    [ex] = read_examples(write_jsonl(tmp_path / "hidden.json", [obj]))
    assert ex.directory is None and ex.evals is None and ex.split == "hidden"
    assert ex.image_path(tmp_path, 5) == tmp_path / "hidden" / "images" / "0" / "hidden-12-3-5.png"


def test_real_image_layout(shared_nlvr):
    ex = next(e for e in read_examples(shared_nlvr / "dev.json") if e.identifier == "1373-0")
    paths = ex.image_paths("/data/nlvr")
    assert [p.as_posix() for p in paths[:2]] == ["/data/nlvr/dev/images/" + ex.directory + "/dev-1373-0-0.png",
                                                 "/data/nlvr/dev/images/" + ex.directory + "/dev-1373-0-1.png"]
    assert ex.group == 1373 and ex.m == 0


def _layout_with_real_pngs(shared, tmp_path):
    """A folder in the real layout holding the shared PNGs of example 1373-0 (linked, not copied into the repo)."""
    ex = next(e for e in read_examples(shared / "dev.json") if e.identifier == "1373-0")
    for k in range(6):
        dest = ex.image_path(tmp_path, k)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.symlink_to(shared / "images" / ex.image_name(k))
    return ex


def test_loader_uses_real_png_when_present_and_renders_otherwise(shared_nlvr, tmp_path):
    ex = _layout_with_real_pngs(shared_nlvr, tmp_path)
    real = load_image(ex, 2, root=tmp_path)
    np.testing.assert_array_equal(real, read_png(shared_nlvr / "images" / "dev-1373-0-2.png"))
    assert not np.array_equal(real, render(ex.structured_rep, 2))  # real one is antialiased
    ex.image_path(tmp_path, 2).unlink()
    np.testing.assert_array_equal(load_image(ex, 2, root=tmp_path), render(ex.structured_rep, 2))
    np.testing.assert_array_equal(load_image(ex, 4), render(ex.structured_rep, 4))


def test_missing_image_with_rendering_disabled_names_the_file(shared_nlvr, tmp_path):
    ex = read_examples(shared_nlvr / "dev.json")[0]
    with pytest.raises(FileNotFoundError, match=re.escape(ex.image_name(3)) + ".*rendering is disabled"):
        load_image(ex, 3, root=tmp_path, allow_render=False)


def test_corrupt_png(tmp_path):
    bad = tmp_path / "dev-1-0-0.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    with pytest.raises(NLVRFormatError, match=re.escape(str(bad)) + ": not a readable PNG"):
        read_png(bad)


def test_wrongly_sized_png(tmp_path):
    small = tmp_path / "dev-1-0-0.png"
    Image.new("RGB", (200, 50)).save(small)
    with pytest.raises(NLVRFormatError, match=re.escape(str(small)) + ": image is 200x50 px, expected 400x100"):
        read_png(small)


BAD_LINES = [
    ('{"sentence": "x", "label": "true",', r"line 2: malformed JSON"),
    (dict(example_json(), label="yes"), r"line 2: field 'label' must be \"true\" or \"false\", got 'yes'"),
    ({k: v for k, v in example_json().items() if k != "sentence"}, r"line 2: missing field 'sentence'"),
    ({k: v for k, v in example_json().items() if k != "structured_rep"}, r"line 2: missing field 'structured_rep'"),
    (example_json(identifier="seven"), r"line 2: field 'identifier' must look like"),
    (example_json(boxes=[[dict(x_loc=1, y_loc=1, type="square", color="Red", size=10)], [], []]),
     r"line 2: structured_rep\[0\]\[0\]: unknown color 'Red'"),
    (example_json(boxes=[[dict(x_loc=1, y_loc=1, type="star", color="Black", size=10)]] * 3),
     r"line 2: structured_rep\[0\]\[0\]: unknown type 'star'"),
    (example_json(boxes=[[dict(x_loc=1, y_loc=1, type="circle", color="Black", size=15)]] * 3),
     r"line 2: structured_rep\[0\]\[0\]: unknown size 15"),
    (example_json(boxes=[[dict(x_loc=90, y_loc=1, type="circle", color="Black", size=20)]] * 3),
     r"line 2: structured_rep\[0\]\[0\]: item outside its box: x_loc=90, y_loc=1, size=20"),
    (example_json(boxes=[[dict(x_loc=1, y_loc=1, type="circle", color="Black")]] * 3),
     r"line 2: structured_rep\[0\]\[0\]: missing field 'size'"),
    (example_json(boxes=[[dict(x_loc=1, y_loc=1, type="circle", color="Black", size=10)]] * 2),
     r"line 2: field 'structured_rep' must be a list of 3 boxes"),
]


@pytest.mark.parametrize("line,message", BAD_LINES)
def test_bad_input_names_file_line_and_expectation(tmp_path, line, message):
    path = write_jsonl(tmp_path / "dev.json", [example_json("1-0"), line])
    with pytest.raises(NLVRFormatError, match=re.escape(str(path)) + ", " + message):
        read_examples(path)


def test_split_by_group_keeps_each_sentence_group_on_one_side(shared_nlvr):
    dev = read_examples(shared_nlvr / "dev.json")
    train, val = split_by_group(dev, (0.8, 0.2), seed=1)
    assert len(train) + len(val) == len(dev)
    assert not {e.group for e in train} & {e.group for e in val}
    assert check_leakage(train, val).groups == set()
    assert split_by_group(dev, (0.8, 0.2), seed=1) == [train, val]  # deterministic
    assert 0.15 < len(val) / len(dev) < 0.25


def test_leakage_check_flags_a_naive_random_split(shared_nlvr):
    """Splitting the 6 images of every example at random puts the same example on both sides."""
    dev = read_examples(shared_nlvr / "dev.json")
    images = [(e, k) for e in dev for k in range(6)]
    rng = np.random.default_rng(0)
    side = rng.random(len(images)) < 0.8
    train = [e for (e, _), s in zip(images, side) if s]
    val = [e for (e, _), s in zip(images, side) if not s]
    report = check_leakage(train, val)
    assert not report.clean
    assert len(report.examples) > 0.5 * len(dev) and len(report.groups) > 0.5 * len({e.group for e in dev})
    assert "LEAKAGE" in str(report)


def test_leakage_check_sees_a_permuted_scene_and_a_reworded_case(shared_nlvr):
    ex = read_examples(shared_nlvr / "dev.json")[0]
    permuted = Example(identifier="99999-0", group=99999, m=0, sentence=ex.sentence.upper() + ".",
                       label=ex.label, structured_rep=ex.structured_rep[::-1], split="train")
    report = check_leakage([ex], [permuted])
    assert report.groups == set()
    assert report.sentences and report.examples == {ex.identifier}


def test_group_split_of_real_dev_is_split_safe_though_some_sentences_recur(shared_nlvr):
    train, val = split_by_group(read_examples(shared_nlvr / "dev.json"), (0.8, 0.2), seed=0)
    report = check_leakage(train, val)
    assert report.split_safe and report.sentences  # NLVR reuses some sentence texts across groups
    assert "no group or example on both sides" in str(report)


def example(group, m, label):
    return parse_example(example_json(f"{group}-{m}", "true" if label else "false"), "dev", "test")


def test_first_groups_are_nested_training_sets():
    examples = [example(g, m, True) for g in (5, 2, 9) for m in range(4)]
    assert [e.group for e in first_groups(examples, 2)] == [5] * 4 + [2] * 4
    assert first_groups(examples, 1) == first_groups(examples, 2)[:4]
    with pytest.raises(ValueError, match="only 3"):
        first_groups(examples, 4)


def test_random_example_split_puts_sentence_groups_on_both_sides():
    from rnlib.data import check_leakage

    examples = [example(g, m, m % 2 == 0) for g in range(20) for m in range(4)]
    train, validation = random_example_split(examples, 0.25, seed=0)
    assert len(train) == 60 and len(validation) == 20 and not set(train) & set(validation)
    assert check_leakage(train, validation).groups  # the leak notebook 05 measures


def _example(identifier, label, sentence="There is a yellow square.", split="train"):
    return parse_example(example_json(identifier, "true" if label else "false", sentence), split, "test")


def test_sentence_memorization_accuracy_is_each_groups_majority():
    examples = ([_example(f"1-{m}", label) for m, label in enumerate([True, True, True, False])]  # 3 of 4
                + [_example("2-0", True), _example("2-1", False)]  # a tie: 1 of 2
                + [_example(f"3-{m}", False) for m in range(3)]  # 3 of 3
                + [_example("1-0", False, split="dev")])  # dev group 1 is not train group 1: 1 of 1
    assert sentence_memorization_accuracy(examples) == pytest.approx(8 / 10)
    with pytest.raises(ValueError, match="no examples"):
        sentence_memorization_accuracy([])


def test_held_out_sentence_accuracy_only_knows_sentences_seen_in_training():
    train = [_example("1-0", True, "A yellow square."), _example("1-1", True, "A yellow square."),
             _example("1-2", False, "A yellow square."),  # seen: mostly true
             _example("2-0", False, "There is a box."), _example("2-1", False, "There is a box."),
             _example("3-0", True, "Tie here"), _example("3-1", False, "Tie here")]  # training majority: false
    held_out = [_example("9-0", True, "a YELLOW square", "dev"),  # seen (case, punctuation ignored): true, right
                _example("8-0", True, "There is a box", "dev"),  # seen: false, wrong
                _example("7-0", False, "Tie here", "dev"),  # tie: training majority (false), right
                _example("6-0", True, "Something new.", "dev")]  # unseen: training majority (false), wrong
    assert held_out_sentence_accuracy(train, held_out) == pytest.approx(2 / 4)
    assert seen_sentence_share(train, held_out) == pytest.approx(3 / 4)  # all but "Something new."
    assert sentence_memorization_accuracy(held_out) == 1.0  # one example per group, memorised: every label
    with pytest.raises(ValueError, match="needs training and held-out examples"):
        held_out_sentence_accuracy(train, [])


def test_real_nlvr_sentence_only_figures(shared_nlvr):
    """Memorised, the sentence of a real dev group gives 58.8%; on unseen Test-P groups a lookup fitted
    on dev falls to Test-P's majority class (56.2%), below Suhr et al.'s text-only model (57.2%)."""
    dev, test = read_examples(shared_nlvr / "dev.json"), read_examples(shared_nlvr / "test.json")
    assert sentence_memorization_accuracy(dev) == pytest.approx(582 / 989)
    majority = sum(e.label for e in test) / len(test)
    assert held_out_sentence_accuracy(dev, test) == pytest.approx(majority)
    assert held_out_sentence_accuracy(dev, test) < sentence_memorization_accuracy(test)
    assert seen_sentence_share(dev, test) == pytest.approx(125 / 990)  # the lookup has little to look up


def test_normalize_sentence_drops_case_punctuation_and_extra_spaces():
    from rnlib.data import normalize_sentence
    assert normalize_sentence("There is a  Yellow block, on top!\n") == "there is a yellow block on top"
    assert normalize_sentence("at least 2 towers.") == normalize_sentence("At least 2 towers")
    assert normalize_sentence("a box,yellow") == "a box yellow", "punctuation separates words, as in the vectorizer"
    assert normalize_sentence("There's a_block") == "there's a block", "the seed keeps the apostrophe, not '_'"


def test_normalize_sentence_gives_the_words_the_vectorizer_sees():
    """One normalization for counting and matching sentences: rnlib.text.standardize split on white space,
    on awkward strings and on every real NLVR dev and Test-P sentence there is."""
    import tensorflow as tf

    from rnlib.data import SHARED_NLVR, normalize_sentence, read_examples
    from rnlib.text import standardize

    sentences = ["A box,yellow.", "There's a   tower!", "box.There is (one) \"tower\"", "x_y-z/w;v:u", "\ttabs\nand lines"]
    for name in ("dev.json", "test.json"):
        if (SHARED_NLVR / name).exists():
            sentences += sorted({e.sentence for e in read_examples(SHARED_NLVR / name)})
    seen = [" ".join(w.decode() for w in s.numpy().tolist()) for s in tf.strings.split(standardize(tf.constant(sentences)))]
    assert [normalize_sentence(s) for s in sentences] == seen
