"""Tests of rnlib.sort_of_clevr: answers on hand-computed scenes, drawing, encoding, determinism, models, CLI.

Hand-computed scene ``S`` (x, y; y grows downwards), colour order red, green, blue, orange, gray, yellow::

    red (10, 10) square     green (40, 12) circle    blue (65, 30) square
    orange (35, 45) square  gray (12, 62) circle     yellow (62, 66) circle

The comments next to each expected answer show the arithmetic (squared distances, dot products).
"""

import json
from pathlib import Path

import numpy as np
import pytest

from rnlib import sort_of_clevr as soc
from rnlib.sort_of_clevr import (ANSWERS, COLORS, KINDS, QUESTION_SIZE, SUBTYPES, Question, Scene, answer_question,
                                 decode_question, draw_scene, encode_question, parse_question, question_text)

S = Scene(np.array([(10, 10), (40, 12), (65, 30), (35, 45), (12, 62), (62, 66)], np.int16),
          np.array([0, 1, 0, 0, 1, 1], np.int8))


def ask(scene, subtype, a, b=None):
    kind = next(k for k, subs in SUBTYPES.items() if subtype in subs)
    answer, ambiguous = answer_question(scene, Question(kind, subtype, a, b))
    # the encoded form gives the same answer
    assert answer_question(scene, encode_question(kind, subtype, a, b)) == (answer, ambiguous)
    return answer, ambiguous


def scene(points, shapes=(0, 0, 0, 0, 0, 0)):
    return Scene(np.array(points, np.int16), np.array(shapes, np.int8))


# -- non-relational ------------------------------------------------------------------------------

def test_shape():
    assert ask(S, "shape", "red") == ("square", False)
    assert ask(S, "shape", "green") == ("circle", False)
    assert ask(S, "shape", "orange") == ("square", False)


def test_left_and_top():
    assert ask(S, "left", "red")[0] == "yes"      # x = 10 < 37.5
    assert ask(S, "left", "orange")[0] == "yes"   # x = 35
    assert ask(S, "left", "blue")[0] == "no"      # x = 65
    assert ask(S, "top", "green")[0] == "yes"     # y = 12
    assert ask(S, "top", "orange")[0] == "no"     # y = 45
    edge = scene([(37, 37), (38, 38), (5, 70), (70, 5), (20, 50), (50, 20)])
    assert [ask(edge, "left", c)[0] for c in ("red", "green")] == ["yes", "no"]  # 37 < 37.5 < 38
    assert [ask(edge, "top", c)[0] for c in ("red", "green")] == ["yes", "no"]


# -- binary ----------------------------------------------------------------------------------------

def test_closest_shape():
    # from red (10, 10): green 30²+2²=904, blue 3425, orange 1850, gray 2708, yellow 5840 -> green
    assert ask(S, "closest_shape", "red") == ("circle", False)
    # from green (40, 12): red 904, blue 25²+18²=949, orange 1114, gray 3284, yellow 3400 -> red
    assert ask(S, "closest_shape", "green") == ("square", False)
    # from orange (35, 45): red 1850, green 1114, blue 1125, gray 23²+17²=818, yellow 1170 -> gray
    assert ask(S, "closest_shape", "orange") == ("circle", False)


def test_furthest_shape():
    # from red: yellow 52²+56²=5840 is the furthest
    assert ask(S, "furthest_shape", "red") == ("circle", False)
    # from yellow (62, 66): red 5840, green 3400, blue 1305, orange 1170, gray 2516 -> red
    assert ask(S, "furthest_shape", "yellow") == ("square", False)


def test_closest_tie_is_ambiguous_only_with_different_shapes():
    # green (30, 10) and blue (10, 30) are both 20 px from red (10, 10)
    points = [(10, 10), (30, 10), (10, 30), (60, 60), (40, 60), (60, 40)]
    assert ask(scene(points, (0, 1, 0, 0, 0, 0)), "closest_shape", "red") == ("circle", True)  # tie -> lower colour index
    assert ask(scene(points, (1, 0, 0, 1, 1, 1)), "closest_shape", "red") == ("square", False)


def test_same_shape_count_excludes_the_object_itself():
    assert ask(S, "same_shape_count", "red") == ("2", False)     # squares: red, blue, orange
    assert ask(S, "same_shape_count", "gray") == ("2", False)    # circles: green, gray, yellow
    one_square = scene(S.centers, (0, 1, 1, 1, 1, 1))
    assert ask(one_square, "same_shape_count", "red")[0] == "0"
    assert ask(one_square, "same_shape_count", "green")[0] == "4"
    assert ask(scene(S.centers), "same_shape_count", "yellow")[0] == "5"


