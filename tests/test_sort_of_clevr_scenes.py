"""Tests of rnlib.sort_of_clevr.scenes: random scenes and their pictures.

Hand-computed scene ``S`` (x, y; y grows downwards), colour order red, green, blue, orange, gray, yellow::

    red (10, 10) square     green (40, 12) circle    blue (65, 30) square
    orange (35, 45) square  gray (12, 62) circle     yellow (62, 66) circle
"""

import json

import numpy as np
import pytest

from rnlib import sort_of_clevr as soc
from rnlib.sort_of_clevr import COLORS, Scene, draw_scene

S = Scene(np.array([(10, 10), (40, 12), (65, 30), (35, 45), (12, 62), (62, 66)], np.int16),
          np.array([0, 1, 0, 0, 1, 1], np.int8))


def scene(points, shapes=(0, 0, 0, 0, 0, 0)):
    return Scene(np.array(points, np.int16), np.array(shapes, np.int8))


def test_draw_scene_pixels():
    img = draw_scene(S)
    assert img.shape == (75, 75, 3) and img.dtype == np.uint8
    assert (img[0, 0] == 255).all() and (img[74, 74] == 255).all()   # white background
    x, y = 10, 10                                                     # red square: columns/rows 5 .. 14
    assert (img[y - 5, x - 5] == soc.RGB[0]).all() and (img[y + 4, x + 4] == soc.RGB[0]).all()
    assert (img[y + 5, x] == 255).all() and (img[y, x + 5] == 255).all()
    x, y = 40, 12                                                     # green circle: corners stay white
    assert (img[y, x] == soc.RGB[1]).all() and (img[y - 5, x - 5] == 255).all()
    for c, ((x, y), s) in enumerate(zip(S.centers.tolist(), S.shapes.tolist())):
        count = (img == soc.RGB[c]).all(-1).sum()
        assert count == (100 if s == 0 else soc._MASKS[1].sum()), COLORS[c]
    assert soc._MASKS[1].sum() == 80  # pixel centres within 5 px of the centre: 2 * (10+10+8+8+4)


def test_square_size_grows_the_squares_only_and_cuts_them_at_the_border(tmp_path):
    img = draw_scene(S, square_size=11)
    x, y = 10, 10                                                     # red square: columns/rows 5 .. 15
    assert (img[y + 5, x + 5] == soc.RGB[0]).all() and (img[y + 6, x] == 255).all()
    for c, ((x, y), s) in enumerate(zip(S.centers.tolist(), S.shapes.tolist())):
        assert (img == soc.RGB[c]).all(-1).sum() == (121 if s == 0 else 80), COLORS[c]
    edge = draw_scene(scene([(70, 70), (10, 10), (40, 10), (10, 40), (40, 40), (70, 10)]), square_size=11)
    assert (edge == soc.RGB[0]).all(-1).sum() == 10 * 10                # columns/rows 65 .. 75, cut at 74
    np.testing.assert_array_equal(draw_scene(S, square_size=10), draw_scene(S))
    with pytest.raises(ValueError, match="square_size must be between 1 and 20"):
        draw_scene(S, square_size=0)
    assert soc.main(["generate", "--out", str(tmp_path), "--train", "2", "--test", "1", "--square-size", "11"]) == 0
    data = soc.load_dataset(tmp_path / "train.npz")
    assert json.loads((tmp_path / "generate.json").read_text())["square_size"] == 11
    counts = [(data["images"][0] == soc.RGB[c]).all(-1).sum() for c in range(6)]
    assert counts == [121 if s == 0 else 80 for s in data["shapes"][0]]   # no square of this image is cut


def test_object_size_grows_both_shapes_and_places_them_apart_and_whole(tmp_path):
    assert soc.object_geometry(10) == (soc.MIN_DISTANCE, soc.CENTER_RANGE)   # the default geometry, unchanged
    assert soc.object_geometry(14) == (21, (7, 68))
    img = draw_scene(S, object_size=14)
    for c, ((x, y), s) in enumerate(zip(S.centers.tolist(), S.shapes.tolist())):
        # a 14 x 14 square; a circle of diameter 14: 2 * (14+14+14+12+10+8+6) pixel centres within 7 px
        assert (img == soc.RGB[c]).all(-1).sum() == (196 if s == 0 else 156), COLORS[c]
    np.testing.assert_array_equal(draw_scene(S, object_size=10), draw_scene(S))
    with pytest.raises(ValueError, match="object_size must be between 1 and 20"):
        draw_scene(S, object_size=21)
    ten = soc.generate(5, [0, 0], progress=False, preset="extended")  # the preset's own size: the same arrays
    assert all(np.array_equal(v, soc.generate(5, [0, 0], progress=False, preset="extended", object_size=10)[k])
               for k, v in ten.items())
    course = soc.generate(5, [0, 0], progress=False, preset="course")  # course draws 14 px objects by default
    assert all(np.array_equal(v, soc.generate(5, [0, 0], progress=False, preset="course", object_size=14)[k])
               for k, v in course.items())
    assert soc.main(["generate", "--preset", "extended", "--out", str(tmp_path), "--train", "40", "--test", "1",
                     "--object-size", "14"]) == 0
    settings = json.loads((tmp_path / "generate.json").read_text())
    assert (settings["object_size"], settings["square_size"]) == (14, 14)
    data = soc.load_dataset(tmp_path / "train.npz")
    c = data["centers"].astype(int)
    d2 = ((c[:, :, None] - c[:, None]) ** 2).sum(-1) + np.eye(6, dtype=int) * 10**6
    assert d2.min() >= 21 ** 2 and c.min() >= 7 and c.max() <= 68
    counts = np.array([[(im == soc.RGB[k]).all(-1).sum() for k in range(6)] for im in data["images"]])
    np.testing.assert_array_equal(counts, np.where(data["shapes"] == 0, 196, 156))   # every object whole


def test_random_scenes_keep_their_distance():
    rng = np.random.default_rng(0)
    for _ in range(200):
        sc = soc.random_scene(rng)
        c = sc.centers.astype(int)
        d2 = ((c[:, None] - c[None]) ** 2).sum(-1) + np.eye(6, dtype=int) * 10**6
        assert d2.min() >= soc.MIN_DISTANCE ** 2
        assert c.min() >= 5 and c.max() <= 70


def test_random_scenes_stay_in_their_centre_range():
    rng = np.random.default_rng(1)
    seen = np.concatenate([soc.random_scene(rng, 10, (5, 69)).centers for _ in range(300)])
    assert seen.min() == 5 and seen.max() == 69  # both ends reached, 70 never
    assert soc.CENTER_RANGE == (5, 70)
