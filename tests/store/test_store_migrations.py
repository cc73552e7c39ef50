"""Migrations build the schema from nothing on both backends, and match the models exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text

from leaktrace.store import check, current, head, session_factory, upgrade
from leaktrace.store.migrate import alembic_config
from leaktrace.store.models import Base, Source


def test_upgrade_from_empty_matches_models(empty_engine: Engine) -> None:
    assert current(empty_engine) is None
    before, after = upgrade(empty_engine)
    assert (before, after) == (None, head())
    tables = set(inspect(empty_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert check(empty_engine) == []


def test_upgrade_twice_is_a_no_op(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    assert upgrade(empty_engine) == (head(), head())


def test_check_sees_drift(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_posts_author_handle"))
    diffs = check(empty_engine)
    assert any(d[0] == "add_index" and d[1].name == "ix_posts_author_handle" for d in diffs)


def test_downgrade_to_base_and_back(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    with empty_engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert not set(Base.metadata.tables) & set(inspect(empty_engine).get_table_names())
    upgrade(empty_engine)
    assert check(empty_engine) == []


def test_timestamps_come_back_aware_utc(engine: Engine) -> None:
    plus8 = timezone(timedelta(hours=8))
    made = datetime(2024, 3, 1, 9, 30, 15, 123456, tzinfo=plus8)
    with session_factory(engine).begin() as s:
        s.add(Source(name="s", kind="forum", created_at=made))
    with session_factory(engine)() as s:
        got = s.scalar(select(Source.created_at))
    assert got is not None and got.utcoffset() == timedelta(0)
    assert got == made and got.tzinfo is not None
    assert got.astimezone(UTC).hour == 1


def test_naive_timestamp_refused(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive datetime"), session_factory(engine).begin() as s:
        s.add(Source(name="s", kind="forum", created_at=datetime(2024, 1, 1)))
        s.flush()
