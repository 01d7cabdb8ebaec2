"""Tests of rnlib.sort_of_clevr.evaluation: accuracy per kind and subtype, the weights' preset."""

import numpy as np
import pytest

from rnlib import sort_of_clevr as soc
from rnlib.sort_of_clevr import ANSWERS, KINDS, SUBTYPES


@pytest.fixture(scope="module")
def small():
    return soc.generate(60, [7, 1], progress=False)


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


def test_kind_history_appends_one_row_per_epoch_and_keeps_the_last_of_a_rescored_epoch(small, tmp_path):
    path = tmp_path / "kinds.csv"
    callback = soc.KindHistory(small, path, batch_size=128)
    callback.set_model(AlwaysYes())
    for epoch in (0, 1, 1):  # epoch 1 scored twice: a run interrupted after scoring it, then resumed
        callback.on_epoch_end(epoch)
    assert len(path.read_text().splitlines()) == 1 + 3
    history = soc.read_kind_history(path)
    yes = small["answers"] == ANSWERS.index("yes")
    assert history["epoch"] == [0, 1]
    assert history["all"] == pytest.approx([yes.mean()] * 2)
    assert history["binary"] == pytest.approx([yes[small["kinds"] == KINDS.index("binary")].mean()] * 2)
    assert set(history) == {"epoch", "all", *KINDS, *(f"{k}/{s}" for k in KINDS for s in SUBTYPES[k])}
    assert soc.read_kind_history(tmp_path / "none.csv") == {}


def test_kind_history_refuses_another_datasets_columns(small, tmp_path):
    path = tmp_path / "kinds.csv"
    callback = soc.KindHistory(small, path)
    callback.set_model(AlwaysYes())
    callback.on_epoch_end(0)
    paper = soc.generate(4, [7, 1], progress=False, preset="paper")  # no ternary column
    other = soc.KindHistory(paper, path)
    other.set_model(AlwaysYes())
    with pytest.raises(ValueError, match="kinds.csv: its columns"):
        other.on_epoch_end(1)


def _one_scene(centers, shapes, questions):
    """A one-image dataset asking ``questions`` (kind, subtype, a[, b]) with the true answers."""
    scene = soc.Scene(np.array(centers, np.int16), np.array(shapes, np.int8))
    qs = [soc.Question(*q) for q in questions]
    return {"centers": scene.centers[None], "shapes": scene.shapes[None],
            "kinds": np.array([[KINDS.index(q.kind) for q in qs]]),
            "subtypes": np.array([[SUBTYPES[q.kind].index(q.subtype) for q in qs]]),
            "answers": np.array([[ANSWERS.index(soc.answer_question(scene, q)[0]) for q in qs]])}


def test_colour_blind_reader_answers_what_most_objects_would_give():
    # five squares and one circle (blue, colour 2); red, green and blue on the left, the rest on the right
    centers = [(10, 10), (20, 60), (30, 35), (50, 10), (60, 40), (65, 65)]
    shapes = [0, 0, 1, 0, 0, 0]
    questions = [("non_relational", "shape", c) for c in soc.COLORS] + [("non_relational", "left", "red"),
                                                                        ("non_relational", "left", "yellow")]
    data = _one_scene(centers, shapes, questions)
    guesses = soc.colour_blind_answers(data)
    # "square" for every shape question (5 of 6 objects are squares); "yes" for left: a 3-3 tie goes to "yes"
    assert [ANSWERS[g] for g in guesses] == ["square"] * 6 + ["yes", "yes"]
    result = soc.colour_blind_accuracy(data)
    assert result["non_relational"]["shape"] == {"accuracy": pytest.approx(5 / 6), "count": 6}
    assert result["non_relational"]["left"]["accuracy"] == pytest.approx(1 / 2)


def test_colour_blind_reader_considers_every_ordered_pair_for_ternary_questions():
    # four objects on a horizontal line; two off it
    centers = [(10, 40), (30, 40), (50, 40), (70, 40), (20, 10), (60, 70)]
    data = _one_scene(centers, [0] * 6, [("ternary", "on_segment", "red", "yellow"),
                                         ("ternary", "on_segment", "red", "green")])
    scene = soc.Scene(np.array(centers, np.int16), np.zeros(6, np.int8))
    pairs = [(a, b) for a in soc.COLORS for b in soc.COLORS if a != b]
    yes = sum(soc.answer_question(scene, soc.Question("ternary", "on_segment", a, b))[0] == "yes" for a, b in pairs)
    expected = "yes" if yes > len(pairs) - yes else "no"
    assert [ANSWERS[g] for g in soc.colour_blind_answers(data)] == [expected, expected]
    assert expected == "no"  # few of the 30 ordered pairs have an object on their segment


def test_colour_blind_ceiling_lies_between_the_prior_and_perfect():
    small = soc.generate(60, [7, 1], progress=False, preset="paper")
    result = soc.colour_blind_accuracy(small)
    assert result["count"] == small["answers"].size
    # a reader that sees shapes and places beats always answering the commonest answer of each subtype...
    for k, kind in enumerate(KINDS[:2]):
        for s, subtype in enumerate(SUBTYPES[kind]):
            answers = small["answers"][(small["kinds"] == k) & (small["subtypes"] == s)]
            assert result[kind][subtype]["accuracy"] >= np.bincount(answers).max() / answers.size - 0.05
    # ...but without colours it cannot answer everything
    assert result["accuracy"] < 0.9
