"""Ask the trained NLVR models a sentence of your own about a real dev scene or a generated one.

:func:`ask` is the plain function behind notebook 07's "Ask the model" cell: it checks the input,
answers with every model given (P(true), the mean over the scene's 6 box orders, as NLVR's example
accuracy counts it) and, for the first pixel RN among them, leaves each pair of CNN cells out of
the sum in turn (:func:`rnlib.nlvr.pair_importance`, box order 0). A bad input raises
:class:`AskError` with one clear message: an empty sentence, words outside a model's vocabulary
(named), a scene that does not exist. :func:`show` prints (and draws) an answer and turns an
:class:`AskError` into that message, without a traceback; :func:`ask_widget` puts :func:`show`
behind ipywidgets where they are installed.

Introduced in notebooks/07_sim_to_real.ipynb.
"""

from __future__ import annotations

import random

import numpy as np

from .data.nlvr import Example, normalize_sentence
from .data.synthetic import random_scene
from .items import example_objects
from .nlvr import model_vocabulary, pair_importance
from .pipeline import RenderedImages
from .text import vectorizer_from_vocabulary

__all__ = ["AskError", "SCENE_KINDS", "scene_example", "words_outside", "ask", "show", "ask_widget"]

#: Scenes the generator draws (``scene="tower"`` or ``"scatter"``, with a ``seed``).
SCENE_KINDS = ("tower", "scatter")


class AskError(ValueError):
    """A question the models cannot take; the message says what was expected."""


def scene_example(sentence: str, scene, dev=None, seed: int = 0) -> Example:
    """An :class:`~rnlib.data.nlvr.Example` of ``sentence`` about ``scene`` (its label unknown: False).

    ``scene``: ``"tower"`` or ``"scatter"`` (a scene the generator draws with ``seed``), an index
    into ``dev``, or a ``dev`` identifier such as ``"0-0-0-0"``.

    Introduced in notebooks/07_sim_to_real.ipynb.
    """
    if isinstance(scene, str) and scene.strip().lower() in SCENE_KINDS:
        rep = random_scene(scene.strip().lower(), random.Random(int(seed)))
        return Example(f"generated-{scene.strip().lower()}-{seed}", 0, 0, sentence, False, rep, "generated")
    if not dev:
        raise AskError(f"scene {scene!r}: without real dev examples, choose one of {SCENE_KINDS} (a generated scene)")
    dev = list(dev)
    if isinstance(scene, (int, np.integer)) or (isinstance(scene, str) and scene.strip().isdigit()):
        k = int(scene)
        if not 0 <= k < len(dev):
            raise AskError(f"scene {scene!r}: dev has {len(dev)} examples, numbered 0 to {len(dev) - 1}")
        return _asking(dev[k], sentence)
    found = [e for e in dev if e.identifier == str(scene).strip()]
    if not found:
        raise AskError(f"scene {scene!r}: no dev example has this identifier (they look like {dev[0].identifier!r}); "
                       f"give an identifier, a number 0 to {len(dev) - 1}, or one of {SCENE_KINDS}")
    return _asking(found[0], sentence)


def _asking(example: Example, sentence: str) -> Example:
    return Example(example.identifier, example.group, example.m, sentence, False, example.structured_rep, example.split)


def words_outside(sentence: str, vocabulary) -> list[str]:
    """The words of ``sentence`` (as the models' TextVectorization splits it) that ``vocabulary`` lacks.

    Introduced in notebooks/07_sim_to_real.ipynb.
    """
    known = set(vocabulary)
    return [w for w in _words(sentence) if w not in known]


def _words(sentence: str) -> list[str]:
    return normalize_sentence(sentence).split()  # the words rnlib.text.standardize gives the vectorizer


def ask(models: dict, sentence: str, scene, dev=None, seed: int = 0) -> dict:
    """Every model's P(true) for ``sentence`` about ``scene`` (see :func:`scene_example`).

    ``models``: name -> an NLVR model of :func:`rnlib.nlvr.load_model` (pixel or object input).
    Returns ``{"example", "p_true": {name: mean P(true) over the 6 box orders}, "pair_map"}``;
    ``pair_map`` is ``(name, image, delta, p)`` for the first pixel RN with pairs (box order 0),
    else None. Raises :class:`AskError` for an empty sentence, words outside a model's vocabulary,
    or a scene that does not exist.

    Introduced in notebooks/07_sim_to_real.ipynb.
    """
    if not isinstance(sentence, str) or not _words(sentence):
        raise AskError("the sentence is empty: type a statement about the scene, e.g. "
                       "'There is a yellow block as the top of a tower.'")
    vocabularies = {name: model_vocabulary(model) for name, model in models.items()}
    for name, vocabulary in vocabularies.items():
        unknown = words_outside(sentence, vocabulary)
        if unknown:
            raise AskError(f"{name} does not know the word(s) {', '.join(repr(w) for w in unknown)}: its vocabulary "
                           f"has {len(vocabulary) - 2} words (synthetic training sentences and Test-P's words)")
    example = scene_example(sentence, scene, dev, seed)
    images = objects = None  # each drawn once, when a model first needs it
    p_true, pair_map = {}, None
    for name, model in models.items():
        tokens = np.asarray(vectorizer_from_vocabulary(vocabularies[name])(np.array([sentence] * 6)), np.int32)
        reads_objects = "objects" in {i.name for i in model.inputs}
        if reads_objects:
            objects = example_objects([example]) if objects is None else objects
            x = {"objects": objects}
        else:
            images = RenderedImages([example]).read(np.arange(6)).astype(np.float32) if images is None else images  # 6 box orders
            x = {"image": images}
        p_true[name] = float(np.mean(np.asarray(model.predict_on_batch({**x, "tokens": tokens})).reshape(-1)))
        layer = {l.name: l for l in model.layers}.get("relation_network")
        if pair_map is None and not reads_objects and layer is not None and layer.pairs != "singles":
            delta, p = pair_importance(model, images[0], tokens[0])
            pair_map = (name, images[0], delta, p)
    return {"example": example, "p_true": p_true, "pair_map": pair_map}


