"""Execute the notebook series with papermill: the project's one notebook runner.

Two modes:

- ``python -m rnlib.runner --in-place``: full parameters (``QUICK=False``), each notebook replaced
  by its executed copy only when the whole run succeeded. This produces the committed notebooks.
- ``python -m rnlib.runner --quick [--out build/notebooks]``: ``QUICK=True``, executed copies written
  to a build folder, sources untouched. CI runs this through tests/test_notebooks.py.

Every notebook has one cell tagged ``parameters``; papermill adds the values given here in a cell
tagged ``injected-parameters`` right after it, so an executed notebook shows what produced its outputs.
Notebooks run with their own folder (notebooks/) as working directory, one at a time, in name order.
Each successful run's wall time goes to ``notebooks/run_times.json`` (per notebook: ``full`` and
``quick`` seconds, the date and the machine), the file README's series table is made from.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def notebooks(selection=None) -> list[Path]:
    """The series in order (``notebooks/NN_*.ipynb``), or the given paths."""
    if selection:
        return [Path(p).resolve() for p in selection]
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def execute(notebook, out_path, quick: bool, parameters: dict | None = None, timeout: int = 3600) -> Path:
    """Run ``notebook`` top to bottom with ``QUICK=quick`` (plus ``parameters``) and write it to ``out_path``."""
    import papermill as pm

    notebook, out_path = Path(notebook), Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    params = {"QUICK": bool(quick), **(parameters or {})}
    env_quick = os.environ.get("RNLIB_QUICK")
    os.environ["RNLIB_QUICK"] = "1" if quick else "0"  # for code a notebook runs in subprocesses
    try:
        pm.execute_notebook(str(notebook), str(out_path), parameters=params, cwd=str(notebook.parent),
                            kernel_name="python3", progress_bar=False, execution_timeout=timeout,
                            request_save_on_cell_execute=False)
    finally:
        if env_quick is None:
            os.environ.pop("RNLIB_QUICK", None)
        else:
            os.environ["RNLIB_QUICK"] = env_quick
    return out_path


RUN_TIMES = NOTEBOOKS / "run_times.json"


def record_time(notebook, quick: bool, seconds: float, path=None) -> dict:
    """Store one run's wall time in ``run_times.json`` (``{name: {"full"|"quick": {...}}}``); returns the file's data."""
    import json
    import platform

    path = Path(path) if path is not None else RUN_TIMES
    data = json.loads(path.read_text()) if path.exists() else {}
    data.setdefault(Path(notebook).name, {})["quick" if quick else "full"] = {
        "seconds": round(float(seconds), 1), "date": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} CPU(s), {platform.machine()}"}
    path.write_text(json.dumps(dict(sorted(data.items())), indent=1) + "\n")
    return data


def _minutes(entry) -> str:
    if not entry:
        return "not measured"
    sec = entry["seconds"]
    return f"{sec:.0f} s" if sec < 90 else f"{sec / 60:.1f} min"


def update_readme_times(readme=None, times=None) -> int:
    """Rewrite the time column ("full / QUICK") of README's series table from ``run_times.json``;
    returns how many rows changed. A row is ``| `NN_name.ipynb` | ... |`` with the time in column 4."""
    import json

    readme = Path(readme) if readme is not None else ROOT / "README.md"
    times = Path(times) if times is not None else RUN_TIMES
    data = json.loads(times.read_text()) if times.exists() else {}
    lines, changed = readme.read_text().split("\n"), 0
    for k, line in enumerate(lines):
        cells = line.split(" | ")
        name = cells[0].removeprefix("| ").strip("`") if line.startswith("| `") else None
        if name and name.endswith(".ipynb") and len(cells) >= 5:
            entry = data.get(name, {})
            new = f"{_minutes(entry.get('full'))} / {_minutes(entry.get('quick'))}"
            if cells[3] != new:
                cells[3], changed = new, changed + 1
                lines[k] = " | ".join(cells)
    readme.write_text("\n".join(lines))
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnlib.runner", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: notebooks/NN_*.ipynb)")
    parser.add_argument("--quick", action="store_true", help="QUICK=True: small sizes, minutes in all")
    parser.add_argument("--in-place", action="store_true",
                        help="replace each notebook by its executed copy (full parameters; what is committed)")
    parser.add_argument("--out", default=str(ROOT / "build" / "notebooks"), help="output folder (not with --in-place)")
    parser.add_argument("--timeout", type=int, default=4 * 3600, help="seconds allowed per cell")
    parser.add_argument("--readme", action="store_true",
                        help="only rewrite README's series table times from notebooks/run_times.json")
    args = parser.parse_args(argv)
    if args.readme:
        print(f"[runner] README.md: {update_readme_times()} row(s) updated from {RUN_TIMES}")
        return 0
    if args.in_place and args.quick:
        parser.error("--in-place writes the committed notebooks, which show full runs: drop --quick")

    failed = []
    for nb in notebooks(args.notebooks):
        target = nb.with_name(nb.stem + ".executing.ipynb") if args.in_place else Path(args.out) / nb.name
        start = time.time()
        print(f"[runner] {nb.name} (QUICK={args.quick}) ...", flush=True)
        try:
            execute(nb, target, quick=args.quick, timeout=args.timeout)
        except Exception as e:  # report and go on with the next notebook
            failed.append(nb.name)
            print(f"[runner] FAILED {nb.name} after {time.time() - start:.0f} s: {type(e).__name__}: {e}", flush=True)
            continue
        if args.in_place:
            target.replace(nb)
        if nb.parent == NOTEBOOKS:  # the series' own notebooks (not copies elsewhere)
            record_time(nb, args.quick, time.time() - start)
        print(f"[runner] ok {nb.name} in {time.time() - start:.0f} s -> {nb if args.in_place else target}", flush=True)
    if failed:
        print(f"[runner] {len(failed)} notebook(s) failed: {', '.join(failed)}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
