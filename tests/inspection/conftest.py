"""A small simulated world for the inspection tests (helpers: _inspect.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from leaktrace.core.settings import get_settings
from leaktrace.pipeline.context import Context, open_context
from leaktrace.simulate.social import generate_social


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("inspectworld")
    generate_social(out, seed=5, scale=1000, sample_rows=[], victim_org="优选商城", claimed_records=2_000_000,
                    members=2, listings_per_market=8)
    return out


@pytest.fixture()
def ctx() -> Iterator[Context]:
    get_settings.cache_clear()
    with open_context() as c:
        yield c
