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


def test_0007_marks_values_seen_in_samples_and_keeps_the_rest(empty_engine: Engine) -> None:
    """Upgrade to 0007: an identifier a post shows as sample data loses its clear value for good;
    a contact stored before (hash + mask only) stays as it was, for `analyze --redo` to refill."""
    with empty_engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0006")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    with session_factory(empty_engine).begin() as s:
        s.execute(text("INSERT INTO posts (id, site, url, url_key, first_seen_at, last_seen_at) "
                       "VALUES (1, 'm', 'http://m/1', 'k1', :t, :t)"), {"t": t0})
        rows = [(1, "cn_mobile", "k1.aa", "13*******78", "13812345678", "sample"),
                (2, "qq", "k1.bb", "7******9", None, "contact"),
                (3, "btc", "k1.cc", "1A****Nb", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "contact"),
                (4, "sample_row", "k1.dd", "张** 13****78", None, "sample")]
        for iid, typ, h, masked, norm, role in rows:
            s.execute(text("INSERT INTO identifiers (id, type, value_hash, value_masked, value_norm, first_seen_at) "
                           "VALUES (:i, :t, :h, :m, :n, :f)"), {"i": iid, "t": typ, "h": h, "m": masked, "n": norm,
                                                              "f": t0})
            s.execute(text("INSERT INTO post_identifiers (post_id, identifier_id, role, count) VALUES (1, :i, :r, 1)"),
                      {"i": iid, "r": role})
    upgrade(empty_engine)
    assert check(empty_engine) == []
    from leaktrace.store.models import Identifier

    with session_factory(empty_engine)() as s:
        got = {i.type: i for i in s.scalars(select(Identifier))}
    assert got["cn_mobile"].value_norm is None and got["cn_mobile"].victim_seen_at is not None
    assert got["cn_mobile"].victim_seen_at.tzinfo is not None
    assert got["qq"].value_norm is None and got["qq"].victim_seen_at is None
    assert got["btc"].value_norm == "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa" and got["btc"].victim_seen_at is None
    assert got["sample_row"].victim_seen_at is None


def test_0012_gives_stored_case_items_their_lookup_terms(empty_engine: Engine) -> None:
    """Upgrade to 0012: items stored before get the terms new items get (the identifier pivot finds them)."""
    import json

    from leaktrace.store.models import CaseItemTerm

    with empty_engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0011")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    payload = {"id": "p1", "title": "出售 hash", "identifiers": [
        {"type": "qq", "masked": "7******9", "hash": "k1.bb", "value": None},
        {"type": "usdt_trc20", "value": "TXabc", "masked": "TX***bc", "hash": "k1.cc"}]}
    with session_factory(empty_engine).begin() as s:
        s.execute(text("INSERT INTO cases (id, ref, title, tlp, status, created_by, created_at, updated_at) "
                       "VALUES (1, 'LT-1', 't', 'amber', 'open', 'x', :t, :t)"), {"t": t0})
        s.execute(text("INSERT INTO case_items (id, case_id, kind, key, payload, added_by, added_at) "
                       "VALUES (7, 1, 'listing', 'p1', :p, 'x', :t)"), {"p": json.dumps(payload), "t": t0})
        s.execute(text("INSERT INTO case_items (id, case_id, kind, key, payload, added_by, added_at) "
                       "VALUES (8, 1, 'wallet', 'w', :p, 'x', :t)"), {"p": json.dumps({"address": "TQwallet"}),
                                                                      "t": t0})
    upgrade(empty_engine)
    assert check(empty_engine) == []
    with session_factory(empty_engine)() as s:
        got = {(t.item_id, t.term) for t in s.scalars(select(CaseItemTerm))}
    assert got == {(7, "k1.bb"), (7, "k1.cc"), (7, "TXabc"), (8, "TQwallet")}


def test_the_head_read_from_the_files_is_alembics() -> None:
    from leaktrace.store.migrate import _shipped_head

    assert _shipped_head() == head()


def test_opening_a_store_at_head_does_not_import_alembic(tmp_path: object) -> None:
    """Every process that opens the store checks its revision; one already at head skips Alembic (the start
    of `leaktrace serve` and of each of its workers)."""
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from leaktrace.store import make_engine, upgrade; "
            f"e = make_engine(url='sqlite:///{tmp_path}/s.sqlite'); before, after = upgrade(e); "
            "print(before, after, 'alembic' in sys.modules)")
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert first == ["None", head(), "True"]
    assert again == [head(), head(), "False"]
