"""Every test runs with its own data directory and deployment keyring; PostgreSQL schemas for all.

Nothing a test does may touch the user's real data directory, and no test
may depend on a key configured on the machine.

PostgreSQL is the server on 127.0.0.1:5432 (LEAKTRACE_TEST_PG_URL overrides).
Tests get fresh schemas from `pg_schemas` / `pg_schema_engine`, dropped when
the session ends, so parallel runs (pytest -n 2) never see each other's rows.
Without a reachable server the PostgreSQL cases skip on a user's machine and
fail under CI=true, where a silent skip would hide a broken backend.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine, text

from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import get_settings
from leaktrace.store import make_engine, upgrade
from local_tsa import LocalTsa

PG_URL = os.environ.get("LEAKTRACE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def local_tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTsa]:
    """A local RFC 3161 TSA (OpenSSL `ts -reply` with a test CA made here): tests/local_tsa.py."""
    with LocalTsa(tmp_path_factory.mktemp("tsa")) as server:
        yield server


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    data_dir = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("LEAKTRACE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("LEAKTRACE_KEYRING", Keyring.generate().to_env())
    for var in ("LEAKTRACE_SECRET_SOURCE", "LEAKTRACE_CONFIG", "LEAKTRACE_DETECTORS_DISABLED",
                "LEAKTRACE_DETECTORS_ENABLED", "LEAKTRACE_DETECTOR_PLUGINS", "LEAKTRACE_CN_ID_REGION_MODE", "LEAKTRACE_DATABASE_URL",
                "LEAKTRACE_INTEL_LEXICONS", "LEAKTRACE_TSA_URL", "LEAKTRACE_TSA_ROOTS", "LEAKTRACE_TSA_EVERY"):
        monkeypatch.delenv(var, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def eval_dir() -> Path | None:
    """../shared/eval beside the checkout (or LEAKTRACE_EVAL_DIR); None in a user's clone."""
    import os

    env = os.environ.get("LEAKTRACE_EVAL_DIR")
    cand = Path(env) if env else REPO.parent / "shared" / "eval"
    return cand if cand.is_dir() else None


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file; tests copy it rather than migrate (about a second each)."""
    path = tmp_path_factory.mktemp("tpl") / "leaktrace.sqlite"
    engine = make_engine(url=f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


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
    # One transaction per schema: a drop takes a lock per table, index and sequence, and dropping every
    # schema of a session at once ran out of the server's lock table ("out of shared memory").
    for name in made:
        with pg_admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


def pg_schema_url(schema: str) -> str:
    """A database URL whose connections work in `schema` (for settings and subprocesses)."""
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def pg_schema_engine(pg_schemas: Callable[[], str]) -> Iterator[Callable[[], Engine]]:
    """Engines on fresh, empty schemas; disposed (and the schemas dropped) when the session ends."""
    engines: list[Engine] = []

    def new() -> Engine:
        engines.append(make_engine(url=PG_URL, connect_args={"options": f"-csearch_path={pg_schemas()}"}))
        return engines[-1]

    yield new
    for engine in engines:
        engine.dispose()


@pytest.fixture(scope="session")
def pg_new_schema_url(pg_schemas: Callable[[], str]) -> Callable[[], str]:
    """URLs of fresh, empty schemas (dropped when the session ends)."""
    return lambda: pg_schema_url(pg_schemas())


@pytest.fixture(scope="module")
def region_con() -> Iterator[duckdb.DuckDBPyConnection]:
    """DuckDB with the `pii.sql` region tables of both modes: what the SQL twins of the ID rule read."""
    from leaktrace.pii.sql import register_region_tables

    c = duckdb.connect()
    register_region_tables(c)
    yield c
    c.close()
