"""Device facts: which accelerator this process has, and the mixed-precision policy that pays on it.

:func:`precision_policy` picks Keras's dtype policy: ``"mixed_float16"`` on a GPU (its tensor
cores), ``"mixed_bfloat16"`` on a CPU with bfloat16 units (the ``avx512_bf16`` or ``amx_bf16``
flags of ``/proc/cpuinfo``), else ``"float32"``. Whether it pays for a given model is measured,
not assumed: ``bench/bench_nlvr_epoch.py`` has a row with and without it.

Introduced in notebooks/04_training.ipynb.
"""

from __future__ import annotations

import functools
from pathlib import Path

BF16_FLAGS = ("avx512_bf16", "amx_bf16")


@functools.lru_cache(maxsize=1)
def cpu_flags() -> frozenset:
    """The CPU feature flags of ``/proc/cpuinfo`` (empty where there is no such file)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def gpu_name() -> str | None:
    """The first GPU the Keras backend sees, or None (TensorFlow or JAX; no other import)."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            return details.get("device_name", gpus[0].name)
    elif backend == "jax":
        import jax

        gpus = [d for d in jax.devices() if d.platform == "gpu"]
        if gpus:
            return gpus[0].device_kind
    return None


def precision_policy() -> str:
    """``"mixed_float16"`` (GPU), ``"mixed_bfloat16"`` (CPU with bf16 units) or ``"float32"``.

    Introduced in notebooks/04_training.ipynb.
    """
    if gpu_name():
        return "mixed_float16"
    if set(BF16_FLAGS) & cpu_flags():
        return "mixed_bfloat16"
    return "float32"


def split_cpu(devices: int) -> None:
    """Split the CPU into ``devices`` logical devices (TensorFlow), before TensorFlow runs anything.

    A machine with one CPU then looks like one with several devices, so the multi-device path of
    :func:`distribution_strategy` (what a machine with several GPUs takes) can be run and tested here.
    """
    import tensorflow as tf

    if devices < 1:
        raise ValueError(f"split_cpu: devices must be >= 1, got {devices}")
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * devices)


def distribution_strategy():
    """The ``tf.distribute`` strategy to build and train a model under.

    Several GPUs: ``MirroredStrategy`` over them (one model copy per GPU, each batch split between
    them, gradients summed). No GPU but several logical CPU devices (:func:`split_cpu`):
    ``MirroredStrategy`` over those. Otherwise TensorFlow's default strategy (one device, no change).
    Build and compile the model inside ``strategy.scope()``; ``fit`` then distributes each batch.

    Introduced in notebooks/04_training.ipynb.
    """
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy([d.name for d in gpus])
    cpus = tf.config.list_logical_devices("CPU")
    if not gpus and len(cpus) > 1:
        return tf.distribute.MirroredStrategy([d.name for d in cpus])
    return tf.distribute.get_strategy()


def device_report() -> str:
    """One line for a notebook's setup: TensorFlow and Keras versions and the device (GPU name, or CPU)."""
    import os

    import keras

    versions = f"Keras {keras.__version__} (backend {keras.backend.backend()})"
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        versions = f"TensorFlow {tf.__version__}, " + versions
    gpu = gpu_name()
    device = f"GPU {gpu}" if gpu else f"CPU ({os.cpu_count()} cores), no GPU"
    return f"{versions}; device: {device}; precision policy that pays here: {precision_policy()}"
