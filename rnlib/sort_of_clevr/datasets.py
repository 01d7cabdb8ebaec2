"""Sort-of-CLEVR datasets: generated arrays, their ``.npz`` files, and the batches a model trains on.

:func:`generate` draws images with their questions as a preset says
(:mod:`rnlib.sort_of_clevr.presets`); :func:`save_dataset` / :func:`load_dataset` write and read
them (``np.savez_compressed``, read with ``allow_pickle=False``), each file recording its preset
(:func:`dataset_preset`); :func:`make_dataset` serves one example per question
(:class:`QuestionBatches`, plain NumPy batches that work with every Keras backend).

Introduced in notebooks/06_sort_of_clevr.ipynb.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..batches import EpochBatches
from .presets import DEFAULT_PRESET, get_preset, sample_questions
from .questions import ANSWERS, KINDS, QUESTION_SIZE, SUBTYPES, encode_question
from .scenes import COLORS, IMAGE_SIZE, OBJECT_SIZE, SHAPES, draw_scene, object_geometry, random_scene

__all__ = ["DEFAULT_TRAIN", "DEFAULT_TEST", "BATCH_SIZE", "generate", "save_dataset", "load_dataset",
           "dataset_preset", "generated_object_size", "generate_dataset", "answer_distribution", "STATE_SIZE", "state_descriptions",
           "make_dataset", "QuestionBatches"]

#: The paper's split (and the reproductions'): 9,800 training images, 200 test images.
DEFAULT_TRAIN, DEFAULT_TEST = 9800, 200
#: Default batch size of training (see :func:`rnlib.sort_of_clevr.models.build_rn_model`).
BATCH_SIZE = 64


def generate(n_images: int, seed, questions_per_kind: int | None = None, progress: bool = True,
             desc: str = "sort-of-clevr", square_size: int | None = None,
             preset="extended", object_size: int | None = None) -> dict[str, np.ndarray]:
    """Generate ``n_images`` scenes with their questions; the same ``seed`` and preset give identical arrays.

    Returns a dict of arrays (Q = number of kinds x ``questions_per_kind`` questions per image: 30
    for the ``extended`` preset, 20 for ``paper``):

    - ``images`` (N, 75, 75, 3) uint8, ``centers`` (N, 6, 2) int16 (x, y), ``shapes`` (N, 6) int8;
    - ``questions`` (N, Q, 18) float32 (see :func:`encode_question`), ``answers`` (N, Q) int8
      (indices into :data:`ANSWERS`);
    - ``kinds``, ``subtypes`` (N, Q) int8 (index into :data:`KINDS`, then into ``SUBTYPES[kind]``),
      ``subjects`` (N, Q, 2) int8 (colour indices of A and B, B = -1 when there is none).

    The questions of an image come kind by kind: ``questions_per_kind`` non-relational, then
    binary, then (``extended`` only) ternary. ``seed`` is anything ``np.random.default_rng``
    accepts. ``preset`` is a name in :data:`~rnlib.sort_of_clevr.presets.PRESETS` or a
    :class:`~rnlib.sort_of_clevr.presets.Preset`; ``questions_per_kind`` and ``square_size``
    (passed to :func:`draw_scene`: the scenes, questions and answers do not depend on it) default
    to the preset's. ``object_size`` (default: the preset's, 10 px; ``course``: 14) draws every object that large and
    places them by :func:`~rnlib.sort_of_clevr.scenes.object_geometry` (1.5 x the size apart, whole
    inside the image), so the scenes change with it; the squares take that size unless
    ``square_size`` is given.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    p = get_preset(preset)
    per_kind = p.questions_per_kind if questions_per_kind is None else int(questions_per_kind)
    if object_size is not None and int(object_size) != p.object_size:
        min_distance, center_range = object_geometry(object_size)
        p = p._replace(min_distance=min_distance, center_range=center_range, square_size=int(object_size),
                       object_size=int(object_size))
    object_size = p.object_size
    square_size = p.square_size if square_size is None else square_size
    rng = np.random.default_rng(seed)
    per_image = len(p.kinds) * per_kind
    out = {
        "images": np.empty((n_images, IMAGE_SIZE, IMAGE_SIZE, 3), np.uint8),
        "centers": np.empty((n_images, len(COLORS), 2), np.int16),
        "shapes": np.empty((n_images, len(COLORS)), np.int8),
        "questions": np.zeros((n_images, per_image, QUESTION_SIZE), np.float32),
        "answers": np.empty((n_images, per_image), np.int8),
        "kinds": np.empty((n_images, per_image), np.int8),
        "subtypes": np.empty((n_images, per_image), np.int8),
        "subjects": np.empty((n_images, per_image, 2), np.int8),
    }
    steps = range(n_images)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc=desc, mininterval=1.0)
    for i in steps:
        scene = random_scene(rng, p.min_distance, p.center_range)
        out["images"][i] = draw_scene(scene, square_size, object_size)
        out["centers"][i] = scene.centers
        out["shapes"][i] = scene.shapes
        for k, (kind, sub, a, b, answer) in enumerate(sample_questions(rng, scene, p, per_kind)):
            out["questions"][i, k] = encode_question(KINDS[kind], SUBTYPES[KINDS[kind]][sub], a, b)
            out["answers"][i, k] = answer
            out["kinds"][i, k] = kind
            out["subtypes"][i, k] = sub
            out["subjects"][i, k] = (a, -1 if b is None else b)
    return out


