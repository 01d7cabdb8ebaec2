import hashlib

import pytest

from rnlib.data import read_examples
from rnlib.data.download import ChecksumError, download_nlvr
from conftest import example_json, write_jsonl


@pytest.fixture()
def mirror(tmp_path):
    """A local stand-in for the lil-lab/nlvr repository: {base}/{split}/{split}.json."""
    base = tmp_path / "mirror"
    for split in ("dev", "test"):
        write_jsonl(base / split / f"{split}.json", [example_json("1-0"), example_json("1-1", label="false")])
    sums = {s: hashlib.sha256((base / s / f"{s}.json").read_bytes()).hexdigest() for s in ("dev", "test")}
    return base.as_uri(), sums


def test_download_fetches_and_verifies(mirror, tmp_path):
    url, sums = mirror
    paths = download_nlvr(tmp_path / "nlvr", splits=("dev", "test"), base_url=url, checksums=sums)
    assert paths["dev"] == tmp_path / "nlvr" / "dev" / "dev.json"
    assert [e.identifier for e in read_examples(paths["test"])] == ["1-0", "1-1"]


def test_checksum_mismatch_leaves_nothing_behind(mirror, tmp_path):
    url, sums = mirror
    with pytest.raises(ChecksumError, match="does not match"):
        download_nlvr(tmp_path / "nlvr", splits=("dev",), base_url=url, checksums={"dev": "0" * 64})
    assert not list((tmp_path / "nlvr").rglob("*.json*"))


def test_present_file_with_right_checksum_is_kept(mirror, tmp_path):
    url, sums = mirror
    download_nlvr(tmp_path / "nlvr", splits=("dev",), base_url=url, checksums=sums)
    mtime = (tmp_path / "nlvr" / "dev" / "dev.json").stat().st_mtime_ns
    download_nlvr(tmp_path / "nlvr", splits=("dev",), base_url="file:///nonexistent", checksums=sums)
    assert (tmp_path / "nlvr" / "dev" / "dev.json").stat().st_mtime_ns == mtime


def test_reference_checksums_match_the_shared_copies(shared_nlvr):
    from rnlib.data.download import NLVR_SHA256, sha256
    assert sha256(shared_nlvr / "dev.json") == NLVR_SHA256["dev"]
    assert sha256(shared_nlvr / "test.json") == NLVR_SHA256["test"]
