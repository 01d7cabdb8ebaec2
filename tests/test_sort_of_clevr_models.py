"""Tests of rnlib.sort_of_clevr.models: the three models build, predict, reload and learn."""

import numpy as np
import pytest

from rnlib import sort_of_clevr as soc
from rnlib.sort_of_clevr import ANSWERS


def test_models_build_and_reload_in_safe_mode(tmp_path):
    keras = pytest.importorskip("keras")
    data = soc.generate(2, [0, 9], progress=False)
    x, _ = next(iter(soc.make_dataset(data, 8)))
    for build in (soc.build_rn_model, soc.build_cnn_mlp_model):
        model = build()
        out = model.predict_on_batch(x)
        assert out.shape == (8, len(ANSWERS))
        np.testing.assert_allclose(out.sum(-1), 1, rtol=1e-5)
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        again = soc.load_model(path)
        np.testing.assert_allclose(again.predict_on_batch(x), out, rtol=1e-5, atol=1e-6)
    rn = soc.build_rn_model(compile=False)
    layer = rn.get_layer("relation_network")
    assert layer.shortcut and layer.g_units == (256,) * 4 and layer.f_dropout == 0.5
    assert rn.get_layer("objects").output.shape == (None, 25, 26)


def test_pytorch_init_redraws_every_dense_layer_within_its_bound_and_starts_at_a_lower_loss():
    keras = pytest.importorskip("keras")
    data = soc.generate(3, [0, 4], progress=False)
    x, y = soc.make_dataset(data, 64)[0]
    losses, models = {}, {}
    for init in soc.INITS:
        keras.utils.set_random_seed(0)
        models[init] = soc.build_rn_model(init=init)
        losses[init] = float(models[init].evaluate(x, y, verbose=0)[0])

    def within_bound(layer):  # U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn over the whole range
        bound = 1 / np.sqrt(np.prod(layer.kernel.shape[:-1]))
        values = [np.abs(keras.ops.convert_to_numpy(w)).max() for w in (layer.kernel, layer.bias)]
        return all(0.9 * bound < v <= bound for v in values)

    for init, model in models.items():
        relation = model.get_layer("relation_network")
        dense = list(relation.g_layers) + list(relation.f_layers) + [model.get_layer("answer")]
        convs = [model.get_layer(f"cnn_conv_{k}") for k in range(1, 5)]
        assert all(within_bound(layer) for layer in dense) == (init != "keras")
        assert all(within_bound(layer) for layer in convs) == (init == "pytorch_all")
    assert soc.init_like_pytorch(models["keras"]) == 7
    assert soc.init_like_pytorch(models["keras"], convolutions=True) == 11
    # the 625-pair sum with Glorot kernels starts far above a uniform guess (ln 10 = 2.3); PyTorch's does not
    assert losses["keras"] > 10 and losses["pytorch"] < 5 and losses["pytorch_all"] < 5
    # a bad init is refused before anything is built: sizes that could not be built never get used
    for build, sizes in ((soc.build_rn_model, {"g_units": "unbuildable"}), (soc.build_cnn_mlp_model, {"units": "x"}),
                         (soc.build_state_rn_model, {"g_units": "unbuildable"})):
        with pytest.raises(ValueError, match="init must be one of"):
            build(init="he", **sizes)


def test_state_rn_learns_a_relational_count_from_the_true_objects():
    """"How many other objects share A's shape?" needs every object's shape and A's: with the true
    objects as input the RN must beat chance (about 0.2 over 6 balanced answers) by far within 3
    short epochs (it measured 0.64 here), or the state rows, their alignment or the wiring are wrong."""
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(0)
    train, test = soc.generate(300, [7, 0], progress=False), soc.generate(40, [7, 1], progress=False)
    model = soc.build_state_rn_model(learning_rate=1e-3)
    model.fit(soc.make_dataset(train, 32, shuffle=True, state=True), epochs=3, verbose=0)
    result = soc.evaluate_model(model, test)
    assert result["binary"]["same_shape_count"]["accuracy"] > 0.45


