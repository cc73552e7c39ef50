"""The audit log: a signed hash chain in the store whose verify names the first broken entry."""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from leaktrace.core.errors import IntegrityError
from leaktrace.pipeline.context import Context, open_context
from leaktrace.service import audit
from leaktrace.service.access import Principal
from leaktrace.store.models import AuditEntry, AuditHead


def _fill(ctx: Context, shell: Principal, n: int = 5) -> None:
    for i in range(n):
        audit.record(ctx, shell, "export.download" if i % 2 else "unmask", f"listing:{i}",
                     reason=f"case C-{i}", detail={"i": i, "名": "订单"})


def test_chain_verifies_and_is_signed(ctx: Context, shell: Principal) -> None:
    assert audit.verify(ctx).ok and audit.verify(ctx).entries == 0
    _fill(ctx, shell)
    v = audit.verify(ctx)
    assert (v.ok, v.entries, v.first_bad_seq) == (True, 5, None)
    entries = audit.query(ctx, newest_first=False)
    assert v.head == entries[-1].hash
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[1].prev == entries[0].hash and entries[0].signer.startswith("ed25519:")
    assert audit.public_key_text(ctx)
    key = audit.key_dir(ctx) / "signing.key"
    assert key.stat().st_mode & 0o777 == 0o600 and audit.key_dir(ctx).stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("column,value", [("target", "listing:99"), ("reason", "nothing to see"),
                                          ("actor", "someone-else"), ("detail", '{"i":9,"名":"订单"}'),
                                          ("time", "2020-01-01T00:00:00.000000Z")])
def test_edited_entry_fails(ctx: Context, shell: Principal, column: str, value: str) -> None:
    _fill(ctx, shell)
    with ctx.session() as s, s.begin():
        s.execute(update(AuditEntry).where(AuditEntry.seq == 3).values({column: value}))
    v = audit.verify(ctx)
    assert not v.ok and v.first_bad_seq == 3 and "altered" in (v.problem or "")


def test_rehashed_entry_fails_on_its_signature_and_next_link(ctx: Context, shell: Principal) -> None:
    _fill(ctx, shell)
    import hashlib

    from leaktrace.core.canonical_json import canonical

    with ctx.session() as s, s.begin():
        row = s.get(AuditEntry, 2)
        assert row is not None
        row.reason = "rewritten"
        body = audit._body(row.seq, row.prev, row.time, row.actor, row.actor_id, row.role, row.client, row.action,
                           row.target, row.reason, json.loads(row.detail), row.signer)
        row.hash = hashlib.sha256(canonical(body)).hexdigest()
    v = audit.verify(ctx)
    assert not v.ok and v.first_bad_seq == 2 and "signature" in (v.problem or "")


def test_deleted_entry_fails(ctx: Context, shell: Principal) -> None:
    _fill(ctx, shell)
    with ctx.session() as s, s.begin():
        s.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    v = audit.verify(ctx)
    assert not v.ok and v.first_bad_seq == 3 and "deleted" in (v.problem or "")


def test_reordered_entries_fail(ctx: Context, shell: Principal) -> None:
    _fill(ctx, shell)
    cols = ("prev", "time", "actor", "actor_id", "role", "client", "action", "target", "reason", "detail", "signer",
            "hash", "sig")
    with ctx.session() as s, s.begin():
        a, b = s.get(AuditEntry, 2), s.get(AuditEntry, 3)
        assert a is not None and b is not None
        va, vb = {c: getattr(a, c) for c in cols}, {c: getattr(b, c) for c in cols}
        s.execute(delete(AuditEntry).where(AuditEntry.seq.in_((2, 3))))
        s.flush()
        s.add(AuditEntry(seq=2, **vb))
        s.add(AuditEntry(seq=3, **va))
    v = audit.verify(ctx)
    assert not v.ok and v.first_bad_seq == 2


def test_deleting_the_newest_entries_disagrees_with_the_head(ctx: Context, shell: Principal) -> None:
    _fill(ctx, shell)
    with ctx.session() as s, s.begin():
        s.execute(delete(AuditEntry).where(AuditEntry.seq >= 4))
    v = audit.verify(ctx)
    assert not v.ok and "head" in (v.problem or "")
    with pytest.raises(IntegrityError, match="head"):  # and nothing is appended on a broken tail
        audit.record(ctx, shell, "unmask", "listing:1", reason="why")


def test_forged_head_and_wiped_log_fail(ctx: Context, shell: Principal) -> None:
    _fill(ctx, shell)
    with ctx.session() as s, s.begin():
        s.execute(delete(AuditEntry).where(AuditEntry.seq == 5))
        prev = s.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 4))
        s.execute(update(AuditHead).values(seq=4, hash=prev))
    v = audit.verify(ctx)
    assert not v.ok and "signature" in (v.problem or "")
    with ctx.session() as s, s.begin():
        s.execute(delete(AuditEntry))
        s.execute(delete(AuditHead))
    v = audit.verify(ctx)
    assert not v.ok and "deleted" in (v.problem or "")
    with pytest.raises(IntegrityError):
        audit.record(ctx, shell, "unmask", "listing:1", reason="why")


def test_query_filters_and_export(ctx: Context, shell: Principal) -> None:
    _fill(ctx, shell)
    audit.record(ctx, None, "login.failed", "user:?", actor="unknown", client="203.0.113.7")
    assert [e.seq for e in audit.query(ctx, action="unmask")] == [5, 3, 1]
    assert [e.seq for e in audit.query(ctx, action="login.*")] == [6]
    assert [e.seq for e in audit.query(ctx, actor="unknown")] == [6]
    assert len(audit.query(ctx, limit=2)) == 2
    now = datetime.now(UTC)
    assert len(audit.query(ctx, since=now - timedelta(minutes=5))) == 6
    assert audit.query(ctx, until=now - timedelta(minutes=5)) == []
    assert len(audit.query(ctx, since=(now - timedelta(minutes=5)).isoformat())) == 6
    buf = io.StringIO()
    assert audit.export(ctx, buf, action="unmask") == 3
    lines = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert [d["seq"] for d in lines] == [1, 3, 5] and all(d["sig"] and d["hash"] for d in lines)
    assert lines[0]["detail"] == {"i": 0, "名": "订单"}


def test_concurrent_writers_keep_one_chain(ctx: Context, shell: Principal) -> None:
    """Four contexts (four engines, as four console processes would have) appending at once."""
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            with open_context(ctx.settings, migrate=False, keyring=ctx.keyring) as c:
                for i in range(10):
                    audit.record(c, shell, "export.download", f"listing:{k}-{i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    v = audit.verify(ctx)
    assert v.ok and v.entries == 40


def test_an_account_change_commits_with_its_entry_or_not_at_all(ctx: Context, shell: Principal) -> None:
    """A broken chain refuses the change itself: no account is created without its audit entry."""
    from leaktrace.core.errors import IntegrityError as Broken
    from leaktrace.service import accounts

    _fill(ctx, shell, 2)
    with ctx.session() as s, s.begin():
        s.execute(delete(AuditEntry).where(AuditEntry.seq == 2))
    with pytest.raises(Broken):
        accounts.create_user(ctx, "ana", "analyst", actor=shell)
    assert [u.username for u in accounts.list_users(ctx)] == []
