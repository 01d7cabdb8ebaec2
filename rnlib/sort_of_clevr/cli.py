"""The Sort-of-CLEVR command line: ``python -m rnlib.sort_of_clevr generate|train|evaluate|export``.

Usage is in the package docstring (:mod:`rnlib.sort_of_clevr`). Introduced in notebooks/06_sort_of_clevr.ipynb.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import keras
import numpy as np

from ..encoders import BATCHNORMS, CNN_ORDERS
from .datasets import (BATCH_SIZE, DEFAULT_TEST, DEFAULT_TRAIN, _split_seed, answer_distribution, dataset_preset,
                       generate, generate_dataset, load_dataset, make_dataset)
from .evaluation import KIND_HISTORY, KindHistory, colour_blind_accuracy, evaluate_model, weights_preset
from .models import DROPOUT, INITS, LEARNING_RATE, MODELS, load_model
from .presets import DEFAULT_PRESET, PRESETS, get_preset

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
    paths = generate_dataset(out, args.seed, args.train, args.test, per_kind, square_size=square_size, preset=p)
    dist = {split: answer_distribution(load_dataset(path)) for split, path in paths.items()}
    (out / "answer_distribution.json").write_text(json.dumps(dist, indent=1) + "\n")
    settings = {"seed": args.seed, "train": args.train, "test": args.test, "questions_per_kind": per_kind,
                "square_size": square_size, "preset": p.name}
    (out / "generate.json").write_text(json.dumps(settings, indent=1) + "\n")
    print(json.dumps({"files": {k: str(v) for k, v in paths.items()}, "answer_distribution": dist["train"]},
                     indent=1))
    return 0


def _cmd_train(args) -> int:
    from ..training import train

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
    run_dir = Path(args.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    config = {"model": args.model, "data": str(data_dir), "preset": preset, "batch_size": args.batch_size,
              "learning_rate": args.lr, "shuffle_seed": args.shuffle_seed, "train_images": args.train_images,
              "test_images": args.test_images}
    if args.model != "cnn_mlp":
        config["reduction"] = args.reduction
    if args.model == "rn_state" and (args.cnn_order != "bn_relu" or args.batchnorm != "keras"):
        print("[sort_of_clevr] --cnn-order, --batchnorm: the rn_state model has no CNN.", file=sys.stderr)
        return 2
    # (runs made before --init and --cnn-order existed have no such keys: they used the defaults)
    if args.init != "keras":
        config["init"] = args.init
    if args.cnn_order != "bn_relu":
        config["cnn_order"] = args.cnn_order
    if args.precision != "float32":
        config["precision"] = args.precision
    if args.dropout != DROPOUT:
        config["dropout"] = args.dropout
    if args.batchnorm != "keras":
        config["batchnorm"] = args.batchnorm
    if args.kind_batches:
        config["kind_batches"] = True
    config_path = run_dir / "config.json"
    if config_path.exists():
        old = json.loads(config_path.read_text())
        if args.model == "rn":
            old.setdefault("reduction", "sum")  # runs made before --reduction existed
        old.setdefault("preset", DEFAULT_PRESET)  # runs made before presets existed
        same = {k: v for k, v in old.items() if k != "data"} == {k: v for k, v in config.items() if k != "data"}
        if not same:
            print(f"[sort_of_clevr] {run_dir} was started with other settings:\n  {old}\n  now: {config}\n"
                  "Use the same arguments to resume, or a new --run-dir.", file=sys.stderr)
            return 2
    else:
        config_path.write_text(json.dumps(config, indent=1) + "\n")

    train_data, test_data = load_dataset(data_dir / "train.npz"), load_dataset(data_dir / "test.npz")
    if args.train_images:
        train_data = {k: v[:args.train_images] for k, v in train_data.items()}
    if args.test_images:
        test_data = {k: v[:args.test_images] for k, v in test_data.items()}
    n_train = train_data["answers"].size
    if args.precision != "float32":
        from ..hardware import precision_policy

        keras.mixed_precision.set_global_policy(precision_policy() if args.precision == "auto" else args.precision)
    print(f"[sort_of_clevr] {args.model}: {n_train} training questions ({len(train_data['images'])} images, "
          f"preset {preset}), {test_data['answers'].size} validation questions, batch {args.batch_size}, "
          f"Adam {args.lr}, {args.epochs} epochs, precision {keras.mixed_precision.global_policy().name}, "
          f"run dir {run_dir}", flush=True)
    keras.utils.set_random_seed(args.shuffle_seed)
    options = {"reduction": args.reduction} if args.model != "cnn_mlp" else {}
    options |= {"cnn_order": args.cnn_order, "batchnorm": args.batchnorm} if args.model != "rn_state" else {}
    model = MODELS[args.model](learning_rate=args.lr, init=args.init, dropout=args.dropout, **options)
    state = args.model == "rn_state"
    train_ds = make_dataset(train_data, args.batch_size, shuffle=True, seed=args.shuffle_seed, workers=args.workers,
                            state=state, kind_batches=args.kind_batches)
    val_ds = make_dataset(test_data, 256, state=state)
    budget = None if args.time_budget is None else 60 * args.time_budget
    history = train(model, train_ds, val_ds, args.epochs, run_dir, save_every_steps=args.save_every_steps,
                    log_every_steps=args.log_every, batch_size=args.batch_size, time_budget_s=budget,
                    callbacks=[KindHistory(test_data, run_dir / KIND_HISTORY)])
    best = run_dir / "best.keras"
    if best.exists():
        results = evaluate_model(load_model(best), test_data)
        results = {"model": args.model, "preset": preset, "weights": str(best),
                   "epochs_done": len(history.get("epoch", [])),
                   "split": f"validation (test.npz of {data_dir}, {len(test_data['images'])} images)",
                   "accuracy": results}
        (run_dir / "results.json").write_text(json.dumps(results, indent=1) + "\n")
        print(json.dumps(results, indent=1))
    return 0


def _cmd_evaluate(args) -> int:
    model = load_model(args.weights)
    preset = args.preset or weights_preset(args.weights)
    data = generate(args.images, _split_seed(args.seed, "test"), progress=False, preset=preset)
    result = evaluate_model(model, data, args.batch_size)
    print(json.dumps({"weights": str(args.weights), "preset": preset, "seed": args.seed, "images": args.images,
                      "questions": int(data["answers"].size), "accuracy": result,
                      "colour_blind_reader": colour_blind_accuracy(data)}, indent=1))
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
    results = {"name": args.name, "weights": str(weights), "curves": str(curves), "preset": preset, "config": config,
               "epochs_done": len(history.get("epoch", [])),
               "best_epoch": best_epoch, "best_val_accuracy": val_acc[best_epoch] if val_acc else None,
               "seconds_per_epoch": args.seconds_per_epoch, "machine": args.machine}
    test_npz = Path(args.data or _default_data_dir(preset)) / "test.npz"
    if test_npz.exists():  # the validation set that picked best.keras (so slightly optimistic)
        results["validation"] = {"what": f"{test_npz} (picked the best epoch)",
                                 "accuracy": evaluate_model(model, load_dataset(test_npz))}
    data = generate(args.images, _split_seed(args.seed, "test"), progress=False, preset=preset)
    results["fresh_test"] = {"what": f"fresh test set: evaluate --seed {args.seed} --images {args.images}",
                             "accuracy": evaluate_model(model, data),  # of the run's preset, as evaluate draws it
                             "colour_blind_reader": colour_blind_accuracy(data)}  # the baseline of the same questions
    (out / f"{args.name}_results.json").write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1))
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
                   help="extended: this course's dataset (30 balanced questions per image, three kinds); "
                        "paper: the RN paper's setup as its reproduction draws it (see the package docstring)")
    g.add_argument("--train", type=int, default=DEFAULT_TRAIN, help="training images")
    g.add_argument("--test", type=int, default=DEFAULT_TEST, help="test images")
    g.add_argument("--questions-per-kind", type=int, default=None, help="default: the preset's (10)")
    g.add_argument("--square-size", type=int, default=None,
                   help="side of the squares in pixels (default: the preset's, 10 or 11; 11 is the PyTorch "
                        "reproduction's; circles keep radius 5)")
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
    e.add_argument("--preset", choices=presets, default=None,
                   help="preset of the fresh test set (default: the one the weights were trained on, read from "
                        "NAME_results.json or the run's config.json; extended when there is no record)")
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
    args = parser.parse_args(argv)
    return {"generate": _cmd_generate, "train": _cmd_train, "evaluate": _cmd_evaluate,
            "export": _cmd_export}[args.command](args)
