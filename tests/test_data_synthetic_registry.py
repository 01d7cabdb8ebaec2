"""Tests of rnlib.data.synthetic.registry: the meaning (evaluate) of every template of every grammar version on
hand-made scenes, and the versions it knows."""

from collections import defaultdict

import pytest

from rnlib.data import Item
from rnlib.data import synthetic as syn
from rnlib.data.synthetic import TEMPLATES, evaluate, tower_box


def it(x, y, shape, color, size):
    return Item(x, y, shape, color, size)


def obj(color=None, shape=None, size=None):
    return {"color": color, "shape": shape, "size": size}


BLUE, YELLOW, BLACK = "#0099ff", "Yellow", "Black"


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
    # --- version 4 (more phrasings grown from Test-P) ---
    # TOWERS, from the base up: yellow-blue-black | blue | blue-blue-yellow-black
    ("tower4_sized", {"what": "end", "h": 3, "end": "top", "color": BLACK}, TOWERS, True,
     "'the top of a three blocks tower is black'"),
    ("tower4_sized", {"what": "end", "h": 4, "end": "base", "color": YELLOW}, TOWERS, False,
     "the four blocks tower has a blue base"),
    ("tower4_sized", {"what": "one_block", "h": 1, "color": BLUE, "neg": False}, TOWERS, True,
     "'there is a single block blue tower'"),
    ("tower4_sized", {"what": "one_block", "h": 1, "color": BLUE, "neg": True}, TOWERS, False,
     "'there is a one block tower that the color is not blue'"),
    ("tower4_sized", {"what": "top_and_base", "h": 3, "lower": YELLOW, "upper": BLACK}, TOWERS, True,
     "'a three blocks tower and the base is yellow and the top is black'"),
    ("tower4_sized", {"what": "base_second", "h": 4, "lower": BLUE, "upper": YELLOW}, TOWERS, False,
     "its second block is blue"),
    ("tower4_sized", {"what": "middle", "h": 3, "color": BLUE}, TOWERS, True, "yellow, BLUE, black"),
    ("tower4_sized", {"what": "either", "h": 2, "colors": [BLUE, YELLOW]}, TOWERS, False, "no two blocks tower"),
    ("tower4_sized", {"what": "either", "h": 2, "colors": [BLUE, YELLOW]},
     (tower_box([YELLOW, YELLOW]),) * 3, True, "'exactly two objects either of blue or yellow color'"),
    ("tower4_position", {"q": "two", "hcond": None, "color": BLUE, "index": 2, "from": "base"}, TOWERS, True,
     "'two towers with a blue second block' (the 1-block tower has none)"),
    ("tower4_position", {"q": "exists", "hcond": None, "color": YELLOW, "index": 3, "from": "top"}, TOWERS, True,
     "'the third block of a tower from the top is yellow'"),
    ("tower4_position", {"q": "exists", "hcond": {"cmp": "exactly", "h": 4}, "color": YELLOW, "index": 2,
                         "from": "base"}, TOWERS, False, "the 4-block tower's second block is blue"),
    ("tower4_pair", {"q": "exists", "hcond": None, "end": "top", "outer": BLACK, "inner": YELLOW}, TOWERS, True,
     "'a yellow block below a black block at the top'"),
    ("tower4_pair", {"q": "two", "hcond": None, "end": "top", "outer": BLACK, "inner": YELLOW}, TOWERS, False,
     "tower 0: blue below its black top"),
    ("tower4_pair", {"q": "exactly_one", "hcond": None, "end": "base", "outer": BLUE, "inner": BLUE}, TOWERS, True,
     "'a blue item touching the wall and a blue item on top of it': a 1-block tower has nothing on its base"),
    ("tower4_two_counts", {"q": "exists", "hcond": None, "a": BLUE, "na": 2, "b": BLACK}, TOWERS, True,
     "'two blue blocks and at least one black block'"),
    ("tower4_two_counts", {"q": "exists", "hcond": None, "a": BLACK, "na": 2, "b": BLUE}, TOWERS, False,
     "no tower has two black blocks"),
    ("tower4_same_run", {"q": "exists", "hcond": None, "n": 2}, TOWERS, True, "blue on blue"),
    ("tower4_same_run", {"q": "exists", "hcond": None, "n": 3}, TOWERS, False, "never three alike in a row"),
    ("tower4_below", {"lower": YELLOW, "upper": BLACK, "neg": False}, TOWERS, True,
     "'a yellow block bellow a black block'"),
    ("tower4_below", {"lower": BLACK, "upper": YELLOW, "neg": False}, TOWERS, False, "black is always higher"),
    ("tower4_below", {"lower": BLACK, "upper": YELLOW, "neg": True}, TOWERS, True,
     "'there is no black block under ...'"),
    ("tower4_end_that", {"what": "color", "end": "base", "color": BLUE, "q": "two"}, TOWERS, True,
     "'there are two towers that the base are blue'"),
    ("tower4_end_that", {"what": "color", "end": "top", "color": BLACK, "q": "exactly_one"}, TOWERS, False,
     "two black tops"),
    ("tower4_end_that", {"what": "same", "end": "top", "q": "none"}, TOWERS, False,
     "'the top of the three towers are not the same': two black tops"),
    ("tower4_end_that", {"what": "same", "end": "base", "q": "none"}, BETWEEN, True, "black, yellow and blue bases"),
    ("box4_items", {"what": "of_which", "n": 4, "k": 2, "color": BLUE}, TOWERS, True,
     "'a box with 4 items of which 2 are blue'"),
    ("box4_items", {"what": "of_which", "n": 3, "k": 2, "color": BLUE}, TOWERS, False, "the 3-item box has 1 blue"),
    ("box4_items", {"what": "some", "n": 3, "color": YELLOW}, TOWERS, True, "'3 items of which some are yellow'"),
    ("box4_items", {"what": "mix", "counts": [[BLUE, 2], [YELLOW, 1], [BLACK, 1]]}, TOWERS, True,
     "'4 items of which two are blue one is yellow and one is black'"),
    ("box4_items", {"what": "mix", "counts": [[BLUE, 2], [YELLOW, 1]]}, TOWERS, False,
     "'only 2 blue and one yellow item': that box has a black one too"),
    ("box4_items", {"what": "once_each", "colors": [YELLOW, BLACK]}, TOWERS, True, "box 0"),
    ("box4_items", {"what": "two_colors_one", "n": 4, "color": YELLOW}, TOWERS, False, "3 colours, not 2"),
    ("box4_items", {"what": "distinct", "n": 3, "noun": "squares"}, TOWERS, True, "'3 squares of different color'"),
    ("box4_items", {"what": "distinct", "n": 3, "noun": "squares"}, SCATTER, False,
     "box 0's 3 colours are not all squares"),
    ("box4_items", {"what": "distinct", "n": 3, "noun": "items"}, SCATTER, True, "'3 items of different colors'"),
    # in a tower scene only the base blocks touch a border (the bottom)
    ("edge4_towers", {"what": "count", "color": BLUE, "noun": "square", "where": "any", "cmp": "exactly", "n": 2},
     TOWERS, True, "'there are 2 blue squares touching the wall'"),
    ("edge4_towers", {"what": "count", "color": BLACK, "noun": "item", "where": "bottom", "cmp": "at_least", "n": 1},
     TOWERS, False, "the black blocks are tops"),
    ("edge4_towers", {"what": "count", "color": BLUE, "noun": "square", "where": "any", "cmp": "exactly", "n": 1},
     SCATTER, False, "the blue item touching the top is a circle"),
    ("edge4_towers", {"what": "count", "color": BLUE, "noun": "item", "where": "any", "cmp": "exactly", "n": 1},
     SCATTER, True, "'there is exactly one blue item touching the wall'"),
    ("edge4_towers", {"what": "all_colors", "color": None, "where": "any"}, TOWERS, False, "yellow and blue bases"),
    ("edge4_towers", {"what": "all_colors", "color": None, "where": "any"}, BETWEEN, True,
     "'the items of all 3 different colors are touching the wall'"),
    ("edge4_towers", {"what": "only_one", "color": YELLOW, "where": "any"}, TOWERS, True,
     "'a box with only one yellow item and that item is touching the wall' (box 0)"),
    ("edge4_towers", {"what": "only_one", "color": BLACK, "where": "any"}, TOWERS, False, "black blocks are tops"),
    ("box4_with", {"what": "two_counts", "parts": [{"obj": obj(YELLOW, "circle"), "cmp": "at_least", "n": 1},
                                                   {"obj": obj(BLACK), "cmp": "at_least", "n": 1}]}, SCATTER, True,
     "'a box with a yellow circle and at least one black item' (box 0)"),
    ("box4_with", {"what": "two_counts", "parts": [{"obj": obj(YELLOW, "square"), "cmp": "at_least", "n": 1},
                                                   {"obj": obj(BLUE), "cmp": "at_least", "n": 1}]}, SCATTER, False,
     "both, but in different boxes"),
    ("box4_with", {"what": "count", "parts": [{"obj": obj(BLACK), "cmp": "exactly", "n": 2}]}, SCATTER, False,
     "'a box that has two black items': one per box"),
    ("box4_with", {"what": "items_colors", "n": 2, "colors": sorted([BLACK, YELLOW])}, SCATTER, True,
     "'a box with two items and the colors are yellow and black' (box 1)"),
    ("box4_with", {"what": "items_colors", "n": 3, "colors": sorted([BLACK, BLUE])}, SCATTER, False,
     "box 0 has yellow too"),
    ("box4_with", {"what": "all_colors_count", "color": BLUE}, SCATTER, True,
     "'all 3 different colors and only 1 blue item'"),
    ("edge4_count", {"obj": obj(), "where": "corner", "cmp": "exactly", "n": 1}, SCATTER, True,
     "'there is exactly one item touching a corner'"),
    ("edge4_count", {"obj": obj(), "where": "any", "cmp": "exactly", "n": 2}, SCATTER, False, "3 items touch an edge"),
    ("edge4_count", {"obj": obj(None, "triangle"), "where": "bottom", "cmp": "at_least", "n": 2}, SCATTER, False,
     "1 triangle touches the bottom"),
    ("count4", {"obj": obj(BLACK, "triangle"), "cmp": "exactly", "n": 2}, SCATTER, True,
     "'there are 2 black triangles'"),
    ("count4", {"obj": obj(YELLOW), "cmp": "at_least", "n": 3}, SCATTER, False, "2 yellow items"),
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


def test_unknown_versions_are_refused():
    for bad in (1, 5, "3", None):
        with pytest.raises(ValueError, match="generator version"):
            syn.generate(seed=0, groups=4, version=bad)
    with pytest.raises(ValueError, match="generator version"):
        syn.write_dataset("/nonexistent/never-written", groups=4, images=False, version=5)
