"""Executes every notebook of the series in QUICK mode (what CI runs), so a broken notebook fails."""

import json

import pytest

from rnlib import runner

NOTEBOOKS = runner.notebooks()


def test_series_is_numbered_and_has_a_parameters_cell():
    names = [nb.name for nb in NOTEBOOKS]
    assert names == sorted(names)
    for nb in NOTEBOOKS:
        cells = json.loads(nb.read_text())["cells"]
        assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in cells), nb.name
        source = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert "QUICK" in source, f"{nb.name}: the parameters cell must define QUICK"


@pytest.mark.notebooks
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_runs_in_quick_mode(notebook, tmp_path):
    out = runner.execute(notebook, tmp_path / notebook.name, quick=True, timeout=600)
    cells = json.loads(out.read_text())["cells"]
    errors = [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors
