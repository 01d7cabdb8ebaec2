"""Diagnosis: what a trained model's answers and the course's data say once training is over.

The last layer of the data flow (data -> preprocessing -> models -> training -> diagnosis). It reads
predictions as plain numbers and NLVR examples as :class:`rnlib.data.Example` records, so it needs
neither TensorFlow nor a model:

- **Calibration** of a binary classifier whose output is P(true): :func:`calibration_table` (the
  reliability diagram's data, expected calibration error, log loss), :func:`fit_temperature` and
  :func:`apply_temperature` (one number that softens or sharpens every prediction; it never changes
  a prediction's side of 0.5, so it never changes accuracy), :func:`confident_mistakes`.
- **Fidelity of the synthetic generator** on real NLVR: a real sentence that the generator also
  writes (same words, case and punctuation ignored) has a program, its template and parameters;
  :func:`fidelity_check` runs that program on the real scene and compares its verdict with the
  real label. High agreement means the generator's meaning of those words is NLVR's meaning.
- **How much data**: :func:`sentence_statistics` (distinct sentences, and how many are true of some
  images and false of others), :func:`data_size_curve` (notebook 05's curve from its runs).
- **Where items fall in the seed CNN's 2x8 grid**: :func:`items_per_cell` counts the items whose
  centre lands in each 24x24 px cell of the 50x200 image, how often a cell holds several items, and
  how many lie outside every cell.

Command line::

    python -m rnlib.diagnosis fidelity --synthetic DIR/train/train.json --real dev.json test.json --json OUT
    python -m rnlib.diagnosis curve --results data/pretrained/nlvr_size_*_results.json --budget TEXT --json OUT

Introduced in notebooks/05_overfitting_diagnosis.ipynb.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from rnlib.data import NLVRFormatError, first_groups, from_display_path, read_examples
from rnlib.data import normalize_sentence, synthetic  # normalize_sentence: diagnosis.normalize_sentence too
from rnlib.data.render import BOX_ORDERS, BOX_STRIDE

#: Probabilities are clipped to [EPSILON, 1 - EPSILON] before a logarithm or a logit.
EPSILON = 1e-7


# =============================================================================================
# 1. Calibration


def _probabilities_and_labels(probabilities, labels) -> tuple[np.ndarray, np.ndarray]:
    """Both inputs flattened (float64, bool); ValueError for different shapes or values outside [0, 1]."""
    p, y = np.asarray(probabilities, dtype=np.float64), np.asarray(labels)
    if p.shape != y.shape:
        raise ValueError(f"probabilities and labels must have the same shape, got {p.shape} and {y.shape}")
    if p.size == 0:
        raise ValueError("no predictions: probabilities and labels are empty")
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise ValueError(f"probabilities must lie in [0, 1], got values from {np.nanmin(p)} to {np.nanmax(p)}"
                         + (" and NaN" if np.isnan(p).any() else ""))
    return p.ravel(), y.ravel().astype(bool)


def log_loss(probabilities, labels) -> float:
    """Mean binary cross-entropy of P(true) against the labels, with P clipped to [1e-7, 1 - 1e-7].

    Introduced in notebooks/05_overfitting_diagnosis.ipynb.
    """
    p, y = _probabilities_and_labels(probabilities, labels)
    p = np.clip(p, EPSILON, 1 - EPSILON)
    return float(-np.mean(np.where(y, np.log(p), np.log1p(-p))))


def calibration_table(probabilities, labels, bins: int = 10) -> dict:
    """The data of a reliability diagram for predictions ``probabilities`` = P(true).

    Predictions go into ``bins`` equal-width bins of P(true) on [0, 1] (P = 1 in the last). Each bin
    reports ``low``, ``high``, ``count``, ``mean_probability`` and ``true_share`` (the fraction of
    its labels that are true; both None for an empty bin). A calibrated model has ``true_share``
    close to ``mean_probability`` in every bin. Also returned:

    - ``ece``: expected calibration error, the count-weighted mean of |mean_probability - true_share|;
    - ``accuracy``: predicted true when P(true) > 0.5 (as :mod:`rnlib.nlvr` counts it);
    - ``predicted_true_share`` (share with P(true) > 0.5) and ``label_true_share``;
    - ``log_loss`` (P clipped to [1e-7, 1 - 1e-7]).

    Inputs may have any shape (both are flattened); ValueError naming the shapes if they differ.

    Introduced in notebooks/05_overfitting_diagnosis.ipynb.
    """
    p, y = _probabilities_and_labels(probabilities, labels)
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    bin_of = np.minimum((p * bins).astype(int), bins - 1)
    table, weighted_gap = [], 0.0
    for b in range(bins):
        in_bin = bin_of == b
        count = int(in_bin.sum())
        row = {"low": b / bins, "high": (b + 1) / bins, "count": count,
               "mean_probability": None, "true_share": None}
        if count:
            row["mean_probability"] = float(p[in_bin].mean())
            row["true_share"] = float(y[in_bin].mean())
            weighted_gap += count * abs(row["mean_probability"] - row["true_share"])
        table.append(row)
    predicted_true = p > 0.5
    return {"bins": table, "ece": weighted_gap / p.size, "accuracy": float((predicted_true == y).mean()),
            "predicted_true_share": float(predicted_true.mean()), "label_true_share": float(y.mean()),
            "log_loss": log_loss(p, y)}


def _logit(probabilities) -> np.ndarray:
    p = np.clip(np.asarray(probabilities, dtype=np.float64), EPSILON, 1 - EPSILON)
    return np.log(p) - np.log1p(-p)


def _sigmoid(z) -> np.ndarray:
    return 0.5 * (1 + np.tanh(0.5 * np.asarray(z)))  # = 1 / (1 + exp(-z)), without overflow


def apply_temperature(probabilities, temperature: float) -> np.ndarray:
    """``sigmoid(logit(p) / temperature)``: T > 1 softens predictions towards 0.5, T < 1 sharpens them.

    ``p`` is clipped to [1e-7, 1 - 1e-7] before the logit. The side of 0.5 never changes.

    Introduced in notebooks/05_overfitting_diagnosis.ipynb.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    return _sigmoid(_logit(probabilities) / temperature)


