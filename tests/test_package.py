"""Tests of rnlib/__init__.py: ``python -m rnlib...`` commands print only their own output."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import example_json, write_jsonl

ROOT = Path(__file__).resolve().parent.parent
#: A line of TensorFlow's C++/absl logging: "I0000 00:00:1796590849.399957 4474 port.cc:153] ...",
#: or absl's "WARNING: All log messages before absl::InitializeLog() is called ...".
TF_LOG_LINE = re.compile(r"^(?:[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ [\w.]+:\d+\]|WARNING: All log messages before absl)", re.M)


def _evaluate(tmp_path, **env_extra):
    examples = write_jsonl(tmp_path / "three.json", [example_json(f"{k}-0") for k in range(3)])
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "RNLIB_TF_LOGS")}
    command = [sys.executable, "-m", "rnlib.nlvr", "evaluate", "--json", str(examples),
               "--weights", str(ROOT / "data" / "pretrained" / "nlvr_text_only.keras"),
               "--cache-dir", str(tmp_path / "cache")]
    result = subprocess.run(command, cwd=ROOT, env={**env, **env_extra}, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["count"] == 18  # 3 examples x 6 images: the command's own output
    return result.stderr


def test_commands_silence_tensorflow_logs_unless_asked(tmp_path):
    quiet = _evaluate(tmp_path)
    assert not TF_LOG_LINE.search(quiet), f"TensorFlow's log lines on a command's stderr:\n{quiet}"
    # RNLIB_TF_LOGS=1 brings them back (this CPU-only TensorFlow logs oneDNN and CUDA probing at import)
    loud = _evaluate(tmp_path, RNLIB_TF_LOGS="1")
    assert TF_LOG_LINE.search(loud), f"RNLIB_TF_LOGS=1 but no TensorFlow log line on stderr:\n{loud}"


def test_quieting_applies_to_commands_only():
    code = "import sys, rnlib; print(rnlib._started_as_command(), any(isinstance(f, rnlib._QuietTensorFlowFinder) for f in sys.meta_path))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]  # a library import (a notebook, a script) changes nothing
