"""The audit log: who logged in, saw personal data unmasked, searched for a person, exported,
and changed an account, a role or a case's members; hash-chained and signed like the custody log.

Where it lives: in the store, tables `audit_log` (one row per entry) and
`audit_head` (the signed last entry), so the console filters it with SQL on
either backend; the Ed25519 key is `DATA_DIR/audit/signing.key` (0600, in a
0700 folder; the public key beside it), created by the first entry. An
entry's `hash` is the SHA-256 of the canonical JSON of its body (the same
`core.canonical_json` and `core.signing` as the custody log) and `sig` the
signature of those bytes. Editing, deleting or reordering entries breaks
the chain; deleting the newest ones disagrees with the signed head; and a
log emptied beside an existing key reads as wiped, never as new.

It never holds raw personal data: `target` names things by id (`case:LT-…`,
`listing:123`, `user:alice`) and `detail` carries keyed hashes and masked
forms (`keyed_identifier`). Appends are serialised by a write on the head
row first (SQLite's write lock, a PostgreSQL row lock), so two processes
never fork the chain.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError as DbIntegrityError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from leaktrace.core import signing
from leaktrace.core.canonical_json import GENESIS, canonical
from leaktrace.core.errors import InputError, IntegrityError
from leaktrace.core.masking import mask
from leaktrace.core.normalize import normalize
from leaktrace.core.private_files import exclusive_lock
from leaktrace.pipeline.context import Context
from leaktrace.store.models import AuditEntry, AuditHead

if TYPE_CHECKING:
    from leaktrace.service.access import Principal

ENTRY_VERSION = 1
HEAD_ID = 1
MAX_TARGET = 500
MAX_REASON = 2000
MAX_DETAIL = 8000
_BODY = ("v", "seq", "prev", "time", "actor", "actor_id", "role", "client", "action", "target", "reason",
         "detail", "signer")
_RETRIES = 20


@dataclass(frozen=True)
class Entry:
    """One audited act as the log holds it; `detail` is the parsed object."""

    seq: int
    time: str
    actor: str
    actor_id: int | None
    role: str | None
    client: str
    action: str
    target: str
    reason: str | None
    detail: dict[str, Any]
    prev: str
    hash: str
    sig: str
    signer: str

    def to_json(self) -> dict[str, Any]:
        return {"v": ENTRY_VERSION, "seq": self.seq, "prev": self.prev, "time": self.time, "actor": self.actor,
                "actor_id": self.actor_id, "role": self.role, "client": self.client, "action": self.action,
                "target": self.target, "reason": self.reason, "detail": self.detail, "signer": self.signer,
                "hash": self.hash, "sig": self.sig}


@dataclass(frozen=True)
class Verdict:
    """What `verify` found: `ok`, the entries checked, and the first broken entry with what is wrong."""

    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None
    head: str | None = None  # the last entry's hash when sound: note it elsewhere to pin today's log

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "first_bad_seq": self.first_bad_seq,
                "problem": self.problem, "head": self.head}


def _time_text(at: datetime | None = None) -> str:
    """Fixed-width UTC text (microseconds, `Z`): what is signed, and what sorts as time does."""
    at = (at or datetime.now(UTC)).astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def key_dir(ctx: Context) -> Path:
    return ctx.data_dir / "audit"


def _signing_key(ctx: Context) -> signing.SigningKey:
    directory = key_dir(ctx)
    with exclusive_lock(directory, "audit.lock"):
        return signing.load_or_create(directory)


def keyed_identifier(ctx: Context, pii_type: str, value: str) -> dict[str, str]:
    """How a person identifier appears in `detail`: its keyed hash and masked form, never the value."""
    norm = normalize(pii_type, value)  # masked as normalised: a typed form's spacing must not widen the mask
    return {"type": pii_type, "hash": ctx.hasher.hash_normalised(pii_type, norm), "masked": mask(norm)}


def _body(seq: int, prev: str, time: str, actor: str, actor_id: int | None, role: str | None, client: str,
          action: str, target: str, reason: str | None, detail: dict[str, Any], signer: str) -> dict[str, Any]:
    return {"v": ENTRY_VERSION, "seq": seq, "prev": prev, "time": time, "actor": actor, "actor_id": actor_id,
            "role": role, "client": client, "action": action, "target": target, "reason": reason,
            "detail": detail, "signer": signer}


def _head_body(seq: int, entry_hash: str, signer: str) -> dict[str, Any]:
    return {"kind": "leaktrace-audit-head", "seq": seq, "hash": entry_hash, "signer": signer}


def record(ctx: Context, principal: Principal | None, action: str, target: str, *,
           reason: str | None = None, detail: dict[str, Any] | None = None, client: str | None = None,
           actor: str | None = None, session: Session | None = None) -> Entry:
    """Append one entry and return it: in its own transaction, or in `session`'s.

    `principal` None is an unauthenticated act (a failed login): `actor`
    names the account tried, `client` where from. `detail` must be JSON and
    hold no raw personal data (`keyed_identifier`). With `session` (an open
    transaction the caller commits) the act and its entry commit together or
    not at all: no account change without its entry.
    """
    if not action or len(action) > 64:
        raise InputError(f"audit action {action!r}: must be 1..64 characters")
    detail = dict(detail or {})
    detail_text = canonical(detail).decode()
    if len(detail_text) > MAX_DETAIL:
        raise InputError(f"audit detail: {len(detail_text)} characters, more than {MAX_DETAIL}")
    reason = reason.strip()[:MAX_REASON] if reason and reason.strip() else None
    who = principal.username if principal is not None else (actor or "anonymous")
    fields = {
        "actor": who[:200], "actor_id": principal.user_id if principal is not None else None,
        "role": str(principal.role) if principal is not None else None,
        "client": (client or (principal.client if principal is not None else "") or "")[:200],
        "action": action, "target": target[:MAX_TARGET], "reason": reason,
    }
    key = _signing_key(ctx)
    if session is not None:
        entry = _append(ctx, session, key, fields, detail, detail_text)
        event.listen(session, "after_commit", lambda _s: _mark_key_used(ctx), once=True)
        return entry
    for attempt in range(_RETRIES):
        try:
            with ctx.session() as s, s.begin():
                entry = _append(ctx, s, key, fields, detail, detail_text)
            _mark_key_used(ctx)
            return entry
        except (DbIntegrityError, OperationalError):  # another writer took the same seq or the lock: again
            if attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _append(ctx: Context, s: Session, key: signing.SigningKey, fields: dict[str, Any], detail: dict[str, Any],
            detail_text: str) -> Entry:
    # A write first: takes SQLite's write lock / the head row's lock before the head is read.
    locked = s.execute(update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=AuditHead.seq)).rowcount
    if not locked and s.get_bind().dialect.name == "postgresql":
        # No head row to lock yet: two first writers would each create one, and the slower one, seeing the
        # faster one's entry but not (in its snapshot) its head, would call the head missing. Whoever finds
        # no head takes this transaction lock and looks again; the second finds the first one's head.
        s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _FIRST_HEAD_LOCK})
        locked = s.execute(update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=AuditHead.seq)).rowcount
    if not locked:
        last = s.scalar(select(func.max(AuditEntry.seq)))
        if last is not None or _key_existed_before(ctx):
            raise IntegrityError("audit log: its signed head is missing; run 'leaktrace audit verify'")
        s.execute(insert(AuditHead).values(id=HEAD_ID, seq=0, hash=GENESIS, signer="", sig=""))
    head = s.get(AuditHead, HEAD_ID)
    assert head is not None
    last_row = s.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    tail = (last_row.seq, last_row.hash) if last_row is not None else (0, GENESIS)
    if tail != (head.seq, head.hash):
        raise IntegrityError("audit log: the last entry does not match the signed head; "
                             "run 'leaktrace audit verify'")
    if head.seq == 0 and last_row is None and _key_existed_before(ctx):
        raise IntegrityError("audit log: empty, but its signing key exists (entries were deleted); "
                             "restore the audit tables from a backup")
    seq = head.seq + 1
    time = _time_text()
    body = _body(seq, head.hash, time, fields["actor"], fields["actor_id"], fields["role"], fields["client"],
                 fields["action"], fields["target"], fields["reason"], detail, key.fingerprint)
    raw = canonical(body)
    entry_hash = hashlib.sha256(raw).hexdigest()
    sig = base64.b64encode(key.sign(raw)).decode()
    s.add(AuditEntry(seq=seq, prev=head.hash, time=time, detail=detail_text, signer=key.fingerprint,
                     hash=entry_hash, sig=sig, **fields))
    hb = canonical(_head_body(seq, entry_hash, key.fingerprint))
    head.seq, head.hash, head.signer = seq, entry_hash, key.fingerprint
    head.sig = base64.b64encode(key.sign(hb)).decode()
    s.flush()
    return Entry(seq=seq, time=time, detail=detail, prev=body["prev"], hash=entry_hash, sig=sig,
                 signer=key.fingerprint, **fields)


_USED = "chain.started"
_FIRST_HEAD_LOCK = 0x6C74_6175  # "ltau": the PostgreSQL advisory lock of the audit head's creation


def _key_existed_before(ctx: Context) -> bool:
    """Whether this deployment's audit chain was ever started (a marker beside the key, written after the first entry)."""
    return (key_dir(ctx) / _USED).exists()