# -- ternary ---------------------------------------------------------------------------------------

def test_between_count():
    # C is between A and B when (C-A).(B-A) > 0 and (C-B).(A-B) > 0.
    # red (10,10) - yellow (62,66): every other object projects inside the segment.
    assert ask(S, "between_count", "red", "yellow") == ("4", False)
    # red (10,10) - blue (65,30), AB = (55,20): yellow (62,66): (C-B).(A-B) = (-3,36).(-55,-20) = 165-720 < 0
    assert ask(S, "between_count", "red", "blue") == ("3", False)
    # red (10,10) - green (40,12), AB = (30,2): orange (25,35).(30,2) > 0 and (-5,33).(-30,-2) = 84 > 0;
    # gray (2,52).(30,2) > 0 and (-28,50).(-30,-2) = 740 > 0; blue and yellow are beyond green.
    assert ask(S, "between_count", "red", "green") == ("2", False)
    # blue (65,30) - yellow (62,66), AB = (-3,36): orange yes; gray (-50,-4).(3,-36) = -6 < 0; red, green no.
    assert ask(S, "between_count", "blue", "yellow") == ("1", False)
    assert ask(S, "between_count", "yellow", "blue") == ("1", False)  # symmetric
    # nothing between two neighbours at the top left: red (10,10) - a (25,10) with the rest to the right
    far = scene([(10, 10), (25, 10), (60, 20), (60, 40), (60, 60), (45, 60)])
    assert ask(far, "between_count", "red", "green") == ("0", False)


def test_between_on_the_band_edge_is_ambiguous():
    # A (10,10), B (60,10): the band is 10 < x < 60. Blue (x 30), gray (x 20) and yellow (x 45) are
    # between; orange at x = 60, right below B, is on the edge: not counted, and the question is ambiguous.
    edge = scene([(10, 10), (60, 10), (30, 40), (60, 60), (20, 65), (45, 30)])
    assert ask(edge, "between_count", "red", "green") == ("3", True)


def test_on_segment():
    # red (10,10) - yellow (62,66): closest is orange (35,45), cross = 52*35 - 56*25 = 420,
    # distance = 420 / sqrt(5840) = 5.5 > 5: the segment misses it.
    assert ask(S, "on_segment", "red", "yellow") == ("no", False)
    # blue (65,30) - gray (12,62): orange (35,45), cross = -53*15 - 32*(-30) = 165, distance 2.7 < 5
    assert ask(S, "on_segment", "blue", "gray") == ("yes", False)
    assert ask(S, "on_segment", "gray", "blue") == ("yes", False)
    # exactly 5 px from the segment: ambiguous, and not "on" it
    touching = scene([(10, 40), (60, 40), (35, 45), (10, 10), (60, 10), (35, 70)])
    assert ask(touching, "on_segment", "red", "green") == ("no", True)
    # beyond an end of the segment does not count, however close to the line
    beyond = scene([(10, 40), (30, 40), (50, 40), (10, 10), (60, 10), (35, 70)])
    assert ask(beyond, "on_segment", "red", "green") == ("no", False)
    assert ask(beyond, "on_segment", "red", "blue") == ("yes", False)


def test_obtuse_count():
    # red (10,10) - yellow (62,66): at each C the angle ACB is obtuse, e.g. green: (-30,-2).(22,54) = -768 < 0
    assert ask(S, "obtuse_count", "red", "yellow") == ("4", False)
    # blue (65,30) - yellow (62,66): red (angle at A: (-3,36).(-55,-20) = -555), green (-25,-18): 75-648 < 0,
    # gray (angle at B: (-50,-4).(3,-36) = -6); orange is acute (dots 630, 675, 495).
    assert ask(S, "obtuse_count", "blue", "yellow") == ("3", False)
    # red (10,10) - green (40,12): blue (angle at B: (25,18).(-30,-2) < 0) and yellow (at B: (22,54).(-30,-2) < 0)
    assert ask(S, "obtuse_count", "red", "green") == ("2", False)
    # right angles and flat triangles do not count and are flagged ambiguous.
    # A = red (10,10), B = green (60,10), AB = (50,0):
    # blue (10,40): at A (50,0).(0,30) = 0, a right angle: not counted, ambiguous;
    # orange (40,70): at A 1500, at B (-50,0).(-20,60) = 1000, at C (-30,-60).(20,-60) = 3000: acute;
    # gray (70,45): at B (-50,0).(10,35) = -500 < 0: obtuse;
    # yellow (30,30): at C (-20,-20).(30,-20) = -200 < 0: obtuse.
    right = scene([(10, 10), (60, 10), (10, 40), (40, 70), (70, 45), (30, 30)])
    assert ask(right, "obtuse_count", "red", "green") == ("2", True)
    # blue (35,10) on the segment AB: a flat triangle, not counted, ambiguous; orange acute, gray obtuse;
    # yellow (30,40): at A (50,0).(20,30) = 1000, at B (-50,0).(-30,30) = 1500, at C (-20,-30).(30,-30) = 300: acute.
    flat = scene([(10, 10), (60, 10), (35, 10), (40, 70), (70, 45), (30, 40)])
    assert ask(flat, "obtuse_count", "red", "green") == ("1", True)


