"""Tests of the rnlib.sort_of_clevr package as a whole: its names, its layout, the committed weights.

The parts have their own files: tests/test_sort_of_clevr_{scenes,questions,presets,datasets,models,
evaluation,cli}.py, one per module of the package.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import rnlib
from rnlib import sort_of_clevr as soc

PACKAGE = Path(soc.__file__).resolve().parent
PRETRAINED = Path(__file__).resolve().parents[1] / "data" / "pretrained"
#: The modules in the order data flows through them: each may import only the ones before it.
LAYERS = ("scenes", "questions", "presets", "datasets", "models", "evaluation", "cli")
#: Every public name of the single-file module the package replaced (its __all__), and the other
#: names that notebooks/06_sort_of_clevr.ipynb and rnlib/probes.py read from it.
OLD_NAMES = [
    "IMAGE_SIZE", "OBJECT_SIZE", "MIN_DISTANCE", "COLORS", "RGB", "SHAPES", "KINDS", "SUBTYPES", "ANSWERS",
    "QUESTION_SIZE", "QUESTIONS_PER_KIND", "Question", "Scene", "object_geometry", "random_scene", "draw_scene",
    "answer_question", "encode_question", "decode_question", "question_text", "parse_question",
    "all_questions", "generate", "save_dataset", "load_dataset", "generate_dataset", "answer_distribution",
    "question_groups", "STATE_SIZE", "state_descriptions", "make_dataset", "QuestionBatches", "INITS",
    "init_like_pytorch", "build_rn_model", "build_cnn_mlp_model", "build_state_rn_model", "takes_state", "MODELS",
    "load_model", "evaluate_model", "main",
    "BATCH_SIZE", "LEARNING_RATE", "DEFAULT_TRAIN", "DEFAULT_TEST", "_MASKS",
]


def test_every_name_of_the_old_module_is_still_importable():
    missing = [name for name in OLD_NAMES if not hasattr(soc, name)]
    assert not missing
    assert set(soc.__all__) >= set(OLD_NAMES) - {"_MASKS"}
    assert all(hasattr(soc, name) for name in soc.__all__)


def test_a_package_with_one_job_per_module_and_no_old_single_file():
    assert (PACKAGE / "__init__.py").exists() and PACKAGE.name == "sort_of_clevr"
    assert not (Path(rnlib.__file__).parent / "sort_of_clevr.py").exists()
    assert {p.stem for p in PACKAGE.glob("*.py")} == {"__init__", "__main__", *LAYERS}


def test_data_flows_one_way_through_the_modules():
    for k, name in enumerate(LAYERS):
        tree = ast.parse((PACKAGE / f"{name}.py").read_text())
        siblings = {node.module.split(".")[0] for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module}
        assert siblings <= set(LAYERS[:k]), (name, siblings - set(LAYERS[:k]))


def test_python_dash_m_runs_the_command_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "rnlib.sort_of_clevr", "generate", "--preset", "paper", "--out",
                          str(tmp_path), "--train", "1", "--test", "1"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads((tmp_path / "generate.json").read_text())["preset"] == "paper"


@pytest.mark.parametrize("path", sorted(PRETRAINED.glob("sort_of_clevr_*.keras")), ids=lambda p: p.name)
def test_committed_weights_load_in_safe_mode(path):
    """Importing the package registers the custom layers (``rnlib>CoordinateTagging``, ``rnlib>RelationNetwork``)
    under the names the files were saved with; Keras then loads them without running code from the file."""
    keras = pytest.importorskip("keras")
    model = keras.saving.load_model(path, safe_mode=True, compile=False)
    seen = "objects" if "_state_" in path.name else "image"  # the state models read the true objects
    assert {t.name for t in model.inputs} == {seen, "question"}
    assert tuple(model.output.shape) == (None, len(soc.ANSWERS))
