"""Tests of rnlib.sort_of_clevr.presets: ``extended`` unchanged, ``paper`` as the RN paper's reproduction draws it,
and the preset recorded in data files, run folders and exported results, then read back by ``evaluate``."""

import hashlib
import json
import shutil
from math import comb
from pathlib import Path

import numpy as np
import pytest

from rnlib import sort_of_clevr as soc
from rnlib.sort_of_clevr import ANSWERS, COLORS, KINDS, SUBTYPES, Question, Scene, answer_question, draw_scene


def digest(data: dict) -> str:
    """SHA-256 over a dataset's arrays, in key order: name, dtype, shape, then the raw bytes."""
    h = hashlib.sha256()
    for k in sorted(data):
        a = np.ascontiguousarray(data[k])
        h.update(f"{k} {a.dtype.str} {a.shape}\n".encode())
        h.update(a.tobytes())
    return h.hexdigest()


# -- extended: byte-identical to the generator before presets existed ---------------------------------
# These digests were computed BEFORE the presets were added, with the single-file rnlib/sort_of_clevr.py
# (no `preset` argument: its only generator, now called `extended`) and the `digest` function above:
#   digest(generate(40, [7, 1], progress=False)), digest(generate(5, [0, 0], progress=False, square_size=11)),
#   and digest(load_dataset(DIR / f"{split}.npz")) after `main(["generate", "--out", DIR, "--seed", "3",
#   "--train", "6", "--test", "2"])`. (The .npz files themselves differ run to run: zip entries carry the time.)
EXTENDED_40 = "c0cb57b2d76123d681d43629f1d2f152b3c0a90536863d9528a1096b0f341aad"
EXTENDED_SQ11 = "366fae3b9d715481d6718795b799a65ff24eef443c85bc9d71e540156ba84c0f"
EXTENDED_CLI_SEED3 = {"train": "0733c25b624bf7d994e6eb6a80a6f39e9718066fc188e4ad597b88e1b8d91859",
                      "test": "337c2de09541b11c6610c237cd194bf4d061c0317c4acb292d057c2cc886ec59"}


def test_extended_is_the_default_and_unchanged(tmp_path, capsys):
    assert digest(soc.generate(40, [7, 1], progress=False)) == EXTENDED_40
    assert digest(soc.generate(40, [7, 1], progress=False, preset="extended")) == EXTENDED_40
    assert digest(soc.generate(5, [0, 0], progress=False, square_size=11)) == EXTENDED_SQ11
    assert soc.main(["generate", "--out", str(tmp_path), "--seed", "3", "--train", "6", "--test", "2"]) == 0
    for split, expected in EXTENDED_CLI_SEED3.items():
        assert digest(soc.load_dataset(tmp_path / f"{split}.npz")) == expected
        assert soc.dataset_preset(tmp_path / f"{split}.npz") == "extended"
    assert json.loads((tmp_path / "generate.json").read_text()) == {
        "seed": 3, "train": 6, "test": 2, "questions_per_kind": 10, "square_size": 10, "preset": "extended"}


def test_files_without_a_preset_record_are_extended(tmp_path):
    data = soc.generate(2, [0, 0], progress=False)
    np.savez_compressed(tmp_path / "old.npz", **data, answer_vocabulary=np.array(ANSWERS), colors=np.array(COLORS))
    assert soc.dataset_preset(tmp_path / "old.npz") == "extended"
    assert digest(soc.load_dataset(tmp_path / "old.npz")) == digest(data)


def test_unknown_presets_are_refused_clearly(capsys):
    with pytest.raises(ValueError, match=r"unknown preset 'clevr': expected one of \('course', 'extended', 'paper'\)"):
        soc.generate(1, 0, preset="clevr")
    with pytest.raises(SystemExit):
        soc.main(["generate", "--preset", "clevr"])
    assert "invalid choice: 'clevr'" in capsys.readouterr().err


