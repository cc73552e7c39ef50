"""Engines for the store tests: every case runs on SQLite and on PostgreSQL.

PostgreSQL is the server on 127.0.0.1:5432 (LEAKTRACE_TEST_PG_URL overrides).
Each test session works in its own freshly created schema, dropped at the
end, so parallel runs (pytest -n 2) never see each other's rows. Without a
reachable server the PostgreSQL cases skip on a user's machine and fail
under CI=true, where a silent skip would hide a broken backend.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from leaktrace.store import make_engine, session_factory, upgrade
from leaktrace.store.models import Base

PG_URL = os.environ.get("LEAKTRACE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _pg_unavailable(reason: str) -> None:
    msg = f"PostgreSQL at {PG_URL} unreachable: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg + " (CI=true: the PostgreSQL cases must run)", pytrace=False)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def pg_url() -> str:
    return PG_URL


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    engine = make_engine(url=PG_URL, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the server decides skip-or-fail
        engine.dispose()
        _pg_unavailable(str(exc).splitlines()[0])
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_schemas(pg_admin: Engine) -> Iterator[Callable[[], str]]:
    """Creates uniquely named schemas on demand; drops all of them when the session ends."""
    made: list[str] = []

    def new() -> str:
        name = f"lt_test_{uuid.uuid4().hex[:12]}"
        with pg_admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        made.append(name)
        return name

    yield new
    with pg_admin.begin() as conn:
        for name in made:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


def pg_engine(schema: str, **kwargs: object) -> Engine:
    return make_engine(url=PG_URL, connect_args={"options": f"-csearch_path={schema}"}, **kwargs)


@pytest.fixture(scope="session")
def _pg_migrated(pg_schemas: Callable[[], str]) -> Iterator[Engine]:
    engine = pg_engine(pg_schemas())
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "template.sqlite"
    engine = make_engine(url=f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "leaktrace.sqlite"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
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
        eng = pg_engine(request.getfixturevalue("pg_schemas")())
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)
