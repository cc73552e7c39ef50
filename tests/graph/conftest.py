"""Fixtures for the graph tests: a fresh in-memory store per test, PostgreSQL schemas; worlds via simworld."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.pool import StaticPool

sys.path.insert(0, str(Path(__file__).parent))

from graphstore import Builder

from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.keyring import Keyring
from leaktrace.store import make_engine, session_factory, upgrade


@pytest.fixture
def store() -> Iterator[Builder]:
    engine = make_engine(url="sqlite://", poolclass=StaticPool)
    upgrade(engine)
    yield Builder(session_factory(engine), KeyedHasher(Keyring.generate()))
    engine.dispose()


PG_URL = os.environ.get("LEAKTRACE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_engine_for() -> Iterator[Callable[[], Engine]]:
    """Engines on fresh PostgreSQL schemas, dropped afterwards.

    Without a reachable server the test skips on a user's machine and fails
    under CI=true, where a silent skip would hide a broken backend (the
    pattern of tests/store/conftest.py).
    """
    admin = make_engine(url=PG_URL, connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the server decides skip-or-fail
        admin.dispose()
        msg = f"PostgreSQL at {PG_URL} unreachable: {str(exc).splitlines()[0]}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + " (CI=true: the PostgreSQL cases must run)", pytrace=False)
        pytest.skip(msg)
    made: list[str] = []
    engines: list[Engine] = []

    def new() -> Engine:
        name = f"lt_graph_{uuid.uuid4().hex[:12]}"
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
        made.append(name)
        engines.append(make_engine(url=PG_URL, connect_args={"options": f"-csearch_path={name}"}))
        return engines[-1]

    yield new
    for eng in engines:
        eng.dispose()
    with admin.begin() as conn:
        for name in made:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    admin.dispose()