def _mark_key_used(ctx: Context) -> None:
    marker = key_dir(ctx) / _USED
    if not marker.exists():
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)


# -- reading -------------------------------------------------------------------------------

def _entry(row: AuditEntry) -> Entry:
    try:
        detail = json.loads(row.detail)
    except ValueError:
        detail = {"unreadable": True}
    return Entry(seq=row.seq, time=row.time, actor=row.actor, actor_id=row.actor_id, role=row.role,
                 client=row.client, action=row.action, target=row.target, reason=row.reason,
                 detail=detail if isinstance(detail, dict) else {"unreadable": True}, prev=row.prev,
                 hash=row.hash, sig=row.sig, signer=row.signer)


def _time_bound(value: datetime | str | None, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InputError(f"--{name}: {value!r} is not an ISO date or time") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return _time_text(value)


def query(ctx: Context, *, actor: str | None = None, action: str | None = None,
          since: datetime | str | None = None, until: datetime | str | None = None,
          target: str | None = None, limit: int | None = 100, newest_first: bool = True) -> list[Entry]:
    """Entries matching every filter given; `action` ending in `*` matches a prefix (`login.*`)."""
    q = select(AuditEntry)
    if actor:
        q = q.where(AuditEntry.actor == actor)
    if action:
        q = q.where(AuditEntry.action.startswith(action[:-1], autoescape=True) if action.endswith("*")
                    else AuditEntry.action == action)
    if target:
        q = q.where(AuditEntry.target == target)
    lo, hi = _time_bound(since, "since"), _time_bound(until, "until")
    if lo:
        q = q.where(AuditEntry.time >= lo)
    if hi:
        q = q.where(AuditEntry.time < hi)
    q = q.order_by(AuditEntry.seq.desc() if newest_first else AuditEntry.seq)
    if limit is not None:
        q = q.limit(limit)
    with ctx.session() as s:
        return [_entry(r) for r in s.scalars(q)]


def count(ctx: Context, *, actor: str, action: str, since: datetime) -> int:
    """How many `action` entries `actor` has since `since` (rate limits of audited acts)."""
    with ctx.session() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.actor == actor, AuditEntry.action == action, AuditEntry.time >= _time_text(since))) or 0)