def test_every_subtype_has_a_hand_computed_case():
    tested = {"shape", "left", "top", "closest_shape", "furthest_shape", "same_shape_count",
              "between_count", "on_segment", "obtuse_count"}
    assert tested == {s for subs in SUBTYPES.values() for s in subs}


# -- drawing ---------------------------------------------------------------------------------------

def test_draw_scene_pixels():
    img = draw_scene(S)
    assert img.shape == (75, 75, 3) and img.dtype == np.uint8
    assert (img[0, 0] == 255).all() and (img[74, 74] == 255).all()   # white background
    x, y = 10, 10                                                     # red square: columns/rows 5 .. 14
    assert (img[y - 5, x - 5] == soc.RGB[0]).all() and (img[y + 4, x + 4] == soc.RGB[0]).all()
    assert (img[y + 5, x] == 255).all() and (img[y, x + 5] == 255).all()
    x, y = 40, 12                                                     # green circle: corners stay white
    assert (img[y, x] == soc.RGB[1]).all() and (img[y - 5, x - 5] == 255).all()
    for c, ((x, y), s) in enumerate(zip(S.centers.tolist(), S.shapes.tolist())):
        count = (img == soc.RGB[c]).all(-1).sum()
        assert count == (100 if s == 0 else soc._MASKS[1].sum()), COLORS[c]
    assert soc._MASKS[1].sum() == 80  # pixel centres within 5 px of the centre: 2 * (10+10+8+8+4)


def test_square_size_grows_the_squares_only_and_cuts_them_at_the_border(tmp_path):
    img = draw_scene(S, square_size=11)
    x, y = 10, 10                                                     # red square: columns/rows 5 .. 15
    assert (img[y + 5, x + 5] == soc.RGB[0]).all() and (img[y + 6, x] == 255).all()
    for c, ((x, y), s) in enumerate(zip(S.centers.tolist(), S.shapes.tolist())):
        assert (img == soc.RGB[c]).all(-1).sum() == (121 if s == 0 else 80), COLORS[c]
    edge = draw_scene(scene([(70, 70), (10, 10), (40, 10), (10, 40), (40, 40), (70, 10)]), square_size=11)
    assert (edge == soc.RGB[0]).all(-1).sum() == 10 * 10                # columns/rows 65 .. 75, cut at 74
    np.testing.assert_array_equal(draw_scene(S, square_size=10), draw_scene(S))
    with pytest.raises(ValueError, match="square_size must be between 1 and 20"):
        draw_scene(S, square_size=0)
    assert soc.main(["generate", "--out", str(tmp_path), "--train", "2", "--test", "1", "--square-size", "11"]) == 0
    data = soc.load_dataset(tmp_path / "train.npz")
    assert json.loads((tmp_path / "generate.json").read_text())["square_size"] == 11
    counts = [(data["images"][0] == soc.RGB[c]).all(-1).sum() for c in range(6)]
    assert counts == [121 if s == 0 else 80 for s in data["shapes"][0]]   # no square of this image is cut


def test_random_scenes_keep_their_distance():
    rng = np.random.default_rng(0)
    for _ in range(200):
        sc = soc.random_scene(rng)
        c = sc.centers.astype(int)
        d2 = ((c[:, None] - c[None]) ** 2).sum(-1) + np.eye(6, dtype=int) * 10**6
        assert d2.min() >= soc.MIN_DISTANCE ** 2
        assert c.min() >= 5 and c.max() <= 70


# -- encoding and English --------------------------------------------------------------------------