# -- paper -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def paper():
    return soc.generate(300, [5, 0], progress=False, preset="paper")


def test_paper_asks_10_non_relational_and_10_binary_questions_per_image(paper):
    n = len(paper["images"])
    assert paper["questions"].shape == (n, 20, 18) and paper["answers"].shape == (n, 20)
    np.testing.assert_array_equal(paper["kinds"], np.repeat([[0, 1]], 10, axis=1).repeat(n, axis=0))
    assert KINDS.index("ternary") not in paper["kinds"]
    # the same 18-float layout, with the B colour block and the ternary kind bit never set
    assert not paper["questions"][..., 6:12].any() and not paper["questions"][..., 14].any()
    assert (paper["subjects"][..., 1] == -1).all()


def test_paper_answers_and_pictures_match_the_scene(paper):
    for i in range(len(paper["images"])):
        sc = Scene(paper["centers"][i], paper["shapes"][i])
        np.testing.assert_array_equal(draw_scene(sc, square_size=11), paper["images"][i])
        for k in range(20):
            v = paper["questions"][i, k]
            q = soc.decode_question(v)
            assert (KINDS.index(q.kind), SUBTYPES[q.kind].index(q.subtype)) == \
                (paper["kinds"][i, k], paper["subtypes"][i, k])
            assert COLORS.index(q.a) == paper["subjects"][i, k, 0]
            assert answer_question(sc, v)[0] == ANSWERS[paper["answers"][i, k]]


def test_paper_scenes_follow_the_reproduction(paper):
    c = paper["centers"].astype(int)
    assert c.min() == 5 and c.max() == 69          # randint(5, 70): 70 is never drawn
    d2 = ((c[:, :, None] - c[:, None]) ** 2).sum(-1) + np.eye(6, dtype=int) * 10**6
    assert d2.min() >= 10 ** 2                      # centres at least 10 px apart ...
    assert (d2.min(axis=(1, 2)) < 15 ** 2).mean() > 0.5  # ... and often closer than extended's 15 px


