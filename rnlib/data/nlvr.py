"""Read Cornell NLVR exactly as published: JSON lines, image layout, splits, leakage checks.

One line of an NLVR file is one example: a sentence, a "true"/"false" label, an identifier "n-m"
(n = sentence group, m = 0..3), the image sub-folder ``directory``, the raters' ``evals`` and the
``structured_rep`` of the 3 boxes. The hidden Test-U file has no ``directory`` and no ``evals``.
Each example has 6 images, one per order of its boxes, stored at
``{root}/{split}/images/{directory}/{split}-{n}-{m}-{k}.png``.

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, NamedTuple, Sequence

import numpy as np

from .render import BOX, COLORS, HEIGHT, SHAPES, SIZES, WIDTH, render

REQUIRED_FIELDS = ("sentence", "label", "identifier", "structured_rep")


class NLVRFormatError(ValueError):
    """An NLVR file, line or image that is not what the format says; the message names where."""


class Item(NamedTuple):
    """One shape inside a box: top-left corner (x_loc, y_loc) in box pixels, type, colour, size."""
    x_loc: int
    y_loc: int
    type: str
    color: str
    size: int

    def to_json(self) -> dict:
        return {"y_loc": self.y_loc, "type": self.type, "color": self.color,
                "x_loc": self.x_loc, "size": self.size}


@dataclass(frozen=True)
class Example:
    """One NLVR example: a sentence, its truth value and the scene (3 boxes of items)."""
    identifier: str
    group: int  # n: the sentence group; splits must keep a group on one side
    m: int
    sentence: str
    label: bool
    structured_rep: tuple  # 3 tuples of Item
    split: str  # "train", "dev", "test", ... (from the file name)
    directory: str | None = None
    evals: dict | None = field(default=None, compare=False)

    def image_name(self, k: int) -> str:
        return f"{self.split}-{self.group}-{self.m}-{k}.png"

    def image_path(self, root, k: int) -> Path:
        """Path of image k (box order k) in the real layout under ``root`` (the folder holding ``{split}/``)."""
        return Path(root) / self.split / "images" / (self.directory or "0") / self.image_name(k)

    def image_paths(self, root) -> list[Path]:
        return [self.image_path(root, k) for k in range(6)]

    def to_json(self) -> dict:
        """The example as an NLVR JSON object (field order as in the published files)."""
        d = {"sentence": self.sentence, "label": "true" if self.label else "false",
             "identifier": self.identifier}
        if self.directory is not None:
            d["directory"] = self.directory
        if self.evals is not None:
            d["evals"] = self.evals
        d["structured_rep"] = [[it.to_json() for it in box] for box in self.structured_rep]
        return d


def split_name(path) -> str:
    """The split an NLVR file belongs to, from its name: ``.../dev.json`` -> ``"dev"``."""
    return Path(path).stem


def _parse_item(raw, where: str) -> Item:
    if not isinstance(raw, dict):
        raise NLVRFormatError(f"{where}: expected an object with x_loc, y_loc, type, color, size, got {raw!r}")
    for key in ("x_loc", "y_loc", "type", "color", "size"):
        if key not in raw:
            raise NLVRFormatError(f"{where}: missing field {key!r}")
    x, y, shape, color, size = raw["x_loc"], raw["y_loc"], raw["type"], raw["color"], raw["size"]
    if shape not in SHAPES:
        raise NLVRFormatError(f"{where}: unknown type {shape!r}, expected one of {list(SHAPES)}")
    if color not in COLORS:
        raise NLVRFormatError(f"{where}: unknown color {color!r}, expected one of {list(COLORS)}")
    if size not in SIZES or isinstance(size, bool):
        raise NLVRFormatError(f"{where}: unknown size {size!r}, expected one of {list(SIZES)}")
    for name, v in (("x_loc", x), ("y_loc", y)):
        if not isinstance(v, int) or isinstance(v, bool):
            raise NLVRFormatError(f"{where}: {name} must be an integer, got {v!r}")
    if not (0 <= x and x + size <= BOX and 0 <= y and y + size <= BOX):
        raise NLVRFormatError(f"{where}: item outside its box: x_loc={x}, y_loc={y}, size={size} "
                              f"must satisfy 0 <= x_loc, y_loc and x_loc+size, y_loc+size <= {BOX}")
    return Item(x, y, shape, color, size)


def parse_example(obj, split: str, where: str) -> Example:
    """Validate one decoded JSON object and turn it into an :class:`Example`; errors name ``where``."""
    if not isinstance(obj, dict):
        raise NLVRFormatError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    for key in REQUIRED_FIELDS:
        if key not in obj:
            raise NLVRFormatError(f"{where}: missing field {key!r}")
    label = obj["label"]
    if label not in ("true", "false"):
        raise NLVRFormatError(f"{where}: field 'label' must be \"true\" or \"false\", got {label!r}")
    ident = obj["identifier"]
    parts = ident.split("-") if isinstance(ident, str) else []
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise NLVRFormatError(f"{where}: field 'identifier' must look like \"n-m\" (two integers), got {ident!r}")
    if not isinstance(obj["sentence"], str):
        raise NLVRFormatError(f"{where}: field 'sentence' must be a string, got {obj['sentence']!r}")
    rep = obj["structured_rep"]
    if not isinstance(rep, list) or len(rep) != 3:
        raise NLVRFormatError(f"{where}: field 'structured_rep' must be a list of 3 boxes")
    boxes = []
    for b, box in enumerate(rep):
        if not isinstance(box, list) or not 1 <= len(box) <= 8:
            raise NLVRFormatError(f"{where}: structured_rep[{b}] must be a list of 1-8 items")
        boxes.append(tuple(_parse_item(it, f"{where}: structured_rep[{b}][{i}]") for i, it in enumerate(box)))
    directory = obj.get("directory")
    return Example(identifier=ident, group=int(parts[0]), m=int(parts[1]), sentence=obj["sentence"],
                   label=label == "true", structured_rep=tuple(boxes), split=split,
                   directory=None if directory is None else str(directory), evals=obj.get("evals"))


def read_examples(path, split: str | None = None) -> list[Example]:
    """Read an NLVR JSON-lines file (train/dev/test/hidden) into :class:`Example` records.

    Every line is validated; the first bad one raises :class:`NLVRFormatError` naming the file,
    the line number and what was expected. Blank lines are skipped. ``split`` defaults to the file's
    stem (``dev.json`` -> ``"dev"``), which is also the prefix of the image file names.
    """
    path = Path(path)
    split = split or split_name(path)
    examples = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}, line {lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise NLVRFormatError(f"{where}: malformed JSON ({e.msg} at column {e.colno})") from None
            examples.append(parse_example(obj, split, where))
    return examples


def write_examples(examples: Iterable[Example], path) -> Path:
    """Write examples as NLVR JSON lines (the inverse of :func:`read_examples`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for ex in examples:
            f.write(json.dumps(ex.to_json(), separators=(",", ":")) + "\n")
    return path


def read_png(path) -> np.ndarray:
    """Read an NLVR PNG as (100, 400, 3) uint8 RGB; a corrupt or wrongly sized file raises NLVRFormatError."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im.load()
            size = im.size
            rgb = np.asarray(im.convert("RGB"))
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        raise NLVRFormatError(f"{path}: not a readable PNG image ({e})") from None
    if size != (WIDTH, HEIGHT):
        raise NLVRFormatError(f"{path}: image is {size[0]}x{size[1]} px, expected {WIDTH}x{HEIGHT}")
    return rgb


def load_image(example: Example, k: int, root=None, allow_render: bool = True) -> np.ndarray:
    """Image k of ``example``: the real PNG under ``root`` when it exists, else rendered from
    ``structured_rep`` (unless ``allow_render=False``, which makes a missing file an error)."""
    if root is not None:
        path = example.image_path(root, k)
        if path.exists():
            return read_png(path)
        if not allow_render:
            raise FileNotFoundError(f"{path}: image file missing for example {example.identifier} "
                                    f"(box order {k}) and rendering is disabled")
    elif not allow_render:
        raise ValueError("load_image: allow_render=False needs a root folder to read PNGs from")
    return render(example.structured_rep, k)


# ---------------------------------------------------------------------------------------------
# Splits and leakage


def first_groups(examples, n: int) -> list:
    """The examples of the first ``n`` sentence groups (in file order): nested training sets of
    growing size from one file (notebook 05's data-size runs). ValueError when there are fewer groups.

    Introduced in notebooks/05_overfitting_diagnosis.ipynb.
    """
    keep, out = set(), []
    for e in examples:
        if e.group not in keep:
            if len(keep) == n:
                continue
            keep.add(e.group)
        out.append(e)
    if len(keep) < n:
        raise ValueError(f"asked for the first {n} sentence groups, but the training file has only {len(keep)}")
    return out


def random_example_split(examples, validation_fraction: float = 0.2, seed: int = 0):
    """``(train, validation)``: a random split of the *examples*, ignoring sentence groups: the
    mistake notebook 05 measures (a sentence's other examples sit in training).

    Introduced in notebooks/05_overfitting_diagnosis.ipynb.
    """
    order = np.random.default_rng(seed).permutation(len(examples))
    cut = int(round(len(examples) * (1 - validation_fraction)))
    return [examples[i] for i in sorted(order[:cut])], [examples[i] for i in sorted(order[cut:])]


def split_by_group(examples: Sequence[Example], fractions: Sequence[float] = (0.9, 0.1), seed: int = 0):
    """Split examples into len(fractions) lists so that every sentence group n lies on one side.

    Groups are shuffled with ``seed`` and cut by the cumulative fractions of groups.
    """
    if abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions must sum to 1, got {fractions}")
    groups = sorted({ex.group for ex in examples})
    random.Random(seed).shuffle(groups)
    bounds = np.round(np.cumsum(fractions) * len(groups)).astype(int)
    side = {}
    start = 0
    for i, end in enumerate(bounds):
        for g in groups[start:end]:
            side[g] = i
        start = end
    parts = [[] for _ in fractions]
    for ex in examples:
        parts[side[ex.group]].append(ex)
    return parts


@dataclass
class LeakageReport:
    """What two datasets share: sentence groups, sentence texts and whole examples (scene+sentence)."""
    groups: set
    sentences: set
    examples: set

    @property
    def clean(self) -> bool:
        """Nothing shared at all, not even a sentence text."""
        return not (self.groups or self.sentences or self.examples)

    @property
    def split_safe(self) -> bool:
        """No sentence group and no example on both sides. Real NLVR reuses a few sentence texts in
        different groups (7 between an 80/20 group split of dev), so a correct split of real data can
        share sentences; what must never be shared is a group or an example (any of its 6 images)."""
        return not (self.groups or self.examples)

    def __str__(self) -> str:
        if self.clean:
            return "no leakage: no sentence group, sentence or example appears on both sides"
        if self.split_safe:
            return (f"split by sentence group: no group or example on both sides; "
                    f"{len(self.sentences)} sentence texts recur in different groups")
        show = lambda s: ", ".join(repr(x) for x in sorted(s)[:3]) + (" ..." if len(s) > 3 else "")
        return (f"LEAKAGE: {len(self.groups)} sentence groups ({show(self.groups)}), "
                f"{len(self.sentences)} sentences ({show(self.sentences)}), "
                f"{len(self.examples)} examples ({show(self.examples)}) appear on both sides")


#: Characters the seed's ``text_to_word_sequence`` replaced by a space (Keras 2's default ``filters``):
#: the apostrophe is not among them, so "there's" stays one word. ``rnlib.text.standardize`` uses them too.
SEED_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_SEED_FILTERS = re.compile("[" + re.escape(SEED_FILTERS) + "]")


def normalize_sentence(text: str) -> str:
    """The words the course's vectorizer sees, joined by single spaces: lower case, the seed's
    punctuation replaced by a space (``"A box,yellow."`` -> ``"a box yellow"``, ``"There's"`` ->
    ``"there's"``). The one normalization for counting and matching sentences: distinct sentences,
    leakage, memorisation, the generator's coverage of real sentences. Equal to splitting
    :func:`rnlib.text.standardize` on white space (tests/test_data_nlvr.py checks it on real NLVR).

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    return " ".join(_SEED_FILTERS.sub(" ", text.lower()).split())


def example_key(sentence: str, structured_rep) -> str:
    """What makes two examples the same: the sentence (case and punctuation ignored) and the scene
    up to box order (the 6 images of one example show one scene)."""
    boxes = sorted(json.dumps([list(it) for it in box]) for box in structured_rep)
    return normalize_sentence(sentence) + "|" + "|".join(boxes)



def check_leakage(a: Iterable[Example], b: Iterable[Example]) -> LeakageReport:
    """Report every sentence group, sentence text (case/punctuation-insensitive) and example
    (same sentence and same scene, whatever the box order) found in both ``a`` and ``b``.

    Groups are compared by (split, n) only when both sides come from the same file, i.e. the
    identifiers of different NLVR splits are not confused: dev group 12 and train group 12 differ.
    """
    a, b = list(a), list(b)
    ga = {(e.split, e.group) for e in a}
    gb = {(e.split, e.group) for e in b}
    sa = {normalize_sentence(e.sentence) for e in a}
    sb = {normalize_sentence(e.sentence) for e in b}
    xa = {example_key(e.sentence, e.structured_rep): e.identifier for e in a}
    xb = {example_key(e.sentence, e.structured_rep) for e in b}
    return LeakageReport(groups={f"{s}-{g}" for s, g in ga & gb}, sentences=sa & sb,
                         examples={xa[k] for k in xa.keys() & xb})


# ---------------------------------------------------------------------------------------------
# What the sentence alone can tell


def sentence_memorization_accuracy(examples: Iterable[Example]) -> float:
    """Accuracy of answering each example with the majority label of its own sentence group.

    This is the best any answer that sees only the sentence can score on ``examples`` *when it has
    memorised their labels*: it is fitted and scored on the same groups, so it is a memorisation
    ceiling, not what a sentence-only model reaches on sentences it has not seen (for that, see
    :func:`held_out_sentence_accuracy`). A group with as many true as false examples counts half of
    them as correct. ValueError for no examples.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    per_group = defaultdict(lambda: [0, 0])  # (split, group) -> [false, true]
    n = 0
    for e in examples:
        per_group[(e.split, e.group)][int(bool(e.label))] += 1
        n += 1
    if n == 0:
        raise ValueError("sentence_memorization_accuracy: no examples")
    return sum(max(counts) for counts in per_group.values()) / n


def held_out_sentence_accuracy(train: Iterable[Example], held_out: Iterable[Example]) -> float:
    """Accuracy on ``held_out`` of the best sentence-only lookup fitted on ``train`` alone.

    The rule: answer a held-out sentence with the majority label of the training examples whose
    sentence is the same text (case and punctuation ignored); a sentence never seen in training,
    or one whose training examples are tied, gets the majority label of all training examples.
    Scored on groups that were not used to fit it, this is what the sentence alone is worth
    on new sentence groups (to compare with :func:`sentence_memorization_accuracy`, scored on the
    groups it memorised). ValueError when either side has no examples.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    train, held_out = list(train), list(held_out)
    if not train or not held_out:
        raise ValueError("held_out_sentence_accuracy needs training and held-out examples")
    votes = defaultdict(int)  # normalized sentence -> (#true - #false)
    for e in train:
        votes[normalize_sentence(e.sentence)] += 1 if e.label else -1
    majority = 2 * sum(bool(e.label) for e in train) >= len(train)
    correct = 0
    for e in held_out:
        vote = votes.get(normalize_sentence(e.sentence), 0)
        answer = majority if vote == 0 else vote > 0
        correct += answer == bool(e.label)
    return correct / len(held_out)


def seen_sentence_share(train: Iterable[Example], held_out: Iterable[Example]) -> float:
    """Share of the ``held_out`` examples whose sentence (case and punctuation ignored) occurs in
    ``train``: the examples for which :func:`held_out_sentence_accuracy`'s lookup has something to
    look up. ValueError for no held-out examples.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    seen = {normalize_sentence(e.sentence) for e in train}
    held_out = list(held_out)
    if not held_out:
        raise ValueError("seen_sentence_share: no held-out examples")
    return sum(normalize_sentence(e.sentence) in seen for e in held_out) / len(held_out)


def group_counts(examples: Iterable[Example]) -> dict:
    """Number of examples per sentence group."""
    counts = defaultdict(int)
    for e in examples:
        counts[e.group] += 1
    return dict(counts)
