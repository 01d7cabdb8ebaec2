"""Sort-of-CLEVR evaluation: accuracy per question kind and subtype (at the end, or after every epoch of
training), the colour-blind ceiling a model must pass to show it finds the object a question names,
and which preset weights were trained on.

Introduced in notebooks/06_sort_of_clevr.ipynb.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import keras
import numpy as np

from .datasets import generated_object_size, make_dataset
from .models import takes_state
from .presets import DEFAULT_PRESET, get_preset
from .questions import ANSWERS, KINDS, SUBTYPES, Question, answer_question
from .scenes import COLORS, Scene

__all__ = ["question_groups", "evaluate_model", "colour_blind_answers", "colour_blind_accuracy", "weights_preset",
           "KindHistory", "read_kind_history"]

#: The file :class:`KindHistory` writes in a run folder.
KIND_HISTORY = "kinds.csv"


def question_groups(data: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per question (flattened in image order): its kind name and its subtype name, as string arrays."""
    kinds, subs = data["kinds"].ravel(), data["subtypes"].ravel()
    kind_names = np.array(KINDS)[kinds]
    sub_names = np.array([SUBTYPES[KINDS[k]][s] for k, s in zip(kinds.tolist(), subs.tolist())])
    return kind_names, sub_names


def evaluate_model(model, data: dict, batch_size: int = 256) -> dict:
    """Accuracy overall, per question kind and per subtype, as a nested dict.

    ``{"accuracy": .., "count": .., "non_relational": {"accuracy": .., "count": .., "shape": {...}, ...}, ...}``
    (only the kinds ``data`` asks: no ``ternary`` for the ``paper`` preset). A model with an
    ``objects`` input (:func:`build_state_rn_model`) is fed the state descriptions.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    from ..training import accuracy_by_group, predict_labels

    y_true, y_pred = predict_labels(model, make_dataset(data, batch_size, state=takes_state(model)))
    kinds, subtypes = question_groups(data)
    return accuracy_by_group(y_true, y_pred, kinds, subtypes)


def colour_blind_answers(data: dict) -> np.ndarray:
    """Per question (flattened in image order), the best answer of a reader that cannot tell colours apart.

    Such a reader sees where every object is and its shape, but not which object is red, green...:
    for a question about subject A (or A and B) it can only consider every object (every ordered
    pair of distinct objects) as the subject, and its best guess is the answer most of them give
    (a tie goes to the answer listed first in :data:`ANSWERS`). That is the best it can do when
    the subject is drawn uniformly, as in the ``paper`` preset; the ``extended`` preset draws the
    answer uniformly among those the scene allows, so there this guess is a weaker baseline.
    Returns indices into :data:`ANSWERS`. Needs ``centers``, ``shapes``, ``kinds`` and ``subtypes``
    (no pixels).

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    n_colors = len(COLORS)
    out = np.empty(data["answers"].shape, np.int64)
    for i in range(len(data["answers"])):
        scene, guess = Scene(data["centers"][i], data["shapes"][i]), {}
        for k, (kind_i, sub_i) in enumerate(zip(data["kinds"][i].tolist(), data["subtypes"][i].tolist())):
            if (kind_i, sub_i) not in guess:
                kind = KINDS[kind_i]
                subject_pairs = ([(a, b) for a in range(n_colors) for b in range(n_colors) if a != b]
                                 if kind == "ternary" else [(a, None) for a in range(n_colors)])
                given = [ANSWERS.index(answer_question(scene, Question(kind, SUBTYPES[kind][sub_i], a, b))[0])
                         for a, b in subject_pairs]
                guess[kind_i, sub_i] = int(np.bincount(given, minlength=len(ANSWERS)).argmax())
            out[i, k] = guess[kind_i, sub_i]
    return out.reshape(-1)


