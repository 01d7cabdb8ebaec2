"""Tests of rnlib.runner's bookkeeping (executing notebooks is tests/test_notebooks.py's job)."""

import json

from rnlib import runner


def test_run_times_keep_full_and_quick_per_notebook(tmp_path):
    path = tmp_path / "run_times.json"
    runner.record_time("notebooks/05_x.ipynb", quick=False, seconds=123.45, path=path)
    runner.record_time("notebooks/05_x.ipynb", quick=True, seconds=40.0, path=path)
    runner.record_time("notebooks/01_y.ipynb", quick=True, seconds=9.0, path=path)
    data = json.loads(path.read_text())
    assert list(data) == ["01_y.ipynb", "05_x.ipynb"]
    assert data["05_x.ipynb"]["full"]["seconds"] == 123.5 and data["05_x.ipynb"]["quick"]["seconds"] == 40.0
    runner.record_time("notebooks/05_x.ipynb", quick=True, seconds=30.0, path=path)  # a later run replaces it
    assert json.loads(path.read_text())["05_x.ipynb"]["quick"]["seconds"] == 30.0


def test_readme_series_table_takes_its_times_from_run_times(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("| notebook | what | needs | time | GPU |\n|---|---|---|---|---|\n"
                      "| `05_x.ipynb` | a | b | old | no |\n| `06_z.ipynb` | a | b | old | no |\nafter\n")
    times = tmp_path / "run_times.json"
    runner.record_time("05_x.ipynb", quick=False, seconds=312, path=times)
    runner.record_time("05_x.ipynb", quick=True, seconds=41, path=times)
    assert runner.update_readme_times(readme, times) == 2
    text = readme.read_text()
    assert "| `05_x.ipynb` | a | b | 5.2 min / 41 s | no |" in text
    assert "| `06_z.ipynb` | a | b | not measured / not measured | no |" in text and text.endswith("after\n")
