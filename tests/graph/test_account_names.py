"""Accounts are named SOURCE:HANDLE (the host is a property); verdicts follow them; unknown ones are refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from leaktrace.cli.app import main
from leaktrace.core.errors import InputError
from leaktrace.graph.feedback import record_verdict
from leaktrace.store import make_engine, session_factory
from leaktrace.store.migrate import upgrade
from leaktrace.store.repo import add_source

ONION = "a" * 56 + ".onion"


def _post(s, source_id: int | None, site: str, handle: str, n: int) -> None:  # type: ignore[no-untyped-def]
    s.execute(text("INSERT INTO posts (site, url, url_key, source_id, author_handle, first_seen_at, last_seen_at) "
                   "VALUES (:site, :url, :k, :src, :h, :t, :t)"),
              {"site": site, "url": f"http://{site}/{n}", "k": f"k{n}", "src": source_id, "h": handle,
               "t": datetime.now(UTC).isoformat()})


def test_old_verdicts_follow_their_accounts_to_source_names(tmp_path: Path) -> None:
    engine = make_engine(url=f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade(engine, "0005")
    with session_factory(engine).begin() as s:
        src = add_source(s, "market-a", "market", legal_basis="x", owner="y").id
        _post(s, src, ONION, "viphu", 1)
        _post(s, src, ONION, "mapro", 2)
        _post(s, None, "oldsite", "nobody", 3)  # no source: keeps its host
        s.execute(text("INSERT INTO graph_link_feedback (account_a, account_b, decision, decided_at) "
                       "VALUES (:a, :b, 'confirm', :t)"),
                  {"a": f"{ONION}:mapro", "b": f"{ONION}:viphu", "t": "2026-01-01T00:00:00"})
        s.execute(text("INSERT INTO graph_link_feedback (account_a, account_b, decision, decided_at) "
                       "VALUES (:a, :b, 'reject', :t)"),
                  {"a": f"{ONION}:mapro", "b": "oldsite:nobody", "t": "2026-01-02T00:00:00"})
    upgrade(engine)
    with engine.connect() as c:
        rows = sorted(c.execute(text("SELECT account_a, account_b, decision FROM graph_link_feedback")).all())
    assert rows == [("market-a:mapro", "market-a:viphu", "confirm"), ("market-a:mapro", "oldsite:nobody", "reject")]
    from alembic import command

    from leaktrace.store.migrate import alembic_config

    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0005")
    with engine.connect() as c:
        back = sorted(c.execute(text("SELECT account_a, account_b FROM graph_link_feedback")).all())
    assert back == [(f"{ONION}:mapro", f"{ONION}:viphu"), (f"{ONION}:mapro", "oldsite:nobody")]
    engine.dispose()


def test_unknown_accounts_are_refused(tmp_path: Path) -> None:
    engine = make_engine(url=f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade(engine)
    with session_factory(engine).begin() as s:
        src = add_source(s, "m1", "market", legal_basis="x", owner="y").id
        _post(s, src, ONION, "viphu", 1)
        _post(s, src, ONION, "mapro", 2)
        with pytest.raises(InputError, match="no such account"):
            record_verdict(s, f"{ONION}:viphu", f"{ONION}:mapro", "confirm")  # the host is not the name
        assert record_verdict(s, "m1:viphu", "m1:mapro", "confirm")[2] is None
    engine.dispose()


def test_source_names_cannot_hold_a_colon(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "telegram", "nothing.json", "--source", "bad:name", "--legal-basis", "x",
                 "--owner", "y"]) == 2
    assert "accounts are named SOURCE:HANDLE" in capsys.readouterr().err
