"""Tests of rnlib.diagnosis: calibration tables and temperature scaling, confident mistakes, the
synthetic generator's fidelity on NLVR sentences, and where items fall in the seed CNN's 2x8 grid."""

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from rnlib import diagnosis
from rnlib.data import Item, read_examples
from rnlib.data import synthetic as syn
from rnlib.diagnosis import (apply_temperature, calibration_table, confident_mistakes, fidelity_check,
                             fit_temperature, generator_programs, items_per_cell, normalize_sentence)
from conftest import example_json, write_jsonl


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def overconfident(n=20000, sharpening=3.0, seed=0):
    """Labels drawn from sigmoid(z); predictions sigmoid(sharpening * z): temperature ``sharpening`` undoes it."""
    rng = np.random.default_rng(seed)
    true_logit = rng.normal(0, 1.5, n)
    labels = rng.random(n) < sigmoid(true_logit)
    return sigmoid(sharpening * true_logit), labels


def calibrated(n=20000, seed=0):
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    return p, rng.random(n) < p


# =============================================================================================
# Calibration


def test_calibrated_predictions_have_a_small_ece_and_overconfident_ones_a_large_one():
    table = calibration_table(*calibrated())
    assert table["ece"] < 0.02
    for row in table["bins"]:
        assert abs(row["true_share"] - row["mean_probability"]) < 0.05
        assert row["low"] <= row["mean_probability"] < row["high"]
    assert calibration_table(*overconfident())["ece"] > 0.08


def test_calibration_table_matches_a_hand_computation():
    p, y = [0.05, 0.15, 0.95, 0.95, 1.0], [False, True, True, False, True]
    table = calibration_table(p, y, bins=10)
    assert [row["count"] for row in table["bins"]] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 3]  # P = 1 goes in the last bin
    assert table["bins"][2] == {"low": 0.2, "high": 0.3, "count": 0, "mean_probability": None, "true_share": None}
    assert table["bins"][9]["mean_probability"] == pytest.approx(2.9 / 3)
    assert table["bins"][9]["true_share"] == pytest.approx(2 / 3)
    assert table["ece"] == pytest.approx((0.05 + 0.85 + 3 * abs(2.9 / 3 - 2 / 3)) / 5)
    assert table["accuracy"] == pytest.approx(3 / 5)
    assert table["predicted_true_share"] == pytest.approx(3 / 5)
    assert table["label_true_share"] == pytest.approx(3 / 5)
    expected_loss = -np.mean(np.log([0.95, 0.15, 0.95, 0.05, 1 - 1e-7]))
    assert table["log_loss"] == pytest.approx(expected_loss)


def test_calibration_flattens_any_shape_and_names_mismatched_shapes():
    p, y = calibrated(n=600)
    assert calibration_table(p.reshape(100, 6), y.reshape(100, 6)) == calibration_table(p, y)
    with pytest.raises(ValueError, match=r"\(100, 6\).*\(600,\)"):
        calibration_table(p.reshape(100, 6), y)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        calibration_table([0.2, 1.5], [True, False])


# =============================================================================================
# Temperature scaling


def test_temperature_undoes_overconfidence():
    p, y = overconfident(sharpening=3.0)
    temperature = fit_temperature(p, y)
    assert temperature == pytest.approx(3.0, rel=0.10)
    assert calibration_table(apply_temperature(p, temperature), y)["ece"] < 0.02
    assert fit_temperature(*calibrated()) == pytest.approx(1.0, rel=0.10)


@pytest.mark.parametrize("temperature", [0.1, 0.7, 1.0, 3.0, 15.0])
def test_temperature_never_changes_accuracy(temperature):
    p, y = overconfident(n=5000, seed=1)
    p[:10] = [0.0, 1.0, 0.5, 0.4999999, 0.5000001, 1e-9, 1 - 1e-9, 0.3, 0.7, 0.5]
    scaled = apply_temperature(p, temperature)
    np.testing.assert_array_equal(scaled > 0.5, p > 0.5)
    assert calibration_table(scaled, y)["accuracy"] == calibration_table(p, y)["accuracy"]