def test_encoding_layout():
    v = encode_question("ternary", "obtuse_count", "green", "yellow")
    assert v.shape == (QUESTION_SIZE,) == (18,) and v.dtype == np.float32
    assert v.nonzero()[0].tolist() == [1, 6 + 5, 12 + 2, 15 + 2]
    assert encode_question("non_relational", "shape", 0).nonzero()[0].tolist() == [0, 12, 15]


def test_round_trips_for_every_question():
    questions = soc.all_questions()
    assert len(questions) == 3 * 6 + 3 * 6 + 3 * 30
    texts = set()
    for q in questions:
        v = encode_question(*q)
        assert decode_question(v) == q
        text = question_text(v)
        assert text == question_text(q) and text.endswith("?")
        np.testing.assert_array_equal(parse_question(text), v)
        texts.add(text)
    assert len(texts) == len(questions)
    assert question_text(encode_question("binary", "furthest_shape", "gray")) == \
        "What is the shape of the object furthest from the gray object?"


def test_bad_questions_have_clear_errors():
    with pytest.raises(ValueError, match="two different colours"):
        encode_question("ternary", "on_segment", "red", "red")
    with pytest.raises(ValueError, match="needs two colours"):
        encode_question("ternary", "on_segment", "red")
    with pytest.raises(ValueError, match="unknown colour"):
        encode_question("binary", "closest_shape", "purple")
    with pytest.raises(ValueError, match="unknown subtype"):
        encode_question("binary", "left", "red")
    with pytest.raises(ValueError, match="not one-hot|not an encoded"):
        decode_question(np.zeros(18))
    with pytest.raises(ValueError, match="not a Sort-of-CLEVR question"):
        parse_question("Is the red object happy?")


# -- generated datasets ----------------------------------------------------------------------------

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


# -- evaluation, models, command line --------------------------------------------------------------

class AlwaysYes:
    """A stand-in model that answers "yes" to everything."""

    def predict_on_batch(self, x):
        out = np.zeros((len(x["question"]), len(ANSWERS)), np.float32)
        out[:, ANSWERS.index("yes")] = 1
        return out


def test_evaluate_reports_accuracy_per_kind_and_subtype(small):
    result = soc.evaluate_model(AlwaysYes(), small, batch_size=128)
    yes = small["answers"] == ANSWERS.index("yes")
    assert result["count"] == small["answers"].size
    assert result["accuracy"] == pytest.approx(yes.mean())
    for k, kind in enumerate(KINDS):
        assert result[kind]["accuracy"] == pytest.approx(yes[small["kinds"] == k].mean())
        for s, subtype in enumerate(SUBTYPES[kind]):
            sel = (small["kinds"] == k) & (small["subtypes"] == s)
            assert result[kind][subtype] == {"accuracy": pytest.approx(yes[sel].mean()), "count": int(sel.sum())}
    assert result["binary"]["closest_shape"]["accuracy"] == 0.0


def test_models_build_and_reload_in_safe_mode(tmp_path):
    keras = pytest.importorskip("keras")
    data = soc.generate(2, [0, 9], progress=False)
    x, _ = next(iter(soc.make_dataset(data, 8)))
    for build in (soc.build_rn_model, soc.build_cnn_mlp_model):
        model = build()
        out = model.predict_on_batch(x)
        assert out.shape == (8, len(ANSWERS))
        np.testing.assert_allclose(out.sum(-1), 1, rtol=1e-5)
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        again = soc.load_model(path)
        np.testing.assert_allclose(again.predict_on_batch(x), out, rtol=1e-5, atol=1e-6)
    rn = soc.build_rn_model(compile=False)
    layer = rn.get_layer("relation_network")
    assert layer.shortcut and layer.g_units == (256,) * 4 and layer.f_dropout == 0.5
    assert rn.get_layer("objects").output.shape == (None, 25, 26)


