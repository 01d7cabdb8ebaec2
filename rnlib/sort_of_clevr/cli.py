"""The Sort-of-CLEVR command line: ``python -m rnlib.sort_of_clevr generate|train|evaluate|export``.

Usage is in the package docstring (:mod:`rnlib.sort_of_clevr`). Introduced in notebooks/06_sort_of_clevr.ipynb.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import keras
import numpy as np

from ..data import display_path
from ..data.download import sha256
from ..encoders import BATCHNORMS, CNN_ORDERS
from ..relation import PAIR_MODES
from .datasets import (BATCH_SIZE, DEFAULT_TEST, DEFAULT_TRAIN, _split_seed, answer_distribution, dataset_preset,
                       generate, generate_dataset, generated_object_size, load_dataset, make_dataset)
from .evaluation import (KIND_HISTORY, KindHistory, colour_blind_accuracy, evaluate_model, weights_object_size,
                         weights_preset)
from .models import DROPOUT, INITS, LEARNING_RATE, MODELS, STATE_MODELS, learning_rate_schedule, load_model
from .questions import KINDS
from .presets import DEFAULT_PRESET, PRESETS, get_preset
from .scenes import OBJECT_SIZE

#: Pictures in the fresh test sets of ``evaluate`` and ``export``: 1,000 pictures (20,000 questions of
#: the paper preset) put the standard error of a kind's accuracy at 0.5 points or less.
FRESH_IMAGES = 1000

__all__ = ["main"]


def _default_data_dir(preset: str = DEFAULT_PRESET) -> Path:
    """``data/sort_of_clevr`` for the default preset, ``data/sort_of_clevr_PRESET`` for another one."""
    from ..data import DATA_DIR

    return DATA_DIR / ("sort_of_clevr" if preset == DEFAULT_PRESET else f"sort_of_clevr_{preset}")


def _cmd_generate(args) -> int:
    p = get_preset(args.preset)
    out = Path(args.out) if args.out else _default_data_dir(p.name)
    per_kind = p.questions_per_kind if args.questions_per_kind is None else args.questions_per_kind
    square_size = p.square_size if args.square_size is None else args.square_size
    if args.object_size is not None and args.square_size is None:
        square_size = args.object_size
    object_size = p.object_size if args.object_size is None else args.object_size
    paths = generate_dataset(out, args.seed, args.train, args.test, per_kind, square_size=square_size, preset=p,
                             object_size=args.object_size)
    dist = {split: answer_distribution(load_dataset(path)) for split, path in paths.items()}
    (out / "answer_distribution.json").write_text(json.dumps(dist, indent=1) + "\n")
    settings = {"seed": args.seed, "train": args.train, "test": args.test, "questions_per_kind": per_kind,
                "square_size": square_size, "preset": p.name}
    if object_size != OBJECT_SIZE:  # recorded when not the 10 px of the earlier data, whose records stay as they were
        settings["object_size"] = object_size
    (out / "generate.json").write_text(json.dumps(settings, indent=1) + "\n")
    print(json.dumps({"files": {k: str(v) for k, v in paths.items()}, "answer_distribution": dist["train"]},
                     indent=1))
    return 0


def _sha256(path: Path) -> str:
    """The first 16 hex digits of a file's SHA-256."""
    return sha256(path)[:16]


def _data_identity(data_dir: Path, preset: str) -> dict:
    """What identifies a dataset folder, whatever its path: preset, generate settings, sizes, SHA-256 of its files."""
    ident = {"preset": preset}
    settings = data_dir / "generate.json"
    if settings.exists():
        ident["generate"] = json.loads(settings.read_text())
    for split in ("train", "test"):
        ident[f"{split}_sha256"] = _sha256(data_dir / f"{split}.npz")
    return ident


def _only_kinds(data: dict, kinds) -> dict:
    """The questions of the given kinds only (every image keeps its picture); ``kinds`` None keeps all."""
    if not kinds:
        return data
    wanted = [KINDS.index(k) for k in kinds]
    keep = np.isin(data["kinds"][0], wanted)
    if not (data["kinds"] == data["kinds"][:1]).all():
        raise ValueError("--kinds needs every image to ask its kinds in the same order (every preset does).")
    per_question = ("questions", "answers", "kinds", "subtypes", "subjects")
    return {k: (v[:, keep] if k in per_question else v) for k, v in data.items()}