def export(ctx: Context, out: IO[str], **filters: Any) -> int:
    """Matching entries, oldest first, as JSON lines (each with its hash and signature); returns the count."""
    filters.setdefault("limit", None)
    n = 0
    for e in query(ctx, newest_first=False, **filters):
        out.write(json.dumps(e.to_json(), ensure_ascii=False, sort_keys=True) + "\n")
        n += 1
    return n


def public_key_text(ctx: Context) -> str | None:
    """The audit public key (base64), for whoever checks an export away from the platform."""
    path = key_dir(ctx) / signing.PUBLIC_NAME
    return path.read_text().strip() if path.exists() else None


# -- verifying -----------------------------------------------------------------------------

def verify(ctx: Context) -> Verdict:
    """Check the whole chain and the signed head; the verdict names the first broken entry."""
    directory = key_dir(ctx)
    public = signing.load_public(directory) if (directory / signing.PUBLIC_NAME).exists() else None
    fpr = signing.fingerprint(public) if public is not None else None
    prev, expected, n = GENESIS, 1, 0
    with ctx.session() as s:
        head = s.get(AuditHead, HEAD_ID)
        for row in s.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars():
            n += 1
            problem = _check_row(row, expected, prev, public, fpr)
            if problem:
                return Verdict(False, n, row.seq, problem)
            prev, expected = row.hash, expected + 1
    last = expected - 1
    if n == 0:
        if (head is not None and head.seq != 0) or _key_existed_before(ctx):
            return Verdict(False, 0, 1, "the log is empty but the chain was started: entries were deleted")
        return Verdict(True, 0)
    if head is None:
        return Verdict(False, n, last, "the signed head is missing")
    if public is None or head.signer != fpr or not _sig_ok(public, head.sig, canonical(
            _head_body(head.seq, head.hash, head.signer))):
        return Verdict(False, n, last, "the head's signature does not verify")
    if head.seq != last or head.hash != prev:
        return Verdict(False, n, min(head.seq, last) + 1 if head.seq > last else last,
                       f"the signed head names entry {head.seq}, the log ends at {last}: "
                       "entries at the end were deleted or added")
    return Verdict(True, n, head=prev)


def _sig_ok(public: Any, sig: str, message: bytes) -> bool:
    try:
        raw = base64.b64decode(sig, validate=True)
    except ValueError:
        return False
    return signing.check_signature(public, raw, message)


def _check_row(row: AuditEntry, expected: int, prev: str, public: Any, fpr: str | None) -> str | None:
    if row.seq != expected:
        return f"entry {expected} is missing (next is {row.seq}): entries were deleted"
    if row.prev != prev:
        return "its link to the previous entry is broken (an entry was deleted, inserted or reordered)"
    try:
        detail = json.loads(row.detail)
    except ValueError:
        return "its detail is not JSON"
    if not isinstance(detail, dict) or canonical(detail).decode() != row.detail:
        return "its detail was rewritten"
    body = _body(row.seq, row.prev, row.time, row.actor, row.actor_id, row.role, row.client, row.action,
                 row.target, row.reason, detail, row.signer)
    raw = canonical(body)
    if hashlib.sha256(raw).hexdigest() != row.hash:
        return "its content does not match its hash (the entry was altered)"
    if public is None:
        return "the audit public key is missing"
    if row.signer != fpr:
        return f"signed by {row.signer}, not this deployment's audit key"
    if not _sig_ok(public, row.sig, raw):
        return "its signature does not verify"
    return None
