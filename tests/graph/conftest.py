"""Fixtures for the graph tests: a fresh in-memory store per test, PostgreSQL schemas; worlds via simworld."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
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