def test_set_network_control_applies_g_to_single_objects_and_reloads(tmp_path):
    """pairs="singles": the RN without pairs (notebook 07's control), g_theta on [o_i; q] for each of the 16 cells."""
    pytest.importorskip("keras")
    data = soc.generate(2, [0, 9], progress=False, preset="course")
    x, _ = soc.make_dataset(data, 8)[0]
    model = soc.build_rn_model(cnn="course", pairs="singles")
    relation = model.get_layer("relation_network")
    assert relation.pairs == "singles"
    objects, question = model.get_layer("objects").output, relation.input[1]
    assert relation.g_layers[0].kernel.shape == (objects.shape[-1] + question.shape[-1], 256)  # one object, not two
    out = model.predict_on_batch(x)
    model.save(tmp_path / "singles.keras")
    np.testing.assert_allclose(soc.load_model(tmp_path / "singles.keras").predict_on_batch(x), out, rtol=1e-5, atol=1e-6)


def test_course_levers_16_objects_unordered_pairs_and_coordinate_input_reload(tmp_path):
    pytest.importorskip("keras")
    data = soc.generate(2, [0, 9], progress=False, preset="course")
    x, _ = soc.make_dataset(data, 8)[0]
    rn = soc.build_rn_model(cnn="course", pairs="unordered", coordinate_input=True, learning_rate=soc.learning_rate_schedule(1e-3, 10, 100))
    assert rn.get_layer("objects").output.shape == (None, 16, 26)  # a 4 x 4 map, each cell tagged with (row, col)
    assert rn.get_layer("cnn_conv_1").input.shape == (None, 75, 75, 5)  # RGB + each pixel's row and column
    assert rn.get_layer("relation_network").pairs == "unordered"
    mlp = soc.build_cnn_mlp_model(cnn="course", coordinate_input=True)
    assert mlp.get_layer("flatten").output.shape == (None, 16 * 24)
    for model in (rn, mlp):
        out = model.predict_on_batch(x)
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        np.testing.assert_allclose(soc.load_model(path).predict_on_batch(x), out, rtol=1e-5, atol=1e-6)


def test_learning_rate_schedule_warms_up_then_decays_to_one_percent():
    pytest.importorskip("keras")
    assert soc.learning_rate_schedule(1e-3) == 1e-3  # no warm-up, no decay: the paper's constant rate
    lr = soc.learning_rate_schedule(1e-3, warmup_steps=100, decay_steps=900)
    at = [float(lr(step)) for step in (0, 50, 100, 550, 1000, 5000)]
    assert at[0] == 0 and at[1] == pytest.approx(5e-4) and at[2] == pytest.approx(1e-3)
    assert at[3] == pytest.approx(1e-3 * (0.01 + 0.99 * 0.5), rel=1e-4)  # half way down the cosine
    assert at[4] == pytest.approx(1e-5) and at[5] == pytest.approx(1e-5)


def test_state_mlp_reads_what_the_state_rn_reads_with_more_parameters(tmp_path):
    pytest.importorskip("keras")
    data = soc.generate(2, [0, 9], progress=False, preset="course")
    x, _ = soc.make_dataset(data, 8, state=True)[0]
    rn, mlp = soc.build_state_rn_model(), soc.build_state_mlp_model()
    assert sorted(t.name for t in rn.inputs) == sorted(t.name for t in mlp.inputs) == ["objects", "question"]
    assert soc.takes_state(mlp) and mlp.count_params() > rn.count_params()
    assert not any("relation" in layer.name for layer in mlp.layers)
    out = mlp.predict_on_batch(x)
    mlp.save(tmp_path / "m.keras")
    np.testing.assert_allclose(soc.load_model(tmp_path / "m.keras").predict_on_batch(x), out, rtol=1e-5, atol=1e-6)
