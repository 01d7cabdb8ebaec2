"""Fetch the real Cornell NLVR JSON files (for users with internet), verified by SHA-256.

NLVR's sentences and ``structured_rep`` fit in ~13 MB of JSON; the images can be drawn from them
(:mod:`rnlib.data.render`), so this downloads the JSON files only. Each file is written to a
temporary name and moved into place only after its checksum matched, so an interrupted or corrupt
download never leaves a file that looks complete.

Tests call :func:`download_nlvr` with a ``file://`` base URL and their own checksums; they never
touch the network.
"""

from __future__ import annotations

import hashlib
import shutil
import urllib.request
from pathlib import Path

#: Where lil-lab/nlvr keeps the files (``{base}/{split}/{split}.json``).
NLVR_BASE_URL = "https://raw.githubusercontent.com/lil-lab/nlvr/master/nlvr"

#: SHA-256 of the published files. dev and test are the digests of the copies this project was
#: tested with (../shared/nlvr); train's could not be computed offline (None = print the digest
#: instead of checking it). If upstream ever changes a file, the ChecksumError names both digests;
#: pass ``checksums={}`` to accept it knowingly.
NLVR_SHA256 = {
    "dev": "0d312c3d7309393c0e36d286c70b884fb276819699e9f8f2bcea2854ad46537b",
    "test": "9a337ac016455eebe8aef70a6e94977dbcd9e75aec56f0fb09477a9c1038528d",
    "train": None,
}


class ChecksumError(IOError):
    """A downloaded file whose SHA-256 is not the expected one."""


def sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(url: str, dest, expected_sha256: str | None = None) -> Path:
    """Download ``url`` to ``dest`` atomically, checking its SHA-256 when ``expected_sha256`` is given."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    with urllib.request.urlopen(url, timeout=60) as response, open(tmp, "wb") as out:
        shutil.copyfileobj(response, out)
    digest = sha256(tmp)
    if expected_sha256 is not None and digest != expected_sha256:
        tmp.unlink()
        raise ChecksumError(f"{url}: SHA-256 {digest} does not match the expected {expected_sha256}; "
                            f"nothing was written to {dest}")
    tmp.replace(dest)
    return dest


def download_nlvr(root, splits=("train", "dev", "test"), base_url: str = NLVR_BASE_URL,
                  checksums: dict | None = None, overwrite: bool = False) -> dict:
    """Fetch ``{base_url}/{split}/{split}.json`` to ``{root}/{split}/{split}.json`` for each split.

    Files already present with the right checksum are kept. Returns ``{split: path}``.
    """
    checksums = NLVR_SHA256 if checksums is None else checksums
    paths = {}
    for split in splits:
        dest = Path(root) / split / f"{split}.json"
        expected = checksums.get(split)
        if dest.exists() and not overwrite and (expected is None or sha256(dest) == expected):
            paths[split] = dest
            continue
        paths[split] = fetch(f"{base_url}/{split}/{split}.json", dest, expected)
        if expected is None:
            print(f"{dest}: downloaded, SHA-256 {sha256(dest)} (no reference checksum to compare with)")
    return paths