def colour_blind_accuracy(data: dict) -> dict:
    """The accuracy of :func:`colour_blind_answers`, nested per kind and subtype as :func:`evaluate_model`'s.

    It is the ceiling of a model that has learnt everything about shapes and positions but not yet
    to find the object the question names by its colour: a model at this figure on non-relational
    questions answers them from the scene as a whole, not from the object asked about.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    from ..training import accuracy_by_group

    kinds, subtypes = question_groups(data)
    return accuracy_by_group(data["answers"].reshape(-1), colour_blind_answers(data), kinds, subtypes)


def weights_preset(weights) -> str:
    """The dataset preset that saved weights were trained on, read from the record beside them.

    An exported model ``NAME.keras`` has ``NAME_results.json`` (``"preset"``, or ``"config"`` ->
    ``"preset"``); a run's ``best.keras`` or ``last.keras`` has its run folder's ``config.json``.
    Weights with no record, or a record without a preset (made before presets existed), were
    trained on ``extended`` data. Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    weights = Path(weights)
    for record in (weights.with_name(f"{weights.stem}_results.json"), weights.parent / "config.json"):
        if record.is_file():
            info = json.loads(record.read_text())
            preset = info.get("preset") or (info.get("config") or {}).get("preset") or DEFAULT_PRESET
            return get_preset(preset).name
    return DEFAULT_PRESET


def weights_object_size(weights) -> int | None:
    """The object size (px) of the pictures that saved weights were trained on, from the record beside them.

    Read from the record's data identity (``generate.json`` as ``train`` saw it): its
    ``object_size``, or 10 px for data generated before object sizes were recorded. None when there
    is no record of the data: then the preset's own size is all there is to go on.
    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    weights = Path(weights)
    for record in (weights.with_name(f"{weights.stem}_results.json"), weights.parent / "config.json"):
        if record.is_file():
            info = json.loads(record.read_text())
            config = info.get("config", info)
            generated = (config.get("data_identity") or {}).get("generate")
            return None if generated is None else generated_object_size(generated)
    return None


def _kind_columns(result: dict) -> dict[str, float]:
    """``evaluate_model``'s nested dict as flat columns: ``all``, ``KIND``, ``KIND/SUBTYPE``."""
    row = {"all": result["accuracy"]}
    for kind in KINDS:
        if kind in result:
            row[kind] = result[kind]["accuracy"]
            row |= {f"{kind}/{sub}": result[kind][sub]["accuracy"] for sub in SUBTYPES[kind] if sub in result[kind]}
    return row


class KindHistory(keras.callbacks.Callback):
    """After every epoch, the validation accuracy per question kind and subtype, one row of ``path`` (a CSV).

    Keras's history has one accuracy for all questions; this is the curve per kind (does the RN learn
    the relational questions, and when?). Columns: ``epoch`` (0-based, as in ``history.csv``), ``all``,
    each kind and each ``kind/subtype`` the data asks. Rows are appended, so a resumed run goes on in
    the same file; an epoch that was scored and then re-run after an interruption appears twice, and
    :func:`read_kind_history` keeps its last row. Introduced in notebooks/06_sort_of_clevr.ipynb.
    """

    def __init__(self, data: dict, path, batch_size: int = 256):
        super().__init__()
        self.data, self.path, self.batch_size = data, Path(path), batch_size

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": int(epoch)} | _kind_columns(evaluate_model(self.model, self.data, self.batch_size))
        new = not self.path.exists() or self.path.stat().st_size == 0
        if not new:
            with open(self.path, newline="") as f:
                header = next(csv.reader(f))
            if header != list(row):
                raise ValueError(f"{self.path}: its columns {header} are not this data's {list(row)}: "
                                 "another dataset was scored into this run folder.")
        with open(self.path, "a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(row))
            if new:
                writer.writeheader()
            writer.writerow(row)


def read_kind_history(path) -> dict[str, list]:
    """:class:`KindHistory`'s file as ``{"epoch": [0, 1, ...], "all": [...], "binary": [...], ...}``.

    One value per epoch, in epoch order, the last row of an epoch that was scored twice; an empty
    dict when the file does not exist. Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    path = Path(path)
    if not path.exists():
        return {}
    with open(path, newline="") as f:
        rows = {int(r["epoch"]): r for r in csv.DictReader(f)}
    if not rows:
        return {}
    columns = list(next(iter(rows.values())))
    epochs = sorted(rows)
    return {c: [int(e) if c == "epoch" else float(rows[e][c]) for e in epochs] for c in columns}
