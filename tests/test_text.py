"""rnlib.text: the TextVectorization that replaces the seed's keras.preprocessing.text."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from rnlib.data import SHARED_NLVR, read_examples, split_by_group
from rnlib.text import (SEQUENCE_LENGTH, make_vectorizer, text_report, vectorizer_config,
                        vectorizer_from_config)

TRAIN = ["There is a yellow circle.", "There are two black squares, one blue triangle",
         "A tower with a yellow block at the top"]


def ids(vectorizer, sentences):
    return vectorizer(tf.constant(sentences)).numpy()


@pytest.fixture(scope="module")
def vectorizer():
    return make_vectorizer(TRAIN)


def test_special_ids_and_shape(vectorizer):
    vocab = vectorizer.get_vocabulary()
    assert vocab[:2] == ["", "[UNK]"]
    out = ids(vectorizer, ["there is a circle"])
    assert out.shape == (1, SEQUENCE_LENGTH)
    assert (out[0, 4:] == 0).all()  # padded with 0 after the 4 words
    assert (out[0, :4] > 1).all()


def test_case_and_punctuation_do_not_matter(vectorizer):
    a, b = ids(vectorizer, ["THERE is a Yellow circle!!", "there, is a yellow circle"])
    assert (a == b).all()


def test_punctuation_separates_words_like_the_seed(vectorizer):
    # the seed's text_to_word_sequence replaced punctuation by a space: "circle.there" is two words
    glued, spaced = ids(vectorizer, ["a circle.there", "a circle there"])
    assert (glued == spaced).all()


def test_unknown_word_is_oov(vectorizer):
    out = ids(vectorizer, ["there is a zebra"])[0]
    vocab = vectorizer.get_vocabulary()
    assert out[3] == 1 and vocab[1] == "[UNK]"


def test_truncation_keeps_the_first_tokens(vectorizer):
    words = ["yellow"] * 30 + ["black", "blue", "tower", "top"]  # 34 words
    out = ids(vectorizer, [" ".join(words)])[0]
    assert len(out) == SEQUENCE_LENGTH
    expected = ids(vectorizer, [" ".join(words[:SEQUENCE_LENGTH])])[0]
    assert (out == expected).all()


def test_fitted_on_training_sentences_only():
    validation = ["there is a purple hexagon"]
    vectorizer = make_vectorizer(TRAIN)
    assert "hexagon" not in vectorizer.get_vocabulary()
    out = ids(vectorizer, validation)[0]
    assert out[3] == 1 and out[4] == 1  # "purple", "hexagon": seen only in validation -> OOV
    report = text_report(vectorizer, validation)
    assert report.n_oov_tokens == 2 and report.n_tokens == 5
    assert report.oov_share == pytest.approx(0.4)


def test_text_report_lengths_and_truncation(vectorizer):
    long = " ".join(["a"] * 40)
    report = text_report(vectorizer, ["there is a circle", long, "box"])
    assert report.lengths.tolist() == [4, 40, 1]
    assert report.n_truncated == 1 and report.share_truncated == pytest.approx(1 / 3)
    lengths, counts = report.length_histogram()
    assert counts[4] == 1 and counts[40] == 1 and counts.sum() == 3
    assert report.vocabulary_size == len(vectorizer.get_vocabulary())
    assert "truncated" in str(report)


def test_config_round_trip_gives_identical_ids(vectorizer):
    config = json.loads(json.dumps(vectorizer_config(vectorizer)))  # survives JSON
    reloaded = vectorizer_from_config(config)
    probe = ["There is a yellow circle.", "a zebra at the top", " ".join(["blue"] * 40)]
    assert reloaded.get_vocabulary() == vectorizer.get_vocabulary()
    assert (ids(reloaded, probe) == ids(vectorizer, probe)).all()


def test_saved_inside_a_keras_model_gives_identical_ids(vectorizer, tmp_path):
    model = keras.Sequential([keras.Input(shape=(), dtype="string"), vectorizer])
    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras")
    probe = tf.constant(["There is a yellow circle.", "a zebra at the top"])
    assert (np.asarray(reloaded(probe)) == np.asarray(model(probe))).all()


@pytest.mark.skipif(not (SHARED_NLVR / "dev.json").exists(), reason=f"real NLVR dev not at {SHARED_NLVR}")
def test_real_dev_group_split():
    train, validation = split_by_group(read_examples(SHARED_NLVR / "dev.json"), (0.8, 0.2), seed=0)
    vectorizer = make_vectorizer([e.sentence for e in train])
    report = text_report(vectorizer, [e.sentence for e in validation])
    assert report.n_truncated == 0  # NLVR dev sentences are at most 22 words
    assert 0 < report.oov_share < 0.05  # a few words appear only in validation sentences
    assert text_report(vectorizer, [e.sentence for e in train]).n_oov_tokens == 0
