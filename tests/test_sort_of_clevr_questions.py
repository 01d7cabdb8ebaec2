"""Tests of rnlib.sort_of_clevr.questions: answers on hand-computed scenes, encoding, English.

Hand-computed scene ``S`` (x, y; y grows downwards), colour order red, green, blue, orange, gray, yellow::

    red (10, 10) square     green (40, 12) circle    blue (65, 30) square
    orange (35, 45) square  gray (12, 62) circle     yellow (62, 66) circle

The comments next to each expected answer show the arithmetic (squared distances, dot products).
"""

import numpy as np
import pytest
from test_sort_of_clevr_scenes import S, scene

from rnlib import sort_of_clevr as soc
from rnlib.sort_of_clevr import (QUESTION_SIZE, SUBTYPES, Question, answer_question, decode_question,
                                 encode_question, parse_question, question_text)


def ask(scene, subtype, a, b=None):
    kind = next(k for k, subs in SUBTYPES.items() if subtype in subs)
    answer, ambiguous = answer_question(scene, Question(kind, subtype, a, b))
    # the encoded form gives the same answer
    assert answer_question(scene, encode_question(kind, subtype, a, b)) == (answer, ambiguous)
    return answer, ambiguous


# -- non-relational ------------------------------------------------------------------------------

def test_shape():
    assert ask(S, "shape", "red") == ("square", False)
    assert ask(S, "shape", "green") == ("circle", False)
    assert ask(S, "shape", "orange") == ("square", False)


def test_left_and_top():
    assert ask(S, "left", "red")[0] == "yes"      # x = 10 < 37.5
    assert ask(S, "left", "orange")[0] == "yes"   # x = 35
    assert ask(S, "left", "blue")[0] == "no"      # x = 65
    assert ask(S, "top", "green")[0] == "yes"     # y = 12
    assert ask(S, "top", "orange")[0] == "no"     # y = 45
    edge = scene([(37, 37), (38, 38), (5, 70), (70, 5), (20, 50), (50, 20)])
    assert [ask(edge, "left", c)[0] for c in ("red", "green")] == ["yes", "no"]  # 37 < 37.5 < 38
    assert [ask(edge, "top", c)[0] for c in ("red", "green")] == ["yes", "no"]


# -- binary ----------------------------------------------------------------------------------------

def test_closest_shape():
    # from red (10, 10): green 30²+2²=904, blue 3425, orange 1850, gray 2708, yellow 5840 -> green
    assert ask(S, "closest_shape", "red") == ("circle", False)
    # from green (40, 12): red 904, blue 25²+18²=949, orange 1114, gray 3284, yellow 3400 -> red
    assert ask(S, "closest_shape", "green") == ("square", False)
    # from orange (35, 45): red 1850, green 1114, blue 1125, gray 23²+17²=818, yellow 1170 -> gray
    assert ask(S, "closest_shape", "orange") == ("circle", False)


def test_furthest_shape():
    # from red: yellow 52²+56²=5840 is the furthest
    assert ask(S, "furthest_shape", "red") == ("circle", False)
    # from yellow (62, 66): red 5840, green 3400, blue 1305, orange 1170, gray 2516 -> red
    assert ask(S, "furthest_shape", "yellow") == ("square", False)


def test_closest_tie_is_ambiguous_only_with_different_shapes():
    # green (30, 10) and blue (10, 30) are both 20 px from red (10, 10)
    points = [(10, 10), (30, 10), (10, 30), (60, 60), (40, 60), (60, 40)]
    assert ask(scene(points, (0, 1, 0, 0, 0, 0)), "closest_shape", "red") == ("circle", True)  # tie -> lower colour index
    assert ask(scene(points, (1, 0, 0, 1, 1, 1)), "closest_shape", "red") == ("square", False)