def save_dataset(data: dict, path, preset="extended") -> Path:
    """Write a dataset from :func:`generate` to ``path`` with ``np.savez_compressed`` (atomically).

    The file records the answer vocabulary, the colours and the name of ``preset`` (read it back
    with :func:`dataset_preset`). Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **data, answer_vocabulary=np.array(ANSWERS), colors=np.array(COLORS),
                        preset=np.array(get_preset(preset).name))
    os.replace(tmp, path)
    return path


def load_dataset(path) -> dict[str, np.ndarray]:
    """Read a dataset written by :func:`save_dataset` (``allow_pickle=False``: data, never code).

    Returns the arrays of :func:`generate`; the file's preset is :func:`dataset_preset`'s.
    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    with np.load(path, allow_pickle=False) as f:
        data = {k: f[k] for k in f.files}
    if tuple(data.pop("answer_vocabulary").tolist()) != ANSWERS or tuple(data.pop("colors").tolist()) != COLORS:
        raise ValueError(f"{path} was written with another answer vocabulary or colour list; generate it again.")
    data.pop("preset", None)
    return data


def dataset_preset(path) -> str:
    """The preset a dataset file (or a folder with ``train.npz``) was generated with.

    Files written before presets existed have no record: they are ``extended`` (the only
    generator there was). Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "train.npz"
    with np.load(path, allow_pickle=False) as f:
        return str(f["preset"]) if "preset" in f.files else DEFAULT_PRESET


def generated_object_size(settings: dict) -> int:
    """The object size (px) that a data folder's ``generate.json`` settings drew.

    ``generate`` records the size when it is not 10 px; folders made before sizes were recorded
    drew 10 px objects. Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    return int(settings.get("object_size", OBJECT_SIZE))


def _split_seed(seed: int, split: str):
    return [int(seed), {"train": 0, "test": 1}[split]]


def generate_dataset(out_dir, seed: int = 0, n_train: int = DEFAULT_TRAIN, n_test: int = DEFAULT_TEST,
                     questions_per_kind: int | None = None, progress: bool = True,
                     square_size: int | None = None, preset="extended",
                     object_size: int | None = None) -> dict[str, Path]:
    """Generate ``out_dir/train.npz`` and ``out_dir/test.npz`` (random streams ``[seed, 0]`` and ``[seed, 1]``).

    ``preset``, ``questions_per_kind``, ``square_size`` and ``object_size`` as in :func:`generate`; each file
    records the preset. Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    out_dir = Path(out_dir)
    paths = {}
    for split, n in (("train", n_train), ("test", n_test)):
        data = generate(n, _split_seed(seed, split), questions_per_kind, progress, desc=f"{split} images",
                        square_size=square_size, preset=preset, object_size=object_size)
        paths[split] = save_dataset(data, out_dir / f"{split}.npz", preset)
    return paths


def answer_distribution(data: dict) -> dict[str, dict[str, int]]:
    """How often each answer occurs, per subtype: ``{"non_relational/shape": {"square": 9801, ...}, ...}``.

    Only the kinds the data asks appear. Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    out = {}
    kinds, subs, answers = data["kinds"].ravel(), data["subtypes"].ravel(), data["answers"].ravel()
    for k, kind in enumerate(KINDS):
        if not (kinds == k).any():
            continue
        for s, subtype in enumerate(SUBTYPES[kind]):
            sel = answers[(kinds == k) & (subs == s)]
            counts = np.bincount(sel, minlength=len(ANSWERS))
            out[f"{kind}/{subtype}"] = {ANSWERS[i]: int(c) for i, c in enumerate(counts) if c}
    return out


#: Numbers per object in a state description: colour one-hot (6), shape one-hot (2), x and y.
STATE_SIZE = len(COLORS) + len(SHAPES) + 2


