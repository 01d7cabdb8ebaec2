"""Tests of rnlib.data.synthetic: the evaluator's meaning of every statement kind, determinism,
label balance, NLVR format and layout, split hygiene, and closeness to real NLVR."""

import json
import os
import subprocess
import sys
from collections import defaultdict

import numpy as np
import pytest

from rnlib.data import SHARED_NLVR, Item, check_leakage, read_examples, read_png, render
from rnlib.data import synthetic as syn
from rnlib.data.synthetic import TEMPLATES, evaluate, tower_box

BLUE, YELLOW, BLACK = "#0099ff", "Yellow", "Black"
REAL_DEV = SHARED_NLVR / "dev.json"
needs_real = pytest.mark.skipif(not REAL_DEV.exists(), reason=f"real NLVR dev not found at {REAL_DEV}")


def it(x, y, shape, color, size):
    return Item(x, y, shape, color, size)


def obj(color=None, shape=None, size=None):
    return {"color": color, "shape": shape, "size": size}


# Hand-made scatter scene (3 boxes):
#   box 0: small black triangle touching the bottom-left corner; big yellow circle in the middle,
#          a blue square 1 px right of it (touching), higher up
#   box 1: large black triangle in the middle (no edge); yellow square touching the right wall
#   box 2: one blue circle touching the top
SCATTER = (
    (it(0, 90, "triangle", BLACK, 10), it(40, 40, "circle", YELLOW, 30), it(71, 30, "square", BLUE, 20)),
    (it(40, 40, "triangle", BLACK, 30), it(80, 10, "square", YELLOW, 20)),
    (it(45, 0, "circle", BLUE, 10),),
)
# Hand-made tower scene: colours from the base up.
TOWERS = (tower_box([YELLOW, BLUE, BLACK]), tower_box([BLUE]), tower_box([BLUE, BLUE, YELLOW, BLACK]))
BETWEEN = (tower_box([BLACK, YELLOW, BLACK]), tower_box([YELLOW]), tower_box([BLUE, BLACK, BLUE, YELLOW]))

