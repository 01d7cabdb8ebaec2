"""Static checks of the notebook series, and notebook 01's real-NLVR cells on JSON files without PNGs.

Executing every notebook in QUICK mode is tests/test_colab.py's job (test_series_runs_on_simulated_colab,
the notebooks as a Colab user runs them), so that CI runs them once.
"""

import json

from rnlib import runner

NOTEBOOKS = runner.notebooks()
NOTEBOOK_01 = runner.NOTEBOOKS / "01_data_and_preprocessing.ipynb"


def test_series_is_numbered_and_has_a_parameters_cell():
    names = [nb.name for nb in NOTEBOOKS]
    assert names == sorted(names)
    for nb in NOTEBOOKS:
        cells = json.loads(nb.read_text())["cells"]
        assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in cells), nb.name
        source = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert "QUICK" in source, f"{nb.name}: the parameters cell must define QUICK"


# Notebook 01's cells that read real NLVR (by cell id, in notebook order), with the cells they build on:
# the imports, the helpers, the parameters, the synthetic quick dataset, the vectorizer.
SETUP_01 = ["40df720b", "c609244d", "49b124de", "fed13717"]
AFTER_PARAMETERS_01 = ["724d2bbe"]
REAL_DATA_01 = ["cd20bfaa",  # reads REAL_NLVR (or downloads it)
                "acc05d62",  # four examples: real PNGs, else drawn from structured_rep
                "737fd74c", "23460f1d",  # one example, six box orders (raised IndexError without PNGs)
                "1a4d3449", "85cba883",  # real PNGs against the renderer (divided by zero without PNGs)
                "8c39f7d3", "0d3ffce2", "7e4d02b8", "bfe18b23", "8ba09aac", "c55fb581", "67485478", "4deda67d"]


def _nlvr_files(tmp_path):
    """Real-NLVR-format JSON without any PNG, in both layouts: ../shared/nlvr's and a download's."""
    from rnlib.data import synthetic, write_examples

    examples = synthetic.generate(seed=5, groups={"train": 0, "dev": 12, "test": 12})
    flat, downloaded = tmp_path / "flat", tmp_path / "downloaded"
    for split in ("dev", "test"):
        write_examples(examples[split], flat / f"{split}.json")
        write_examples(examples[split], downloaded / split / f"{split}.json")
    return flat, downloaded, len(examples["dev"])


def test_notebook_01_real_nlvr_cells_run_from_json_without_pngs(tmp_path):
    """The cells that show real NLVR work from dev.json/test.json alone, in ../shared/nlvr's layout
    (dev.json) and in a download's (dev/dev.json); the two that need real PNGs say so and skip."""
    import nbformat
    from nbclient import NotebookClient

    flat, downloaded, n_dev = _nlvr_files(tmp_path)
    nb = nbformat.read(NOTEBOOK_01, as_version=4)
    by_id = {c.id: c for c in nb.cells}
    assert set(SETUP_01 + AFTER_PARAMETERS_01 + REAL_DATA_01) <= set(by_id), "notebook 01's cell ids changed"
    run = [by_id[i] for i in SETUP_01]
    for folder in (flat, downloaded):  # as papermill injects parameters: a cell right after them
        run.append(nbformat.v4.new_code_cell(f"QUICK = True\nREAL_NLVR = {str(folder)!r}"))
        run += [by_id[i] for i in AFTER_PARAMETERS_01 + REAL_DATA_01]
    nb.cells = [nbformat.v4.new_code_cell(c.source) if c.cell_type == "code" else c for c in run]
    NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(tmp_path)}}).execute()

    def printed(k):  # what the k-th executed cell printed
        return "".join(o.get("text", "") for o in nb.cells[k].outputs if o.output_type == "stream")

    block = 1 + len(AFTER_PARAMETERS_01) + len(REAL_DATA_01)
    for start, folder in ((len(SETUP_01) + block - len(REAL_DATA_01), flat),
                          (len(SETUP_01) + 2 * block - len(REAL_DATA_01), downloaded)):
        texts = [printed(start + k) for k in range(len(REAL_DATA_01))]
        assert "DATA_DIR = " in texts[0] and f"real NLVR dev from {folder}: {n_dev} examples" in texts[0], texts[0]
        assert "real PNGs for 0 of its examples" in texts[0]
        assert texts[2].startswith("example ") and " of real NLVR dev:" in texts[2].split("\n")[0], texts[2]
        assert texts[4].startswith("skipped: no real NLVR PNGs"), texts[4]
        assert texts[5].startswith("skipped: needs real NLVR PNGs"), texts[5]
        assert not any("skipped" in t for t in texts[:4] + texts[6:]), texts
