"""The quick-start commands: ``python3 -m rnlib series``, ``test`` and ``lab``, and ``badges``.

This file uses the standard library only, because it runs before any dependency is installed:
``series``, ``test`` and ``lab`` create (or reuse) the virtual environment ``.venv`` next to
README.md, install requirements.txt and rnlib itself (editable) into it, then run the real work
inside it: the notebooks headless (``series``), the test suite (``test``), JupyterLab on
``notebooks/`` (``lab``; further arguments go to JupyterLab, e.g. ``--no-browser --port 8899``).
``badges --slug OWNER/REPO [--branch B]`` points the notebooks' "Open in Colab" badges, their Setup
cells and README.md at another GitHub repository (``rnlib.colab``); it needs no ``.venv``.
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
    sub.add_parser("lab", help="set up .venv, then open JupyterLab on notebooks/ "
                               "(further arguments go to JupyterLab, e.g. --no-browser --port 8899)")
    badges = sub.add_parser("badges", help="point the Colab badges, Setup cells and README at another GitHub repository")
    badges.add_argument("--slug", required=True, help="OWNER/REPO on GitHub")
    badges.add_argument("--branch", default="main", help="the branch the badges open (default: main)")
    args, extra = parser.parse_known_args(argv)  # `test` and `lab` pass what they do not know on
    if extra and args.command not in ("test", "lab"):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")

    if args.command == "badges":
        from .colab import rewrite_slug

        try:
            changed = rewrite_slug(ROOT, args.slug, args.branch)
        except ValueError as e:
            parser.error(str(e))
        for path in changed:
            print(f"[rnlib] rewrote {path.relative_to(ROOT)}")
        print(f"[rnlib] badges and Setup cells point at github.com/{args.slug} ({args.branch}); "
              f"{len(changed)} file(s) changed")
        return 0

    python = str(ensure_venv())
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if args.command == "series":
        cmd = [python, "-m", "rnlib.runner", "--out", args.out] + (["--quick"] if args.quick else [])
    elif args.command == "lab":  # JupyterLab replaces this process, so that Ctrl+C reaches it as usual
        cmd = [python, "-m", "jupyterlab", "notebooks/"] + extra
        print("[rnlib] " + " ".join(cmd), flush=True)
        os.chdir(ROOT)
        os.execve(python, cmd, env)
        return 0  # (not reached: execve does not return)
    else:
        # --durations: every run (CI too) ends with the slowest tests, to keep the suite short.
        # -n auto: one pytest-xdist worker per CPU; --dist loadgroup keeps the tests that execute notebooks
        # in the checkout (group "notebooks": they share its data/ folder) on one worker, in order.
        cmd = [python, "-m", "pytest", "-q", "--durations=20", "-n", "auto", "--dist", "loadgroup",
               "tests"] + extra + args.pytest_args
    print("[rnlib] " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
