"""One simulated world (every dump format) per test session, with its truth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from leaktrace.simulate.formats import FORMATS
from leaktrace.simulate.world import generate_world

SCALE = 3000
SEED = 5


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("dumpworld") / "w"
    generate_world(out, scale=SCALE, seed=SEED, orgs=4, formats=list(FORMATS), social=False)
    return out, json.loads((out / "truth.json").read_text("utf-8"))
