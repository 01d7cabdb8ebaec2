"""rnlib.ask: the "ask the model" function of notebook 07, headless, on the committed sim-to-real models."""

import pytest

from rnlib import ask, nlvr
from rnlib.data.nlvr import read_examples
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIXELS = ROOT / "data" / "pretrained" / "nlvr_sim2real_pixels.keras"
OBJECTS = ROOT / "data" / "pretrained" / "nlvr_sim2real_objects.keras"


@pytest.fixture(scope="module")
def models():
    return {"pixels": nlvr.load_model(PIXELS), "objects": nlvr.load_model(OBJECTS)}


@pytest.fixture(scope="module")
def dev():
    """A stand-in for real dev: two generated scenes under dev-like identifiers."""
    return [ask.scene_example("x", kind, seed=k) for k, kind in enumerate(ask.SCENE_KINDS)]


def test_a_generated_scene_gets_both_answers_and_the_pixel_pair_map(models):
    result = ask.ask(models, "There is a yellow block as the top of a tower.", "tower", seed=3)
    assert set(result["p_true"]) == {"pixels", "objects"}
    assert all(0.0 <= p <= 1.0 for p in result["p_true"].values())
    name, image, delta, p = result["pair_map"]
    assert name == "pixels" and image.shape == (50, 200, 3) and delta.shape == (16, 16) and 0 <= p <= 1
    again = ask.ask(models, "There is a yellow block as the top of a tower.", "tower", seed=3)
    assert again["example"].structured_rep == result["example"].structured_rep  # a seed draws one scene
    assert again["p_true"] == pytest.approx(result["p_true"])
    other = ask.ask(models, "There is a yellow block as the top of a tower.", "scatter", seed=3)
    assert other["example"].structured_rep != result["example"].structured_rep


def test_the_answer_is_the_models_own_on_a_real_scene(models):
    """On a dev example and its own sentence, ask gives evaluate_examples' mean P(true) over the 6 box orders."""
    path = ROOT.parent / "shared" / "nlvr" / "dev.json"
    if not path.exists():
        pytest.skip(f"needs real NLVR dev at {path}")
    dev = read_examples(path)[:20]
    vocabulary = nlvr.model_vocabulary(models["pixels"])
    k = next(k for k, e in enumerate(dev) if not ask.words_outside(e.sentence, vocabulary))  # ask refuses unknown words
    result = ask.ask({"pixels": models["pixels"]}, dev[k].sentence, k, dev)
    expected = nlvr.evaluate_examples(models["pixels"], dev[k:k + 1], return_probabilities=True)["probabilities"].mean()
    assert result["p_true"]["pixels"] == pytest.approx(float(expected), abs=1e-4)
    assert ask.ask({"pixels": models["pixels"]}, dev[k].sentence, dev[k].identifier, dev)["p_true"] == pytest.approx(result["p_true"])


@pytest.mark.parametrize("sentence, scene, message", [
    ("", "tower", "the sentence is empty"),
    ("   ", "tower", "the sentence is empty"),
    ("there is a zebra near the frobnicator", "tower", "'zebra', 'near', 'frobnicator'"),
    ("there is a blue block", 7, "dev has 2 examples, numbered 0 to 1"),
    ("there is a blue block", "no-such-id", "no dev example has this identifier"),
])
def test_bad_input_is_one_clear_message_without_a_traceback(models, dev, sentence, scene, message, capsys):
    with pytest.raises(ask.AskError, match=message):
        ask.ask(models, sentence, scene, dev)
    assert ask.show(models, sentence, scene, dev, draw=False) is None
    out = capsys.readouterr().out
    assert out.startswith("cannot ask: ") and message in out and "Traceback" not in out


def test_a_dev_scene_without_dev_is_explained(models):
    with pytest.raises(ask.AskError, match="without real dev examples"):
        ask.ask(models, "there is a blue block", 3, None)


def test_show_prints_each_models_answer(models, capsys):
    result = ask.show(models, "There is a blue block.", "scatter", seed=1, draw=False)
    out = capsys.readouterr().out
    for name, p in result["p_true"].items():
        assert f"{name}: P(true) {p:.2f} -> {'true' if p > 0.5 else 'false'}" in out


def test_the_widget_or_a_hint(models, capsys):
    box = ask.ask_widget(models)
    if box is None:
        assert "ipywidgets is not installed" in capsys.readouterr().out
    else:
        assert len(box.children) == 3