#: The run folder's record of training time: one row per epoch run (``epoch``, ``seconds`` of training
#: and scoring, ``questions`` trained on in it); a resumed epoch has two rows, before and after the stop.
EPOCH_SECONDS = "seconds.csv"


class _EpochClock(keras.callbacks.Callback):
    """Appends each epoch's wall-clock seconds to the run's :data:`EPOCH_SECONDS` (after the other callbacks)."""

    def __init__(self, path, batch_size, questions_per_epoch):
        super().__init__()
        self.path, self.batch_size, self.per_epoch = Path(path), int(batch_size), int(questions_per_epoch)

    def on_epoch_begin(self, epoch, logs=None):
        self.start, self.steps = time.time(), 0

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1

    def on_epoch_end(self, epoch, logs=None):
        new = not self.path.exists()
        with open(self.path, "a") as f:
            f.write(("epoch,seconds,questions\n" if new else "")
                    + f"{epoch},{time.time() - self.start:.1f},{min(self.steps * self.batch_size, self.per_epoch)}\n")


def read_epoch_seconds(run_dir) -> dict:
    """Total training seconds and questions of a run folder (from :data:`EPOCH_SECONDS`; zeros when absent)."""
    path = Path(run_dir) / EPOCH_SECONDS
    if not path.exists():
        return {"seconds": 0.0, "questions": 0}
    rows = [line.split(",") for line in path.read_text().splitlines()[1:] if line]
    return {"seconds": sum(float(r[1]) for r in rows), "questions": sum(int(r[2]) for r in rows)}


#: The model options of ``train`` that each model takes (the others are refused for it).
_MODEL_OPTIONS = {
    "rn": ("reduction", "cnn_order", "batchnorm", "cnn", "pairs", "coordinate_input", "filters"),
    "cnn_mlp": ("cnn_order", "batchnorm", "cnn", "coordinate_input", "filters"),
    "rn_state": ("reduction", "pairs"),
    "mlp_state": (),
}
_OPTION_DEFAULTS = {"reduction": "sum", "cnn_order": "bn_relu", "batchnorm": "keras", "cnn": "paper",
                    "pairs": "ordered", "coordinate_input": False, "filters": None}


