"""rnlib.graph: model graphs render to PNG and SVG without a system Graphviz."""

import os
import shutil
import sys
from pathlib import Path

import pytest

from rnlib import graph
from rnlib.graph import GraphvizNotFoundError, draw_model, find_dot
from rnlib.models import build_nlvr_rn

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def model():
    return build_nlvr_rn(vocab_size=30, g_units=(16,), f_units=(8,))


@pytest.fixture
def no_system_dot(monkeypatch, tmp_path):
    """A PATH without any ``dot`` (nor graphviz-pure): only the copy next to Python can be found."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert shutil.which("dot") is None


def test_graphviz_pure_is_found_without_dot_on_the_path(no_system_dot):
    exe = find_dot()
    assert Path(exe).name.startswith("graphviz-pure")
    assert os.access(exe, os.X_OK)


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_draws_a_keras_model_with_graphviz_pure(model, tmp_path, no_system_dot, suffix):
    path = tmp_path / "figures" / f"model.{suffix}"
    shown = draw_model(model, path)
    data = path.read_bytes()
    if suffix == "png":
        assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert height > width > 200  # a top-to-bottom graph of ~20 boxes
    else:
        text = data.decode("utf-8")
        assert "<svg" in text
        for name in ("image", "tokens", "cnn_conv_1", "objects", "question_embedding", "relation_network",
                     "RelationNetwork", "answer"):
            assert name in text
    assert shown is not None  # an IPython display object in a notebook, else the path


def test_uses_the_program_it_is_given(model, tmp_path):
    exe = shutil.which("graphviz-pure") or str(Path(sys.executable).parent / "graphviz-pure")
    path = tmp_path / "model.svg"
    draw_model(model, path, program=exe, show_shapes=False, rankdir="LR")
    assert "relation_network" in path.read_text()
    with pytest.raises(GraphvizNotFoundError, match="not found"):
        draw_model(model, tmp_path / "x.svg", program="no-such-dot-program")


def test_clear_error_when_nothing_can_render(model, tmp_path, monkeypatch, no_system_dot):
    monkeypatch.setattr(graph.sys, "executable", str(tmp_path / "nowhere" / "python"))
    monkeypatch.setattr(graph.sysconfig, "get_path", lambda name: str(tmp_path / "nowhere"))
    with pytest.raises(GraphvizNotFoundError, match=r"pip install graphviz-pure.*apt-get install graphviz"):
        draw_model(model, tmp_path / "model.png")
    assert not (tmp_path / "model.png").exists()


def test_only_png_and_svg(model, tmp_path):
    with pytest.raises(ValueError, match=r"\.png or \.svg"):
        draw_model(model, tmp_path / "model.pdf")


def test_draws_only_the_named_layers_of_a_big_graph(tmp_path):
    """A legible part of the 256-branch loop graph: the named layers, each arrow once, 256 shapes counted."""
    from rnlib.models import build_nlvr_loop_rn

    loop = build_nlvr_loop_rn(vocab_size=30, g_units=(8,), f_units=(4,))
    only = ["cell_0_0", "cell_0_1", "pair_0_0", "pair_0_1", "g_theta_0", "g_theta_bn_0", "g_theta_act_0", "relation_sum"]
    text = draw_model(loop, tmp_path / "part.svg", only=only) and (tmp_path / "part.svg").read_text()
    for name in only:
        assert f">{name}<" in text
    for name in ("pair_1_0", "cell_1_7", "f_phi_0", "answer"):
        assert f">{name}<" not in text
    assert "256 x (None, 8)" in text  # relation_sum's 256 inputs, not a list 256 shapes long
    # cell_0_0 -> pair_0_0 (called twice, drawn once), cell_0_0 and cell_0_1 -> pair_0_1, both pairs ->
    # g_theta_0, g_theta_0 -> g_theta_bn_0 -> g_theta_act_0 -> relation_sum (256 calls each, drawn once)
    assert text.count('class="edge"') == 1 + 2 + 2 + 3
    with pytest.raises(ValueError, match=r"no layer\(s\) \['pair_99_0'\]"):
        draw_model(loop, tmp_path / "x.svg", only=["pair_99_0"])
