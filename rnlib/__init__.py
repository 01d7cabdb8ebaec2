"""rnlib: the library behind the Relation Network notebook series.

Modules, in the order data flows through them (a lower layer never imports a higher one):

- ``rnlib.data``: NLVR files (real and synthetic), the image renderer, splits and leakage checks.
- ``rnlib.text``, ``rnlib.embeddings``, ``rnlib.images``: sentences to token ids, GloVe vectors,
  resized uint8 images and their normalization; ``rnlib.pipeline``: NLVR as tf.data datasets;
  ``rnlib.batches``: NLVR batches as plain NumPy; ``rnlib.items``: the true objects of a scene.
- ``rnlib.encoders``: CNN feature-map cells as objects, coordinates, the question encoder;
  ``rnlib.relation``: the ``RelationNetwork`` layer; ``rnlib.loop_graph``: the seed's per-pair
  loop graph, for comparison; ``rnlib.models``: NLVR model builders (the seed's and the course's configurations, baselines); ``rnlib.graph``: model drawings.
- ``rnlib.training``: resumable training, history and learning curves, per-group accuracy;
  ``rnlib.hardware``: the device, the mixed-precision policy that pays on it, the distribution strategy.
- ``rnlib.nlvr``: NLVR end to end (train the seed's and the course's models, NLVR's metrics, command line).
- ``rnlib.diagnosis``: what a trained model's answers and the data say (calibration, the generator's
  fidelity on real NLVR, items per grid cell, the data-size curve); TensorFlow-free.
- ``rnlib.sort_of_clevr``: the paper's Sort-of-CLEVR benchmark, a package (scenes and questions,
  presets, datasets, models, evaluation, command line).
- ``rnlib.runner``: executes the notebooks (full parameters in place, or QUICK mode into build/) and
  records their wall times for README's series table; ``rnlib.colab``: the notebooks' Setup cell and
  Colab badges (one slug), standard library only.

``python3 -m rnlib series``, ``test`` and ``lab`` are the quick-start commands of README.md;
``python3 -m rnlib badges --slug OWNER/REPO`` points every badge and Setup cell at a fork.
"""

__version__ = "0.1.0"


def import_tensorflow_quietly():
    """Import TensorFlow without its C++ start-up notices (oneDNN, CUDA probing, absl), and return it.

    Those lines are written to the process's stderr before any log level applies, so setting
    ``TF_CPP_MIN_LOG_LEVEL`` is not enough: this silences file descriptor 2 while TensorFlow loads.
    Call it before importing any rnlib module that uses Keras. Introduced in
    notebooks/01_data_and_preprocessing.ipynb (every notebook's Setup cell calls it).
    """
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    devnull, stderr = os.open(os.devnull, os.O_WRONLY), os.dup(2)
    os.dup2(devnull, 2)
    try:
        import tensorflow
    finally:
        os.dup2(stderr, 2)
        os.close(stderr)
        os.close(devnull)
    return tensorflow


#: Set to ``1`` to see TensorFlow's C++ and absl log lines from ``python -m rnlib...`` commands.
TF_LOGS_VARIABLE = "RNLIB_TF_LOGS"


class _QuietLoader:
    """Wraps TensorFlow's loader: file descriptor 2 is silenced while the package executes."""

    def __init__(self, loader):
        self._loader = loader

    def __getattr__(self, name):
        return getattr(self._loader, name)

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        import logging
        import os

        devnull, stderr = os.open(os.devnull, os.O_WRONLY), os.dup(2)
        os.dup2(devnull, 2)
        try:
            self._loader.exec_module(module)
        finally:
            os.dup2(stderr, 2)
            os.close(stderr)
            os.close(devnull)
        logging.getLogger("tensorflow").setLevel(logging.ERROR)
        try:
            from absl import logging as absl_logging

            absl_logging.set_verbosity(absl_logging.ERROR)
        except ImportError:
            pass


class _QuietTensorFlowFinder:
    """A meta-path finder that hands out TensorFlow's spec with a :class:`_QuietLoader` (first import only)."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        import importlib.machinery
        import sys

        if self in sys.meta_path:
            sys.meta_path.remove(self)  # once: TensorFlow's own imports go the usual way
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def quiet_tensorflow_logs() -> bool:
    """Silence TensorFlow's C++ and absl logging in this process, before TensorFlow loads.

    Sets ``TF_CPP_MIN_LOG_LEVEL=3`` (unless already set; child processes inherit it) and makes the
    first ``import tensorflow`` (Keras's too) run with file descriptor 2 silenced, since oneDNN, CUDA
    probing and absl write there before any log level applies. Does nothing when ``RNLIB_TF_LOGS=1``
    or once TensorFlow is loaded; returns whether it acted. Every ``python -m rnlib...`` command
    calls it as the package loads (:func:`_started_as_command`).
    """
    import os
    import sys

    if os.environ.get(TF_LOGS_VARIABLE) == "1" or "tensorflow" in sys.modules:
        return False
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if not any(isinstance(f, _QuietTensorFlowFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowFinder())
    return True


def _started_as_command() -> bool:
    """True while ``python -m rnlib...`` imports this package (Python sets ``sys.argv[0]`` to ``-m`` then)."""
    import sys

    return sys.argv[:1] == ["-m"]


if _started_as_command():
    quiet_tensorflow_logs()