def fit_temperature(probabilities, labels, low: float = 0.05, high: float = 20.0) -> float:
    """The temperature T in [low, high] that minimizes the log loss of ``apply_temperature(p, T)``.

    Fit it on held-out predictions (a validation split), then apply it to the test predictions.
    The loss is convex in 1/T, so a log-spaced grid followed by a golden-section search around its
    best point finds the minimum; a result at ``low`` or ``high`` means the optimum lies beyond.

    Introduced in notebooks/05_overfitting_diagnosis.ipynb.
    """
    p, y = _probabilities_and_labels(probabilities, labels)
    logits = _logit(p)

    def loss(log_t: float) -> float:
        q = np.clip(_sigmoid(logits / math.exp(log_t)), EPSILON, 1 - EPSILON)
        return float(-np.mean(np.where(y, np.log(q), np.log1p(-q))))

    grid = np.linspace(math.log(low), math.log(high), 61)
    best = int(np.argmin([loss(t) for t in grid]))
    a, b = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    golden = (math.sqrt(5) - 1) / 2
    c, d = b - golden * (b - a), a + golden * (b - a)
    loss_c, loss_d = loss(c), loss(d)
    while b - a > 1e-6:
        if loss_c < loss_d:
            b, d, loss_d = d, c, loss_c
            c = b - golden * (b - a)
            loss_c = loss(c)
        else:
            a, c, loss_c = c, d, loss_d
            d = a + golden * (b - a)
            loss_d = loss(d)
    return float(math.exp((a + b) / 2))