def _cmd_train(args) -> int:
    from ..training import train, weight_mismatch

    data_dir = Path(args.data) if args.data else _default_data_dir(args.preset or DEFAULT_PRESET)
    if not (data_dir / "train.npz").exists():
        preset = args.preset or DEFAULT_PRESET
        print(f"[sort_of_clevr] no dataset in {data_dir}: generating it (preset {preset}, seed {args.seed})",
              flush=True)
        generate_dataset(data_dir, args.seed, preset=preset)
    preset = dataset_preset(data_dir)
    if args.preset and args.preset != preset:
        print(f"[sort_of_clevr] {data_dir} holds {preset!r} data, not {args.preset!r}: use another --data, or "
              f"write {args.preset!r} data with `generate --preset {args.preset} --out DIR`.", file=sys.stderr)
        return 2
    options = {k: getattr(args, k) for k in _OPTION_DEFAULTS}
    wrong = [k for k, v in options.items() if v != _OPTION_DEFAULTS[k] and k not in _MODEL_OPTIONS[args.model]]
    if wrong:
        print(f"[sort_of_clevr] the {args.model} model has no such setting: "
              f"{', '.join('--' + k.replace('_', '-') for k in wrong)}.", file=sys.stderr)
        return 2
    kinds = [k for k in (args.kinds or "").split(",") if k]
    unknown = sorted(set(kinds) - set(get_preset(preset).kinds))
    if unknown:
        print(f"[sort_of_clevr] --kinds {args.kinds}: {preset!r} data asks {get_preset(preset).kinds}, not "
              f"{unknown}.", file=sys.stderr)
        return 2
    run_dir = Path(args.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    config = {"model": args.model, "data": display_path(data_dir), "preset": preset, "batch_size": args.batch_size,
              "learning_rate": args.lr, "shuffle_seed": args.shuffle_seed, "train_images": args.train_images,
              "test_images": args.test_images}
    # (runs made before an option existed have no such key: they used its default)
    config |= {k: v for k, v in options.items() if k in _MODEL_OPTIONS[args.model]
               and (v != _OPTION_DEFAULTS[k] or k == "reduction")}
    if args.init != "keras":
        config["init"] = args.init
    if args.precision != "float32":
        config["precision"] = args.precision
    if args.dropout != DROPOUT:
        config["dropout"] = args.dropout
    if args.kind_batches:
        config["kind_batches"] = True
    if args.warmup_steps or args.cosine:
        config["schedule"] = {"warmup_steps": args.warmup_steps, "cosine": bool(args.cosine), "epochs": args.epochs}
    if kinds:
        config["kinds"] = kinds
    if args.init_from:
        source_path = Path(args.init_from)
        if not source_path.is_file():
            print(f"[sort_of_clevr] --init-from {source_path}: no such file (expected a .keras model of the same kind, "
                  "e.g. a run's best.keras).", file=sys.stderr)
            return 2
        config["init_from"] = {"weights": display_path(source_path), "sha256": _sha256(source_path)}
    config["data_identity"] = _data_identity(data_dir, preset)
    config_path = run_dir / "config.json"
    if config_path.exists():
        old = json.loads(config_path.read_text())
        if old.get("model") in ("rn", "rn_state"):
            old.setdefault("reduction", "sum")  # runs made before --reduction existed
        old.setdefault("preset", DEFAULT_PRESET)  # runs made before presets existed
        if "data_identity" not in old:  # runs made before the data was identified by its contents
            config_now = {k: v for k, v in config.items() if k != "data_identity"}
        else:
            config_now = config
        ignore = ("data",)  # the path may differ (another clone, Colab's Drive): the contents may not
        same = {k: v for k, v in old.items() if k not in ignore} == {k: v for k, v in config_now.items()
                                                                      if k not in ignore}
        if not same:
            diff = sorted(k for k in set(old) | set(config_now) if k not in ignore and old.get(k) != config_now.get(k))
            print(f"[sort_of_clevr] {run_dir} was started with other settings or other data (differs in: "
                  f"{', '.join(diff)}):\n  {old}\n  now: {config_now}\n"
                  "Use the same arguments and data to resume, or a new --run-dir.", file=sys.stderr)
            return 2
    else:
        config_path.write_text(json.dumps(config, indent=1) + "\n")

    train_data, test_data = load_dataset(data_dir / "train.npz"), load_dataset(data_dir / "test.npz")
    if args.train_images:
        train_data = {k: v[:args.train_images] for k, v in train_data.items()}
    if args.test_images:
        test_data = {k: v[:args.test_images] for k, v in test_data.items()}
    train_data, test_data = _only_kinds(train_data, kinds), _only_kinds(test_data, kinds)
    n_train = train_data["answers"].size
    if args.precision != "float32":
        from ..hardware import precision_policy

        keras.mixed_precision.set_global_policy(precision_policy() if args.precision == "auto" else args.precision)
    state = args.model in STATE_MODELS
    keras.utils.set_random_seed(args.shuffle_seed)
    train_ds = make_dataset(train_data, args.batch_size, shuffle=True, seed=args.shuffle_seed, workers=args.workers,
                            state=state, kind_batches=args.kind_batches)
    steps = args.epochs * train_ds.batches_per_epoch
    lr = learning_rate_schedule(args.lr, args.warmup_steps,
                                steps - args.warmup_steps if args.cosine else None)
    print(f"[sort_of_clevr] {args.model}: {n_train} training questions ({len(train_data['images'])} images, "
          f"preset {preset}{', kinds ' + ','.join(kinds) if kinds else ''}), {test_data['answers'].size} "
          f"validation questions, batch {args.batch_size}, Adam {args.lr}"
          f"{f' (warm-up {args.warmup_steps} steps' if args.warmup_steps else ''}"
          f"{(', then' if args.warmup_steps else ' (') + f' cosine over {steps - args.warmup_steps} steps)' if args.cosine else (')' if args.warmup_steps else '')}"
          f", {args.epochs} epochs, precision {keras.mixed_precision.global_policy().name}, run dir {display_path(run_dir)}",
          flush=True)
    model_options = {k: v for k, v in options.items() if k in _MODEL_OPTIONS[args.model]}
    model = MODELS[args.model](learning_rate=lr, init=args.init, dropout=args.dropout, **model_options)
    if args.init_from:  # start from another run's weights (a resumed run then loads its own checkpoint over them)
        source = load_model(args.init_from)
        why = weight_mismatch(source, model)
        if why:
            print(f"[sort_of_clevr] --init-from {args.init_from}: its weights do not fit a {args.model} model with "
                  f"these settings ({why}).", file=sys.stderr)
            return 2
        model.set_weights(source.get_weights())
    val_ds = make_dataset(test_data, 256, state=state)
    budget = None if args.time_budget is None else 60 * args.time_budget
    history = train(model, train_ds, val_ds, args.epochs, run_dir, save_every_steps=args.save_every_steps,
                    log_every_steps=args.log_every, batch_size=args.batch_size, time_budget_s=budget,
                    callbacks=[KindHistory(test_data, run_dir / KIND_HISTORY),
                               _EpochClock(run_dir / EPOCH_SECONDS, args.batch_size, n_train)])
    best = run_dir / "best.keras"
    if best.exists():
        results = evaluate_model(load_model(best), test_data)
        results = {"model": args.model, "preset": preset, "weights": display_path(best),
                   "epochs_done": len(history.get("epoch", [])),
                   "split": f"validation (test.npz of {display_path(data_dir)}, {len(test_data['images'])} images"
                            f"{', kinds ' + ','.join(kinds) if kinds else ''})",
                   "accuracy": results}
        (run_dir / "results.json").write_text(json.dumps(results, indent=1) + "\n")
        print(json.dumps(results, indent=1))
    return 0


def _check_same_preset(weights_preset_name: str, data_dir: Path, weights) -> str | None:
    """An error message when ``data_dir`` holds another preset's data, or objects of another size, than the weights saw."""
    data_preset = dataset_preset(data_dir / "test.npz")
    if data_preset != weights_preset_name:
        return (f"[sort_of_clevr] {weights} was trained on {weights_preset_name!r} data, but {data_dir / 'test.npz'} "
                f"holds {data_preset!r} data: its accuracy there would measure another task. Leave --data out to "
                f"draw a fresh {weights_preset_name!r} test set.")
    trained, settings = weights_object_size(weights), data_dir / "generate.json"
    drawn = generated_object_size(json.loads(settings.read_text())) if settings.exists() else None
    if trained is not None and drawn is not None and trained != drawn:
        return (f"[sort_of_clevr] {weights} was trained on pictures of {trained} px objects, but {settings} says "
                f"{data_dir} draws them {drawn} px wide: its accuracy there would measure another task. Leave --data "
                f"out to draw a fresh test set with {trained} px objects.")
    return None


def _cmd_evaluate(args) -> int:
    model = load_model(args.weights)
    preset = weights_preset(args.weights)
    if args.data:
        error = _check_same_preset(preset, Path(args.data), args.weights)
        if error:
            print(error, file=sys.stderr)
            return 2
        data, what = load_dataset(Path(args.data) / "test.npz"), display_path(Path(args.data) / "test.npz")
    else:
        data, what = generate(args.images, _split_seed(args.seed, "test"), progress=False, preset=preset,
                              object_size=weights_object_size(args.weights)), None
    result = evaluate_model(model, data, args.batch_size)
    out = {"weights": display_path(args.weights), "preset": preset}
    out |= {"data": what} if what else {"seed": args.seed, "images": args.images,
                                        "object_size": weights_object_size(args.weights) or get_preset(preset).object_size}
    out |= {"questions": int(data["answers"].size), "accuracy": result,
            "colour_blind_reader": colour_blind_accuracy(data)}
    print(json.dumps(out, indent=1))
    return 0


def _cmd_export(args) -> int:
    """Copy a run's best model (without optimizer state), its evaluation and learning curves to ``--out``."""
    from ..training import plot_history, read_history, save_model_atomic

    run_dir, out = Path(args.run_dir), Path(args.out)
    model = load_model(run_dir / "best.keras")  # compile=False: the optimizer state is left out
    weights = save_model_atomic(model, out / f"{args.name}.keras")
    history = read_history(run_dir / "history.csv")
    curves = out / f"{args.name}_curves.png"
    plot_history(history, curves, title=args.name)
    config = json.loads((run_dir / "config.json").read_text()) if (run_dir / "config.json").exists() else {}
    preset = config.get("preset", DEFAULT_PRESET)
    val_acc = history.get("val_accuracy", [])
    best_epoch = int(np.argmax(val_acc)) if val_acc else None
    if args.data:
        error = _check_same_preset(preset, Path(args.data), run_dir / "best.keras")
        if error:
            print(error, file=sys.stderr)
            return 2
    results = {"name": args.name, "weights": display_path(weights), "curves": display_path(curves), "preset": preset,
               "config": config,
               "epochs_done": len(history.get("epoch", [])),
               "best_epoch": best_epoch, "best_val_accuracy": val_acc[best_epoch] if val_acc else None,
               "seconds_per_epoch": args.seconds_per_epoch, "machine": args.machine}
    if (run_dir / KIND_HISTORY).exists():  # settings, questions trained on, minutes, best validation per kind
        results["training"] = run_summary(run_dir)
    test_npz = Path(args.data or _default_data_dir(preset)) / "test.npz"
    if test_npz.exists():  # the validation set that picked best.keras (so slightly optimistic)
        kinds = config.get("kinds")
        results["validation"] = {"what": f"{display_path(test_npz)} (picked the best epoch)"
                                         f"{', kinds ' + ','.join(kinds) if kinds else ''}",
                                 "accuracy": evaluate_model(model, _only_kinds(load_dataset(test_npz), kinds))}
    data = generate(args.images, _split_seed(args.seed, "test"), progress=False, preset=preset,
                    object_size=weights_object_size(run_dir / "best.keras"))
    results["fresh_test"] = {"what": f"fresh test set: evaluate --seed {args.seed} --images {args.images}",
                             "accuracy": evaluate_model(model, data),  # of the run's preset, as evaluate draws it
                             "colour_blind_reader": colour_blind_accuracy(data)}  # the baseline of the same questions
    (out / f"{args.name}_results.json").write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1))
    return 0


