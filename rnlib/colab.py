"""Where the course lives on GitHub, its "Open in Colab" badges, and the Setup cell of every notebook.

One place holds the repository's GitHub slug and branch (:data:`SLUG`, :data:`BRANCH`). From them come
every notebook's badge (:func:`badge`), the clone URL (:func:`clone_url`) and the Setup cell that
every notebook starts with, byte for byte the same (:data:`SETUP_CELL`, tagged ``setup``).
``python3 -m rnlib badges --slug OWNER/REPO [--branch B]`` moves all of them to another repository
(a fork): the badges and Setup cells of the notebooks, the links of README.md and the constants here
(:func:`rewrite_slug`).

On Colab the Setup cell clones the repository (or updates the clone), installs ``rnlib`` editable with
the requirements of ``pyproject.toml`` and, with ``USE_DRIVE = True``, calls :func:`keep_data_on_drive`.
Its environment variables: ``RNLIB_COLAB=1`` makes it act as on Colab anywhere (the simulated-Colab
test, tests/test_colab.py), ``RNLIB_REPO`` clones another repository (default :func:`clone_url`),
``RNLIB_HOME`` clones into another folder (default :data:`HOME`).

Standard library only: ``python3 -m rnlib badges`` runs before any dependency is installed.
Introduced in every notebook's Setup cell (notebooks/01_data_and_preprocessing.ipynb first).
"""

from __future__ import annotations

import re
from pathlib import Path

#: The repository on GitHub ("OWNER/REPO") and the branch the badges open.
SLUG = "rn-vqa-course/relation-networks"
BRANCH = "main"

#: Where the Setup cell clones the repository on Colab (``$RNLIB_HOME`` overrides it).
HOME = "/content/relation-networks"

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"

#: A badge in a notebook's first cell: ``[![Open In Colab](image)](colab URL of the notebook)``.
BADGE_RE = re.compile(r"\[!\[Open In Colab\]\(" + re.escape(BADGE_IMAGE) + r"\)\]"
                      r"\(https://colab\.research\.google\.com/github/(?P<slug>[^/\s()]+/[^/\s()]+)"
                      r"/blob/(?P<branch>[^/\s()]+)/(?P<path>[^\s()]+)\)")
_SLUG_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
_BRANCH_RE = re.compile(r"^[A-Za-z0-9._-]+$")

#: The folders of ``data/`` that the notebooks generate (never committed), kept on Google Drive by
#: :func:`keep_data_on_drive`: datasets, downloaded NLVR, image caches, run folders. Committed files
#: (``data/pretrained/``, the committed Sort-of-CLEVR runs) stay in the clone, where ``rnlib.data.DATA_DIR``
#: finds them.
DRIVE_FOLDERS = ("synthetic", "nlvr", "glove", "cache", "nlvr_runs", "checkpoints",
                 "sort_of_clevr/runs/notebook_rn", "sort_of_clevr/runs/notebook_cnn_mlp")
#: Where those folders go on Drive, under the mount point.
DRIVE_DATA = "MyDrive/relation-networks/data"


def clone_url(slug: str = SLUG) -> str:
    """The HTTPS URL the Setup cell clones: ``https://github.com/OWNER/REPO.git``."""
    return f"https://github.com/{slug}.git"


def colab_url(path: str, slug: str = SLUG, branch: str = BRANCH) -> str:
    """The address that opens ``path`` (relative to the repository root) of ``slug`` at ``branch`` in Colab."""
    return f"https://colab.research.google.com/github/{slug}/blob/{branch}/{path}"


def badge(path: str, slug: str = SLUG, branch: str = BRANCH) -> str:
    """The "Open in Colab" badge (Markdown) of the notebook at ``path``, e.g. ``notebooks/01_x.ipynb``."""
    return f"[![Open In Colab]({BADGE_IMAGE})]({colab_url(path, slug, branch)})"


def badges_in(text: str) -> list[tuple[str, str, str]]:
    """Every badge in ``text`` as ``(slug, branch, path)``."""
    return [(m["slug"], m["branch"], m["path"]) for m in BADGE_RE.finditer(text)]


_SETUP_CELL = '''\
# Setup. On Colab: fetch the course (clone it, or update the clone), install rnlib and its requirements,
# optionally keep generated data on Google Drive. Everywhere: report TensorFlow, Keras and the device.
USE_DRIVE = False  # Colab: True keeps datasets, caches and runs that the notebooks make on your Google Drive

import os, subprocess, sys

if "google.colab" in sys.modules or os.environ.get("RNLIB_COLAB") == "1":
    HOME = os.environ.get("RNLIB_HOME", "@HOME@")
    REPO = os.environ.get("RNLIB_REPO", "@URL@")
    if not os.path.isdir(os.path.join(HOME, ".git")):
        subprocess.run(["git", "clone", "-q", "--depth", "1", REPO, HOME], check=True)
    elif subprocess.run(["git", "-C", HOME, "pull", "-q", "--ff-only"]).returncode:  # a later run: update it
        print(f"Could not update {HOME} (git says why above): going on with it as it is.")
    %pip install -q -e {HOME}
    if HOME not in sys.path:  # this kernel started before the install: let it find rnlib now
        sys.path.insert(0, HOME)
    if USE_DRIVE:
        from rnlib.colab import keep_data_on_drive
        keep_data_on_drive(HOME)

import rnlib
rnlib.import_tensorflow_quietly()  # (without TensorFlow's C++ start-up notices)
from rnlib.hardware import device_report
print(device_report())'''