def test_same_shape_count_excludes_the_object_itself():
    assert ask(S, "same_shape_count", "red") == ("2", False)     # squares: red, blue, orange
    assert ask(S, "same_shape_count", "gray") == ("2", False)    # circles: green, gray, yellow
    one_square = scene(S.centers, (0, 1, 1, 1, 1, 1))
    assert ask(one_square, "same_shape_count", "red")[0] == "0"
    assert ask(one_square, "same_shape_count", "green")[0] == "4"
    assert ask(scene(S.centers), "same_shape_count", "yellow")[0] == "5"


# -- ternary ---------------------------------------------------------------------------------------

def test_between_count():
    # C is between A and B when (C-A).(B-A) > 0 and (C-B).(A-B) > 0.
    # red (10,10) - yellow (62,66): every other object projects inside the segment.
    assert ask(S, "between_count", "red", "yellow") == ("4", False)
    # red (10,10) - blue (65,30), AB = (55,20): yellow (62,66): (C-B).(A-B) = (-3,36).(-55,-20) = 165-720 < 0
    assert ask(S, "between_count", "red", "blue") == ("3", False)
    # red (10,10) - green (40,12), AB = (30,2): orange (25,35).(30,2) > 0 and (-5,33).(-30,-2) = 84 > 0;
    # gray (2,52).(30,2) > 0 and (-28,50).(-30,-2) = 740 > 0; blue and yellow are beyond green.
    assert ask(S, "between_count", "red", "green") == ("2", False)
    # blue (65,30) - yellow (62,66), AB = (-3,36): orange yes; gray (-50,-4).(3,-36) = -6 < 0; red, green no.
    assert ask(S, "between_count", "blue", "yellow") == ("1", False)
    assert ask(S, "between_count", "yellow", "blue") == ("1", False)  # symmetric
    # nothing between two neighbours at the top left: red (10,10) - a (25,10) with the rest to the right
    far = scene([(10, 10), (25, 10), (60, 20), (60, 40), (60, 60), (45, 60)])
    assert ask(far, "between_count", "red", "green") == ("0", False)


def test_between_on_the_band_edge_is_ambiguous():
    # A (10,10), B (60,10): the band is 10 < x < 60. Blue (x 30), gray (x 20) and yellow (x 45) are
    # between; orange at x = 60, right below B, is on the edge: not counted, and the question is ambiguous.
    edge = scene([(10, 10), (60, 10), (30, 40), (60, 60), (20, 65), (45, 30)])
    assert ask(edge, "between_count", "red", "green") == ("3", True)


def test_on_segment():
    # red (10,10) - yellow (62,66): closest is orange (35,45), cross = 52*35 - 56*25 = 420,
    # distance = 420 / sqrt(5840) = 5.5 > 5: the segment misses it.
    assert ask(S, "on_segment", "red", "yellow") == ("no", False)
    # blue (65,30) - gray (12,62): orange (35,45), cross = -53*15 - 32*(-30) = 165, distance 2.7 < 5
    assert ask(S, "on_segment", "blue", "gray") == ("yes", False)
    assert ask(S, "on_segment", "gray", "blue") == ("yes", False)
    # exactly 5 px from the segment: ambiguous, and not "on" it
    touching = scene([(10, 40), (60, 40), (35, 45), (10, 10), (60, 10), (35, 70)])
    assert ask(touching, "on_segment", "red", "green") == ("no", True)
    # beyond an end of the segment does not count, however close to the line
    beyond = scene([(10, 40), (30, 40), (50, 40), (10, 10), (60, 10), (35, 70)])
    assert ask(beyond, "on_segment", "red", "green") == ("no", False)
    assert ask(beyond, "on_segment", "red", "blue") == ("yes", False)


