"""A tiny world with pictures, made by the simulator under test (six pictures, a 300-row leak)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from leaktrace.pii.registry import default_registry
from leaktrace.pii.scanner import Scanner
from leaktrace.simulate.fonts import find_cjk_font
from leaktrace.simulate.world import generate_world


def cjk_font() -> Path:
    shipped = Path(str(resources.files("leaktrace.cases").joinpath("fonts", "lt-report-cjk.woff2")))
    return find_cjk_font([]) or shipped


@pytest.fixture(scope="session")
def picture_world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("pictures") / "w"
    generate_world(out, scale=300, seed=21, orgs=2, formats=["csv"], pictures=6, font=cjk_font())
    truth = json.loads((out / "truth.json").read_text("utf-8"))
    return out / "social" / "images", truth["social"]["pictures"]["pictures"]


@pytest.fixture(scope="session")
def scanner() -> Scanner:
    return Scanner(default_registry())


@pytest.fixture(scope="session", autouse=True)
def _one_tesseract_thread() -> None:
    """Tesseract's OpenMP threads only fight on a shared CI machine; the stage's speed is per core."""
    import os

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
