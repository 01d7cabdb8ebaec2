"""Every notebook of the series executes top to bottom in QUICK mode, with the project's runner.

Notebook 01 runs on the simulated Colab instead (tests/test_colab.py: a fresh environment, the
repository cloned and installed by its Setup cell); 02-07 run here, in this environment, the way
``python -m rnlib.runner --quick`` runs them. They share the checkout's ``data/`` folder (datasets
generated on first use, image caches), so they run one after the other on one pytest-xdist worker
(group ``notebooks``, with the browser test that runs notebook 02), while the other tests use the
other workers.
"""

import json

import pytest

from rnlib import runner

IN_MAIN_ENVIRONMENT = [nb for nb in runner.notebooks() if not nb.name.startswith("01_")]


def test_every_notebook_but_01_runs_here():
    names = [nb.name[:2] for nb in IN_MAIN_ENVIRONMENT]
    assert names == [f"{k:02d}" for k in range(2, 2 + len(names))] and len(names) >= 6, names


@pytest.mark.notebooks
@pytest.mark.xdist_group("notebooks")
@pytest.mark.parametrize("notebook", IN_MAIN_ENVIRONMENT, ids=lambda nb: nb.name[:2])
def test_notebook_runs_in_quick_mode(notebook, tmp_path):
    out = runner.execute(notebook, tmp_path / notebook.name, quick=True, timeout=900)
    cells = json.loads(out.read_text())["cells"]
    errors = [f"cell {k}: {o['ename']}: {o['evalue']}" for k, c in enumerate(cells) if c["cell_type"] == "code"
              for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors, errors
    counts = [c["execution_count"] for c in cells if c["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1)), f"{notebook.name}: not every cell ran, in order: {counts}"
    injected = next(c for c in cells if "injected-parameters" in c["metadata"].get("tags", []))
    assert "QUICK = True" in "".join(injected["source"])