#: The Markdown cell above the Setup cell.
SETUP_MARKDOWN = """\
## Setup

On Colab, the next cell clones the course repository (or updates the clone), installs `rnlib` with its
requirements and, with `USE_DRIVE = True`, keeps the data the notebooks generate on your Google Drive.
Elsewhere it only reports TensorFlow, Keras and the device: run the notebook from a clone, with the
environment that `python3 -m rnlib lab` sets up."""


def setup_cell(slug: str = SLUG, home: str = HOME) -> str:
    """The source of the Setup cell (the same in every notebook) for the repository ``slug``."""
    return _SETUP_CELL.replace("@URL@", clone_url(slug)).replace("@HOME@", home)


#: The Setup cell of every notebook (tagged ``setup``), for :data:`SLUG`.
SETUP_CELL = setup_cell()


def keep_data_on_drive(home, drive: str | Path | None = None, folders=DRIVE_FOLDERS) -> Path:
    """Mount Google Drive and make the clone's generated ``data/`` folders links to folders on it.

    ``home`` is the clone. Each folder of ``folders`` (relative to ``home/data``) becomes a link to
    ``{drive}/MyDrive/relation-networks/data/{folder}``, so datasets, caches and run folders survive
    the Colab session; a later session finds them there. Committed files (``data/pretrained/``) stay
    in the clone, so ``rnlib.data.DATA_DIR`` (the clone's ``data/``) still finds them.
    A folder that already holds files in the clone (made before Drive was asked for) is left where
    it is, with a message. Running it again changes nothing. ``drive``: the mount point
    (default: mount Google Drive at ``/content/drive``; tests pass a folder). Returns the Drive folder.

    Introduced in every notebook's Setup cell.
    """
    if drive is None:
        from google.colab import drive as colab_drive  # only on Colab

        drive = "/content/drive"
        colab_drive.mount(drive)
    target_root = Path(drive) / DRIVE_DATA
    for folder in folders:
        link, target = Path(home) / "data" / folder, target_root / folder
        target.mkdir(parents=True, exist_ok=True)
        if link.is_symlink():
            if link.resolve() == target.resolve():
                continue
            link.unlink()
        elif link.exists():
            if link.is_dir() and not any(link.iterdir()):
                link.rmdir()
            else:
                print(f"[rnlib] {link} already holds files made in this session: kept in the clone, not on Drive")
                continue
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target, target_is_directory=True)
    print(f"[rnlib] generated data of {Path(home) / 'data'} ({', '.join(folders)}) lives in {target_root}")
    return target_root


# ------------------------------------------------------------------------------------------------
# python3 -m rnlib badges --slug OWNER/REPO [--branch B]


def _constant(text: str, name: str) -> str:
    m = re.search(rf'^{name} = "([^"]*)"$', text, flags=re.M)
    if not m:
        raise ValueError(f"rnlib/colab.py: no line {name} = \"...\"")
    return m[1]


def rewrite_slug(root, slug: str, branch: str = BRANCH) -> list[Path]:
    """Point the checkout at ``root`` to the GitHub repository ``slug`` (branch ``branch``).

    Rewrites each notebook's badge (to its own path), the clone URL of each Setup cell, README.md's
    links to the old repository and the constants :data:`SLUG` and :data:`BRANCH` of
    ``root/rnlib/colab.py``. The old slug and branch are read from that file, so running it twice
    changes nothing the second time. Returns the files that changed.
    """
    if not _SLUG_RE.match(slug):
        raise ValueError(f"--slug must be OWNER/REPO as on GitHub, got {slug!r}")
    if not _BRANCH_RE.match(branch):
        raise ValueError(f"--branch must be a branch name without '/', got {branch!r}")
    root = Path(root)
    module = root / "rnlib" / "colab.py"
    source = module.read_text()
    old_slug, old_branch = _constant(source, "SLUG"), _constant(source, "BRANCH")

    def links(text: str) -> str:  # README and notebooks: Colab links and the repository's URLs
        text = text.replace(f"colab.research.google.com/github/{old_slug}/blob/{old_branch}/",
                            f"colab.research.google.com/github/{slug}/blob/{branch}/")
        return re.sub(rf"github\.com/{re.escape(old_slug)}(?=[/.\s)\"']|$)", f"github.com/{slug}", text)

    changed = []

    def write(path: Path, old: str, new: str):
        if new != old:
            path.write_text(new)
            changed.append(path)

    for nb in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        text = nb.read_text()
        own = f"notebooks/{nb.name}"
        new = BADGE_RE.sub(lambda m: badge(own, slug, branch), links(text))
        write(nb, text, new)
    readme = root / "README.md"
    if readme.exists():
        text = readme.read_text()
        write(readme, text, links(text))
    new = re.sub(r'^SLUG = "[^"]*"$', f'SLUG = "{slug}"', source, count=1, flags=re.M)
    new = re.sub(r'^BRANCH = "[^"]*"$', f'BRANCH = "{branch}"', new, count=1, flags=re.M)
    write(module, source, new)
    return changed
