"""Tests of rnlib.items: the true objects of an NLVR scene, and the RN that reads them."""

import numpy as np
import pytest

from rnlib.data.render import BOX_ORDERS
from rnlib.items import FEATURES, MAX_OBJECTS, example_objects, scene_objects
from rnlib.models import build_nlvr_model

SQUARE = {"x_loc": 0, "y_loc": 70, "type": "square", "color": "Yellow", "size": 30}
CIRCLE = {"x_loc": 45, "y_loc": 45, "type": "circle", "color": "Black", "size": 10}
SCENE = [[SQUARE], [], [CIRCLE, dict(CIRCLE, x_loc=90, color="#0099ff")]]


def feature(row, name):
    return row[FEATURES.index(name)]


def test_features_of_one_item_by_hand():
    objects = scene_objects(SCENE, order=0)
    assert objects.shape == (MAX_OBJECTS, len(FEATURES)) and objects[:, 0].sum() == 3
    square = objects[0]
    assert feature(square, "color=Yellow") == 1 and feature(square, "shape=square") == 1
    assert feature(square, "size") == 1.0 and feature(square, "x") == 0.15 and feature(square, "y") == 0.85
    assert feature(square, "box=0") == 1
    assert [feature(square, e) for e in ("left_edge", "right_edge", "top_edge", "bottom_edge")] == [1, 0, 0, 1]
    blue = objects[2]
    assert feature(blue, "color=#0099ff") == 1 and feature(blue, "right_edge") == 1 and feature(blue, "box=2") == 1
    assert not objects[3:].any()  # padding rows are all zeros (the model's mask)


def test_box_order_moves_the_box_feature_like_the_image():
    for k, order in enumerate(BOX_ORDERS):
        objects = scene_objects(SCENE, order=k)
        position_of_box0 = order.index(0)  # where the square's box is drawn in image k
        square = objects[[i for i in range(3) if feature(objects[i], "shape=square")][0]]
        assert feature(square, f"box={position_of_box0}") == 1


def test_too_many_items_name_the_example():
    from conftest import example_json
    from rnlib.data.nlvr import parse_example

    crowded = [[dict(CIRCLE, x_loc=11 * i, y_loc=0) for i in range(8)]] * 3  # NLVR's limit: 8 items a box
    example = parse_example(example_json("12-3", boxes=crowded), "dev", "dev.json")
    assert example_objects([example]).shape == (6, MAX_OBJECTS, len(FEATURES))  # 24 fit
    with pytest.raises(ValueError, match="example 12-3.*24 items, more than the 20"):
        example_objects([example], max_objects=20)


def test_object_rn_ignores_item_order_and_padding():
    """The RN sums g over pairs of present objects: shuffling the items or adding padding changes nothing."""
    model = build_nlvr_model("objects", ["", "[UNK]", "a"], config="course")
    objects = scene_objects(SCENE)[None]
    shuffled = objects[:, [2, 0, 1] + list(range(3, MAX_OBJECTS))]
    tokens = np.array([[2, 2] + [0] * 30], np.int32)
    p = [float(model.predict_on_batch({"objects": o, "tokens": tokens})[0, 0]) for o in (objects, shuffled)]
    assert p[0] == pytest.approx(p[1], abs=1e-5)
    fewer = objects.copy()
    fewer[0, 2] = 0  # drop the blue circle: the answer must move (the mask is not all-or-nothing)
    assert float(model.predict_on_batch({"objects": fewer, "tokens": tokens})[0, 0]) != pytest.approx(p[0], abs=1e-6)