def test_obtuse_count():
    # red (10,10) - yellow (62,66): at each C the angle ACB is obtuse, e.g. green: (-30,-2).(22,54) = -768 < 0
    assert ask(S, "obtuse_count", "red", "yellow") == ("4", False)
    # blue (65,30) - yellow (62,66): red (angle at A: (-3,36).(-55,-20) = -555), green (-25,-18): 75-648 < 0,
    # gray (angle at B: (-50,-4).(3,-36) = -6); orange is acute (dots 630, 675, 495).
    assert ask(S, "obtuse_count", "blue", "yellow") == ("3", False)
    # red (10,10) - green (40,12): blue (angle at B: (25,18).(-30,-2) < 0) and yellow (at B: (22,54).(-30,-2) < 0)
    assert ask(S, "obtuse_count", "red", "green") == ("2", False)
    # right angles and flat triangles do not count and are flagged ambiguous.
    # A = red (10,10), B = green (60,10), AB = (50,0):
    # blue (10,40): at A (50,0).(0,30) = 0, a right angle: not counted, ambiguous;
    # orange (40,70): at A 1500, at B (-50,0).(-20,60) = 1000, at C (-30,-60).(20,-60) = 3000: acute;
    # gray (70,45): at B (-50,0).(10,35) = -500 < 0: obtuse;
    # yellow (30,30): at C (-20,-20).(30,-20) = -200 < 0: obtuse.
    right = scene([(10, 10), (60, 10), (10, 40), (40, 70), (70, 45), (30, 30)])
    assert ask(right, "obtuse_count", "red", "green") == ("2", True)
    # blue (35,10) on the segment AB: a flat triangle, not counted, ambiguous; orange acute, gray obtuse;
    # yellow (30,40): at A (50,0).(20,30) = 1000, at B (-50,0).(-30,30) = 1500, at C (-20,-30).(30,-30) = 300: acute.
    flat = scene([(10, 10), (60, 10), (35, 10), (40, 70), (70, 45), (30, 40)])
    assert ask(flat, "obtuse_count", "red", "green") == ("1", True)


def test_every_subtype_has_a_hand_computed_case():
    tested = {"shape", "left", "top", "closest_shape", "furthest_shape", "same_shape_count",
              "between_count", "on_segment", "obtuse_count"}
    assert tested == {s for subs in SUBTYPES.values() for s in subs}


# -- encoding and English --------------------------------------------------------------------------

def test_encoding_layout():
    v = encode_question("ternary", "obtuse_count", "green", "yellow")
    assert v.shape == (QUESTION_SIZE,) == (18,) and v.dtype == np.float32
    assert v.nonzero()[0].tolist() == [1, 6 + 5, 12 + 2, 15 + 2]
    assert encode_question("non_relational", "shape", 0).nonzero()[0].tolist() == [0, 12, 15]


def test_round_trips_for_every_question():
    questions = soc.all_questions()
    assert len(questions) == 3 * 6 + 3 * 6 + 3 * 30
    texts = set()
    for q in questions:
        v = encode_question(*q)
        assert decode_question(v) == q
        text = question_text(v)
        assert text == question_text(q) and text.endswith("?")
        np.testing.assert_array_equal(parse_question(text), v)
        texts.add(text)
    assert len(texts) == len(questions)
    assert question_text(encode_question("binary", "furthest_shape", "gray")) == \
        "What is the shape of the object furthest from the gray object?"


def test_bad_questions_have_clear_errors():
    with pytest.raises(ValueError, match="two different colours"):
        encode_question("ternary", "on_segment", "red", "red")
    with pytest.raises(ValueError, match="needs two colours"):
        encode_question("ternary", "on_segment", "red")
    with pytest.raises(ValueError, match="unknown colour"):
        encode_question("binary", "closest_shape", "purple")
    with pytest.raises(ValueError, match="unknown subtype"):
        encode_question("binary", "left", "red")
    with pytest.raises(ValueError, match="not one-hot|not an encoded"):
        decode_question(np.zeros(18))
    with pytest.raises(ValueError, match="not a Sort-of-CLEVR question"):
        parse_question("Is the red object happy?")
