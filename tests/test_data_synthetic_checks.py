"""Tests of rnlib.data.synthetic.checks: the synthetic data against real NLVR dev (skipped without it)."""

import pytest

from rnlib.data import SHARED_NLVR, read_examples
from rnlib.data import synthetic as syn


REAL_DEV = SHARED_NLVR / "dev.json"


needs_real = pytest.mark.skipif(not REAL_DEV.exists(), reason=f"real NLVR dev not found at {REAL_DEV}")


@pytest.fixture(scope="module")
def medium():
    """1,000 sentence groups without images (about a second)."""
    return syn.generate(seed=0, groups=1000)


@needs_real
def test_vocabulary_covers_90_percent_of_real_dev_tokens(medium):
    real = [e.sentence for e in read_examples(REAL_DEV)]
    coverage = syn.vocabulary_coverage([e.sentence for e in medium["train"]], real)
    assert coverage["token_coverage"] >= 0.90, coverage["missing"]


@needs_real
def test_scene_statistics_resemble_real_dev(medium):
    rows = syn.compare_statistics(medium["train"], read_examples(REAL_DEV))
    far = [(name, round(a, 3), round(b, 3)) for name, a, b in rows
           if not (name.startswith(("examples", "sentence groups", "words")) or name.endswith("(mean)"))
           and abs(a - b) > 0.06]
    assert not far, f"synthetic vs real dev differ by more than 0.06: {far}"
