"""Checks of a synthetic dataset against real NLVR: label balance per template, scene statistics,
vocabulary coverage.

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable, Sequence

from ..nlvr import Example, normalize_sentence
from ..render import SHAPES, SIZES
from .scenes import COLOR_NAMES, is_tower_scene
from .words import COLOR_WORDS, SIZE_WORDS
from .world import touches_edge, touching, tower


def label_balance(examples: Iterable[Example]) -> dict:
    """template id -> (examples, share of true labels), sorted by id.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    counts = defaultdict(lambda: [0, 0])
    for e in examples:
        template = getattr(e, "template", None)
        if not template:
            raise ValueError(f"example {e.identifier} has no template: label_balance needs synthetic "
                             "examples (from generate() or read_synthetic())")
        counts[template][0] += 1
        counts[template][1] += e.label
    return {t: (n, true / n) for t, (n, true) in sorted(counts.items())}


def scene_statistics(examples: Sequence[Example]) -> dict:
    """Statistics of scenes and labels that synthetic data should share with real NLVR:
    name -> value (shares are fractions). "scatter" rows are about non-tower scenes.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    examples = list(examples)
    towers = [e for e in examples if is_tower_scene(e.structured_rep)]
    scatter = [e for e in examples if not is_tower_scene(e.structured_rep)]
    stats = {"examples": len(examples), "sentence groups": len({(e.split, e.group) for e in examples}),
             "true labels": _share(e.label for e in examples),
             "tower scenes": len(towers) / max(1, len(examples))}
    tower_boxes = [tower(box) for e in towers for box in e.structured_rep]
    stats["tower: blocks per tower (mean)"] = _mean(len(t) for t in tower_boxes)
    for h in range(1, 5):
        stats[f"tower: towers of {h} block{'s' * (h > 1)}"] = _share(len(t) == h for t in tower_boxes)
    for c in COLOR_NAMES:
        stats[f"tower: {COLOR_WORDS[c]} blocks"] = _share(b == c for t in tower_boxes for b in t)
    boxes = [box for e in scatter for box in e.structured_rep]
    items = [(it, box) for box in boxes for it in box]
    stats["scatter: items per box (mean)"] = _mean(len(b) for b in boxes)
    for k in range(1, 8):
        stats[f"scatter: boxes with {k} item{'s' * (k > 1)}"] = _share(len(b) == k for b in boxes)
    for s in SHAPES:
        stats[f"scatter: {s}s"] = _share(it.type == s for it, _ in items)
    for c in COLOR_NAMES:
        stats[f"scatter: {COLOR_WORDS[c]} items"] = _share(it.color == c for it, _ in items)
    for z in SIZES:
        stats[f"scatter: size {z} ({SIZE_WORDS[z][0]})"] = _share(it.size == z for it, _ in items)
    stats["scatter: items touching an edge"] = _share(touches_edge(it) for it, _ in items)
    stats["scatter: items touching a corner"] = _share(touches_edge(it, "corner") for it, _ in items)
    stats["scatter: items touching another item"] = _share(
        any(touching(it, o) for o in box if o is not it) for it, box in items)
    stats["words per sentence (mean)"] = _mean(len(normalize_sentence(e.sentence).split()) for e in examples)
    return stats


def _share(flags) -> float:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else float("nan")


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else float("nan")


def compare_statistics(synthetic, real) -> list[tuple[str, float, float]]:
    """Rows (statistic, synthetic value, real value) for two example lists (or their
    :func:`scene_statistics`), e.g. synthetic train against real NLVR dev.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    a = synthetic if isinstance(synthetic, dict) else scene_statistics(synthetic)
    b = real if isinstance(real, dict) else scene_statistics(real)
    return [(name, a[name], b.get(name, float("nan"))) for name in a]


def vocabulary_coverage(synthetic_sentences: Iterable[str], real_sentences: Iterable[str]) -> dict:
    """How much of real text a model trained on synthetic sentences has seen: the share of real
    tokens (and of distinct real words) whose word occurs in the synthetic sentences.

    Returns {"token_coverage", "type_coverage", "real_tokens", "real_words", "synthetic_words",
    "missing"} with ``missing`` the most frequent uncovered real words as (word, count).

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    vocab = {w for s in synthetic_sentences for w in normalize_sentence(s).split()}
    real = Counter(w for s in real_sentences for w in normalize_sentence(s).split())
    total = sum(real.values())
    covered = sum(n for w, n in real.items() if w in vocab)
    return {"token_coverage": covered / total if total else float("nan"),
            "type_coverage": sum(w in vocab for w in real) / len(real) if real else float("nan"),
            "real_tokens": total, "real_words": len(real), "synthetic_words": len(vocab),
            "missing": sorted(((w, n) for w, n in real.items() if w not in vocab), key=lambda x: (-x[1], x[0]))[:25]}
