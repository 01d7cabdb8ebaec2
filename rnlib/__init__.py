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

