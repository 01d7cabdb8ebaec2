"""What the repository shows a reader holds no absolute path of the machine that made it.

CONVENTIONS.md: outputs print paths relative to the repository root (or ``DATA_DIR/...``). Scanned:
every committed notebook's outputs, and every committed ``*_results.json`` and ``config.json`` under
``data/`` (keys and values). URLs are not paths. A failure names the file and the cell or key.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: An absolute file-system path: a "/" that starts a word (not inside a URL, a fraction such as 4/4,
#: a relative path such as data/x or ../shared/x, or base64), then at least two named components.
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/\\~+=)\]-])/[A-Za-z_.~][\w.+~-]*(?:/[\w.+~-]+)+")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
TEXT_TYPES = ("text/plain", "text/markdown", "text/html", "text/latex", "application/json")


def absolute_paths(text: str) -> list[str]:
    """The absolute file-system paths in ``text``."""
    return ABSOLUTE_PATH.findall(ANSI.sub("", text))


def committed(*patterns) -> list[Path]:
    """Files of the repository matching the git ``patterns`` (the working tree's, without git)."""
    if shutil.which("git") and (ROOT / ".git").exists():
        listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--", *patterns],
                                capture_output=True, text=True, check=True).stdout
        return sorted(ROOT / p for p in listed.split("\0") if p and (ROOT / p).exists())
    return sorted({p for pattern in patterns for p in ROOT.glob(pattern)})


def notebook_findings(path: Path) -> list[str]:
    found = []
    for index, cell in enumerate(json.loads(path.read_text())["cells"]):
        for output in cell.get("outputs", []):
            texts = ["".join(output.get("text", "")), "\n".join(output.get("traceback", []))]
            for kind, value in output.get("data", {}).items():
                if kind in TEXT_TYPES:
                    texts.append(value if isinstance(value, str) else "".join(value) if isinstance(value, list)
                                 else json.dumps(value))
            for hit in sorted({h for t in texts for h in absolute_paths(t)}):
                found.append(f"{path.relative_to(ROOT)}: cell {index} (0-based): {hit}")
    return found


def json_findings(path: Path) -> list[str]:
    found = []

    def walk(value, key):
        if isinstance(value, dict):
            for k, v in value.items():
                for hit in absolute_paths(str(k)):
                    found.append(f"{path.relative_to(ROOT)}: key {key or '(top)'} -> {k!r}: {hit}")
                walk(v, f"{key}.{k}" if key else str(k))
        elif isinstance(value, list):
            for k, v in enumerate(value):
                walk(v, f"{key}[{k}]")
        elif isinstance(value, str):
            for hit in absolute_paths(value):
                found.append(f"{path.relative_to(ROOT)}: key {key}: {hit}")

    walk(json.loads(path.read_text()), "")
    return found


def test_the_path_pattern_finds_paths_and_nothing_else():
    assert absolute_paths("committed models in /work/main/data/pretrained; real: /tmp/rnlib-04-x/demo_run") == [
        "/work/main/data/pretrained", "/tmp/rnlib-04-x/demo_run"]
    assert absolute_paths('"/content/relation-networks/data"') == ["/content/relation-networks/data"]
    assert absolute_paths("Traceback: \x1b[0;32m/usr/lib/python3.11/json.py\x1b[0m") == ["/usr/lib/python3.11/json.py"]
    not_paths = ("https://github.com/lil-lab/nlvr/blob/master/x.json", "4/4 - 9s - 2s/step", "../shared/nlvr/dev.json",
                 "data/pretrained/nlvr_seed_rn.keras", "DATA_DIR/synthetic/default-seed0", "train/dev/test, 1/2, km/h",
                 "data:image/png;base64,iVBOR+/abc/def==", "accuracy / loss", "file:///opt/x")
    for text in not_paths:
        assert absolute_paths(text) == [], text


NOTEBOOKS = committed("notebooks/*.ipynb")
DATA_JSON = committed("data/*_results.json", "data/**/*_results.json", "data/**/config.json", "data/config.json")


def test_the_scan_covers_the_notebooks_and_the_data_files():
    assert len(NOTEBOOKS) >= 7
    names = {p.name for p in DATA_JSON}
    assert "nlvr_seed_rn_results.json" in names and any(n.startswith("sort_of_clevr") for n in names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_outputs_hold_no_absolute_paths(path):
    found = notebook_findings(path)
    assert not found, "absolute paths in committed outputs (print display_path(...) instead):\n" + "\n".join(found)


def test_data_results_and_configs_hold_no_absolute_paths():
    found = [f for path in DATA_JSON for f in json_findings(path)]
    files = sorted({f.split(":", 1)[0] for f in found})
    assert not found, (f"absolute paths in {len(files)} committed JSON file(s) under data/ (record "
                       "rnlib.data.display_path(...) instead):\n" + "\n".join(found))
