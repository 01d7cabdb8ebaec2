"""Per-box perception (rnlib.boxes) and the box RN built from it (build_nlvr_model("box_rn"))."""

import keras
import numpy as np
import pytest

from rnlib.boxes import BoxCrops, BoxSum, PerBox, box_columns
from rnlib.data.render import BOX_ORDERS, render
from rnlib.images import resize
from rnlib.models import build_nlvr_model, nlvr_config

VOCAB = ["", "[UNK]", "there", "is", "a", "box", "yellow"]
#: three boxes that differ, so that a wrong crop or a box order the model can see would show
SCENE = [[{"x_loc": 10, "y_loc": 20, "type": "circle", "color": "Yellow", "size": 20}],
         [{"x_loc": 40, "y_loc": 60, "type": "square", "color": "Black", "size": 30},
          {"x_loc": 5, "y_loc": 5, "type": "triangle", "color": "#0099ff", "size": 10}],
         [{"x_loc": 70, "y_loc": 0, "type": "square", "color": "Yellow", "size": 10}]]


def test_box_columns_scale_nlvrs_layout_and_refuse_a_width_that_splits_pixels():
    assert box_columns(400) == [(0, 100), (150, 250), (300, 400)]
    assert box_columns(200) == [(0, 50), (75, 125), (150, 200)]
    with pytest.raises(ValueError, match="201 pixels wide.*multiple of 8"):
        box_columns(201)


def test_box_crops_box_sum_and_per_box_agree_on_one_layout():
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(2, 50, 200, 3)).astype("float32")
    crops = np.asarray(BoxCrops()(images))
    assert crops.shape == (6, 50, 50, 3)
    for k in range(2):
        for b, (s, e) in enumerate(box_columns(200)):
            np.testing.assert_array_equal(crops[3 * k + b], images[k, :, s:e])
    q = rng.uniform(size=(2, 4)).astype("float32")
    np.testing.assert_array_equal(np.asarray(PerBox()(q)), np.repeat(q, 3, axis=0))
    v = rng.uniform(size=(6, 5)).astype("float32")
    np.testing.assert_allclose(np.asarray(BoxSum()(v)), v.reshape(2, 3, 5).sum(axis=1), rtol=1e-6)


def _box_sum_model():
    keras.utils.set_random_seed(0)
    model = build_nlvr_model("box_rn", VOCAB, [120.0] * 3, [60.0] * 3, config="course")
    return model, keras.Model(model.inputs, model.get_layer("box_sum").output)


def test_box_rn_sees_nine_cells_per_box_and_runs_fs_first_layer_per_box():
    model, _ = _box_sum_model()
    assert tuple(model.get_layer("objects").output.shape[1:]) == (9, 34)  # 3 x 3 cells, 32 features + (row, col)
    relation = model.get_layer("relation_network")
    course = nlvr_config("course")
    assert relation.pairs == course["pairs"] and list(relation.f_units) == course["f_units"][:1]
    assert [layer.name for layer in model.layers if layer.name.startswith("f_phi_")][:1] == ["f_phi_1"]


def test_box_rn_answer_does_not_depend_on_the_box_order_or_the_strips():
    """NLVR's 6 images of an example draw the same boxes in the 6 orders: the box RN gives them one answer."""
    _, upto_sum = _box_sum_model()
    images = np.stack([np.asarray(resize(render(SCENE, order))) for order in range(len(BOX_ORDERS))]).astype("float32")
    tokens = np.tile(np.array([[2, 3, 4, 6, 5] + [0] * 27], "int32"), (len(images), 1))
    out = np.asarray(upto_sum({"image": images, "tokens": tokens}, training=False))
    assert np.abs(out[0]).max() > 0
    np.testing.assert_allclose(out, np.broadcast_to(out[0], out.shape), rtol=1e-5, atol=1e-5 * np.abs(out).max())
    strips = images.copy()
    strips[:, :, 50:75] = 0.0
    strips[:, :, 125:150] = 255.0
    np.testing.assert_array_equal(np.asarray(upto_sum({"image": strips, "tokens": tokens}, training=False)), out)
    # while the 2 x 8 grid's RN sees the order (its objects know their column)
    keras.utils.set_random_seed(0)
    grid = build_nlvr_model("rn", VOCAB, [120.0] * 3, [60.0] * 3, config="course")
    grid_sum = keras.Model(grid.inputs, grid.get_layer("relation_network").output)
    g = np.asarray(grid_sum({"image": images, "tokens": tokens}, training=False))
    assert np.abs(g - g[0]).max() > 1e-3 * np.abs(g).max()


def test_box_rn_needs_a_layer_of_f_per_box_and_one_after_the_sum():
    with pytest.raises(ValueError, match="at least two f_units"):
        build_nlvr_model("box_rn", VOCAB, [120.0] * 3, [60.0] * 3, config={"f_units": [256]})