def state_descriptions(data: dict) -> np.ndarray:
    """Each image's objects as the paper's *state description*: (N, 6, :data:`STATE_SIZE`) float32.

    Object ``c`` of image ``n`` is ``[one-hot colour c (6); one-hot shape (2); x; y]`` with the
    centre scaled to [-1, 1] (``(x - 37.5) / 37.5``). It is what a perfect CNN would hand the RN:
    the RN on these rows (:func:`build_state_rn_model`) learns the question set without having to
    see, which separates reasoning from perception (notebooks/06_sort_of_clevr.ipynb, section 5).

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    n = len(data["shapes"])
    colour = np.broadcast_to(np.eye(len(COLORS), dtype=np.float32), (n, len(COLORS), len(COLORS)))
    shape = np.eye(len(SHAPES), dtype=np.float32)[data["shapes"].astype(np.int64)]
    xy = (data["centers"].astype(np.float32) - IMAGE_SIZE / 2) / (IMAGE_SIZE / 2)
    return np.concatenate([colour, shape, xy], axis=-1)


def make_dataset(data: dict, batch_size: int = BATCH_SIZE, shuffle: bool = False, seed: int = 0,
                 workers: int = 1, state: bool = False, kind_batches: bool = False) -> "QuestionBatches":
    """Batches of ``({"image", "question"}, answer)``, one example per question (a :class:`QuestionBatches`).

    ``image`` is float32 in [0, 255] (the models rescale), ``question`` the 18-float encoding,
    ``answer`` an int32 index into :data:`ANSWERS`. Examples come image by image (question order
    within an image) unless ``shuffle``: then epoch ``e`` uses the permutation drawn from
    ``numpy.random.default_rng([seed, e])``, so a resumed run (:func:`rnlib.training.train` calls
    ``resume_at(epoch, batch)``) finishes an interrupted epoch in exactly its original order.
    Each image is stored once; a batch gathers the images of its questions. With ``state=True``
    the input is ``objects`` (the image's :func:`state_descriptions` rows) instead of ``image``.

    ``kind_batches=True`` serves one kind of question per batch, the kinds taking turns in
    :data:`KINDS` order (a non-relational batch, a binary one, ...), as the PyTorch reproduction
    trains: each kind's questions in the epoch's order, cut into batches of ``batch_size``; a kind's
    last batch may be smaller, and when one kind runs out the others go on. Every question is still
    served once per epoch.

    Plain NumPy batches (a ``keras.utils.PyDataset``) work with every Keras backend: TensorFlow
    here and on Colab, JAX on the GPU machine that trained the committed weights.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """
    return QuestionBatches(data, batch_size, shuffle, seed, workers=workers, state=state, kind_batches=kind_batches)


class QuestionBatches(EpochBatches):
    """The batches of :func:`make_dataset`; ``resume_at(epoch, batch)`` gives the same stream from there on.

    Epoch ``e`` is served in the permutation drawn from ``default_rng([seed, e])``; epochs follow
    :class:`rnlib.batches.EpochBatches` (``set_epoch``, ``resume_at``, ``on_epoch_end``), as NLVR's do.

    Introduced in notebooks/06_sort_of_clevr.ipynb.
    """

    def __init__(self, data: dict, batch_size: int = BATCH_SIZE, shuffle: bool = False, seed: int = 0,
                 epoch: int = 0, start_batch: int = 0, workers: int = 1, state: bool = False,
                 kind_batches: bool = False):
        super().__init__(seed, epoch, start_batch, workers)
        n, q = data["answers"].shape
        self.data, self.state, self.kind_batches = data, bool(state), bool(kind_batches)
        self.inputs = state_descriptions(data) if self.state else data["images"]
        self.image_index = np.repeat(np.arange(n, dtype=np.int32), q)
        self.questions = data["questions"].reshape(-1, QUESTION_SIZE).astype(np.float32)
        self.answers = data["answers"].reshape(-1).astype(np.int32)
        self.kinds = data["kinds"].reshape(-1)
        self.batch_size, self.shuffle = int(batch_size), bool(shuffle)
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1; got {batch_size}.")
        self._plan_epoch()

    def _epoch_batches(self) -> tuple[np.ndarray, np.ndarray]:
        """This epoch's example order and where its batches start (the last entry: the number of examples)."""
        n = len(self.answers)
        order = np.random.default_rng([self.seed, self.epoch]).permutation(n) if self.shuffle else np.arange(n)
        if not self.kind_batches:
            return order, np.append(np.arange(0, n, self.batch_size), n)
        per_kind = [order[self.kinds[order] == k] for k in range(len(KINDS))]
        chunks = [[idx[i:i + self.batch_size] for i in range(0, len(idx), self.batch_size)] for idx in per_kind]
        turns = [c[t] for t in range(max(map(len, chunks))) for c in chunks if t < len(c)]
        return np.concatenate(turns), np.cumsum([0] + [len(c) for c in turns])

    def __getitem__(self, i):
        _, idx = self._batch(i)
        seen = self.inputs[self.image_index[idx]].astype(np.float32)
        return {"objects" if self.state else "image": seen, "question": self.questions[idx]}, self.answers[idx]
