"""NLVR end to end: train the seed's Relation Network (and the course's, and the baselines), score it
with NLVR's own metrics, export it.

- :mod:`rnlib.nlvr.task`: the library: splits, prepared images and token ids, NLVR's metrics,
  evaluation, pair importance, learning curves.
- :mod:`rnlib.nlvr.cli`: ``python -m rnlib.nlvr train|evaluate|export`` (see its docstring).

Introduced in notebooks/04_training.ipynb.
"""

from .task import (SEED_IMAGES_PER_EPOCH, SEED_LOG, STATS_EXAMPLES, evaluate_examples, image_normalization,
                   images_per_epoch, load_model, load_splits, model_vocabulary, nlvr_metrics, pair_importance,
                   plot_curves, predict_images, prepare, statement_kinds)
from .cli import main

__all__ = ["SEED_LOG", "SEED_IMAGES_PER_EPOCH", "plot_curves", "images_per_epoch", "load_splits", "prepare",
           "image_normalization", "statement_kinds", "nlvr_metrics", "predict_images", "evaluate_examples",
           "load_model", "pair_importance", "main"]
