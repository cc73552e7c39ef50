"""Engines for the store tests: every case runs on SQLite and on PostgreSQL (schemas: tests/conftest.py)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from leaktrace.store import make_engine, session_factory, upgrade
from leaktrace.store.models import Base

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def _pg_migrated(pg_schema_engine: Callable[[], Engine]) -> Iterator[Engine]:
    engine = pg_schema_engine()
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "leaktrace.sqlite"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        eng = make_engine(url=f"sqlite:///{path}")
        yield eng
        eng.dispose()
        return
    eng = request.getfixturevalue("_pg_migrated")
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with eng.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield eng


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no tables at all, on each backend."""
    if request.param == "sqlite":
        eng = make_engine(url=f"sqlite:///{tmp_path / 'empty.sqlite'}")
    else:
        eng = request.getfixturevalue("pg_schema_engine")()
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)
