"""A migrated database (SQLite and PostgreSQL) and approved sources for the pipeline tests.

Migrating costs about a second, so SQLite starts from one migrated template
file per session and PostgreSQL from one migrated schema per session,
emptied before each test. Without a PostgreSQL server the PostgreSQL cases
skip, except under CI=true, where they fail (as in tests/store).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text

from leaktrace.core.settings import Settings, get_settings
from leaktrace.pipeline.context import Context, open_context
from leaktrace.pipeline.demo import DemoOptions, DemoResult, console_for, run_demo
from leaktrace.store import make_engine, upgrade
from leaktrace.store.models import Base
from leaktrace.store.repo import add_source


@pytest.fixture(scope="session")
def _pg_schema_url(pg_new_schema_url: Callable[[], str]) -> str:
    url = pg_new_schema_url()
    engine = make_engine(url=url)
    upgrade(engine)
    engine.dispose()
    return url


def _settings(request: pytest.FixtureRequest) -> Settings:
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), settings.data_dir / "leaktrace.sqlite")
        return settings
    url = request.getfixturevalue("_pg_schema_url")
    engine = make_engine(url=url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return settings.model_copy(update={"database_url": url})


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ctx(request: pytest.FixtureRequest) -> Iterator[Context]:
    with open_context(_settings(request), migrate=False) as c:
        with c.session() as s:
            add_source(s, "market-a", "onion_site", legal_basis="Order 2025-17 (inspection)", owner="unit 3")
            add_source(s, "pending", "forum")
            s.commit()
        yield c


DEMO_SCALE = 1000
DEMO_SEED = 11


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, dict[str, Any]]:
    """One small `leaktrace demo` run and its world's truth (test_demo checks it; test_walkthrough compares to it)."""
    d = tmp_path_factory.mktemp("demo") / "run"
    result = run_demo(DemoOptions(directory=d, scale=DEMO_SCALE, seed=DEMO_SEED), console_for(quiet=True))
    truth = json.loads((d / "world" / "truth.json").read_text("utf-8"))
    return result, truth