def test_cli_train_then_evaluate(tmp_path, capsys):
    pytest.importorskip("keras")
    data_dir, run_dir = tmp_path / "data", tmp_path / "run"
    assert soc.main(["generate", "--out", str(data_dir), "--seed", "0", "--train", "3", "--test", "2"]) == 0
    capsys.readouterr()
    args = ["train", "--model", "cnn_mlp", "--run-dir", str(run_dir), "--epochs", "1", "--data", str(data_dir),
            "--batch-size", "32"]
    assert soc.main(args) == 0
    assert (run_dir / "best.keras").exists() and (run_dir / "history.csv").exists()
    results = json.loads((run_dir / "results.json").read_text())
    assert results["epochs_done"] == 1 and results["accuracy"]["count"] == 60
    assert soc.main(args) == 0  # rerunning: nothing left to do
    assert "all 1 epochs are done" in capsys.readouterr().out
    assert soc.main(["evaluate", "--weights", str(run_dir / "best.keras"), "--seed", "5", "--images", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["questions"] == 60
    assert set(report["accuracy"]) == {"accuracy", "count", *KINDS}
    assert set(report["accuracy"]["ternary"]) >= {"accuracy", "count"}


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


def test_rn_reduction_option_and_cli_refuses_other_settings(tmp_path, capsys):
    assert soc.build_rn_model(reduction="mean", compile=False).get_layer("relation_network").reduction == "mean"
    assert soc.build_rn_model(compile=False).get_layer("relation_network").reduction == "sum"
    data_dir, run_dir = tmp_path / "data", tmp_path / "run"
    assert soc.main(["generate", "--out", str(data_dir), "--seed", "0", "--train", "2", "--test", "1"]) == 0
    base = ["train", "--model", "rn", "--run-dir", str(run_dir), "--epochs", "1", "--data", str(data_dir),
            "--batch-size", "32", "--reduction", "mean"]
    assert soc.main(base) == 0
    assert json.loads((run_dir / "config.json").read_text())["reduction"] == "mean"
    capsys.readouterr()
    assert soc.main(base[:-1] + ["sum"]) == 2
    assert "other settings" in capsys.readouterr().err
    # the data folder may move (another machine, a GPU box): only the training settings must match
    moved = tmp_path / "moved"
    data_dir.rename(moved)
    assert soc.main(base[:8] + [str(moved)] + base[9:]) == 0


PRETRAINED = Path(soc.__file__).resolve().parents[1] / "data" / "pretrained"


# The check is for the RN: within 1.5 points. The CNN + MLP sits at the answer prior, so its
# accuracy follows which answers a 200-image set happens to ask (0.414 .. 0.440 over seeds 2, 3, 7).
@pytest.mark.parametrize("name, points", [("sort_of_clevr_rn", 1.5), ("sort_of_clevr_cnn_mlp", 3.0)])
def test_committed_weights_reproduce_their_accuracy_on_a_new_seed(name, points, capsys):
    """`evaluate` on a fresh test set (seed 7: never trained or selected on) vs the committed figure."""
    results = json.loads((PRETRAINED / f"{name}_results.json").read_text())
    committed = results["fresh_test"]["accuracy"]
    assert soc.main(["evaluate", "--weights", str(PRETRAINED / f"{name}.keras"), "--seed", "7"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["questions"] == committed["count"] == 6000
    assert abs(report["accuracy"]["accuracy"] - committed["accuracy"]) <= points / 100


def test_export_writes_weights_curves_and_results(tmp_path, capsys):
    data_dir, run_dir, out = tmp_path / "data", tmp_path / "run", tmp_path / "pretrained"
    assert soc.main(["generate", "--out", str(data_dir), "--seed", "0", "--train", "2", "--test", "1"]) == 0
    assert soc.main(["train", "--model", "cnn_mlp", "--run-dir", str(run_dir), "--epochs", "2",
                     "--data", str(data_dir), "--batch-size", "32"]) == 0
    capsys.readouterr()
    assert soc.main(["export", "--run-dir", str(run_dir), "--out", str(out), "--name", "m", "--images", "2",
                     "--data", str(data_dir), "--machine", "test box", "--seconds-per-epoch", "1.5"]) == 0
    results = json.loads((out / "m_results.json").read_text())
    assert (out / "m.keras").exists() and (out / "m_curves.png").stat().st_size > 1000
    assert results["epochs_done"] == 2 and results["machine"] == "test box" and results["seconds_per_epoch"] == 1.5
    assert results["validation"]["accuracy"]["count"] == 30 and results["fresh_test"]["accuracy"]["count"] == 60
    again = soc.load_model(out / "m.keras")
    assert getattr(again, "optimizer", None) is None  # no optimizer state: small, for inference or fine-tuning
    assert (out / "m.keras").stat().st_size < (run_dir / "best.keras").stat().st_size


def test_pytorch_init_redraws_every_dense_layer_within_its_bound_and_starts_at_a_lower_loss():
    keras = pytest.importorskip("keras")
    data = soc.generate(3, [0, 4], progress=False)
    x, y = soc.make_dataset(data, 64)[0]
    losses, models = {}, {}
    for init in soc.INITS:
        keras.utils.set_random_seed(0)
        models[init] = soc.build_rn_model(init=init)
        losses[init] = float(models[init].evaluate(x, y, verbose=0)[0])

    def within_bound(layer):  # U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn over the whole range
        bound = 1 / np.sqrt(np.prod(layer.kernel.shape[:-1]))
        values = [np.abs(keras.ops.convert_to_numpy(w)).max() for w in (layer.kernel, layer.bias)]
        return all(0.9 * bound < v <= bound for v in values)

    for init, model in models.items():
        relation = model.get_layer("relation_network")
        dense = list(relation.g_layers) + list(relation.f_layers) + [model.get_layer("answer")]
        convs = [model.get_layer(f"cnn_conv_{k}") for k in range(1, 5)]
        assert all(within_bound(layer) for layer in dense) == (init != "keras")
        assert all(within_bound(layer) for layer in convs) == (init == "pytorch_all")
    assert soc.init_like_pytorch(models["keras"]) == 7
    assert soc.init_like_pytorch(models["keras"], convolutions=True) == 11
    # the 625-pair sum with Glorot kernels starts far above a uniform guess (ln 10 = 2.3); PyTorch's does not
    assert losses["keras"] > 10 and losses["pytorch"] < 5 and losses["pytorch_all"] < 5
    # a bad init is refused before anything is built: sizes that could not be built never get used
    for build, sizes in ((soc.build_rn_model, {"g_units": "unbuildable"}), (soc.build_cnn_mlp_model, {"units": "x"}),
                         (soc.build_state_rn_model, {"g_units": "unbuildable"})):
        with pytest.raises(ValueError, match="init must be one of"):
            build(init="he", **sizes)


def test_cli_records_init_and_cnn_order_and_builds_what_it_records(tmp_path):
    data_dir, run_dir = tmp_path / "data", tmp_path / "run"
    assert soc.main(["generate", "--out", str(data_dir), "--seed", "0", "--train", "2", "--test", "1"]) == 0
    args = ["train", "--model", "cnn_mlp", "--run-dir", str(run_dir), "--epochs", "1", "--data", str(data_dir),
            "--batch-size", "32", "--init", "pytorch_all", "--cnn-order", "relu_bn", "--lr", "1e-4"]
    assert soc.main(args) == 0
    config = json.loads((run_dir / "config.json").read_text())
    assert (config["init"], config["cnn_order"], config["learning_rate"]) == ("pytorch_all", "relu_bn", 1e-4)
    names = [layer.name for layer in soc.load_model(run_dir / "best.keras").layers]
    assert names.index("cnn_relu_1") < names.index("cnn_bn_1")
    assert soc.main(args[:-6] + ["--cnn-order", "relu_bn", "--lr", "1e-4"]) == 2  # another init: refused


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


def test_state_rn_learns_a_relational_count_from_the_true_objects():
    """"How many other objects share A's shape?" needs every object's shape and A's: with the true
    objects as input the RN must beat chance (about 0.2 over 6 balanced answers) by far within 3
    short epochs (it measured 0.64 here), or the state rows, their alignment or the wiring are wrong."""
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    train, test = soc.generate(300, [7, 0], progress=False), soc.generate(40, [7, 1], progress=False)
    model = soc.build_state_rn_model(learning_rate=1e-3)
    model.fit(soc.make_dataset(train, 32, shuffle=True, state=True), epochs=3, verbose=0)
    result = soc.evaluate_model(model, test)
    assert result["binary"]["same_shape_count"]["accuracy"] > 0.45


def test_cli_trains_and_evaluates_the_state_rn(tmp_path, capsys):
    pytest.importorskip("keras")
    data_dir, run_dir = tmp_path / "data", tmp_path / "run"
    assert soc.main(["generate", "--out", str(data_dir), "--seed", "0", "--train", "3", "--test", "2"]) == 0
    args = ["train", "--model", "rn_state", "--run-dir", str(run_dir), "--epochs", "1", "--data", str(data_dir)]
    assert soc.main(args + ["--cnn-order", "relu_bn"]) == 2
    assert "has no CNN" in capsys.readouterr().err
    assert soc.main(args) == 0
    assert json.loads((run_dir / "config.json").read_text())["model"] == "rn_state"
    model = soc.load_model(run_dir / "best.keras")
    assert soc.takes_state(model) and model.name == "sort_of_clevr_state_rn"
    capsys.readouterr()
    assert soc.main(["evaluate", "--weights", str(run_dir / "best.keras"), "--seed", "5", "--images", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["questions"] == 60
