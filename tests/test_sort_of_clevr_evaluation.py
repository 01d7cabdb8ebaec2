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
