"""Legal-basis refusal and idempotent captures."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from leaktrace.core.errors import ConfigError, InputError
from leaktrace.store.models import Capture
from leaktrace.store.repo import (
    Frontier,
    add_source,
    get_source,
    record_capture,
    require_legal_basis,
)

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def approved(s: Session, name: str = "market-a") -> int:
    return add_source(s, name, "onion_site", legal_basis="Order 2025-17 (inspection)", owner="unit 3").id


@pytest.mark.parametrize(("basis", "owner", "missing"), [
    (None, "unit 3", "legal basis"), ("Order 1", None, "owner"), ("  ", "  ", "legal basis and no owner"),
])
def test_source_without_legal_basis_is_refused(
    sessions: sessionmaker[Session], basis: str | None, owner: str | None, missing: str
) -> None:
    with sessions.begin() as s:
        src = add_source(s, "forum-x", "forum", legal_basis=basis, owner=owner)
        sid = src.id
        with pytest.raises(ConfigError, match=f"'forum-x': no {missing}"):
            require_legal_basis(src)
        with pytest.raises(ConfigError, match="collection refused"):
            record_capture(s, sha(b"x"), "http://x.onion/a", T0, 200, sid)
    with pytest.raises(ConfigError, match="collection refused"):
        Frontier(sessions).enqueue(sid, ["http://x.onion/a"])
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Capture)) == 0


def test_legal_basis_added_later_unblocks(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        sid = add_source(s, "forum-x", "forum").id
    with sessions.begin() as s:
        src = get_source(s, "forum-x")
        src.legal_basis, src.owner = "Warrant 9", "analyst b"
    with sessions.begin() as s:
        assert record_capture(s, sha(b"x"), "http://x.onion/a", T0, 200, sid).created


def test_duplicate_source_name_and_unknown_source(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        approved(s)
        with pytest.raises(ConfigError, match="already exists"):
            approved(s)
        with pytest.raises(InputError, match="no such source"):
            get_source(s, 999)


def test_capture_is_idempotent_per_source_url_content(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        sid = approved(s)
        other = approved(s, "mirror")
        first = record_capture(s, sha(b"page"), "http://a.onion/l/1", T0, 200, sid)
        again = record_capture(s, sha(b"page").upper(), "http://a.onion/l/1", T0, 200, sid)
        changed = record_capture(s, sha(b"page v2"), "http://a.onion/l/1", T0, 200, sid)
        elsewhere = record_capture(s, sha(b"page"), "http://a.onion/l/2", T0, 200, sid)
        mirror = record_capture(s, sha(b"page"), "http://a.onion/l/1", T0, 200, other)
    assert first.created and not again.created and again.id == first.id
    assert len({first.id, changed.id, elsewhere.id, mirror.id}) == 4
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Capture)) == 4
        assert s.scalar(select(Capture.sha256).where(Capture.id == first.id)) == sha(b"page")


@pytest.mark.parametrize(("digest", "url", "when", "problem"), [
    ("abc", "http://a.onion/", T0, "not a hex SHA-256"),
    ("g" * 64, "http://a.onion/", T0, "not a hex SHA-256"),
    (sha(b"x"), "", T0, "empty URL"),
    (sha(b"x"), "http://a.onion/" + "a" * 9000, T0, "exceeds"),
    (sha(b"x"), "http://a.onion/", datetime(2025, 1, 1), "no time zone"),
], ids=["short-digest", "non-hex", "empty-url", "long-url", "naive-time"])
def test_capture_bad_input_names_the_field(
    sessions: sessionmaker[Session], digest: str, url: str, when: datetime, problem: str
) -> None:
    with sessions.begin() as s:
        sid = approved(s)
        with pytest.raises(InputError, match=problem):
            record_capture(s, digest, url, when, 200, sid)
