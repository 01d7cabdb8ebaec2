"""rnlib.embeddings: GloVe files -> an embedding matrix for the fitted vocabulary."""

import zipfile
from collections import Counter

import numpy as np
import pytest

from rnlib.embeddings import GloVeFormatError, download_glove, read_glove

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
