"""Pretrained GloVe word vectors for the fitted vocabulary (optional; the notebooks' default is a
trainable embedding, since GloVe needs an 822 MB download).

A GloVe text file has one word per line followed by its ``dim`` float values, separated by single
spaces (``the 0.418 0.24968 -0.41242 ...``). :func:`read_glove` turns it into an embedding matrix
whose row i is the vector of vocabulary word i, ready for
``keras.layers.Embedding(vocab_size, dim, embeddings_initializer=keras.initializers.Constant(matrix), trainable=False)``
(the seed's frozen 50-d GloVe).

Rows without a GloVe vector:

- row 0 (padding) is all zeros, so padded positions add nothing;
- row 1 (OOV, ``[UNK]``) and vocabulary words missing from the file get, with ``missing="random"``
  (the default), a seeded normal vector with the same per-dimension spread as the GloVe vectors read,
  so a frozen embedding can still tell missing words apart; ``missing="zero"`` makes them all zeros.

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .data import DATA_DIR
from .data.download import fetch

#: Stanford's GloVe 6B vectors (Wikipedia 2014 + Gigaword 5, 400k lower-cased words; 50, 100, 200
#: and 300 dimensions in one 822 MB zip). Needs internet: use on Colab, not in tests.
GLOVE_URL = "https://nlp.stanford.edu/data/glove.6B.zip"
GLOVE_FILE = "glove.6B.50d.txt"


class GloVeFormatError(ValueError):
    """A GloVe file line that is not ``word v1 ... v_dim``; the message names the file and line."""


@dataclass
class GloVeCoverage:
    """How much of a vocabulary (types) and of a corpus (tokens) got a GloVe vector."""
    n_types: int  # vocabulary words, padding and [UNK] excluded
    n_types_found: int
    n_tokens: int | None = None  # corpus tokens (from ``token_counts``), None when not given
    n_tokens_found: int | None = None
    missing: list = field(default_factory=list, repr=False)  # vocabulary words without a vector

    @property
    def type_share(self) -> float:
        return self.n_types_found / max(self.n_types, 1)

    @property
    def token_share(self) -> float | None:
        return None if self.n_tokens is None else self.n_tokens_found / max(self.n_tokens, 1)

    def __str__(self) -> str:
        s = f"GloVe covers {self.n_types_found}/{self.n_types} vocabulary words ({100 * self.type_share:.1f}%)"
        if self.n_tokens is not None:
            s += f" and {self.n_tokens_found}/{self.n_tokens} corpus tokens ({100 * self.token_share:.1f}%)"
        if self.missing:
            s += f"; missing: {', '.join(self.missing[:10])}{' ...' if len(self.missing) > 10 else ''}"
        return s


def read_glove(path, vocabulary, token_counts=None, missing: str = "random", seed: int = 0):
    """Read a GloVe text file (any dimension) into a ``(len(vocabulary), dim)`` float32 matrix.

    ``vocabulary`` is a list of words whose index is the token id (``vectorizer.get_vocabulary()``,
    with ``""`` at 0 and ``"[UNK]"`` at 1) or the fitted ``TextVectorization`` layer itself.
    ``token_counts`` (word -> occurrences, e.g. ``text_report(...).token_counts``) adds the share of
    corpus tokens whose row comes from GloVe; words outside the vocabulary count as not covered.
    ``missing`` is ``"random"`` or ``"zero"`` (see the module docstring).

    Every line must have the same number of fields as the first one, otherwise
    :class:`GloVeFormatError` names the file and line; the values of the rows the vocabulary uses
    are parsed as floats and a non-number is reported the same way (rows for other words are not
    parsed, so a 400k-word file reads in seconds). Returns ``(matrix, GloVeCoverage)``.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    if missing not in ("random", "zero"):
        raise ValueError(f"missing must be 'random' or 'zero', got {missing!r}")
    if hasattr(vocabulary, "get_vocabulary"):
        vocabulary = vocabulary.get_vocabulary()
    vocabulary = [str(w) for w in vocabulary]
    index = {w: i for i, w in enumerate(vocabulary) if i >= 2}  # 0 = padding, 1 = [UNK]
    path = Path(path)
    vectors, dim = {}, None
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            parts = line.rstrip("\n").rstrip(" ").split(" ")
            if dim is None:
                dim = len(parts) - 1
                if dim < 1:
                    raise GloVeFormatError(f"{path}, line {lineno}: expected a word followed by its "
                                           f"vector values, got {line[:60]!r}")
            elif len(parts) - 1 != dim:
                raise GloVeFormatError(f"{path}, line {lineno}: {len(parts) - 1} values for word "
                                       f"{parts[0]!r}, but line 1 has {dim}")
            i = index.get(parts[0])
            if i is not None:
                try:
                    vectors[i] = np.array(parts[1:], dtype=np.float32)
                except ValueError:
                    bad = next(v for v in parts[1:] if not _is_float(v))
                    raise GloVeFormatError(f"{path}, line {lineno}: value {bad!r} for word {parts[0]!r} "
                                           f"is not a number") from None
    if dim is None:
        raise GloVeFormatError(f"{path}: empty file, no vectors")
    matrix = np.zeros((len(vocabulary), dim), np.float32)
    missing_rows = [i for i in range(1, len(vocabulary)) if i not in vectors]
    if vectors:
        found = np.stack(list(vectors.values()))
        matrix[list(vectors)] = found
        spread = found.std(axis=0) if len(found) > 1 else np.full(dim, 0.1, np.float32)
    else:
        spread = np.full(dim, 0.1, np.float32)
    if missing == "random" and missing_rows:
        rng = np.random.default_rng(seed)
        matrix[missing_rows] = rng.normal(size=(len(missing_rows), dim)).astype(np.float32) * spread
    coverage = GloVeCoverage(n_types=max(len(vocabulary) - 2, 0), n_types_found=len(vectors),
                             missing=[vocabulary[i] for i in missing_rows if i >= 2])
    if token_counts is not None:
        coverage.n_tokens = int(sum(token_counts.values()))
        coverage.n_tokens_found = int(sum(n for w, n in token_counts.items() if index.get(w) in vectors))
    return matrix, coverage


def _is_float(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def download_glove(dest=None, url: str = GLOVE_URL, filename: str = GLOVE_FILE) -> Path:
    """Download the GloVe zip from ``url`` and extract ``filename`` into ``dest`` (default ``data/glove``).

    Returns the path of the extracted text file; does nothing when it already exists. The zip is
    deleted after extraction. For Colab users with internet (glove.6B.zip is 822 MB); tests pass a
    ``file://`` URL of a zip they write.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    dest = Path(dest) if dest is not None else DATA_DIR / "glove"
    target = dest / filename
    if target.exists():
        return target
    archive = fetch(url, dest / Path(url.split("?")[0]).name)
    try:
        with zipfile.ZipFile(archive) as z:
            if filename not in z.namelist():
                raise FileNotFoundError(f"{url}: the zip has no {filename!r} (it holds {z.namelist()[:8]})")
            tmp = target.with_name(target.name + ".part")
            with z.open(filename) as src, open(tmp, "wb") as out:
                while block := src.read(1 << 20):
                    out.write(block)
            tmp.replace(target)
    finally:
        archive.unlink(missing_ok=True)
    return target
