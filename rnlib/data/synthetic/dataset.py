"""Sentence groups, splits and files: balance each template's labels, split by sentence group, write
NLVR's layout with its sidecars, and read it back (:func:`read_synthetic`).

A group n draws a template and its parameters, writes the sentence once, then draws scenes and keeps
4 whose truth (computed by the template) gives the group's share of true labels (m = 0..3 in random
order). That share is 2 of 4 for most groups and 1 or 3 of 4 for some; the choice keeps every
template's running share of true labels inside [0.4, 0.6], so the label cannot be read from the
sentence. Parameters whose true (or false) scenes are too rare to find are redrawn.

Files: ``DIR/{split}/{split}.json`` in NLVR's JSON lines (NLVR's keys only; each example's template
and parameters go to a sidecar file ``DIR/{split}/{split}.templates.json``, one JSON line per
example) and the 6 PNGs of every example at ``DIR/{split}/images/{n % 10}/{split}-{n}-{m}-{k}.png``.
Group numbers run across splits (train 0.., then dev, then test), so a group lives in one split
only. The same seed (and version) gives byte-identical files.

Introduced in notebooks/01_data_and_preprocessing.ipynb.
"""

from __future__ import annotations

import dataclasses
import json
import random
from collections import defaultdict
from pathlib import Path

from ..nlvr import Example, example_key, read_examples, write_examples
from ..render import render, save_png
from .registry import GENERATOR_VERSION, check_version, choose_template
from .scenes import pick, random_scene
from .template import Template
from .words import finish

SPLITS = ("train", "dev", "test")
#: Sentence groups per split. "quick" takes seconds (CI, smoke tests); "default" is about the size
#: of NLVR's train split (12,410 examples) and is the course's offline dataset.
PRESETS = {"quick": {"train": 32, "dev": 8, "test": 8},
           "default": {"train": 3000, "dev": 300, "test": 300}}


@dataclasses.dataclass(frozen=True)
class SyntheticExample(Example):
    """An :class:`Example` that also knows its template and parameters (kept in a sidecar file)."""
    template: str = ""
    params: dict | None = dataclasses.field(default=None, compare=False)

    def template_json(self) -> dict:
        """The line of ``{split}.templates.json`` for this example."""
        return {"identifier": self.identifier, "template": self.template, "params": self.params}


def sidecar_path(split_json) -> Path:
    """``DIR/train/train.json`` -> ``DIR/train/train.templates.json``."""
    split_json = Path(split_json)
    return split_json.with_name(split_json.stem + ".templates.json")


def fake_evals(label: bool, rng: random.Random) -> dict:
    """5 raters (ids r0-r9) whose majority agrees with ``label``; like NLVR, 1 of 5 disagrees
    about a fifth of the time and 2 rarely."""
    raters = rng.sample(range(10), 5)
    disagree = pick(rng, (0, 1, 2), (78, 20, 2))
    return {f"r{r}": str(label if i >= disagree else not label).lower() for i, r in enumerate(raters)}


def _true_count(rng, balance, n_examples=4, low=0.4, high=0.6) -> int:
    """How many of a new group's 4 examples are true: usually 2, sometimes 1 or 3, never letting the
    template's running share of true labels (``balance`` = [true, total]) leave [low, high]."""
    ok = [k for k in (1, 2, 3) if low <= (balance[0] + k) / (balance[1] + n_examples) <= high]
    return pick(rng, ok, [{1: 2, 2: 6, 3: 2}[k] for k in ok])


def _make_group(template: Template, n_true: int, rng: random.Random,
                max_params: int = 60, max_scenes: int = 300):
    """Params, sentence and 4 (scene, label) pairs with ``n_true`` true ones, in random order."""
    want = {True: n_true, False: 4 - n_true}
    for _ in range(max_params):
        params = template.sample(rng)
        found = {True: [], False: []}
        for _ in range(max_scenes):
            scene = random_scene(template.scene, rng)
            label = template.holds(params, scene)
            if len(found[label]) < want[label] and scene not in found[label]:
                found[label].append(scene)
                if all(len(found[b]) == want[b] for b in (True, False)):
                    sentence = finish(template.say(params, rng), rng)
                    labels = [True] * n_true + [False] * (4 - n_true)
                    rng.shuffle(labels)
                    scenes = [found[b].pop() for b in labels]
                    return params, sentence, list(zip(scenes, labels))
        # these parameters make one answer too rare: draw others
    raise RuntimeError(f"template {template.id}: found no parameters with {n_true} true and "
                       f"{4 - n_true} false scenes in {max_params} tries")


def split_sizes(groups: dict | int | None = None, preset: str = "default") -> dict:
    """Sentence groups per split: a preset, a dict per split, or a total split 80/10/10."""
    if groups is None:
        if preset not in PRESETS:
            raise ValueError(f"unknown preset {preset!r}; expected one of {list(PRESETS)}")
        return dict(PRESETS[preset])
    if isinstance(groups, int):
        if groups < 1:
            raise ValueError(f"groups must be >= 1, got {groups}")
        train, dev = round(0.8 * groups), round(0.1 * groups)
        return {"train": train, "dev": dev, "test": groups - train - dev}
    unknown = set(groups) - set(SPLITS)
    if unknown:
        raise ValueError(f"unknown split(s) {sorted(unknown)}; expected some of {SPLITS}")
    return {s: int(groups.get(s, 0)) for s in SPLITS}