def confident_mistakes(probabilities, labels, threshold: float = 0.9) -> dict:
    """How often the model is confident (max(p, 1 - p) >= ``threshold``) and how often it is then wrong.

    Returns ``threshold``, ``predictions``, ``confident`` (count), ``confident_share``,
    ``confident_accuracy`` (None when no prediction is confident), ``confident_mistakes`` (count)
    and ``confident_mistake_share`` (confident mistakes among all predictions).

    Introduced in notebooks/05_overfitting_diagnosis.ipynb.
    """
    p, y = _probabilities_and_labels(probabilities, labels)
    confident = np.maximum(p, 1 - p) >= threshold
    right = (p > 0.5) == y
    n_confident, n_mistakes = int(confident.sum()), int((confident & ~right).sum())
    return {"threshold": threshold, "predictions": int(p.size), "confident": n_confident,
            "confident_share": n_confident / p.size,
            "confident_accuracy": float(right[confident].mean()) if n_confident else None,
            "confident_mistakes": n_mistakes, "confident_mistake_share": n_mistakes / p.size}


# =============================================================================================
# 2. Fidelity of the synthetic generator on real NLVR


def generator_programs(synthetic_examples) -> dict[str, list[tuple[str, dict]]]:
    """Normalized sentence -> the distinct (template id, params) the generator wrote it from.

    ``synthetic_examples`` are :class:`rnlib.data.synthetic.SyntheticExample` records (from
    :func:`~rnlib.data.synthetic.generate` or :func:`~rnlib.data.synthetic.read_synthetic`). Most
    sentences have one program; a sentence that two templates (or parameter sets) can say has more.

    Introduced in notebooks/05_overfitting_diagnosis.ipynb.
    """
    programs, seen = defaultdict(list), set()
    for example in synthetic_examples:
        if not example.template:
            raise ValueError(f"example {example.identifier} has no template: generator_programs needs "
                             "synthetic examples (from generate() or read_synthetic())")
        sentence = normalize_sentence(example.sentence)
        key = (sentence, example.template, json.dumps(example.params, sort_keys=True))
        if key not in seen:
            seen.add(key)
            programs[sentence].append((example.template, example.params))
    return dict(programs)