# (template, params, scene, expected truth, what the case checks)
CASES = [
    # existence; colour / shape / size
    ("exists", {"obj": obj(BLACK, "triangle", 10), "neg": False}, SCATTER, True, "a small black triangle"),
    ("exists", {"obj": obj(YELLOW, "triangle"), "neg": False}, SCATTER, False, "no yellow triangle"),
    ("exists", {"obj": obj(BLUE, "triangle", 30), "neg": False}, SCATTER, False, "size and colour both count"),
    ("exists", {"obj": obj(BLACK, None, 20), "neg": False}, SCATTER, False, "no medium black item"),
    ("exists", {"obj": obj(None, "circle"), "neg": True}, SCATTER, False, "'there is no circle'"),
    ("exists", {"obj": obj(BLACK, "circle"), "neg": True}, SCATTER, True, "'there is no black circle'"),
    # counts
    ("count_exactly", {"obj": obj(BLACK), "n": 2}, SCATTER, True, "exactly 2 black items"),
    ("count_exactly", {"obj": obj(BLUE), "n": 1}, SCATTER, False, "2 blue items, not 1"),
    ("count_at_least", {"obj": obj(None, "square"), "n": 2}, SCATTER, True, ">= 2 squares"),
    ("count_at_least", {"obj": obj(YELLOW), "n": 3}, SCATTER, False, "only 2 yellow items"),
    ("count_at_most", {"obj": obj(None, "triangle"), "n": 2}, SCATTER, True, "<= 2 triangles"),
    ("count_at_most", {"obj": obj(None, "circle"), "n": 1}, SCATTER, False, "2 circles"),
    ("tower_block_count", {"color": BLUE, "cmp": "exactly", "n": 4}, TOWERS, True, "4 blue blocks"),
    ("tower_block_count", {"color": BLACK, "cmp": "at_least", "n": 3}, TOWERS, False, "2 black blocks"),
    # box quantifiers
    ("box_each", {"prop": {"what": "count", "cmp": "at_least", "n": 1, "obj": obj(BLUE)}}, SCATTER, False,
     "box 1 has no blue item"),
    ("box_each", {"prop": {"what": "count", "cmp": "at_least", "n": 1, "obj": obj(None, None, None)}}, SCATTER,
     True, "every box has an item"),
    ("box_exists", {"prop": {"what": "items", "n": 3}}, SCATTER, True, "box 0 has 3 items"),
    ("box_exists", {"prop": {"what": "items", "n": 4}}, SCATTER, False, "no box has 4 items"),
    ("box_exists", {"prop": {"what": "all_colors"}}, SCATTER, True, "box 0 has all 3 colours"),
    ("box_exists", {"prop": {"what": "pair", "obj": obj(BLACK, "triangle"), "obj2": obj(YELLOW, "square")}},
     SCATTER, True, "box 1 has a black triangle and a yellow square"),
    ("box_exists", {"prop": {"what": "pair", "obj": obj(BLUE, "circle"), "obj2": obj(BLUE, "circle")}},
     SCATTER, False, "a pair needs two different items"),
    ("box_exactly_one", {"prop": {"what": "only_color", "color": BLUE}}, SCATTER, True, "only box 2 is all blue"),
    ("box_exactly_one", {"prop": {"what": "count", "cmp": "exactly", "n": 1, "obj": obj(BLACK)}}, SCATTER,
     False, "boxes 0 and 1 both have one black item"),
    ("box_two", {"prop": {"what": "count", "cmp": "exactly", "n": 1, "obj": obj(BLACK)}}, SCATTER, True,
     "two boxes with exactly one black item"),
    ("box_two", {"prop": {"what": "two_colors"}}, SCATTER, False, "only box 1 has 2 colours"),
    ("box_none", {"prop": {"what": "one_color"}}, SCATTER, False, "box 2 has one colour"),
    ("box_none", {"prop": {"what": "items", "n": 7}}, SCATTER, True, "no box has 7 items"),
    # touching an edge
    ("edge_exists", {"obj": obj(BLACK), "where": "corner", "neg": False}, SCATTER, True, "black triangle in a corner"),
    ("edge_exists", {"obj": obj(YELLOW), "where": "corner", "neg": False}, SCATTER, False, "no yellow item in a corner"),
    ("edge_exists", {"obj": obj(YELLOW, "square"), "where": "right", "neg": False}, SCATTER, True, "right wall"),
    ("edge_exists", {"obj": obj(BLUE), "where": "bottom", "neg": False}, SCATTER, False, "blue circle is at the top"),
    ("edge_exists", {"obj": obj(BLUE), "where": "top", "neg": False}, SCATTER, True, "blue circle touches the top"),
    ("edge_exists", {"obj": obj(None, "circle"), "where": "any", "neg": True}, SCATTER, False, "'no circle touching'"),
    ("edge_count", {"obj": obj(), "where": "any", "cmp": "exactly", "n": 3}, SCATTER, True, "3 items touch an edge"),
    ("edge_count", {"obj": obj(BLACK), "where": "any", "cmp": "exactly", "n": 2}, SCATTER, False,
     "the large black triangle floats"),
    ("not_edge_count", {"obj": obj(None, "triangle"), "cmp": "exactly", "n": 1}, SCATTER, True, "1 floating triangle"),
    ("not_edge_count", {"obj": obj(BLUE), "cmp": "at_least", "n": 2}, SCATTER, False, "1 floating blue item"),
    ("edge_all", {"obj": obj(None, "square"), "where": "any"}, SCATTER, False, "the blue square floats"),
    ("edge_all", {"obj": obj(None, "circle", 10), "where": "any"}, SCATTER, True, "the small circle touches"),
    ("edge_all", {"obj": obj(YELLOW, "triangle"), "where": "any"}, SCATTER, False, "'all X' needs an X"),
    # touching another item (bounding boxes <= 2 px apart)
    ("touching_pair", {"obj": obj(BLUE, "square"), "obj2": obj(YELLOW)}, SCATTER, True, "1 px apart"),
    ("touching_pair", {"obj": obj(BLACK), "obj2": obj(YELLOW)}, SCATTER, False, "far apart"),
    ("touching_each_other", {"obj": obj(BLUE)}, TOWERS, True, "stacked blocks touch"),
    ("touching_each_other", {"obj": obj(YELLOW)}, TOWERS, False, "yellow blocks in different towers"),
    # above / below
    ("above", {"obj": obj(BLUE, "square"), "obj2": obj(YELLOW, "circle"), "neg": False}, SCATTER, True,
     "y 30 < y 40 in box 0"),
    ("above", {"obj": obj(YELLOW, "circle"), "obj2": obj(BLUE, "square"), "neg": False}, SCATTER, False,
     "the circle is lower"),
    ("above", {"obj": obj(YELLOW), "obj2": obj(BLUE, "circle"), "neg": False}, SCATTER, False,
     "different boxes never compare"),
    ("box_top_item", {"obj": obj(BLUE), "items": 3, "q": "exists"}, SCATTER, True, "box 0's top item is blue"),
    ("box_top_item", {"obj": obj(BLACK), "items": None, "q": "exists"}, SCATTER, False, "no box has black on top"),
    ("tower_above", {"q": "exists", "upper": BLACK, "lower": YELLOW}, TOWERS, True, "black over yellow"),
    ("tower_above", {"q": "none", "upper": YELLOW, "lower": BLUE}, TOWERS, False, "tower 2: yellow over blue"),
    ("tower_above", {"q": "exactly_one", "upper": YELLOW, "lower": BLACK}, TOWERS, False, "yellow is below black"),
    ("tower_on", {"q": "exists", "upper": BLACK, "lower": BLUE}, TOWERS, True, "tower 0: black directly on blue"),
    ("tower_on", {"q": "exists", "upper": YELLOW, "lower": BLACK}, TOWERS, False, "yellow is never on black"),
    ("tower_on", {"q": "two", "upper": BLACK, "lower": BLUE}, TOWERS, False, "tower 2: black not directly on blue"),
    ("tower_above", {"q": "two", "upper": BLACK, "lower": BLUE}, TOWERS, True, "black higher than blue twice"),
    ("tower_on", {"q": "exactly_one", "upper": BLUE, "lower": BLUE}, TOWERS, True, "2 blue blocks stacked together"),
    # tower height
    ("tower_height", {"q": "exists", "cmp": "exactly", "h": 4}, TOWERS, True, "a tower of 4"),
    ("tower_height", {"q": "exists", "cmp": "exactly", "h": 2}, TOWERS, False, "no tower of 2"),
    ("tower_height", {"q": "two", "cmp": "at_least", "h": 3}, TOWERS, True, "heights 3 and 4"),
    ("tower_height", {"q": "each", "cmp": "more_than", "h": 1}, TOWERS, False, "one tower has 1 block"),
    ("tower_same_height", {"q": "none"}, TOWERS, True, "heights 3, 1, 4"),
    ("tower_same_height", {"q": "at_least_two"}, TOWERS, False, "all heights differ"),
    # tower top / base colour
    ("tower_top", {"q": "two", "color": BLACK, "hcond": None}, TOWERS, True, "two black tops"),
    ("tower_top", {"q": "exists", "color": YELLOW, "hcond": None}, TOWERS, False, "no yellow top"),
    ("tower_top", {"q": "exactly_one", "color": BLACK, "hcond": {"cmp": "exactly", "h": 4}}, TOWERS, True,
     "the 4-block tower has a black top"),
    ("tower_top", {"q": "exists", "color": BLUE, "hcond": {"cmp": "at_least", "h": 2}}, TOWERS, False,
     "the blue top belongs to a 1-block tower"),
    ("tower_base", {"q": "two", "color": BLUE, "hcond": None}, TOWERS, True, "two blue bases"),
    ("tower_base", {"q": "exists", "color": BLACK, "hcond": None}, TOWERS, False, "no black base"),
    ("tower_base", {"q": "each", "color": BLUE, "hcond": None}, TOWERS, False, "tower 0 has a yellow base"),
    ("tower_position", {"q": "exists", "color": BLUE, "index": 2, "from": "base"}, TOWERS, True, "2nd from base"),
    ("tower_position", {"q": "exists", "color": BLACK, "index": 2, "from": "top"}, TOWERS, False,
     "2nd from top: blue, yellow"),
    ("tower_same_base", {"q": "at_least_two"}, TOWERS, True, "two blue bases"),
    ("tower_same_base", {"q": "all"}, TOWERS, False, "a yellow base too"),
    # tower colours
    ("tower_color_count", {"q": "exists", "color": BLUE, "cmp": "exactly", "n": 2}, TOWERS, True, "tower 2"),
    ("tower_color_count", {"q": "each", "color": BLUE, "cmp": "at_least", "n": 1}, TOWERS, True,
     "each tower has a blue block"),
    ("tower_color_count", {"q": "each", "color": BLACK, "cmp": "at_least", "n": 1}, TOWERS, False,
     "tower 1 has no black block"),
    ("tower_only_color", {"q": "exists", "color": BLUE, "hcond": None}, TOWERS, True, "a blue tower"),
    ("tower_only_color", {"q": "exists", "color": BLUE, "hcond": {"cmp": "more_than", "h": 1}}, TOWERS, False,
     "the blue tower has 1 block"),
    ("tower_all_colors", {"q": "two"}, TOWERS, True, "towers 0 and 2 have 3 colours"),
    ("tower_all_colors", {"q": "exactly_one"}, TOWERS, False, "two towers, not one"),
    # --- version 3 (phrasings grown from Test-P) ---
    # "There is 1 tower with a blue block at the top" (tops: black, blue, black)
    ("tower3_end", {"q": "exactly_one", "hcond": None, "end": "top", "color": BLUE}, TOWERS, True, "one blue top"),
    ("tower3_end", {"q": "exactly_one", "hcond": None, "end": "top", "color": BLACK}, TOWERS, False,
     "two black tops, not one"),
    # "There is a tower with three blocks having a yellow block at the base"
    ("tower3_end", {"q": "exists", "hcond": {"cmp": "exactly", "h": 3}, "end": "base", "color": YELLOW}, TOWERS,
     True, "the 3-block tower has a yellow base"),
    ("tower3_end", {"q": "exists", "hcond": {"cmp": "exactly", "h": 4}, "end": "base", "color": YELLOW}, TOWERS,
     False, "the 4-block tower has a blue base"),
    # "Each tower has at least 1 blue block" / "The tower with three blocks has 2 blue blocks"
    ("tower3_count", {"q": "each", "hcond": None, "color": BLUE, "cmp": "at_least", "n": 1}, TOWERS, True,
     "every tower has a blue block"),
    ("tower3_count", {"q": "exists", "hcond": {"cmp": "exactly", "h": 3}, "color": BLUE, "cmp": "exactly", "n": 2},
     TOWERS, False, "the 3-block tower has one blue block"),
    # "There is one tower with a black block above a yellow block" (towers 0 and 2 both have one)
    ("tower3_order", {"q": "exactly_one", "hcond": None, "upper": BLACK, "lower": YELLOW}, TOWERS, False,
     "two towers, not one"),
    ("tower3_order", {"q": "two", "hcond": None, "upper": BLACK, "lower": YELLOW}, TOWERS, True,
     "above means anywhere higher, as in version 2"),
    ("tower3_stacked", {"q": "exactly_one", "hcond": None, "color": BLUE}, TOWERS, True, "tower 2: two blue stacked"),
    ("tower3_stacked", {"q": "exists", "hcond": None, "color": YELLOW}, TOWERS, False, "one yellow block per tower"),
    ("tower3_only_color", {"q": "exactly_one", "hcond": None, "color": BLUE}, TOWERS, True, "tower 1 is all blue"),
    ("tower3_only_color", {"q": "exists", "hcond": None, "color": YELLOW}, TOWERS, False, "no all-yellow tower"),
    ("tower3_all_colors", {"q": "exists", "hcond": {"cmp": "exactly", "h": 4}}, TOWERS, True, "the 4-block tower"),
    ("tower3_all_colors", {"q": "exactly_one", "hcond": None}, TOWERS, False, "towers 0 and 2"),
    # "There is a tower with exactly three blocks having a blue block in the middle"
    ("tower3_middle", {"q": "exists", "hcond": {"cmp": "exactly", "h": 3}, "color": BLUE}, TOWERS, True,
     "yellow, BLUE, black"),
    ("tower3_middle", {"q": "exists", "hcond": {"cmp": "exactly", "h": 3}, "color": BLACK}, TOWERS, False,
     "black is the top, not the middle"),
    ("tower3_middle", {"q": "exists", "hcond": None, "color": BLUE}, (tower_box([BLUE]),) * 3, False,
     "a 1-block tower has no middle"),
    # "There is a tower with a black block at the top and a yellow block at the base"
    ("tower3_top_and_base", {"q": "exists", "hcond": None, "top": BLACK, "base": YELLOW}, TOWERS, True, "tower 0"),
    ("tower3_top_and_base", {"q": "exists", "hcond": None, "top": YELLOW, "base": BLACK}, TOWERS, False,
     "the other way round"),
    ("tower3_top_and_base", {"q": "exactly_one", "hcond": None, "top": BLUE, "base": BLUE}, TOWERS, True,
     "a 1-block tower's block is its top and its base"),
    # "There are two towers that has only one block"
    ("tower3_height", {"q": "exists", "hcond": None, "h": 1}, TOWERS, True, "tower 1"),
    ("tower3_height", {"q": "two", "hcond": None, "h": 1}, TOWERS, False, "one 1-block tower"),
    # "There is a yellow block between two black blocks" (directly below and above it)
    ("tower3_between", {"color": YELLOW, "outer": BLACK, "neg": False}, BETWEEN, True, "black, YELLOW, black"),
    ("tower3_between", {"color": BLACK, "outer": BLUE, "neg": False}, BETWEEN, True, "blue, BLACK, blue, yellow"),
    ("tower3_between", {"color": BLUE, "outer": BLACK, "neg": False}, BETWEEN, False, "no blue between blacks"),
    ("tower3_between", {"color": YELLOW, "outer": BLUE, "neg": False}, TOWERS, False,
     "tower 2: yellow between blue and black"),
    ("tower3_between", {"color": YELLOW, "outer": BLACK, "neg": True}, BETWEEN, False, "'there is no ... between'"),
    # "There is a box with only black and yellow items" (box 1), "There is 1 box with 2 items"
    ("box3", {"q": "exists", "prop": {"what": "two_colors_only", "colors": [BLACK, YELLOW]}}, SCATTER, True, "box 1"),
    ("box3", {"q": "exists", "prop": {"what": "two_colors_only", "colors": [BLUE, YELLOW]}}, SCATTER, False,
     "box 0 has black too"),
    ("box3", {"q": "exactly_one", "prop": {"what": "items", "n": 2}}, SCATTER, True, "only box 1 has 2 items"),
    ("box3", {"q": "exactly_one", "prop": {"what": "count", "obj": obj(BLACK), "cmp": "exactly", "n": 1}},
     SCATTER, False, "boxes 0 and 1 have one black item each"),
    ("box3", {"q": "exists", "prop": {"what": "list", "objs": [obj(YELLOW, "circle"), obj(BLUE, "square"),
                                                               obj(BLACK, "triangle")]}}, SCATTER, True,
     "'a yellow circle, a blue square and a black triangle' (box 0)"),
    ("box3", {"q": "exists", "prop": {"what": "list", "objs": [obj(BLUE, "circle"), obj(BLUE, "circle")]}},
     SCATTER, False, "a list needs different items"),
    ("box3", {"q": "exists", "prop": {"what": "items_colors", "n": None, "k": 3}}, SCATTER, True,
     "'items of all 3 different colors'"),
    ("box3", {"q": "exists", "prop": {"what": "items_colors", "n": 3, "k": 2}}, SCATTER, False,
     "box 0 has 3 items of 3 colours"),
    ("box3_same_count", {"q": "none"}, SCATTER, True, "3, 2 and 1 items"),
    ("box3_same_count", {"q": "at_least_two"}, SCATTER, False, "no two boxes alike"),
    ("edge3_exists", {"obj": obj(BLACK, "triangle"), "where": "corner", "neg": False}, SCATTER, True, "corner"),
    ("edge3_exists", {"obj": obj(None, "circle"), "where": "any", "neg": True}, SCATTER, False,
     "'none of the circles are touching any edge': the blue one touches the top"),
    ("edge3_exists", {"obj": obj(YELLOW, "circle"), "where": "not", "neg": False}, SCATTER, True,
     "'there is a yellow circle not touching the edge'"),
    ("edge3_exists", {"obj": obj(BLUE, "circle"), "where": "not", "neg": False}, SCATTER, False,
     "the blue circle touches the top"),
    ("tower3_block_count", {"color": BLUE, "cmp": "exactly", "n": 4}, TOWERS, True, "'there are 4 blue blocks'"),
    ("tower3_block_count", {"color": BLACK, "cmp": "at_least", "n": 3}, TOWERS, False, "2 black blocks"),
    ("edge3_count", {"obj": obj(), "where": "not", "cmp": "exactly", "n": 3}, SCATTER, True,
     "'exactly three objects not touching any edge'"),
    ("edge3_count", {"obj": obj(None, "square"), "where": "right", "cmp": "exactly", "n": 2}, SCATTER, False,
     "the blue square stops 9 px short of the right wall"),
    ("edge3_count", {"obj": obj(None, "square"), "where": "right", "cmp": "exactly", "n": 1}, SCATTER, True,
     "'there is exactly one square touching the right wall'"),
]