def test_temperature_one_changes_nothing_and_nonpositive_temperatures_are_refused():
    p = np.linspace(0.01, 0.99, 50)
    np.testing.assert_allclose(apply_temperature(p, 1.0), p, atol=1e-12)
    with pytest.raises(ValueError, match="temperature"):
        apply_temperature(p, 0.0)


def test_confident_mistakes_counts_confident_wrong_answers():
    p = [0.95, 0.97, 0.02, 0.6, 0.08, 0.5]
    y = [True, False, False, True, True, False]
    result = confident_mistakes(p, y, threshold=0.9)
    assert result["confident"] == 4 and result["confident_share"] == pytest.approx(4 / 6)
    assert result["confident_accuracy"] == pytest.approx(2 / 4)
    assert result["confident_mistakes"] == 2 and result["confident_mistake_share"] == pytest.approx(2 / 6)
    assert confident_mistakes([0.6, 0.3], [True, True])["confident_accuracy"] is None


# =============================================================================================
# Fidelity of the synthetic generator


@pytest.fixture(scope="module")
def small_synthetic():
    return syn.generate(seed=0, groups={"train": 40, "dev": 0, "test": 0})["train"]


def test_the_generator_agrees_with_itself_on_its_own_scenes(small_synthetic):
    programs = generator_programs(small_synthetic)
    assert len(programs) == len({e.group for e in small_synthetic})  # one sentence per group here
    result = fidelity_check(small_synthetic, programs)
    assert result["examples"] == result["covered_examples"] == result["scored"] == len(small_synthetic)
    assert result["covered_share"] == 1.0 and result["agreement"] == 1.0
    assert result["ambiguous"] == result["errored"] == 0 and result["disagreements"] == []
    assert sum(row["examples"] for row in result["per_template"].values()) == len(small_synthetic)


def test_a_flipped_label_is_reported_as_a_disagreement(small_synthetic):
    flipped = dataclasses.replace(small_synthetic[5], label=not small_synthetic[5].label)
    examples = small_synthetic[:5] + [flipped] + small_synthetic[6:]
    result = fidelity_check(examples, generator_programs(small_synthetic))
    assert result["agree"] == len(examples) - 1
    [disagreement] = result["disagreements"]
    assert disagreement["identifier"] == flipped.identifier and disagreement["template"] == flipped.template
    assert disagreement["label"] == flipped.label and disagreement["generator"] == small_synthetic[5].label
    assert result["per_template"][flipped.template]["agree"] == result["per_template"][flipped.template]["examples"] - 1


def test_uncovered_sentences_are_counted_but_not_scored(small_synthetic):
    programs = generator_programs(small_synthetic[:4])  # the first group's sentence only
    result = fidelity_check(small_synthetic, programs)
    assert result["examples"] == len(small_synthetic) and result["sentences"] == 40
    assert result["covered_examples"] == 4 and result["covered_sentences"] == 1
    assert result["covered_share"] == pytest.approx(4 / len(small_synthetic))


YELLOW_ITEM = Item(40, 80, "square", "Yellow", 20)
SCENE = ((YELLOW_ITEM,), (Item(40, 80, "square", "Black", 20),), (Item(40, 80, "square", "#0099ff", 20),))


def synthetic_example(sentence, template, params, identifier="0-0", label=True):
    return syn.SyntheticExample(identifier=identifier, group=0, m=0, sentence=sentence, label=label,
                                structured_rep=SCENE, split="train", template=template, params=params)


def test_generator_programs_keeps_each_distinct_program_once():
    yes = {"obj": {"color": "Yellow", "shape": None, "size": None}, "neg": False}
    reordered = {"neg": False, "obj": {"size": None, "shape": None, "color": "Yellow"}}  # same params
    no = dict(yes, neg=True)
    examples = [synthetic_example("There is a yellow block.", "exists", yes, "0-0"),
                synthetic_example("there is a yellow block", "exists", reordered, "0-1"),
                synthetic_example("There is a yellow block", "exists", no, "1-0")]
    assert generator_programs(examples) == {"there is a yellow block": [("exists", yes), ("exists", no)]}