def fidelity_check(real_examples, programs: dict, max_disagreements: int = 20, max_errors: int = 10) -> dict:
    """Does the generator's meaning of a sentence give the real label on real NLVR scenes?

    For every real example whose normalized sentence is a key of ``programs`` (from
    :func:`generator_programs`), each program of that sentence is evaluated on the real
    ``structured_rep`` (:func:`rnlib.data.synthetic.evaluate`). When all programs agree, that is the
    generator's verdict and it is compared with the real label; when they differ the example is
    ``ambiguous``; when evaluating raises, it is ``errored`` (the message goes to ``errors``).
    Neither is scored, and nothing is dropped silently:
    ``covered_examples = scored + ambiguous + errored``.

    Returns ``examples``, ``sentences`` (distinct normalized real sentences), ``covered_examples``,
    ``covered_sentences``, ``covered_share`` (covered / all examples), ``scored``, ``agree``,
    ``agreement`` (agree / scored, None when nothing is scored), ``ambiguous``, ``errored``,
    ``per_template`` (template id -> {examples, agree, agreement}, most examples first; a sentence
    whose agreeing programs use several templates counts under their ids joined by "+"),
    ``disagreements`` (the first ``max_disagreements``: identifier, sentence, template, params, label,
    generator) and ``errors`` (the first ``max_errors``: identifier, sentence, template, error).

    Introduced in notebooks/05_overfitting_diagnosis.ipynb.
    """
    real_examples = list(real_examples)
    counts = Counter()
    covered_sentences = set()
    per_template = defaultdict(lambda: {"examples": 0, "agree": 0})
    disagreements, errors = [], []
    for example in real_examples:
        sentence = normalize_sentence(example.sentence)
        if sentence not in programs:
            continue
        counts["covered"] += 1
        covered_sentences.add(sentence)
        verdicts = set()
        try:
            for template, params in programs[sentence]:
                verdicts.add(bool(synthetic.evaluate(template, params, example.structured_rep)))
        except Exception as e:  # an unexpected scene or parameter: counted and shown, never dropped
            counts["errored"] += 1
            if len(errors) < max_errors:
                errors.append({"identifier": example.identifier, "sentence": example.sentence,
                               "template": template, "error": f"{type(e).__name__}: {e}"})
            continue
        if len(verdicts) > 1:
            counts["ambiguous"] += 1
            continue
        verdict = verdicts.pop()
        templates = "+".join(sorted({template for template, _ in programs[sentence]}))
        counts["scored"] += 1
        per_template[templates]["examples"] += 1
        if verdict == example.label:
            counts["agree"] += 1
            per_template[templates]["agree"] += 1
        elif len(disagreements) < max_disagreements:
            template, params = programs[sentence][0]
            disagreements.append({"identifier": example.identifier, "sentence": example.sentence,
                                  "template": template, "params": params, "label": example.label,
                                  "generator": verdict})
    for row in per_template.values():
        row["agreement"] = row["agree"] / row["examples"]
    return {"examples": len(real_examples),
            "sentences": len({normalize_sentence(e.sentence) for e in real_examples}),
            "covered_examples": counts["covered"], "covered_sentences": len(covered_sentences),
            "covered_share": counts["covered"] / len(real_examples) if real_examples else None,
            "scored": counts["scored"], "agree": counts["agree"],
            "agreement": counts["agree"] / counts["scored"] if counts["scored"] else None,
            "ambiguous": counts["ambiguous"], "errored": counts["errored"],
            "per_template": dict(sorted(per_template.items(), key=lambda kv: (-kv[1]["examples"], kv[0]))),
            "disagreements": disagreements, "errors": errors}


# =============================================================================================
# 3. Items and the seed CNN's 2x8 grid of feature-map cells