@pytest.mark.parametrize("template,params,scene,expected,why", CASES,
                         ids=[f"{c[0]}-{c[4]}" for c in CASES])
def test_evaluator_on_hand_made_scenes(template, params, scene, expected, why):
    assert evaluate(template, params, scene) is expected, why


def test_every_template_and_kind_has_a_true_and_a_false_case():
    seen = defaultdict(set)
    for template, _, _, expected, _ in CASES:
        seen[template].add(expected)
    missing = {t for t in TEMPLATES if seen[t] != {True, False}}
    assert not missing, f"templates without both a true and a false hand-made case: {sorted(missing)}"
    assert {t.kind for t in TEMPLATES.values()} == set(syn.KINDS)


def test_evaluator_reads_nlvr_json_dicts_and_rejects_unknown_templates():
    as_json = [[i.to_json() for i in box] for box in TOWERS]
    assert evaluate("tower_top", {"q": "two", "color": BLACK, "hcond": None}, as_json)
    with pytest.raises(KeyError, match="unknown template"):
        evaluate("no_such_template", {}, TOWERS)


# --- generated data -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def quick_dir(tmp_path_factory):
    return syn.write_dataset(tmp_path_factory.mktemp("quick") / "ds", seed=0, preset="quick", progress=False)


@pytest.fixture(scope="module")
def medium():
    """1,000 sentence groups without images (about a second)."""
    return syn.generate(seed=0, groups=1000)