def show(models: dict, sentence: str, scene, dev=None, seed: int = 0, draw: bool = True):
    """:func:`ask`, then print each model's answer and (``draw``) the scene with the pixel RN's pair map.

    A bad input prints its :class:`AskError` message and returns None: no traceback.

    Introduced in notebooks/07_sim_to_real.ipynb.
    """
    try:
        result = ask(models, sentence, scene, dev, seed)
    except AskError as e:
        print(f"cannot ask: {e}")
        return None
    ex = result["example"]
    truth = f"; the real label of dev's sentence for this scene is {dev_label(ex, dev)}" if ex.split != "generated" else ""
    print(f"scene {ex.identifier} ({'generated' if ex.split == 'generated' else ex.split}){truth}\n\"{sentence}\"")
    for name, p in result["p_true"].items():
        print(f"  {name}: P(true) {p:.2f} -> {'true' if p > 0.5 else 'false'}")
    if draw and result["pair_map"] is not None:
        _draw(*result["pair_map"], sentence)
    return result


def dev_label(example: Example, dev) -> str:
    """The label and sentence dev gives this scene (to compare with the models' answers to a new sentence)."""
    found = [e for e in dev or [] if e.identifier == example.identifier]
    return f"{found[0].label} for \"{found[0].sentence}\"" if found else "unknown"


def _draw(name, image, delta, p, sentence):
    import matplotlib.pyplot as plt

    fig, (a0, a1) = plt.subplots(1, 2, figsize=(11, 2.8), gridspec_kw={"width_ratios": [2.2, 1]})
    a0.imshow(image.astype(np.uint8), extent=(0, 200, 50, 0))
    for k in range(16):
        r, c = divmod(k, 8)
        a0.add_patch(plt.Rectangle((25 * c, 25 * r), 25, 25, fill=False, ec="gray", lw=0.5))
        a0.text(25 * c + 2, 25 * r + 8, str(k), color="gray", fontsize=7)
    a0.set_xticks([]); a0.set_yticks([])
    a0.set_title(f"{name}, box order 0: P(true) {p:.2f}", fontsize=9, loc="left")
    push = -delta  # a pair's push on P(true): P(true) with it minus without it
    lim = float(np.abs(push).max()) or 1.0
    im = a1.imshow(push, cmap="coolwarm", vmin=-lim, vmax=lim)
    a1.set_xlabel("cell j", fontsize=8); a1.set_ylabel("cell i", fontsize=8)
    a1.set_title("pair (i, j)'s push on P(true)", fontsize=9)
    fig.colorbar(im, ax=a1, fraction=0.046, label="red: towards true, blue: towards false")
    plt.tight_layout(); plt.show()


def ask_widget(models: dict, dev=None):
    """A sentence box, a scene box and an Ask button that call :func:`show`; None without ipywidgets.

    Introduced in notebooks/07_sim_to_real.ipynb.
    """
    try:
        import ipywidgets as widgets
        from IPython.display import display
    except ImportError:
        print("ipywidgets is not installed here: call rnlib.ask.show(models, sentence, scene, dev) instead")
        return None
    sentence = widgets.Text(value="There is a yellow block as the top of a tower.", description="sentence",
                            layout=widgets.Layout(width="70%"))
    scene = widgets.Text(value="tower", description="scene", placeholder="tower, scatter, a dev number or identifier")
    seed = widgets.IntText(value=0, description="seed")
    button, out = widgets.Button(description="Ask"), widgets.Output()

    def on_click(_):
        out.clear_output()
        with out:
            show(models, sentence.value, scene.value, dev, seed.value)

    button.on_click(on_click)
    box = widgets.VBox([sentence, widgets.HBox([scene, seed, button]), out])
    display(box)
    return box
