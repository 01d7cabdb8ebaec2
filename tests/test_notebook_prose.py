"""The prose of every committed notebook quotes the run it sits in (issue 34).

A markdown cell that reads a result must take its numbers from the notebook's own outputs (or
code). This test lists, for each markdown cell, the decimal numbers (``93.05``, ``0.4``, ``-1.02``)
that no output and no code cell of the same notebook contains, and fails when a cell has three or
more of them: such a cell was most likely written for another run, and re-executing the notebook
left it behind. A number counts as found when an output or code cell holds it at the prose's
precision (``0.92`` for a printed ``0.924``), or when the prose gives a printed fraction as a
percentage (``27.5`` for a printed ``0.275``). Figures quoted from publications are allowed by name
(``PUBLISHED``), rounded or not. Integers are not checked: counts, sizes and epochs are too often exact by design.
"""

import json
import re

import pytest

from rnlib import runner

#: Figures quoted from publications, which no notebook can print. Each set names its source.
PUBLISHED = {
    # The seed: Taeyoung Kim, "Relation Networks for Visual QA" (2017-06-10), its training log
    # (../shared/seed/FACTS.md): epochs 1-5 and 46-50, loss / acc / val_loss / val_acc, and the
    # final evaluation on dev (93.05% train, 51.63% dev; also quoted rounded).
    "seed's log (Kim 2017)": {
        "1.0313", "0.5506", "0.7847", "0.5484", "0.7153", "0.5630", "0.6877", "0.5425",
        "0.6576", "0.5740", "0.6664", "0.5693", "0.6421", "0.5805", "0.6624", "0.5644",
        "0.6343", "0.5920", "0.6584", "0.5797", "0.1855", "0.9210", "3.5557", "0.5121",
        "0.1775", "0.9240", "4.1076", "0.4949", "0.1716", "0.9282", "3.0868", "0.5300",
        "0.1699", "0.9279", "3.1258", "0.5153", "0.1673", "0.9305", "3.3528", "0.5163",
        "93.05", "51.63"},
    # NLVR (Suhr et al. 2017), Table of accuracies, dev / Test-P / Test-U: majority, text-only,
    # image-only, CNN+RNN, NMN, MaxEnt on structured representations.
    "NLVR paper's table (Suhr et al. 2017)": {
        "55.3", "56.2", "55.4", "56.6", "57.2", "56.1", "58.0", "56.3",
        "63.1", "66.1", "62.0", "68.0", "67.7", "67.8"},
    # The RN paper (Santoro et al. 2017, arXiv 1706.01427), CLEVR accuracy: from pixels 95.5 (previous
    # best 76.6, humans 92.6), as the seed's post quotes it; from state descriptions 96.4.
    "RN paper (Santoro et al. 2017)": {"95.5", "76.6", "92.6", "96.4"},
}
#: A published figure may be quoted rounded (the seed's val_loss 3.3528 as 3.35), like a printed one.
PUBLISHED_VALUES = sorted({float(x) for numbers in PUBLISHED.values() for x in numbers})

#: Known failures, one entry per notebook cell (by cell id), each with the issue that fixes it and
#: the numbers it may still quote until then. Any other unsourced number in that cell still counts.
KNOWN_UNSOURCED = {}

NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d+(?![\w.])")
ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}")  # 1706.01427: an identifier, not a measurement
LEAST = 3  # a cell with this many unsourced numbers fails


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else (value or "")


def printed_values(cells) -> list[float]:
    """Every decimal number of the notebook's outputs (text, plain, markdown, HTML) and code."""
    parts = []
    for cell in cells:
        if cell["cell_type"] == "code":
            parts.append(_text(cell["source"]))
        for output in cell.get("outputs", []):
            parts.append(_text(output.get("text")))
            data = output.get("data", {})
            parts += [_text(data.get(kind)) for kind in ("text/plain", "text/markdown", "text/html")]
    return [float(x) for x in NUMBER.findall("\n".join(parts))]


def is_sourced(number: str, values) -> bool:
    """``number`` (as written in prose) is an arXiv id, or a printed or published value at the prose's
    precision, as it is or as a percentage of a fraction."""
    if ARXIV_ID.fullmatch(number.lstrip("-")):
        return True
    decimals, v = len(number.split(".")[1]), float(number)
    return any(abs(round(x, decimals) - v) < 1e-9 or abs(round(100 * x, decimals) - v) < 1e-9
               for x in [*values, *PUBLISHED_VALUES])


def unsourced_numbers(path) -> dict:
    """cell index -> (cell id, sorted numbers of that markdown cell that no output or code holds)."""
    cells = json.loads(path.read_text())["cells"]
    values = printed_values(cells)
    found = {}
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        numbers = {n for n in NUMBER.findall(_text(cell["source"])) if not is_sourced(n, values)}
        numbers -= KNOWN_UNSOURCED.get((path.name, cell.get("id")), set())
        if numbers:
            found[index] = (cell.get("id"), sorted(numbers, key=float))
    return found


def test_the_check_sees_unsourced_numbers_and_accepts_printed_ones(tmp_path):
    """A cell quoting three numbers no cell prints fails; rounded, percentage and published ones pass."""
    cells = [
        {"cell_type": "code", "id": "a", "source": "print(x)", "outputs": [
            {"output_type": "stream", "name": "stdout", "text": ["ratio 0.924, flipped 0.275\n", "load 3.54\n"]}]},
        {"cell_type": "markdown", "id": "b", "source": ["About 0.92 of the way; 27.5% flipped; load 3.5; ",
                                                        "the seed's 51.63%; arXiv 1706.01427."]},
        {"cell_type": "markdown", "id": "c", "source": ["11.8 ms, 71.3 of the 127.3 ms, and 0.92."]},
    ]
    path = tmp_path / "99_example.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    assert unsourced_numbers(path) == {2: ("c", ["11.8", "71.3", "127.3"])}


@pytest.mark.parametrize("notebook", runner.notebooks(), ids=lambda p: p.name)
def test_markdown_quotes_numbers_that_the_notebook_prints(notebook):
    bad = {i: found for i, found in unsourced_numbers(notebook).items() if len(found[1]) >= LEAST}
    assert not bad, (f"{notebook.name}: markdown cells quoting {LEAST}+ numbers that no output or code of the notebook "
                     "holds (written for another run? quote the printed figure, or generate the sentence in code): "
                     + "; ".join(f"cell [{i}] (id {cid}): {', '.join(nums)}" for i, (cid, nums) in bad.items()))
