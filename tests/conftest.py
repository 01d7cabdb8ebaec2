import json
from pathlib import Path

import pytest

from rnlib.data import SHARED_NLVR


@pytest.fixture(scope="session")
def shared_nlvr() -> Path:
    """The real NLVR dev/Test-P JSON and 60 PNGs beside the checkout; skip when they are absent."""
    if not (SHARED_NLVR / "dev.json").exists():
        pytest.skip(f"real NLVR files not found at {SHARED_NLVR} (they sit beside the checkout in CI)")
    return SHARED_NLVR


ITEM = {"y_loc": 80, "type": "square", "color": "Yellow", "x_loc": 40, "size": 20}


def example_json(identifier="7-0", label="true", sentence="There is a yellow square.", boxes=None, **extra):
    """One NLVR example as a JSON object (a valid one unless the test changes it)."""
    boxes = boxes if boxes is not None else [[dict(ITEM)], [dict(ITEM)], [dict(ITEM, color="Black")]]
    return {"sentence": sentence, "label": label, "identifier": identifier, "directory": "3",
            "evals": {"r0": label}, "structured_rep": boxes, **extra}


def write_jsonl(path, objects) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objects))
    return path
