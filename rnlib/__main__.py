"""The two quick-start commands: ``python3 -m rnlib series`` and ``python3 -m rnlib test``.

This file uses the standard library only, because it runs before any dependency is installed:
it creates (or reuses) the virtual environment ``.venv`` next to README.md, installs
requirements.txt and rnlib itself (editable) into it, then re-runs the real work inside it.
"""

import argparse
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".rnlib-requirements.sha256"


def _requirements_digest() -> str:
    h = hashlib.sha256()
    for name in ("requirements.txt", "pyproject.toml"):
        h.update((ROOT / name).read_bytes())
    return h.hexdigest()


def ensure_venv() -> Path:
    """Create .venv if needed and (re)install the requirements when they changed."""
    if not PYTHON.exists():
        print(f"[rnlib] creating virtual environment {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = _requirements_digest()
    if not STAMP.exists() or STAMP.read_text().strip() != digest:
        print("[rnlib] installing requirements.txt and rnlib (editable) into .venv", flush=True)
        pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        subprocess.run(pip + ["-r", str(ROOT / "requirements.txt")], check=True)
        subprocess.run(pip + ["--no-deps", "-e", str(ROOT)], check=True)
        STAMP.write_text(digest + "\n")
    return PYTHON


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m rnlib", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    series = sub.add_parser("series", help="set up .venv, then execute every notebook into build/notebooks")
    series.add_argument("--quick", action="store_true", help="QUICK=True (minutes instead of the full run)")
    series.add_argument("--out", default="build/notebooks", help="folder for the executed notebooks")
    test = sub.add_parser("test", help="set up .venv, then run the test suite with pytest")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER, help="extra arguments for pytest")
    args = parser.parse_args(argv)

    python = str(ensure_venv())
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if args.command == "series":
        cmd = [python, "-m", "rnlib.runner", "--out", args.out] + (["--quick"] if args.quick else [])
    else:
        cmd = [python, "-m", "pytest", "-q", "tests"] + args.pytest_args
    print("[rnlib] " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
