"""Draw a Keras model's graph to PNG or SVG, with or without a system Graphviz.

``keras.utils.plot_model`` does two things: ``keras.utils.model_to_dot`` turns the model into a
Graphviz graph (with pydot), then pydot runs Graphviz's ``dot`` program to lay it out and render
it. Keras only looks for a program called ``dot`` on the PATH, which Colab has but a fresh laptop
or CI machine often does not. :func:`draw_model` performs the same two steps and picks the
program itself: the system's ``dot`` when there is one, otherwise ``graphviz-pure`` (a pip
package, listed in requirements.txt, that ships a self-contained ``dot``-compatible program under
the name ``graphviz-pure``).

Introduced in notebooks/02_cnn_and_lstm_encoders.ipynb.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import sysconfig
from pathlib import Path

__all__ = ["GraphvizNotFoundError", "find_dot", "draw_model"]

FORMATS = ("png", "svg")

INSTALL_HINT = ("Install one of them: `pip install graphviz-pure` (no system package needed; "
                "it is in requirements.txt) or the system Graphviz (`apt-get install graphviz`, "
                "`brew install graphviz`, `conda install graphviz`).")


class GraphvizNotFoundError(RuntimeError):
    """Neither Graphviz's ``dot`` nor ``graphviz-pure`` could be found."""


def find_dot(program: str | os.PathLike | None = None) -> str:
    """Path of the program that renders the graph: ``program``, else ``dot``, else ``graphviz-pure``.

    ``dot`` is looked up on the PATH; ``graphviz-pure`` on the PATH and next to the running
    Python (a virtual environment's ``bin/`` is not always on a notebook kernel's PATH).
    Raises :class:`GraphvizNotFoundError` saying what to install when neither exists.
    """
    if program is not None:
        found = shutil.which(str(program))
        if found is None:
            raise GraphvizNotFoundError(f"the graph program {str(program)!r} was not found. " + INSTALL_HINT)
        return found
    found = shutil.which("dot")
    if found:
        return found
    exe = "graphviz-pure.exe" if os.name == "nt" else "graphviz-pure"
    folders = [Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))]
    for candidate in [shutil.which("graphviz-pure")] + [str(f / exe) for f in folders]:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise GraphvizNotFoundError("drawing a model graph needs Graphviz's `dot` program or the "
                                "`graphviz-pure` program, and neither was found. " + INSTALL_HINT)


def draw_model(model, path, show_shapes=True, show_layer_names=True, show_dtype=False,
               show_layer_activations=False, show_trainable=False, expand_nested=False,
               rankdir="TB", dpi=96, program=None, only=None):
    """Save a picture of ``model``'s graph to ``path`` (``.png`` or ``.svg``) and return it for display.

    The drawing is ``keras.utils.plot_model``'s (same options; ``dpi`` defaults to 96 to keep
    notebook figures small), rendered with :func:`find_dot`'s program, so it works where Graphviz
    is not installed as long as the ``graphviz-pure`` pip package is. Returns an
    ``IPython.display.Image`` / ``SVG`` when IPython is available (it shows in a notebook), else
    the path. Raises :class:`GraphvizNotFoundError` when no program is found and ValueError for
    another file extension.

    ``only``: names of the layers to draw; the other layers, and every arrow that touches one, are
    left out, an arrow repeated by a shared layer (one per call) is drawn once, and a list of many
    identical input shapes (an ``Add`` of 256 branches) is written ``256 x (None, 128)``. It draws a
    legible part of a graph too big to read whole, such as the 309-layer loop graph of notebook 03
    (``only`` introduced in notebooks/03_relation_network.ipynb). ValueError for a name the
    model does not have.

    Introduced in notebooks/02_cnn_and_lstm_encoders.ipynb.
    """
    import keras

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"draw_model writes .png or .svg files; got {str(path)!r}.")
    exe = find_dot(program)
    graph = keras.utils.model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype,
                                     show_layer_names=show_layer_names, rankdir=rankdir,
                                     expand_nested=expand_nested, dpi=dpi,
                                     show_layer_activations=show_layer_activations,
                                     show_trainable=show_trainable)
    if only is not None:
        graph = _part_of(graph, model, only)
    path.parent.mkdir(parents=True, exist_ok=True)
    graph.write(str(path), format=fmt, prog=exe)
    try:
        from IPython import display
    except ImportError:
        return path
    return display.SVG(filename=str(path)) if fmt == "svg" else display.Image(filename=str(path))


_SHAPE_LIST = re.compile(r"\[(\([^()]*\)(?:, \([^()]*\))+)\]")


def _count_shapes(match):
    """``[(None, 128), (None, 128), ...]`` -> ``256 x (None, 128)`` when more than 3 shapes are all equal."""
    shapes = re.findall(r"\([^()]*\)", match.group(1))
    return f"{len(shapes)} x {shapes[0]}" if len(shapes) > 3 and len(set(shapes)) == 1 else match.group(0)


def _part_of(graph, model, names):
    """The pydot ``graph`` of ``model`` reduced to the nodes of the layers called ``names``."""
    import pydot

    names = list(names)
    by_name = {layer.name: str(id(layer)) for layer in model.layers}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ValueError(f"draw_model(only=...): the model has no layer(s) {unknown}.")
    keep = {by_name[n] for n in names}
    part = pydot.Dot(graph_type="digraph", **graph.obj_dict["attributes"])
    for node in graph.get_nodes():
        if node.get_name() in keep:
            label = node.get("label")
            if label:
                node.set("label", _SHAPE_LIST.sub(_count_shapes, label))
            part.add_node(node)
    seen = set()
    for edge in graph.get_edges():
        ends = (str(edge.get_source()), str(edge.get_destination()))
        if ends[0] in keep and ends[1] in keep and ends not in seen:
            seen.add(ends)
            part.add_edge(pydot.Edge(*ends))
    return part
