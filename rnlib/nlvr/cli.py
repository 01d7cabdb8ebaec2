"""The command line of NLVR: train the seed's Relation Network (and the course's, and the baselines),
score it with NLVR's own metrics, export it. Introduced in notebooks/04_training.ipynb.

Command line::

    python -m rnlib.nlvr train --run-dir DIR [--model rn|text_only|image_only|cnn_lstm] [--config seed|course]
        [--data synthetic|PATH] [--epochs 50] [--box-orders one|all] [--set KEY=VALUE ...] [--time-budget MIN]
        [--init-from MODEL.keras]
    python -m rnlib.nlvr evaluate --weights W.keras --json PATH
    python -m rnlib.nlvr export --run-dir DIR --name NAME [--out data/pretrained] [--machine TEXT]

``train`` is resumable: the same command continues an interrupted run at the batch it reached, in
the same data order (:func:`rnlib.training.train`). ``--init-from`` starts a new run from a saved
model's weights instead of a fresh initialization (a fine-tune, e.g. one more epoch of a finished run
at ``--set learning_rate=3e-5``); the model must have the same layers and vocabulary. An *epoch* is
every training example once, in one box order drawn at random (``--box-orders one``); the seed's
epochs showed all 6 box orders of every example (``--box-orders all``: one of its epochs is six of
ours). ``--data`` is ``synthetic`` (the course's offline default), a folder in NLVR's layout with
``train/train.json`` (the full reproduction), or a folder holding ``dev.json`` and ``test.json`` only (such as ``../shared/nlvr``):
then training and model selection use a split of Test-P by sentence group, and dev is the test
split, a 1k-example miniature of the seed's run.

``evaluate`` prints one JSON object with NLVR's image metrics, as the dataset's ``metrics_images.py``
computes them: ``accuracy`` over every image (all 6 box orders) and ``count`` (images),
``consistency`` (share of sentence groups whose every image is right), plus ``examples``,
``example_accuracy`` (each example's 6 probabilities averaged), ``majority`` and accuracy per
statement kind. A model file needs nothing beside it: the vocabulary and the image normalization
are layers of the model. Images missing on disk are drawn from ``structured_rep``
(:func:`rnlib.data.render`, which matches every non-antialiased pixel of the real PNGs).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import time
from pathlib import Path

import keras
import numpy as np

from ..data import DATA_DIR, NLVRFormatError, display_path, normalize_sentence, read_examples
from ..data.download import sha256
from ..models import MODEL_KINDS, NLVR_CONFIGS, build_nlvr_model, nlvr_config
from ..batches import IMAGES_PER_EXAMPLE
from ..text import make_vectorizer
from .task import (STATS_EXAMPLES, evaluate_examples, image_normalization, images_per_epoch, load_model, load_splits,
                   model_vocabulary, nlvr_metrics, plot_curves, predict_images, prepare, read_split)


class _EpochSeconds(keras.callbacks.Callback):
    """Adds ``seconds`` (wall time of the epoch, validation included) to the logs, so history.csv has it."""

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.time()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["seconds"] = time.time() - self._t0


def _parse_settings(pairs) -> dict:
    out = {}
    for text in pairs or []:
        key, sep, value = text.partition("=")
        if not sep:
            raise ValueError(f"--set takes KEY=VALUE, got {text!r}")
        try:
            out[key] = json.loads(value)  # numbers, true/false
        except json.JSONDecodeError:
            out[key] = value  # words: pre, per_channel, he_normal, ...
    return out


def _vocabulary_digest(vocabulary) -> str:
    return hashlib.sha256("\n".join(vocabulary).encode()).hexdigest()[:16]


def _glove(vocabulary):
    from ..embeddings import glove_matrix

    matrix, coverage = glove_matrix(vocabulary, missing="zero")
    return matrix, {"types": coverage.n_types, "found": coverage.n_types_found, "missing": coverage.missing[:50]}


def _init_from(model, path) -> None:
    """Copy the weights of the saved model at ``path`` into ``model``, which must have its layers and vocabulary."""
    from ..training import weight_mismatch

    source = load_model(path)
    theirs, mine = model_vocabulary(source), model_vocabulary(model)
    if theirs != mine:
        raise ValueError(f"{path}: its vocabulary ({len(theirs)} words) is not this run's ({len(mine)} words); "
                         "use the --data and --vocabulary-extra it was trained with")
    why = weight_mismatch(source, model)
    if why:
        raise ValueError(f"{path}: its weights do not fit this model ({why}); use the --model, --config and --set "
                         "(apart from training settings) it was trained with")
    model.set_weights(source.get_weights())


def _cmd_train(args) -> int:
    from ..training import train

    from ..hardware import distribution_strategy, split_cpu

    if args.cpu_devices:
        split_cpu(args.cpu_devices)
    settings = nlvr_config(args.config, **_parse_settings(args.set))
    batch_size = int(settings["batch_size"])
    splits, image_root, data = load_splits(args.data, seed=args.split_seed, train_groups=args.train_groups,
                                           random_split=args.random_split)
    vocabulary = None
    if args.vocabulary_extra:  # words only (no labels): a sentence of these files maps no word to [UNK]
        extra = [e.sentence for path in args.vocabulary_extra for e in read_examples(path)]
        vocabulary = make_vectorizer([e.sentence for e in splits["train"]] + extra).get_vocabulary()
    if args.render_train and args.model == "objects":
        raise ValueError("--render-train draws training images; the objects model reads no images")
    prepared = prepare(splits, image_root, args.cache_dir, vocabulary=vocabulary, objects=args.model == "objects",
                       render_train=args.render_train)
    run_dir = Path(args.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    config = {"task": "nlvr", "model": args.model, "config": args.config, "settings": settings, "data": data,
              "box_orders": args.box_orders, "shuffle_seed": args.shuffle_seed, "glove": not args.no_glove,
              **({"repeats": args.repeats} if args.repeats != 1 else {}), **({"augment": args.augment} if args.augment else {}),
              **({"precision": args.precision} if args.precision != "float32" else {}),  # (older runs lack the key)
              **({"vocabulary_extra": args.vocabulary_extra} if args.vocabulary_extra else {}),
              **({"render_train": True, "stats_examples": STATS_EXAMPLES} if args.render_train else {}),
              **({"init_from": {"path": display_path(args.init_from),
                                "sha256": sha256(args.init_from)[:16]}}
                 if args.init_from else {}),
              "vocabulary_size": len(prepared.vocabulary), "vocabulary_sha": _vocabulary_digest(prepared.vocabulary)}
    config_path = run_dir / "config.json"
    if config_path.exists():
        old = json.loads(config_path.read_text())
        if old.get("task") != "nlvr":
            raise ValueError(f"{run_dir} is a run folder of another task or model ({config_path} has no "
                             f"'task': 'nlvr'); use a new --run-dir")
        if old.get("vocabulary_sha") != config["vocabulary_sha"]:
            raise ValueError(f"vocabulary mismatch: {run_dir} was trained on a vocabulary of "
                             f"{old.get('vocabulary_size')} words from {old.get('data', {}).get('train')}, this "
                             f"data gives {config['vocabulary_size']} other words; use the same --data or a new --run-dir")
        if {k: v for k, v in old.items() if k != "data"} != {k: v for k, v in config.items() if k != "data"}:
            raise ValueError(f"{run_dir} was started with other settings:\n  {old}\n  now: {config}\n"
                             "Use the same arguments to resume, or a new --run-dir.")
    else:
        config_path.write_text(json.dumps(config, indent=1) + "\n")

    keras.utils.set_random_seed(args.shuffle_seed)
    if args.precision != "float32":
        from ..hardware import precision_policy

        keras.mixed_precision.set_global_policy(precision_policy() if args.precision == "auto" else args.precision)
    matrix, coverage = _glove(prepared.vocabulary) if not args.no_glove else (None, None)
    mean, std = (None, None) if args.model == "objects" else image_normalization(prepared.stats, settings["normalization"])
    strategy = distribution_strategy()  # MirroredStrategy with several GPUs (or split CPUs), else the default
    with strategy.scope():
        model = build_nlvr_model(args.model, prepared.vocabulary, mean, std, settings, embedding_matrix=matrix)
        if args.init_from:  # a resumed run's checkpoint then replaces these weights
            _init_from(model, args.init_from)
        rate = float(settings["learning_rate"])  # --set learning_rate=0 parses as an int
        optimizer = (keras.optimizers.AdamW(rate, weight_decay=settings["weight_decay"])
                     if settings.get("weight_decay") else keras.optimizers.Adam(rate))
        model.compile(optimizer, "binary_crossentropy", metrics=["accuracy"])
    if strategy.num_replicas_in_sync > 1:
        print(f"[nlvr] {type(strategy).__name__} over {strategy.num_replicas_in_sync} devices: "
              f"each batch of {batch_size} is split between them", flush=True)
    train_ds = prepared.batches("train", batch_size, args.box_orders, shuffle=True, seed=args.shuffle_seed,
                                repeats=args.repeats, flip="flip" in (args.augment or []))
    val_ds = prepared.batches("validation", 256)
    print(f"[nlvr] {args.model} ({args.config} config): {len(splits['train'])} training examples, "
          f"{len(splits['validation'])} validation examples (x6 images), batch {batch_size}, "
          f"{args.epochs} epochs, run dir {display_path(run_dir)}; GloVe coverage {coverage}", flush=True)
    budget = None if args.time_budget is None else 60 * args.time_budget
    history = train(model, train_ds, val_ds, args.epochs, run_dir, save_every_steps=args.save_every_steps,
                    log_every_steps=args.log_every, batch_size=batch_size, time_budget_s=budget,
                    callbacks=[_EpochSeconds()], verbose="auto" if args.verbose is None else args.verbose)
    if (run_dir / "best.keras").exists():
        best = load_model(run_dir / "best.keras")
        results = {"model": args.model, "config": args.config, "data": data,
                   "epochs_done": len(history.get("epoch", [])),
                   "best_epoch": int(np.argmax(history["val_accuracy"])) + 1 if history.get("val_accuracy") else None,
                   "train_seconds": float(np.nansum(history.get("seconds", [0.0]))),
                   "train_sentences": len({normalize_sentence(e.sentence) for e in splits["train"]}),  # words as the vectorizer sees them
                   "glove_coverage": coverage, **({"init_from": config["init_from"]} if args.init_from else {})}
        for split in splits:
            rows = _scored_examples(len(splits[split]), TRAIN_SCORED_EXAMPLES if split == "train" else None)
            probabilities = predict_images(best, prepared.caches[split], prepared.tokens[split], examples=rows)
            results[split] = nlvr_metrics(probabilities, [splits[split][i] for i in rows])
            if len(rows) < len(splits[split]):
                results[split]["sample"] = f"{len(rows):,} of the {len(splits[split]):,} examples, drawn at random (seed 0)"
        (run_dir / "results.json").write_text(json.dumps(results, indent=1) + "\n")
        print(f"[nlvr] {display_path(run_dir / 'results.json')}: best epoch {results['best_epoch']} of {results['epochs_done']}; " +
              "; ".join(f"{split} accuracy {results[split]['accuracy']:.3f}, consistency {results[split]['consistency']:.3f}"
                        for split in splits), flush=True)
    return 0


#: A training split larger than this is scored on a random sample of this many examples (all 6 box
#: orders each): its accuracy is then known to about +-0.4 points, at a fraction of the time.
TRAIN_SCORED_EXAMPLES = 16000


def _scored_examples(n: int, limit: int | None) -> np.ndarray:
    if limit is None or n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, limit, replace=False))


def _cmd_evaluate(args) -> int:
    model = load_model(args.weights)
    path = Path(args.json)
    examples = read_split(path)
    # NLVR's layout: {root}/{split}/{split}.json with the PNGs in {root}/{split}/images/
    root = path.parent.parent if path.parent.name == path.stem else None
    pngs = sum(e.image_path(root, k).exists() for e in examples for k in range(IMAGES_PER_EXAMPLE)) if root else 0
    result = evaluate_examples(model, examples, root, args.batch_size, args.cache_dir)
    images = f"{pngs} read from PNG files, {result['count'] - pngs} drawn from structured_rep"
    print(json.dumps({"weights": display_path(args.weights), "json": display_path(path), "images": images, **result}, indent=1))
    return 0


def _cmd_export(args) -> int:
    """The run's best model (no optimizer state), its results and learning curves, into ``--out``."""
    from ..training import read_history, save_model_atomic

    run_dir, out = Path(args.run_dir), Path(args.out)
    for need in ("best.keras", "results.json", "config.json", "history.csv"):
        if not (run_dir / need).exists():
            raise FileNotFoundError(f"{run_dir / need}: missing; export takes a finished (or budget-stopped) "
                                    "run folder of python -m rnlib.nlvr train")
    model = load_model(run_dir / "best.keras")
    weights = save_model_atomic(model, out / f"{args.name}.keras")
    if args.last:  # the last epoch's model too (what a run without early stopping would have kept)
        save_model_atomic(load_model(run_dir / "last.keras"), out / f"{args.name}_last.keras")
    config = json.loads((run_dir / "config.json").read_text())
    history = read_history(run_dir / "history.csv")
    seed_log = config.get("config") == "seed"
    curves = plot_curves(history, out / f"{args.name}_curves.png", seed_log=seed_log, images_per_epoch=images_per_epoch(config),
                         title=args.name + (" (dashed: the seed's log on real NLVR)" if seed_log else ""))
    results = json.loads((run_dir / "results.json").read_text())
    for path in args.also or []:  # e.g. real NLVR dev for a model trained on synthetic data
        examples = read_split(path)
        results.setdefault("also", {})[display_path(path)] = {
            "images": "drawn from structured_rep", **evaluate_examples(model, examples, None)}
    data = results.get("data", {})
    previous = out / f"{args.name}_results.json"  # an earlier export under this name: its looks at real dev count too
    looks = json.loads(previous.read_text()).get("protocol", {}).get("dev_looks", 0) if previous.exists() else 0
    results["protocol"] = {  # what touched the model, for a reader who must know whether a score is zero-shot
        "trained_on": data.get("train"), "selected_on": data.get("validation"),
        "selection": "the epoch with the best validation accuracy", "words_only_from": config.get("vocabulary_extra", []),
        "scored_only": [display_path(p) for p in args.also or []],
        "dev_looks": looks + sum(Path(p).name == "dev.json" for p in args.also or [])}
    results.update(name=args.name, weights=display_path(weights), curves=display_path(curves), command=args.command_line,
                   machine=args.machine, config=config, history={k: [round(v, 5) for v in vals]
                                                                  for k, vals in history.items()})
    (out / f"{args.name}_results.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"exported {display_path(weights)}, {display_path(curves)}, {display_path(out / f'{args.name}_results.json')}")
    return 0


def main(argv=None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m rnlib.nlvr", description="NLVR: train, evaluate, export.")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a model; rerun the same command to resume")
    t.add_argument("--run-dir", required=True)
    t.add_argument("--model", choices=MODEL_KINDS, default="rn")
    t.add_argument("--config", choices=sorted(NLVR_CONFIGS), default="course")
    t.add_argument("--set", nargs="*", action="extend", metavar="KEY=VALUE",
                   help="change settings of the config, e.g. padding=post; several --set add up")
    t.add_argument("--data", default="synthetic", help="'synthetic' or an NLVR folder (see the module docstring)")
    t.add_argument("--epochs", type=int, default=50, help="total epochs of the run (including earlier ones)")
    t.add_argument("--box-orders", choices=("one", "all"), default="one",
                   help="one random box order per example per epoch (default), or all 6 (the seed's epochs)")
    t.add_argument("--no-glove", action="store_true", help="start from random word vectors instead of GloVe")
    t.add_argument("--precision", choices=("float32", "auto", "mixed_bfloat16", "mixed_float16"), default="float32",
                   help="auto: rnlib.hardware.precision_policy() (bf16 on a CPU with bf16 units, fp16 on a GPU)")
    t.add_argument("--train-groups", type=int, default=None, help="train on the first N sentence groups only")
    t.add_argument("--repeats", type=int, default=1, help="passes over the training examples per epoch")
    t.add_argument("--random-split", action="store_true",
                   help="validate on a random 20%% of the training examples (leaky on purpose); dev becomes test")
    t.add_argument("--augment", nargs="*", choices=("flip",), default=None, help="flip: mirror half the images")
    t.add_argument("--vocabulary-extra", nargs="*", metavar="JSON", default=None,
                   help="NLVR-format files whose words (not labels) join the vocabulary, e.g. ../shared/nlvr/test.json: "
                        "their words get GloVe vectors instead of [UNK]")
    t.add_argument("--init-from", default=None, metavar="MODEL.keras",
                   help="start from this saved model's weights (same layers and vocabulary), e.g. a fine-tune at a lower learning_rate")
    t.add_argument("--cpu-devices", type=int, default=None,
                   help="split the CPU into N logical devices and train under MirroredStrategy (tests the multi-GPU path)")
    t.add_argument("--shuffle-seed", type=int, default=0)
    t.add_argument("--split-seed", type=int, default=0, help="seed of the group split when there is no train.json")
    t.add_argument("--time-budget", type=float, default=None, help="minutes; rerun to go on")
    t.add_argument("--save-every-steps", type=int, default=200)
    t.add_argument("--log-every", type=int, default=None)
    t.add_argument("--cache-dir", default=None, help="where resized uint8 images are cached (default data/cache)")
    t.add_argument("--render-train", action="store_true",
                   help="draw the training images per batch instead of caching them on disk (for training sets "
                        "too large to cache: 30 KB per image, 6 images per example)")
    t.add_argument("--verbose", type=int, choices=(0, 1, 2), default=None,
                   help="Keras's fit verbosity (default: a progress bar in a terminal or notebook, else one line per epoch)")
    e = sub.add_parser("evaluate", help="NLVR's image metrics of a model on an NLVR-format file")
    e.add_argument("--weights", required=True)
    e.add_argument("--json", required=True, help="the NLVR-format file to score")
    e.add_argument("--batch-size", type=int, default=256)
    e.add_argument("--cache-dir", default=None)
    x = sub.add_parser("export", help="best model + results JSON + curves, e.g. into data/pretrained")
    x.add_argument("--run-dir", required=True)
    x.add_argument("--name", required=True)
    x.add_argument("--out", default=str(DATA_DIR / "pretrained"))
    x.add_argument("--machine", default=f"CPU ({platform.machine()}), Keras {keras.__version__}")
    x.add_argument("--command-line", default=None, help="the train command that made the run, to record")
    x.add_argument("--last", action="store_true", help="also export the last epoch's model, as NAME_last.keras")
    x.add_argument("--also", nargs="*", help="NLVR-format files to score too (e.g. ../shared/nlvr/dev.json)")
    args = parser.parse_args(argv)
    try:
        return {"train": _cmd_train, "evaluate": _cmd_evaluate, "export": _cmd_export}[args.command](args)
    except (FileNotFoundError, ValueError, NLVRFormatError, ImportError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