def test_a_sentence_with_conflicting_programs_is_ambiguous():
    yes = {"obj": {"color": "Yellow", "shape": None, "size": None}, "neg": False}
    programs = {"there is a yellow block": [("exists", yes), ("exists", dict(yes, neg=True))]}
    real = [synthetic_example("There is a yellow block.", "", None)]
    result = fidelity_check(real, programs)
    assert result["covered_examples"] == 1 and result["ambiguous"] == 1
    assert result["scored"] == 0 and result["agreement"] is None and result["per_template"] == {}


def test_a_program_that_fails_on_a_scene_is_counted_as_an_error():
    programs = {"there is a yellow block": [("no_such_template", {})]}
    real = [synthetic_example("There is a yellow block.", "", None, identifier=f"0-{m}") for m in range(3)]
    result = fidelity_check(real, programs)
    assert result["covered_examples"] == result["errored"] == 3 and result["scored"] == 0
    assert len(result["errors"]) == 3 and "no_such_template" in result["errors"][0]["error"]
    assert result["errors"][0]["identifier"] == "0-0"


# Command line


def write_small_dataset(tmp_path):
    syn.write_dataset(tmp_path / "synth", seed=0, groups={"train": 12, "dev": 4, "test": 0},
                      images=False, progress=False)
    return tmp_path / "synth" / "train" / "train.json", tmp_path / "synth" / "dev" / "dev.json"