def items_per_cell(examples, image_size=(50, 200), full_size=(100, 400), cell: int = 24, grid=(2, 8)) -> dict:
    """Where the items of NLVR scenes fall among the seed CNN's ``grid`` of feature-map cells.

    The seed CNN (:mod:`rnlib.encoders`, "seed": pools 4, 3, 2) turns a 50x200 image into a 2x8
    map; each map cell tiles ``cell`` = 24 px of the image (rows 0-47, columns 0-191), so rows 48-49
    and columns 192-199 lie outside every cell (they still reach the receptive fields). Each item's
    bounding-box centre in the full-size image (box order 0: box b at x offset 150 b) is scaled to
    ``image_size`` and assigned to the cell it falls in, or counted ``outside_grid``.

    Returns ``items``, ``per_cell`` (grid-shaped nested list of item counts),
    ``items_per_occupied_cell`` (items in a cell -> number of (image, cell) pairs with at least one
    item), ``mean_items_per_occupied_cell``, ``max_items_in_a_cell``, ``share_items_sharing_a_cell``
    (items whose cell holds another item of the same image, among all items), ``outside_grid`` and
    ``share_outside_grid``.

    Introduced in notebooks/05_overfitting_diagnosis.ipynb.
    """
    rows, columns = grid
    scale_y, scale_x = image_size[0] / full_size[0], image_size[1] / full_size[1]
    per_cell = np.zeros(grid, dtype=int)
    occupancy = Counter()  # items in a cell -> (image, cell) pairs
    items = outside = sharing = 0
    for example in examples:
        boxes = synthetic.as_boxes(getattr(example, "structured_rep", example))
        in_this_image = Counter()  # (row, column) -> items of this image
        for position, b in enumerate(BOX_ORDERS[0]):
            for item in boxes[b]:
                items += 1
                centre_x = (BOX_STRIDE * position + item.x_loc + item.size / 2) * scale_x
                centre_y = (item.y_loc + item.size / 2) * scale_y
                row, column = int(centre_y // cell), int(centre_x // cell)
                if row < rows and column < columns:
                    in_this_image[row, column] += 1
                else:
                    outside += 1
        for (row, column), n in in_this_image.items():
            per_cell[row, column] += n
            occupancy[n] += 1
            if n > 1:
                sharing += n
    pairs = sum(occupancy.values())
    return {"items": items, "per_cell": per_cell.tolist(),
            "items_per_occupied_cell": dict(sorted(occupancy.items())),
            "mean_items_per_occupied_cell": sum(n * k for n, k in occupancy.items()) / pairs if pairs else None,
            "max_items_in_a_cell": max(occupancy, default=0),
            "share_items_sharing_a_cell": sharing / items if items else None,
            "outside_grid": outside, "share_outside_grid": outside / items if items else None}


# =============================================================================================
# 4. How much data: sentences in a training set, the data-size curve


def sentence_statistics(examples) -> dict:
    """How many examples, sentence groups and distinct sentences (:func:`normalize_sentence`) a set
    holds, and ``mixed_share``: the share of its distinct sentences that are true of some of their
    images and false of others (then the sentence alone cannot give the answer).

    Introduced in notebooks/05_overfitting_diagnosis.ipynb.
    """
    labels = defaultdict(set)
    groups = set()
    n = 0
    for e in examples:
        labels[normalize_sentence(e.sentence)].add(bool(e.label))
        groups.add((e.split, e.group))
        n += 1
    mixed = sum(len(v) == 2 for v in labels.values())
    return {"examples": n, "groups": len(groups), "sentences": len(labels),
            "mixed_share": mixed / len(labels) if labels else None}


def data_size_curve(results_files, budget: str) -> dict:
    """The data-size curve from the exported results of ``python -m rnlib.nlvr train --train-groups N``
    runs (``data/pretrained/nlvr_size_*_results.json``): one point per run under ``points``, sorted by
    size, each with the sizes of its training set (read again from the training file the run names),
    its accuracies (synthetic train, dev and test; real NLVR dev when the export scored it), epochs,
    passes and the command that made it.

    Introduced in notebooks/05_overfitting_diagnosis.ipynb.
    """
    points = []
    for path in results_files:
        r = json.loads(Path(path).read_text())
        data, config = r["data"], r["config"]
        n = data.get("train_groups")
        if n is None:
            raise ValueError(f"{path}: not a data-size run (its data has no 'train_groups'; "
                             "made by python -m rnlib.nlvr train --train-groups N)")
        train_file = from_display_path(data["train"])  # recorded relative to the repository root
        train = first_groups(read_examples(train_file), n)
        version = _generator_version(train_file)
        real = next((v["accuracy"] for k, v in r.get("also", {}).items() if k.endswith("dev.json")), None)
        epochs, repeats = r["epochs_done"], config.get("repeats", 1)
        points.append({
            "name": r["name"], "train_groups": n, "train_sentences": sentence_statistics(train)["sentences"],
            "train_examples": len(train), "generator_version": version, "epochs": epochs, "passes": epochs * repeats,
            "training_images": epochs * repeats * len(train), "best_epoch": r["best_epoch"],
            "train_accuracy": r["train"]["accuracy"], "dev_accuracy": r["validation"]["accuracy"],
            "dev_consistency": r["validation"]["consistency"], "test_accuracy": r["test"]["accuracy"],
            "real_dev_accuracy": real, "train_seconds": r["train_seconds"], "machine": r.get("machine"),
            "command": r.get("command")})
    points.sort(key=lambda p: p["train_groups"])
    return {"budget": budget, "points": points}


# =============================================================================================
# 5. Command line


def _generator_version(synthetic_json):
    """The generator version recorded in the dataset's COMPLETE stamp (DIR/COMPLETE beside DIR/split/split.json), or None."""
    for stamp in (Path(synthetic_json).parent.parent / "COMPLETE", Path(synthetic_json).parent / "COMPLETE"):
        if stamp.exists():
            return json.loads(stamp.read_text()).get("version")
    return None


def _fidelity_command(args) -> int:
    generator_examples = synthetic.read_synthetic(args.synthetic)
    programs = generator_programs(generator_examples)
    version = _generator_version(args.synthetic)
    report = {"command": "python -m rnlib.diagnosis " + " ".join(sys.argv[1:] if args.argv is None else args.argv),
              "generator_version": version, "synthetic": str(args.synthetic),
              "generator_sentences": len(programs), "real": {}}
    for path in args.real:
        report["real"][str(path)] = fidelity_check(read_examples(path), programs)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n")

    print(f"generator v{version}: {len(programs)} distinct sentences in {args.synthetic}")
    print(f"{'real file':<32} {'examples':>8} {'covered':>8} {'share':>6} {'scored':>7} "
          f"{'agreement':>9} {'ambiguous':>9} {'errored':>7}")
    for path in args.real:
        r = report["real"][str(path)]
        share = "-" if r["covered_share"] is None else f"{r['covered_share']:.1%}"
        agreement = "-" if r["agreement"] is None else f"{r['agreement']:.1%}"
        print(f"{str(path):<32} {r['examples']:>8} {r['covered_examples']:>8} {share:>6} {r['scored']:>7} "
              f"{agreement:>9} {r['ambiguous']:>9} {r['errored']:>7}")
        for template, row in list(r["per_template"].items())[:args.top]:
            print(f"    {template:<28} {row['examples']:>8} examples, agreement {row['agreement']:.1%}")
        for error in r["errors"][:3]:
            print(f"    error on {error['identifier']} ({error['template']}): {error['error']}")
    if args.json:
        print(f"wrote {args.json}")
    return 0


def main(argv=None) -> int:
    """``python -m rnlib.diagnosis fidelity ...``; returns the exit code (2 for a missing or bad file).

    Introduced in notebooks/05_overfitting_diagnosis.ipynb.
    """
    parser = argparse.ArgumentParser(prog="python -m rnlib.diagnosis", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("fidelity", help="run the generator's programs on real NLVR sentences it also writes")
    p.add_argument("--synthetic", required=True, type=Path,
                   help="a synthetic split file, e.g. data/synthetic/default-seed0/train/train.json "
                        "(its sidecar train.templates.json must sit beside it)")
    p.add_argument("--real", required=True, nargs="+", type=Path, help="real NLVR JSON files, e.g. dev.json test.json")
    p.add_argument("--json", type=Path, default=None, help="write the full report here")
    p.add_argument("--top", type=int, default=5, help="templates shown per file (most covered examples first)")
    p = sub.add_parser("curve", help="collect the data-size runs' results into one curve file")
    p.add_argument("--results", required=True, nargs="+", type=Path, help="nlvr_size_*_results.json files")
    p.add_argument("--budget", required=True, help="the budget rule every run followed, in words")
    p.add_argument("--json", required=True, type=Path)
    args = parser.parse_args(argv)
    args.argv = argv
    try:
        if args.command == "curve":
            curve = data_size_curve(args.results, args.budget)
            curve["command"] = "python -m rnlib.diagnosis " + " ".join(sys.argv[1:] if argv is None else argv)
            args.json.write_text(json.dumps(curve, indent=1) + "\n")
            for q in curve["points"]:
                print(f"{q['train_groups']:>6} groups {q['train_sentences']:>6} sentences: train {q['train_accuracy']:.3f} "
                      f"dev {q['dev_accuracy']:.3f} real dev {q['real_dev_accuracy']}")
            print(f"wrote {args.json}")
            return 0
        return _fidelity_command(args)
    except FileNotFoundError as e:
        print(f"error: {e.filename}: no such file", file=sys.stderr)
        return 2
    except (NLVRFormatError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
