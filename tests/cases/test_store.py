"""Cases in the database: items validated, re-adding replaces, content reads back whole."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from leaktrace.cases import case_records as cases
from leaktrace.core.errors import InputError
from leaktrace.store import make_engine, session_factory, upgrade


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database on each backend."""
    if request.param == "postgresql":
        eng = request.getfixturevalue("pg_schema_engine")()
        upgrade(eng)
        yield eng
        return
    eng = make_engine(url=f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade(eng)
    yield eng
    eng.dispose()


def test_case_round_trip(engine: Engine, docs: dict[str, list[dict[str, Any]]]) -> None:
    with session_factory(engine).begin() as s:
        case = cases.create_case(s, "订单数据", tlp="red", created_by="t")
        assert case.ref.startswith("LT-") and case.ref.endswith(f"{case.id:04d}")
        for plural, kind in (("listings", "listing"), ("actors", "actor"), ("groups", "group"), ("dumps", "dump"),
                             ("attributions", "attribution"), ("captures", "capture"), ("wallets", "wallet")):
            for doc in docs[plural]:
                cases.add_item(s, case, kind, doc)
        cases.add_note(s, case, "seized", author="a")
        cases.add_event(s, case, datetime(2026, 1, 1, tzinfo=UTC), "contacted seller")
        ref = case.ref
    with session_factory(engine)() as s:
        content = cases.load_content(s, cases.get_case(s, ref))
    assert content.info.tlp == "red"
    assert len(content.actors) == len(docs["actors"]) == 7
    assert len(content.listings) == len(docs["listings"])
    assert content.dumps[0].by_province == docs["dumps"][0]["by_province"]
    assert [n.text for n in content.notes] == ["seized"]
    assert content.timeline[0].text == "contacted seller"  # ordered by time


def test_re_adding_replaces(engine: Engine, docs: dict[str, list[dict[str, Any]]]) -> None:
    with session_factory(engine).begin() as s:
        case = cases.create_case(s, "x", ref="C1")
        _, replaced = cases.add_item(s, case, "dump", docs["dumps"][0])
        assert not replaced
        changed = {**docs["dumps"][0], "distinct_victims": 5}
        _, replaced = cases.add_item(s, case, "dump", changed)
        assert replaced
        content = cases.load_content(s, case)
    assert [d.distinct_victims for d in content.dumps] == [5]


def test_bad_input_named(engine: Engine) -> None:
    with session_factory(engine).begin() as s:
        case = cases.create_case(s, "x", ref="C2")
        with pytest.raises(InputError, match=r"item 3: field 'samples'"):
            cases.add_item(s, case, "listing", {"id": "a", "samples": [{"id": "110105194912310029"}]}, label="item 3")
        with pytest.raises(InputError, match="kind 'victim'"):
            cases.add_item(s, case, "victim", {})
        with pytest.raises(InputError, match="already exists"):
            cases.create_case(s, "y", ref="C2")
        with pytest.raises(InputError, match="tlp"):
            cases.create_case(s, "y", tlp="purple")
    with session_factory(engine)() as s, pytest.raises(InputError, match="no such case"):
        cases.get_case(s, "nope")


def test_list_cases_counts_items(engine: Engine, docs: dict[str, list[dict[str, Any]]]) -> None:
    with session_factory(engine).begin() as s:
        a = cases.create_case(s, "a")
        cases.create_case(s, "b")
        for doc in docs["wallets"]:
            cases.add_item(s, a, "wallet", doc)
    with Session(engine) as s:
        assert [(c.title, n) for c, n in cases.list_cases(s)] == [("a", len(docs["wallets"])), ("b", 0)]


@pytest.mark.parametrize("ref", ["C7\n", "C7\r\n", " C7", "C7 ", "C7\t"])
def test_ref_with_surrounding_whitespace_is_refused(engine: Engine, ref: str) -> None:
    """A ref that `$` let through with a trailing newline was stored and then never found again."""
    with session_factory(engine).begin() as s, pytest.raises(InputError, match="field 'ref'"):
        cases.create_case(s, "x", ref=ref)
    with session_factory(engine)() as s:
        assert cases.list_cases(s) == []