def run_summary(run_dir) -> dict:
    """One row for a table of runs: the run's settings, how long it trained, its best validation accuracy per kind,
    and its validation accuracy at every epoch, overall (``all_by_epoch``) and per kind and subtype
    (``KIND_by_epoch``, ``KIND/SUBTYPE_by_epoch``: a learning curve per question kind).

    Reads the run folder's ``config.json``, ``kinds.csv`` (:class:`KindHistory`) and :data:`EPOCH_SECONDS`;
    the best epoch is the one with the highest overall validation accuracy (the one ``best.keras`` holds).
    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    from .evaluation import read_kind_history

    run_dir = Path(run_dir)
    config = json.loads((run_dir / "config.json").read_text())
    kinds = read_kind_history(run_dir / KIND_HISTORY)
    if not kinds:
        raise ValueError(f"{run_dir / KIND_HISTORY}: no epoch scored yet.")
    best = int(np.argmax(kinds["all"]))
    clock = read_epoch_seconds(run_dir)
    skip = ("data", "data_identity", "batch_size", "shuffle_seed", "train_images", "test_images", "preset")
    settings = {k: v for k, v in config.items() if k not in skip}
    generated = config.get("data_identity", {}).get("generate", {})
    if "object_size" in generated:  # data drawn with generate --object-size: part of what the run changed
        settings["object_size"] = generated["object_size"]
    row = {"run": run_dir.name, "model": settings.pop("model"),
           "settings": "; ".join(f"{k}={json.dumps(v) if isinstance(v, dict) else v}" for k, v in settings.items()),
           "epochs": len(kinds["epoch"]), "best_epoch": best + 1, "questions_trained": clock["questions"],
           "minutes": round(clock["seconds"] / 60, 1)}
    row |= {k: round(v[best], 4) for k, v in kinds.items() if k != "epoch"}
    row |= {f"{k}_by_epoch": " ".join(f"{v:.3f}" for v in kinds[k]) for k in kinds if k != "epoch"}
    return row


def _cmd_ladder(args) -> int:
    import csv

    rows = [run_summary(Path(args.runs) / name) for name in args.names]
    if args.keep and Path(args.out).exists():  # earlier rows first, whose run folders may be gone; a rerun replaces its row
        with open(args.out, newline="") as f:
            kept = [r for r in csv.DictReader(f) if r["run"] not in set(args.names)]
        rows = kept + rows
    columns = list(dict.fromkeys(c for r in rows for c in r))
    with open(args.out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    print(f"[sort_of_clevr] {len(rows)} runs -> {display_path(args.out)}")
    return 0


def main(argv=None) -> int:
    """The command line (see the package docstring)."""
    parser = argparse.ArgumentParser(prog="python -m rnlib.sort_of_clevr",
                                     description="Sort-of-CLEVR: generate, train, evaluate, export.")
    sub = parser.add_subparsers(dest="command", required=True)
    presets = tuple(PRESETS)
    g = sub.add_parser("generate", help="write train.npz and test.npz")
    g.add_argument("--out", default=None,
                   help=f"default {_default_data_dir()} (extended) or data/sort_of_clevr_PRESET (another preset)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--preset", choices=presets, default=DEFAULT_PRESET,
                   help="course: the lesson's dataset (20 balanced questions per image, the paper's two kinds, "
                        "objects that never touch); extended: 30 questions, a third (ternary) kind; "
                        "paper: the RN paper's setup as its reproduction draws it (see the package docstring)")
    g.add_argument("--train", type=int, default=DEFAULT_TRAIN, help="training images")
    g.add_argument("--test", type=int, default=DEFAULT_TEST, help="test images")
    g.add_argument("--questions-per-kind", type=int, default=None, help="default: the preset's (10)")
    g.add_argument("--square-size", type=int, default=None,
                   help="side of the squares in pixels (default: the preset's, 10 or 11; 11 is the PyTorch "
                        "reproduction's; circles keep radius 5)")
    g.add_argument("--object-size", type=int, default=None,
                   help="draw every object this large (circle diameter and square side; default the preset's: "
                        "14 px for course, 10 for the others), 1.5 x the size apart and whole inside the image "
                        "(notebook 06's object-size rung); evaluate --seed draws the preset's size, so score a "
                        "model trained on another size with --data")
    t = sub.add_parser("train", help="train a model; rerun the same command to resume")
    t.add_argument("--model", choices=sorted(MODELS), required=True)
    t.add_argument("--run-dir", required=True)
    t.add_argument("--epochs", type=int, required=True, help="total epochs of the run (including earlier ones)")
    t.add_argument("--data", default=None, help="folder with train.npz and test.npz (default: the preset's "
                                                "folder, as for generate)")
    t.add_argument("--preset", choices=presets, default=None,
                   help="preset of the data: used when the data must be generated (default extended); refused "
                        "when --data holds another preset's data")
    t.add_argument("--seed", type=int, default=0, help="dataset seed, used when the data must be generated")
    t.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    t.add_argument("--lr", type=float, default=LEARNING_RATE)
    t.add_argument("--shuffle-seed", type=int, default=0)
    t.add_argument("--reduction", choices=("sum", "mean"), default="sum",
                   help="RN models only: sum g over the pairs (the paper) or average it (sum / number of pairs)")
    t.add_argument("--init", choices=INITS, default="keras",
                   help="Keras's default initialization, PyTorch's for the Dense layers, or for the convolutions "
                        "too (see init_like_pytorch)")
    t.add_argument("--cnn-order", choices=CNN_ORDERS, default="bn_relu",
                   help="BatchNorm before the ReLU in each CNN block (default) or after it")
    t.add_argument("--batchnorm", choices=tuple(BATCHNORMS), default="keras",
                   help="momentum and epsilon of the CNN's BatchNorm layers: Keras's defaults (0.99, 1e-3) or "
                        "PyTorch's (0.9, 1e-5), as the reproduction trains")
    t.add_argument("--kind-batches", action="store_true",
                   help="one kind of question per batch, the kinds taking turns (the PyTorch reproduction's "
                        "loop); default: every batch mixes the kinds")
    t.add_argument("--dropout", type=float, default=DROPOUT,
                   help="dropout rate before the answer layer (default 0.5, the paper's for CLEVR; 0: none, as the "
                        "PyTorch reproduction's README figures of 2017 were trained: its F.dropout call was then a no-op)")
    t.add_argument("--init-from", default=None,
                   help="start from the weights of a saved model of the same kind and settings (e.g. another run's "
                        "best.keras: notebook 06's curriculum, the non-relational questions first); recorded in "
                        "config.json with the file's digest")
    t.add_argument("--cnn", choices=("paper", "course"), default="paper",
                   help="pixel models: the paper's CNN (5 x 5 map, 25 objects) or the course's (4 x 4, 16 objects)")
    t.add_argument("--pairs", choices=PAIR_MODES, default="ordered",
                   help="RN models: g_theta on every ordered pair (the paper), on each unordered pair once, or on "
                        "single objects, f(sum_i g([o_i; q])): a set network, the RN without pairs (a control)")
    t.add_argument("--coordinate-input", action="store_true",
                   help="pixel models: give the CNN each pixel's row and column as two more input channels")
    t.add_argument("--filters", type=lambda text: [int(f) for f in text.split(",")], default=None,
                   help="pixel models: the CNN's kernels per convolution, comma-separated (default 24,24,24,24; "
                        "the paper's own Sort-of-CLEVR CNN: 32,64,128,256)")
    t.add_argument("--warmup-steps", type=int, default=0,
                   help="raise the learning rate linearly from 0 to --lr over this many batches")
    t.add_argument("--cosine", action="store_true",
                   help="after the warm-up, decay the learning rate along a cosine to 1%% of --lr at the last "
                        "batch of --epochs")
    t.add_argument("--kinds", default=None,
                   help="train and validate on these kinds of questions only, comma-separated (e.g. non_relational)")
    t.add_argument("--time-budget", type=float, default=None,
                   help="minutes: stop at the epoch end after which one more epoch would not fit; rerun to go on")
    t.add_argument("--precision", choices=("float32", "auto", "mixed_bfloat16", "mixed_float16"), default="float32",
                   help="auto: rnlib.hardware.precision_policy() (bf16 on a CPU with bf16 units, fp16 on a GPU); "
                        "the softmax stays float32")
    t.add_argument("--workers", type=int, default=1, help="threads that gather batches")
    t.add_argument("--save-every-steps", type=int, default=1000)
    t.add_argument("--log-every", type=int, default=None, help="progress line every that many batches")
    t.add_argument("--train-images", type=int, default=None, help="use only the first N training images")
    t.add_argument("--test-images", type=int, default=None, help="use only the first N test images")
    e = sub.add_parser("evaluate", help="accuracy per question kind and subtype on a fresh test set")
    e.add_argument("--weights", required=True)
    e.add_argument("--seed", type=int, default=1, help="seed of the fresh test set (stream [seed, 1])")
    e.add_argument("--images", type=int, default=FRESH_IMAGES,
                   help="pictures in the fresh test set (default 1,000: 20,000 paper questions, about 0.5 points of "
                        "standard error per kind)")
    e.add_argument("--batch-size", type=int, default=256)
    e.add_argument("--data", default=None,
                   help="score DIR/test.npz instead of a fresh test set (refused when it holds another preset's "
                        "data than the weights were trained on, read from NAME_results.json or the run's config.json)")
    x = sub.add_parser("export", help="best model + results JSON + learning curves, e.g. into data/pretrained")
    x.add_argument("--run-dir", required=True)
    x.add_argument("--out", default=str(Path(_default_data_dir()).parent / "pretrained"))
    x.add_argument("--name", required=True, help="file stem, e.g. sort_of_clevr_rn")
    x.add_argument("--seed", type=int, default=1)
    x.add_argument("--images", type=int, default=FRESH_IMAGES, help="pictures in the fresh test set (as evaluate)")
    x.add_argument("--machine", default="CPU", help="what trained it, recorded in the results JSON")
    x.add_argument("--seconds-per-epoch", type=float, default=None, help="measured training time per epoch")
    x.add_argument("--data", default=None,
                   help="folder whose test.npz is the validation set (default: the run's preset's folder)")
    lad = sub.add_parser("ladder", help="a CSV with one row per run folder: settings, time, best accuracy per kind")
    lad.add_argument("--runs", required=True, help="folder holding the run folders")
    lad.add_argument("--out", required=True, help="the CSV to write")
    lad.add_argument("--keep", action="store_true",
                     help="keep the rows already in --out of runs not named here (their folders may be gone), first")
    lad.add_argument("names", nargs="+", help="run folder names, in the table's order")
    args = parser.parse_args(argv)
    return {"generate": _cmd_generate, "train": _cmd_train, "evaluate": _cmd_evaluate,
            "export": _cmd_export, "ladder": _cmd_ladder}[args.command](args)
