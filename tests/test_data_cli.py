import subprocess
import sys

import numpy as np

from rnlib.data import read_examples, read_png, render
from conftest import example_json, write_jsonl


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "rnlib.data", *args], capture_output=True, text=True, cwd=cwd)


def test_render_command_writes_the_real_layout(tmp_path):
    hidden = example_json("5-1")
    del hidden["directory"]
    src = write_jsonl(tmp_path / "test.json", [example_json("4-0"), hidden])
    out = tmp_path / "out"
    result = run_cli("render", "--json", str(src), "--out", str(out), "--no-progress")
    assert result.returncode == 0, result.stderr
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png"))
    assert written == [f"images/0/test-5-1-{k}.png" for k in range(6)] + [f"images/3/test-4-0-{k}.png" for k in range(6)]
    ex = read_examples(src)[0]
    for k in range(6):
        np.testing.assert_array_equal(read_png(out / "images" / "3" / f"test-4-0-{k}.png"), render(ex.structured_rep, k))


def test_render_command_reports_bad_input_without_a_traceback(tmp_path):
    src = write_jsonl(tmp_path / "dev.json", [example_json("1-0"), dict(example_json("1-1"), label="maybe")])
    result = run_cli("render", "--json", str(src), "--out", str(tmp_path / "out"), "--no-progress")
    assert result.returncode == 2
    assert f"{src}, line 2: field 'label'" in result.stderr and "Traceback" not in result.stderr