def test_fidelity_command_writes_one_report_per_real_file(tmp_path):
    train, dev = write_small_dataset(tmp_path)
    out = tmp_path / "fidelity.json"
    result = subprocess.run([sys.executable, "-m", "rnlib.diagnosis", "fidelity", "--synthetic", str(train),
                             "--real", str(train), str(dev), "--json", str(out)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["generator_version"] == syn.GENERATOR_VERSION and report["synthetic"] == str(train)
    assert report["generator_sentences"] == 12
    assert report["real"][str(train)]["agreement"] == 1.0 and report["real"][str(train)]["covered_share"] == 1.0
    assert report["real"][str(dev)]["examples"] == 16 and report["real"][str(dev)]["agreement"] in (None, 1.0)
    assert str(train) in result.stdout and str(dev) in result.stdout


def test_fidelity_command_names_a_missing_file(tmp_path, capsys):
    train, _ = write_small_dataset(tmp_path)
    missing = tmp_path / "nowhere" / "dev.json"
    assert diagnosis.main(["fidelity", "--synthetic", str(train), "--real", str(missing)]) == 2
    assert str(missing) in capsys.readouterr().err
    sidecar = syn.sidecar_path(train)
    sidecar.unlink()
    assert diagnosis.main(["fidelity", "--synthetic", str(train), "--real", str(train)]) == 2
    assert str(sidecar) in capsys.readouterr().err


def test_fidelity_command_passes_on_the_bad_line_of_a_real_file(tmp_path, capsys):
    train, _ = write_small_dataset(tmp_path)
    bad = write_jsonl(tmp_path / "dev.json", [example_json("1-0"), dict(example_json("1-1"), label="maybe")])
    assert diagnosis.main(["fidelity", "--synthetic", str(train), "--real", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}, line 2: field 'label'" in err and "Traceback" not in err


def test_diagnosis_does_not_import_tensorflow():
    code = "import sys, rnlib.diagnosis; print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# =============================================================================================
# Items and the seed CNN's 2x8 grid


def scene(box0=(), box1=(), box2=()):
    return (tuple(box0), tuple(box1), tuple(box2))


def test_items_land_in_the_cell_of_their_centre():
    centred_at_10_10 = Item(5, 5, "circle", "Black", 10)  # full size (10, 10) -> resized (5, 5)
    far_right_of_box_3 = Item(90, 40, "square", "Black", 10)  # full size x 395 -> resized 197.5
    left_of_a_cell_border = Item(42, 0, "square", "Black", 10)  # full x 47 -> 23.5: column 0
    right_of_a_cell_border = Item(43, 60, "square", "Black", 10)  # full x 48 -> 24: column 1
    lowest = Item(45, 90, "square", "Black", 10)  # full y 95 -> 47.5: row 1, the last grid row
    box2_item = Item(0, 0, "square", "Black", 20)  # full (310, 10) -> (155, 5): column 6
    result = items_per_cell([scene([centred_at_10_10, left_of_a_cell_border, right_of_a_cell_border, lowest],
                                   [], [far_right_of_box_3, box2_item])])
    expected = np.zeros((2, 8), int)
    expected[0, 0] = 2  # centred_at_10_10 and left_of_a_cell_border
    expected[1, 1] = 2  # right_of_a_cell_border (resized y 32.5) and lowest
    expected[0, 6] = 1
    assert result["per_cell"] == expected.tolist()
    assert result["items"] == 6 and result["outside_grid"] == 1
    assert result["share_outside_grid"] == pytest.approx(1 / 6)
    assert result["items_per_occupied_cell"] == {1: 1, 2: 2}
    assert result["max_items_in_a_cell"] == 2
    assert result["mean_items_per_occupied_cell"] == pytest.approx(5 / 3)
    assert result["share_items_sharing_a_cell"] == pytest.approx(4 / 6)


def test_items_of_different_images_never_share_a_cell():
    one = scene([Item(0, 0, "square", "Black", 10)])
    result = items_per_cell([one, one, one])
    assert result["per_cell"][0][0] == 3
    assert result["items_per_occupied_cell"] == {1: 3} and result["share_items_sharing_a_cell"] == 0


def test_items_per_cell_runs_on_real_dev(shared_nlvr):
    dev = read_examples(shared_nlvr / "dev.json")
    result = items_per_cell(dev)
    assert result["items"] == sum(len(box) for e in dev for box in e.structured_rep)
    assert sum(map(sum, result["per_cell"])) + result["outside_grid"] == result["items"]
    assert sum(n * k for n, k in result["items_per_occupied_cell"].items()) == result["items"] - result["outside_grid"]
    assert 0 < result["share_outside_grid"] < 0.2


def test_sentence_statistics_count_distinct_sentences_and_mixed_labels():
    from conftest import example_json
    from rnlib.data.nlvr import parse_example

    rows = [("1-0", "There is a box.", "true"), ("1-1", "there is a box", "false"), ("2-0", "A tower.", "true"),
            ("3-0", "A tower!", "true")]
    examples = [parse_example(example_json(i, label, sentence), "dev", "x") for i, sentence, label in rows]
    s = diagnosis.sentence_statistics(examples)
    assert s == {"examples": 4, "groups": 3, "sentences": 2, "mixed_share": 0.5}


def test_data_size_curve_reads_the_runs_and_names_a_foreign_file(tmp_path):
    train = syn.write_dataset(tmp_path / "syn", seed=0, groups={"train": 6, "dev": 1, "test": 1}, images=False,
                              progress=False)
    run = {"name": "nlvr_size_3", "data": {"train": str(train / "train" / "train.json"), "train_groups": 3,
                                           "source": str(train)},
           "config": {"repeats": 2}, "epochs_done": 5, "best_epoch": 4, "train_seconds": 1.0,
           "train": {"accuracy": 0.9}, "validation": {"accuracy": 0.6, "consistency": 0.1}, "test": {"accuracy": 0.55},
           "also": {"x/dev.json": {"accuracy": 0.52}}, "command": "python -m rnlib.nlvr train ..."}
    (tmp_path / "r.json").write_text(json.dumps(run))
    curve = diagnosis.data_size_curve([tmp_path / "r.json"], "same steps")
    p = curve["points"][0]
    assert (p["train_groups"], p["train_examples"], p["passes"], p["training_images"]) == (3, 12, 10, 120)
    assert p["train_sentences"] <= 3 and p["generator_version"] == syn.GENERATOR_VERSION
    assert p["real_dev_accuracy"] == 0.52 and curve["budget"] == "same steps"
    del run["data"]["train_groups"]
    (tmp_path / "r.json").write_text(json.dumps(run))
    with pytest.raises(ValueError, match="r.json: not a data-size run"):
        diagnosis.data_size_curve([tmp_path / "r.json"], "same steps")
