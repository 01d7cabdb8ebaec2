"""Sentences -> token ids with ``keras.layers.TextVectorization``, fitted on the training split only.

The seed tutorial used ``keras.preprocessing.text`` (gone in Keras 3). This module keeps its
behaviour with a Keras 3 layer: lower-case, punctuation replaced by a space (the seed's
``text_to_word_sequence`` filters), split on whitespace, ids padded with 0 or truncated to
``SEQUENCE_LENGTH`` = 32 tokens (keeping the first 32). Index 0 is padding (``""``) and index 1 the
out-of-vocabulary bucket (``"[UNK]"``): a word never seen in the training sentences maps to 1.

Two ways to keep a fitted vectorizer with a model (both give identical ids, see tests/test_text.py):

- put the layer inside a Keras model and ``model.save("m.keras")``; the vocabulary travels as an
  asset (``import rnlib.text`` before ``keras.saving.load_model`` so ``standardize`` is registered);
- or store :func:`vectorizer_config` (a JSON-able dict, vocabulary included) and rebuild the layer
  with :func:`vectorizer_from_config`.

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from .data.nlvr import SEED_FILTERS  # the characters; normalize_sentence is standardize in plain Python

#: Tokens per sentence fed to the model (the seed's value). NLVR sentences are shorter than this
#: almost always, so padding dominates and truncation is rare (see :func:`text_report`).
SEQUENCE_LENGTH = 32
_FILTERS_REGEX = "[" + "".join("\\" + c if c in "\\[]^-" else c for c in SEED_FILTERS) + "]"


@keras.saving.register_keras_serializable(package="rnlib")
def standardize(text):
    """Lower-case and replace the seed's punctuation by spaces: ``"A box,yellow."`` -> ``"a box yellow "``.

    Replacing (not deleting, as Keras' ``"lower_and_strip_punctuation"`` does) keeps ``"box.There"``
    as two words and ``"there's"`` as one, like the seed. Registered so saved models reload it.
    """
    return tf.strings.regex_replace(tf.strings.lower(text), _FILTERS_REGEX, " ")


def make_vectorizer(train_sentences, sequence_length: int = SEQUENCE_LENGTH,
                    max_tokens: int | None = None) -> keras.layers.TextVectorization:
    """A ``TextVectorization`` layer adapted on ``train_sentences`` (the TRAINING split only).

    Fitting on validation or test sentences would leak their words into the vocabulary; a word that
    appears only there must map to the OOV id 1, as it would for a new sentence after deployment.
    ``max_tokens`` caps the vocabulary (most frequent words kept); ``None`` keeps every word.
    The layer maps a batch of strings to int64 ids of shape ``(batch, sequence_length)``.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    sentences = list(train_sentences)
    if not sentences:
        raise ValueError("make_vectorizer: no training sentences to fit the vocabulary on")
    vectorizer = keras.layers.TextVectorization(
        max_tokens=max_tokens, standardize=standardize, split="whitespace",
        output_mode="int", output_sequence_length=sequence_length, name="question_vectorizer")
    vectorizer.adapt(tf.constant(sentences))
    return vectorizer


def vectorizer_config(vectorizer: keras.layers.TextVectorization) -> dict:
    """The layer's config with its fitted vocabulary included (JSON-serialisable).

    Keras' own ``get_config()`` only contains a vocabulary that was passed to the constructor,
    not one learnt by ``adapt``, so we add it here.
    """
    config = keras.saving.serialize_keras_object(vectorizer)
    config["config"]["vocabulary"] = vectorizer.get_vocabulary()
    return config


def vectorizer_from_config(config: dict) -> keras.layers.TextVectorization:
    """Rebuild a fitted vectorizer from :func:`vectorizer_config` (same ids for the same sentences)."""
    return keras.saving.deserialize_keras_object(config)


def vectorizer_from_vocabulary(vocabulary, sequence_length: int = SEQUENCE_LENGTH) -> keras.layers.TextVectorization:
    """A vectorizer with a fixed ``vocabulary`` (``get_vocabulary()`` of a fitted one: ``""`` and
    ``"[UNK]"`` first), giving the same ids as the vectorizer it came from. A saved NLVR model keeps its
    vocabulary in its ``question_tokens`` layer (:class:`rnlib.encoders.QuestionTokens`).

    Introduced in notebooks/04_training.ipynb.
    """
    vocabulary = [str(w) for w in vocabulary]
    if vocabulary[:2] != ["", "[UNK]"]:
        raise ValueError(f"a vocabulary starts with '' (padding) and '[UNK]'; got {vocabulary[:2]}")
    return keras.layers.TextVectorization(
        standardize=standardize, split="whitespace", output_mode="int",
        output_sequence_length=sequence_length, vocabulary=vocabulary[2:], name="question_vectorizer")


@dataclass
class TextReport:
    """What a fitted vectorizer does to a list of sentences (see :func:`text_report`)."""
    vocabulary_size: int  # including padding (0) and OOV (1)
    sequence_length: int
    lengths: np.ndarray  # tokens per sentence before padding/truncation
    n_truncated: int
    n_tokens: int
    n_oov_tokens: int
    token_counts: Counter = field(repr=False)  # standardized word -> occurrences (OOV words included)

    @property
    def share_truncated(self) -> float:
        return self.n_truncated / max(len(self.lengths), 1)

    @property
    def oov_share(self) -> float:
        """Share of the sentences' tokens (all of them, before truncation) that map to OOV."""
        return self.n_oov_tokens / max(self.n_tokens, 1)

    def length_histogram(self) -> tuple[np.ndarray, np.ndarray]:
        """(lengths 0..max, number of sentences of each length): bars for a histogram plot."""
        counts = np.bincount(self.lengths, minlength=self.sequence_length + 1)
        return np.arange(len(counts)), counts

    def __str__(self) -> str:
        return (f"vocabulary: {self.vocabulary_size} ids (incl. padding and [UNK]); "
                f"{len(self.lengths)} sentences, {self.lengths.mean():.1f} tokens on average, "
                f"longest {self.lengths.max()}; truncated to {self.sequence_length}: "
                f"{self.n_truncated} ({100 * self.share_truncated:.1f}%); "
                f"OOV tokens: {self.n_oov_tokens}/{self.n_tokens} ({100 * self.oov_share:.2f}%)")


def text_report(vectorizer: keras.layers.TextVectorization, sentences) -> TextReport:
    """Vocabulary size, sentence lengths, truncation and OOV share of ``sentences`` under ``vectorizer``.

    Run it on the training sentences (OOV share 0 unless ``max_tokens`` cut words) and on the
    validation sentences (words never seen in training become OOV).

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    sentences = list(sentences)
    words = tf.strings.split(standardize(tf.constant(sentences)))  # ragged, no truncation
    flat = [w.decode() for w in words.flat_values.numpy()]
    lengths = words.row_lengths().numpy().astype(np.int64)
    vocabulary = vectorizer.get_vocabulary()
    known = set(vocabulary[2:])
    n_oov = sum(w not in known for w in flat)
    seq_len = vectorizer.get_config()["output_sequence_length"]
    return TextReport(vocabulary_size=len(vocabulary), sequence_length=seq_len, lengths=lengths,
                      n_truncated=int((lengths > seq_len).sum()), n_tokens=len(flat),
                      n_oov_tokens=n_oov, token_counts=Counter(flat))
