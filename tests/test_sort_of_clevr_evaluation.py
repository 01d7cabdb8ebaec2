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