def test_paper_questions_are_drawn_as_the_reproduction_draws_them(paper):
    """A reference draw: per image the scene, then per question a colour and a subtype uniformly, 10
    non-relational then 10 binary; the answer is what the scene gives. It must give the same arrays."""
    rng = np.random.default_rng([5, 0])
    for i in range(len(paper["images"])):
        sc = soc.random_scene(rng, min_distance=10, center_range=(5, 69))
        np.testing.assert_array_equal(sc.centers, paper["centers"][i])
        for k in range(20):
            kind = KINDS[k // 10]
            a, sub = int(rng.integers(6)), int(rng.integers(3))
            answer, _ = answer_question(sc, Question(kind, SUBTYPES[kind][sub], COLORS[a]))
            assert (paper["subjects"][i, k, 0], paper["subtypes"][i, k], ANSWERS[paper["answers"][i, k]]) == \
                (a, sub, answer)


def test_paper_answers_follow_the_scenes_not_a_balanced_draw(paper):
    """Uniform colours and subtypes; "how many other objects share A's shape" then follows Binomial(5, 1/2)
    (2 and 3 common, 0 and 5 rare), where the extended preset's balanced draw asks rare counts far more."""
    for kind in (0, 1):
        subjects = paper["subjects"][paper["kinds"] == kind][:, 0]
        subtypes = paper["subtypes"][paper["kinds"] == kind]
        assert np.bincount(subjects, minlength=6).min() > 0.85 * len(subjects) / 6
        assert np.bincount(subtypes, minlength=3).min() > 0.9 * len(subtypes) / 3
    binomial = np.array([comb(5, k) for k in range(6)]) / 32

    def distance_to_binomial(data):
        counts = soc.answer_distribution(data)["binary/same_shape_count"]
        share = np.array([counts.get(str(k), 0) for k in range(6)]) / sum(counts.values())
        return 0.5 * np.abs(share - binomial).sum()  # total variation

    assert distance_to_binomial(paper) < 0.1        # measured 0.07 (10 questions of an image share a scene)
    assert distance_to_binomial(soc.generate(300, [5, 0], progress=False)) > 0.12  # measured 0.18


def test_paper_generation_is_deterministic_per_seed(paper, tmp_path):
    again = soc.generate(300, [5, 0], progress=False, preset="paper")
    assert digest(again) == digest(paper)
    assert not np.array_equal(soc.generate(3, [6, 0], progress=False, preset="paper")["images"], paper["images"][:3])
    a = soc.generate_dataset(tmp_path / "a", seed=2, n_train=4, n_test=2, progress=False, preset="paper")
    b = soc.generate_dataset(tmp_path / "b", seed=2, n_train=4, n_test=2, progress=False, preset="paper")
    for split in ("train", "test"):
        assert digest(soc.load_dataset(a[split])) == digest(soc.load_dataset(b[split]))
        assert soc.dataset_preset(a[split]) == "paper"
    assert soc.dataset_preset(tmp_path / "a") == "paper"  # a folder: its train.npz


# -- the preset travels: data -> run -> exported results -> evaluate ------------------------------

def test_paper_preset_is_recorded_and_read_back_by_evaluate(tmp_path, capsys):
    data_dir, run_dir, out = tmp_path / "data", tmp_path / "run", tmp_path / "pretrained"
    assert soc.main(["generate", "--preset", "paper", "--out", str(data_dir), "--train", "2", "--test", "1"]) == 0
    settings = json.loads((data_dir / "generate.json").read_text())
    assert (settings["preset"], settings["square_size"], settings["questions_per_kind"]) == ("paper", 11, 10)
    assert soc.dataset_preset(data_dir / "train.npz") == soc.dataset_preset(data_dir / "test.npz") == "paper"
    # training on paper data records the preset; asking for another preset than the data's is refused
    args = ["train", "--model", "cnn_mlp", "--run-dir", str(run_dir), "--epochs", "1", "--data", str(data_dir),
            "--batch-size", "32"]
    capsys.readouterr()
    assert soc.main(args + ["--preset", "extended"]) == 2
    assert "holds 'paper' data, not 'extended'" in capsys.readouterr().err
    assert soc.main(args + ["--preset", "paper"]) == 0
    assert json.loads((run_dir / "config.json").read_text())["preset"] == "paper"
    assert json.loads((run_dir / "results.json").read_text())["preset"] == "paper"
    assert soc.main(args) == 0  # resuming without the flag: the data says paper, as the config does
    # evaluate draws a fresh test set of the weights' preset, with no flag
    capsys.readouterr()
    assert soc.weights_preset(run_dir / "best.keras") == "paper"
    assert soc.main(["evaluate", "--weights", str(run_dir / "best.keras"), "--seed", "5", "--images", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["preset"] == "paper" and report["questions"] == 40 and "ternary" not in report["accuracy"]
    # exported weights carry it in NAME_results.json
    assert soc.main(["export", "--run-dir", str(run_dir), "--out", str(out), "--name", "m", "--images", "2",
                     "--data", str(data_dir)]) == 0
    results = json.loads((out / "m_results.json").read_text())
    assert results["preset"] == results["config"]["preset"] == "paper"
    assert results["fresh_test"]["accuracy"]["count"] == 40 and "ternary" not in results["validation"]["accuracy"]
    capsys.readouterr()
    assert soc.main(["evaluate", "--weights", str(out / "m.keras"), "--seed", "5", "--images", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["questions"] == 40
    # evaluate --data scores a dataset of the weights' own preset
    assert soc.main(["evaluate", "--weights", str(out / "m.keras"), "--data", str(data_dir)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["questions"] == 20 and report["data"].endswith("test.npz")
    # weights with no record beside them are extended, and are refused another preset's data
    alone = tmp_path / "alone" / "m.keras"
    alone.parent.mkdir()
    shutil.copy(out / "m.keras", alone)
    assert soc.weights_preset(alone) == "extended"
    assert soc.main(["evaluate", "--weights", str(alone), "--seed", "5", "--images", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["questions"] == 60
    assert soc.main(["evaluate", "--weights", str(alone), "--data", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert "trained on 'extended' data" in err and "holds 'paper' data" in err and "test.npz" in err
    # export refuses to validate on another preset's data as well
    other = tmp_path / "other"
    assert soc.main(["generate", "--preset", "course", "--out", str(other), "--train", "1", "--test", "1"]) == 0
    capsys.readouterr()
    assert soc.main(["export", "--run-dir", str(run_dir), "--out", str(out), "--name", "m2", "--images", "2",
                     "--data", str(other)]) == 2
    assert "holds 'course' data" in capsys.readouterr().err and not (out / "m2_results.json").exists()


def test_runs_and_weights_from_before_presets_are_extended(tmp_path, capsys):
    data_dir, run_dir = tmp_path / "data", tmp_path / "run"
    assert soc.main(["generate", "--out", str(data_dir), "--train", "2", "--test", "1"]) == 0
    args = ["train", "--model", "cnn_mlp", "--run-dir", str(run_dir), "--epochs", "1", "--data", str(data_dir),
            "--batch-size", "32"]
    assert soc.main(args) == 0
    config = json.loads((run_dir / "config.json").read_text())
    assert config.pop("preset") == "extended"
    (run_dir / "config.json").write_text(json.dumps(config))  # a config.json written before presets existed
    capsys.readouterr()
    assert soc.main(args) == 0 and "all 1 epochs are done" in capsys.readouterr().out
    assert soc.weights_preset(run_dir / "best.keras") == "extended"
    # the committed weights' results predate presets: their fresh test sets are extended ones
    pretrained = Path(__file__).resolve().parents[1] / "data" / "pretrained"
    for name in ("sort_of_clevr_rn", "sort_of_clevr_cnn_mlp"):
        assert "preset" not in json.loads((pretrained / f"{name}_results.json").read_text())
        assert soc.weights_preset(pretrained / f"{name}.keras") == "extended"


# -- course: the lesson's preset -------------------------------------------------------------------

def test_course_asks_the_papers_two_kinds_balanced_on_objects_that_never_touch():
    data = soc.generate(30, [0, 2], progress=False, preset="course")
    assert data["questions"].shape == (30, 20, soc.QUESTION_SIZE)
    assert (data["kinds"][:, :10] == KINDS.index("non_relational")).all()
    assert (data["kinds"][:, 10:] == KINDS.index("binary")).all()
    c = data["centers"].astype(int)
    d2 = ((c[:, :, None, :] - c[:, None, :, :]) ** 2).sum(-1) + 10 ** 6 * np.eye(len(COLORS), dtype=int)
    course = soc.get_preset("course")  # 14 px objects, 21 px apart (section 3's lever), centres in [7, 68]
    assert (course.object_size, course.square_size, course.min_distance, course.center_range) == (14, 14, 21, (7, 68))
    assert d2.min() >= course.min_distance ** 2  # objects never touch: every one is whole in the picture
    assert c.min() >= 7 and c.max() <= 68
    counts = np.array([[(im == soc.RGB[k]).all(-1).sum() for k in range(6)] for im in data["images"]])
    np.testing.assert_array_equal(counts, np.where(data["shapes"] == 0, 14 * 14, 156))  # whole 14 px objects
    shape = (data["kinds"] == 0) & (data["subtypes"] == 0)  # "what shape is the A object?" is drawn 50/50
    answers = data["answers"][shape]
    assert abs((answers == ANSWERS.index("square")).mean() - 0.5) < 0.12
    assert soc.get_preset("course").kinds == ("non_relational", "binary")
