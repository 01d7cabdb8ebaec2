"""Sort-of-CLEVR evaluation: accuracy per question kind and subtype, and which preset weights were trained on.

Introduced in notebooks/06_sort_of_clevr.ipynb.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .datasets import make_dataset
from .models import takes_state
from .presets import DEFAULT_PRESET, get_preset
from .questions import KINDS, SUBTYPES

__all__ = ["question_groups", "evaluate_model", "weights_preset"]


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