def test_same_seed_gives_byte_identical_files_and_another_seed_differs(quick_dir, tmp_path):
    again = syn.write_dataset(tmp_path / "again", seed=0, preset="quick", progress=False)
    other = syn.write_dataset(tmp_path / "other", seed=1, groups=8, images=False, progress=False)
    for split in syn.SPLITS:
        assert (quick_dir / split / f"{split}.json").read_bytes() == (again / split / f"{split}.json").read_bytes()
    pngs = sorted((quick_dir / "train" / "images").rglob("*.png"))[:: 97]
    assert pngs
    for png in pngs:
        assert png.read_bytes() == (again / png.relative_to(quick_dir)).read_bytes(), png.name
    first = read_examples(quick_dir / "train" / "train.json")[:8]
    assert [e.sentence for e in first] != [e.sentence for e in read_examples(other / "train" / "train.json")[:8]]


def test_generation_does_not_depend_on_string_hash_randomisation():
    code = ("import hashlib, json; from rnlib.data.synthetic import generate; d = generate(3, groups=20); "
            "print(hashlib.sha256(json.dumps([e.to_json() for s in d.values() for e in s]).encode()).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(digests) == 1


def test_label_balance_per_template_and_four_examples_per_group(medium):
    examples = [e for split in medium.values() for e in split]
    balance = syn.label_balance(examples)
    off = {t: share for t, (n, share) in balance.items() if not 0.4 <= share <= 0.6}
    assert not off, f"templates whose share of true labels leaves [0.4, 0.6]: {off}"
    per_group = defaultdict(list)
    for e in examples:
        per_group[e.group].append(e)
    assert all(sorted(e.m for e in g) == [0, 1, 2, 3] for g in per_group.values())
    assert all(len({e.sentence for e in g}) == 1 and len({e.structured_rep for e in g}) == 4
               for g in per_group.values())
    assert {e.label for e in examples} == {True, False}
    assert set(balance) == set(syn.templates_of(2)), "a 1,000-group dataset uses every version-2 template"


def test_labels_are_what_the_evaluator_says(medium):
    for e in medium["dev"]:
        assert evaluate(e.template, e.params, e.to_json()["structured_rep"]) is e.label, e.identifier


def test_quick_preset_is_balanced_too(quick_dir):
    examples = [e for s in syn.SPLITS for e in syn.read_synthetic(quick_dir / s / f"{s}.json")]
    assert len(examples) == 4 * sum(syn.PRESETS["quick"].values())
    assert all(0.4 <= share <= 0.6 for _, share in syn.label_balance(examples).values())


def test_output_is_valid_nlvr_with_the_real_image_layout(quick_dir):
    assert json.loads((quick_dir / "COMPLETE").read_text())["version"] == syn.GENERATOR_VERSION
    for split in syn.SPLITS:
        examples = read_examples(quick_dir / split / f"{split}.json")  # validates every field
        assert examples and all(e.split == split for e in examples)
        lines = (quick_dir / split / f"{split}.json").read_text().splitlines()
        assert all(list(json.loads(line)) == ["sentence", "label", "identifier", "directory", "evals",
                                              "structured_rep"] for line in lines)  # NLVR's keys only
        for e in examples:
            assert e.directory == str(e.group % 10)
            assert sum((v == "true") == e.label for v in e.evals.values()) >= 3 and len(e.evals) == 5
            assert all(p.exists() for p in e.image_paths(quick_dir)), e.identifier
        e = examples[-1]
        for k in (0, 5):
            image = read_png(e.image_path(quick_dir, k))  # checks 400 x 100
            assert image.shape == (100, 400, 3)
            np.testing.assert_array_equal(image, render(e.structured_rep, k))


def test_scenes_follow_nlvr_rules(medium):
    for e in medium["train"]:
        boxes = e.structured_rep
        assert len(boxes) == 3 and all(1 <= len(b) <= 7 for b in boxes)
        if syn.is_tower_scene(boxes):
            for b in boxes:
                assert sorted((i.y_loc for i in b), reverse=True) == list(syn.TOWER_Y[:len(b)])
        else:
            for b in boxes:
                assert all(syn.gap(x, y) >= 1 for i, x in enumerate(b) for y in b[i + 1:]), "items overlap"


def test_splits_have_disjoint_sentence_groups(medium):
    for a, b in (("train", "dev"), ("train", "test"), ("dev", "test")):
        assert not check_leakage(medium[a], medium[b]).groups
        assert not {e.group for e in medium[a]} & {e.group for e in medium[b]}
    assert {s: len(v) // 4 for s, v in medium.items()} == {"train": 800, "dev": 100, "test": 100}


def test_split_sizes_and_bad_arguments():
    assert syn.split_sizes(preset="default") == {"train": 3000, "dev": 300, "test": 300}
    assert syn.split_sizes({"train": 5}) == {"train": 5, "dev": 0, "test": 0}
    with pytest.raises(ValueError, match="unknown preset"):
        syn.split_sizes(preset="huge")
    with pytest.raises(ValueError, match="unknown split"):
        syn.split_sizes({"validation": 3})


def test_default_dataset_generates_once_and_redoes_an_interrupted_run(tmp_path):
    path = syn.default_dataset("quick", seed=0, root=tmp_path)
    assert path == tmp_path / "quick-seed0" and (path / "COMPLETE").exists()
    json_file = path / "dev" / "dev.json"
    mtime = json_file.stat().st_mtime_ns
    assert syn.default_dataset("quick", seed=0, root=tmp_path) == path
    assert json_file.stat().st_mtime_ns == mtime, "a complete dataset is not regenerated"
    (path / "COMPLETE").unlink()  # as if interrupted
    json_file.write_text("")
    syn.default_dataset("quick", seed=0, root=tmp_path)
    assert (path / "COMPLETE").exists() and len(read_examples(json_file)) == 4 * syn.PRESETS["quick"]["dev"]


# --- closeness to real NLVR ------------------------------------------------------------------------

@needs_real
def test_vocabulary_covers_90_percent_of_real_dev_tokens(medium):
    real = [e.sentence for e in read_examples(REAL_DEV)]
    coverage = syn.vocabulary_coverage([e.sentence for e in medium["train"]], real)
    assert coverage["token_coverage"] >= 0.90, coverage["missing"]


@needs_real
def test_scene_statistics_resemble_real_dev(medium):
    rows = syn.compare_statistics(medium["train"], read_examples(REAL_DEV))
    far = [(name, round(a, 3), round(b, 3)) for name, a, b in rows
           if not (name.startswith(("examples", "sentence groups", "words")) or name.endswith("(mean)"))
           and abs(a - b) > 0.06]
    assert not far, f"synthetic vs real dev differ by more than 0.06: {far}"


def test_no_example_is_generated_twice_in_any_split():
    from rnlib.data.nlvr import example_key
    data = syn.generate(seed=0, groups=400)
    keys = [example_key(e.sentence, e.structured_rep) for s in syn.SPLITS for e in data[s]]
    assert len(keys) == len(set(keys))
    assert check_leakage(data["train"], data["dev"]).split_safe


def test_first_groups_do_not_depend_on_the_total():
    """Notebook 05's nested training sets: the first N groups of a larger training split are the N-group split."""
    from rnlib.data import first_groups
    from rnlib.data.synthetic import generate

    small = generate(seed=3, groups={"train": 12, "dev": 0, "test": 0})["train"]
    large = generate(seed=3, groups={"train": 30, "dev": 2, "test": 2})["train"]
    assert first_groups(large, 12) == small


# --- generator versions -----------------------------------------------------------------------------

def _digest(data) -> str:
    import hashlib
    blob = json.dumps([[e.to_json(), e.template_json()] for s in syn.SPLITS for e in data[s]], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def test_version_2_output_is_unchanged():
    """The course's default dataset and committed runs depend on version 2's exact bytes. These
    digests were computed with the code BEFORE version 3 was added (GENERATOR_VERSION = 2, no
    ``version`` parameter), by a throwaway script doing exactly what this test and the next do:
    sha256 of json.dumps([[e.to_json(), e.template_json()], ...], sort_keys=True) for
    generate(seed=7, groups=60), and sha256 over (relative path, bytes) of every file that
    write_dataset(seed=7, groups=60, images=False) writes, in sorted path order."""
    assert _digest(syn.generate(seed=7, groups=60)) == \
        "16a71ff70ac7472fea7e495369ce21d96370cc90a27ae7ace71c4e48d0fe99f3"
    assert _digest(syn.generate(seed=7, groups=60, version=2)) == \
        "16a71ff70ac7472fea7e495369ce21d96370cc90a27ae7ace71c4e48d0fe99f3"


def test_version_2_files_are_unchanged(tmp_path):
    import hashlib
    out = syn.write_dataset(tmp_path / "ds", seed=7, groups=60, images=False, progress=False)
    h = hashlib.sha256()
    for p in sorted(out.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(out)).encode())
            h.update(p.read_bytes())
    assert h.hexdigest() == "2f20356a42a77f0ca33c2b3bdd3754ecb90bbb9586dacc06171e1098c11cb01b"


@pytest.fixture(scope="module")
def medium_v3():
    """2,000 sentence groups of generator version 3 (a few seconds): every one of its templates occurs."""
    return syn.generate(seed=0, groups=2000, version=3)


def test_version_3_writes_the_new_templates_and_keeps_every_template_balanced(medium_v3):
    examples = [e for split in medium_v3.values() for e in split]
    balance = syn.label_balance(examples)
    assert set(balance) == set(syn.templates_of(3)), "a 2,000-group v3 dataset uses every template"
    new = {t for t in TEMPLATES if TEMPLATES[t].since == 3}
    assert new and new <= set(balance) and not new & set(syn.templates_of(2))
    off = {t: share for t, (n, share) in balance.items() if not 0.4 <= share <= 0.6}
    assert not off, f"templates whose share of true labels leaves [0.4, 0.6]: {off}"
    for e in medium_v3["dev"]:
        assert evaluate(e.template, e.params, e.to_json()["structured_rep"]) is e.label, e.identifier
    keys = [(e.sentence, e.structured_rep) for s in syn.SPLITS for e in medium_v3[s]]
    assert len(keys) == len(set(keys)), "no example twice"


def test_version_3_is_deterministic_and_differs_from_version_2(tmp_path):
    assert _digest(syn.generate(seed=4, groups=40, version=3)) == _digest(syn.generate(seed=4, groups=40, version=3))
    assert _digest(syn.generate(seed=4, groups=40, version=3)) != _digest(syn.generate(seed=4, groups=40))
    a = syn.write_dataset(tmp_path / "a", seed=4, groups=20, images=False, progress=False, version=3)
    b = syn.write_dataset(tmp_path / "b", seed=4, groups=20, images=False, progress=False, version=3)
    for split in syn.SPLITS:
        assert (a / split / f"{split}.json").read_bytes() == (b / split / f"{split}.json").read_bytes()
    assert json.loads((a / "COMPLETE").read_text())["version"] == 3


def test_unknown_versions_are_refused():
    for bad in (1, 4, "3", None):
        with pytest.raises(ValueError, match="generator version"):
            syn.generate(seed=0, groups=4, version=bad)
    with pytest.raises(ValueError, match="generator version"):
        syn.write_dataset("/nonexistent/never-written", groups=4, images=False, version=5)


def test_synth_command_line_takes_a_version(tmp_path):
    from rnlib.data.__main__ import main
    assert main(["synth", "--out", str(tmp_path / "v3"), "--split-groups", "6", "2", "2", "--no-images",
                 "--no-progress", "--version", "3"]) == 0
    assert json.loads((tmp_path / "v3" / "COMPLETE").read_text())["version"] == 3
    examples = syn.read_synthetic(tmp_path / "v3" / "train" / "train.json")
    assert len(examples) == 24 and all(e.template in syn.templates_of(3) for e in examples)
    with pytest.raises(SystemExit):
        main(["synth", "--out", str(tmp_path / "v4"), "--version", "4"])


# --- what `python -m rnlib.data synth` writes, pinned --------------------------------------------

def _tree_digest(root) -> str:
    """sha256 over (relative path, bytes) of every file under ``root``, in sorted path order."""
    import hashlib
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


# Taken with the code of commit 8f3ae37 (before rnlib.data.synthetic became a package), by running
# exactly these commands and _tree_digest on their folders.
SYNTH_DIGESTS = {
    # --groups 1000 --no-images: every JSON line, sidecar line and the COMPLETE stamp of the
    # 1,000-group datasets (their JSON and sidecars are the same bytes as with images).
    (2, 0, "json1000"): "690b77f22e398bbbf49959c285f8c49fa4aae9fd0c3517e4d22c6349d4456a9b",
    (2, 1, "json1000"): "20f49f9d65a1c689bd44d5d5dfa49332626dbe5d68ee5781abafc1c9762765eb",
    (3, 0, "json1000"): "de4a458b3d6e3eb8e757b1123db082688ad59e9bea522d0fd98a680d3dcf78d5",
    (3, 1, "json1000"): "8af34034a73d74506943fd61337f3b10c1b228502330ec44389ce118247dd249",
    # --split-groups 10 2 2 with images: every byte, PNGs included, of a 14-group dataset.
    (2, 0, "img14"): "958d57e0c40866113d378bbd1758c345ae838ce80f65692ff2acb5fdf46508c5",
    (2, 1, "img14"): "9cce77f2ad2ae476aea6d6fb594a1831dcc58449a0e7bb5a6b7508dd2f9bc414",
    (3, 0, "img14"): "4f530e2b5e92e13f1c5ea1c5ac254d4191ed37f9899d1b6ae932137aa954a78b",
    (3, 1, "img14"): "4eed56e98e945a924809702cd93923fe0b9756adf03968c568d9efdbeb8390b2",
    # --groups 1000 with images (24,000 PNGs, about 17 s each): RNLIB_FULL_DIGESTS=1 checks these.
    (2, 0, "full1000"): "6be108e14e71b2c878bcabef759becdc24962ba05c79d57f9e4c3ba8b68b0a01",
    (2, 1, "full1000"): "860d47ac51e6ba6128d484dc2d28d3b1559c00f5fe4b408f881a27dc87ca3f42",
    (3, 0, "full1000"): "0d71aeefc5a67af0c963cf744eefbc3860fcc6b14ae03f024dce7d648f405353",
    (3, 1, "full1000"): "8230573a2139bd3a396b95a30276f5bc1d48fab5b735fc36c090a8365d27fc6b",
}
SYNTH_ARGS = {"json1000": ["--groups", "1000", "--no-images"], "img14": ["--split-groups", "10", "2", "2"],
              "full1000": ["--groups", "1000"]}
FULL = os.environ.get("RNLIB_FULL_DIGESTS") == "1"


@pytest.mark.parametrize("version,seed,what", [
    pytest.param(*key, marks=pytest.mark.skipif(key[2] == "full1000" and not FULL,
                                                reason="24,000 PNGs: set RNLIB_FULL_DIGESTS=1"))
    for key in SYNTH_DIGESTS])
def test_synth_command_writes_the_same_bytes(version, seed, what, tmp_path):
    from rnlib.data.__main__ import main
    out = tmp_path / "ds"
    assert main(["synth", "--out", str(out), "--seed", str(seed), "--version", str(version), "--no-progress",
                 *SYNTH_ARGS[what]]) == 0
    assert _tree_digest(out) == SYNTH_DIGESTS[version, seed, what]