def generate(seed: int = 0, groups: dict | int | None = None, preset: str = "default",
             progress: bool = False, version: int = GENERATOR_VERSION) -> dict[str, list[SyntheticExample]]:
    """Generate synthetic NLVR examples: {"train": [...], "dev": [...], "test": [...]}.

    ``groups``: sentence groups per split as a dict, or a total split 80/10/10; None takes
    ``PRESETS[preset]``. Each group has 4 examples (one sentence, 4 scenes). Group numbers n run
    across the splits, so no group is in two splits. Same seed (and version), same examples.
    ``version``: 2 (the default), 3 (adds the templates grown from Test-P phrasings; opt-in) or 4
    (adds, to version 3's, templates for the Test-P phrasings version 3 could not write; opt-in).

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    from tqdm.auto import tqdm

    check_version(version)
    sizes = split_sizes(groups, preset)
    out, n = {}, 0
    seen = set()  # example_key of every example so far, in all splits: no example twice
    bar = tqdm(total=sum(sizes.values()), desc="sentence groups", disable=not progress)
    for split in SPLITS:
        rng = random.Random(f"rnlib-synthetic-v{version}/{seed}/{split}")
        balance = defaultdict(lambda: [0, 0])  # template id -> [true labels, examples]
        examples = []
        for _ in range(sizes[split]):
            template = choose_template(rng, version)
            n_true = _true_count(rng, balance[template.id])
            for _ in range(100):
                params, sentence, scenes = _make_group(template, n_true, rng)
                keys = {example_key(sentence, scene) for scene, _ in scenes}
                if len(keys) == 4 and not keys & seen:
                    break
            else:
                raise RuntimeError(f"template {template.id}: 100 groups in a row repeated earlier examples")
            seen |= keys
            balance[template.id][0] += n_true
            balance[template.id][1] += 4
            for m, (scene, label) in enumerate(scenes):
                examples.append(SyntheticExample(
                    identifier=f"{n}-{m}", group=n, m=m, sentence=sentence, label=label,
                    structured_rep=scene, split=split, directory=str(n % 10),
                    evals=fake_evals(label, rng), template=template.id, params=params))
            n += 1
            bar.update()
        out[split] = examples
    bar.close()
    return out


def write_dataset(out, seed: int = 0, groups: dict | int | None = None, preset: str = "default",
                  images: bool = True, progress: bool = True, version: int = GENERATOR_VERSION) -> Path:
    """Generate and write a dataset in NLVR's layout under ``out``; returns ``out``.

    Writes ``out/{split}/{split}.json`` and, with ``images``, the 6 PNGs of every example at
    ``out/{split}/images/{directory}/{split}-{n}-{m}-{k}.png``; then, last, ``out/COMPLETE`` (the
    generator version and settings), so an interrupted run is recognised and redone.
    ``version``: see :func:`generate` (2 by default; 3 and 4 are opt-in).

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    from tqdm.auto import tqdm

    check_version(version)
    out = Path(out)
    stamp = out / "COMPLETE"
    stamp.unlink(missing_ok=True)
    data = generate(seed, groups, preset, progress=progress, version=version)
    for split, examples in data.items():
        path = write_examples(examples, out / split / f"{split}.json")
        with open(sidecar_path(path), "w", encoding="utf-8") as f:
            for e in examples:
                f.write(json.dumps(e.template_json(), separators=(",", ":")) + "\n")
    if images:
        total = sum(len(v) for v in data.values())
        for ex in tqdm([e for v in data.values() for e in v], total=total, desc="images (x6)",
                       disable=not progress):
            for k in range(6):
                save_png(render(ex.structured_rep, k), ex.image_path(out, k))
    stamp.write_text(json.dumps(_settings(seed, groups, preset, images, version), indent=1) + "\n")
    return out


def _settings(seed, groups, preset, images, version: int = GENERATOR_VERSION) -> dict:
    return {"generator": "rnlib.data.synthetic", "version": version, "seed": seed,
            "groups": split_sizes(groups, preset), "images": images}


def default_dataset(preset: str = "default", seed: int = 0, root=None) -> Path:
    """The folder of the course's synthetic dataset, generating it first when absent or incomplete.

    It is ``root / f"{preset}-seed{seed}"`` with ``root`` defaulting to
    ``rnlib.data.DATA_DIR / "synthetic"``. A folder counts as complete when its ``COMPLETE`` stamp
    names this generator version and these settings; otherwise it is (re)written.

    Introduced in notebooks/01_data_and_preprocessing.ipynb.
    """
    from .. import DATA_DIR

    path = Path(root if root is not None else DATA_DIR / "synthetic") / f"{preset}-seed{seed}"
    stamp = path / "COMPLETE"
    try:
        done = json.loads(stamp.read_text()) == _settings(seed, None, preset, True)
    except (OSError, ValueError):
        done = False
    if not done:
        write_dataset(path, seed=seed, preset=preset, images=True, progress=True)
    return path


def read_synthetic(path, split: str | None = None) -> list[SyntheticExample]:
    """Read a synthetic split file like :func:`read_examples`, with each example's template and
    params from the sidecar ``{split}.templates.json``."""
    examples = read_examples(path, split)
    side = sidecar_path(path)
    with open(side, encoding="utf-8") as f:
        extra = [json.loads(line) for line in f if line.strip()]
    ids = [x.get("identifier") for x in extra]
    if ids != [e.identifier for e in examples]:
        raise ValueError(f"{side}: its identifiers do not match {path} line by line "
                         f"({len(ids)} lines for {len(examples)} examples)")
    return [SyntheticExample(**{fl.name: getattr(e, fl.name) for fl in dataclasses.fields(Example)},
                             template=x.get("template", ""), params=x.get("params"))
            for e, x in zip(examples, extra)]
