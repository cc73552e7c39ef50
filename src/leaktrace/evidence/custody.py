"""The custody log: append-only JSON lines, each entry hash-chained to the last and signed.

Self-contained on purpose: the log, the public key and the blobs (or their
hashes) are all a verifier needs, with no database (see verify.py). Each
line is the entry plus its `hash` (SHA-256 of the canonical JSON of the
entry) and `sig` (Ed25519 over the same canonical bytes). A signed head file
records the last entry, so deleting entries from the end is noticed too.

A line must be exactly the canonical bytes of its entry (what was hashed
and signed): a line with duplicate keys, other spacing or other escapes is
refused even when it parses to the same object, because a JSON reader keeps
only one of two duplicate keys and another tool may keep the other.

A copy of the log handed out (a case bundle) may replace an entry that is
not about its evidence by `{"omitted":"<entry hash>"}`: the next entry's
signed `prev` and the signed head still pin it, and it reveals nothing
else. The store's own log never holds such a line; only a verifier that is
told to (the bundle verifier) accepts one.

A store that has ever held entries never reads as empty: the custody key is
created by the first append, so a missing or empty log (and head) beside a
key means the entries were deleted; verify says so and appends refuse to
start a new chain.

Appends take an exclusive lock, refuse to extend a log whose last line is
partial (a crash mid-write) or disagrees with the head, and fsync the line
before the head moves.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leaktrace.core import signing
from leaktrace.core.canonical_json import GENESIS, canonical, loads_strict
from leaktrace.core.errors import IntegrityError
from leaktrace.core.private_files import exclusive_lock

LOG_NAME = "custody.jsonl"
HEAD_NAME = "custody.head"
LOCK_NAME = "custody.lock"
ENTRY_VERSION = 1
_MAX_LINE = 1 << 24
_BODY_FIELDS = (
    "v",
    "seq",
    "prev",
    "time",
    "action",
    "sha256",
    "size",
    "source_url",
    "collector",
    "media_type",
    "contains_pii",
    "meta",
    "signer",
)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class CustodyEntry:
    """One custody event: who did what to which blob, when, from where."""

    seq: int
    prev: str
    time: str
    action: str
    sha256: str | None
    size: int | None
    source_url: str | None
    collector: str
    media_type: str | None
    contains_pii: bool
    signer: str
    meta: dict[str, Any] = field(default_factory=dict)
    hash: str = ""
    sig: str = ""
    v: int = ENTRY_VERSION

    def body(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _BODY_FIELDS}

    def compute_hash(self) -> str:
        return hashlib.sha256(canonical(self.body())).hexdigest()

    def to_json(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash, "sig": self.sig}

    def to_line(self) -> bytes:
        return canonical(self.to_json()) + b"\n"

    @classmethod
    def from_json(cls, doc: Any) -> CustodyEntry:
        """Parse one line's object; KeyError/TypeError/ValueError on a wrong shape."""
        if not isinstance(doc, dict):
            raise TypeError("entry is not a JSON object")
        extra = set(doc) - set(_BODY_FIELDS) - {"hash", "sig"}
        if extra:
            raise ValueError(f"unknown field(s) {sorted(extra)}")
        entry = cls(**{k: doc[k] for k in _BODY_FIELDS}, hash=doc["hash"], sig=doc["sig"])
        if not isinstance(entry.seq, int) or not isinstance(entry.meta, dict):
            raise TypeError("seq must be an integer and meta an object")
        return entry


NONCANONICAL = "line is not the canonical bytes of its entry (rewritten: spacing, escapes or key order)"


def parse_line(raw: bytes) -> tuple[CustodyEntry, str | None]:
    """One log line (with its newline): the entry, and NONCANONICAL when its bytes are not the signed ones.

    ValueError/KeyError/TypeError when it is not an entry at all (duplicate keys included).
    """
    entry = CustodyEntry.from_json(loads_strict(raw))
    return entry, (None if entry.to_line() == raw else NONCANONICAL)


OMITTED = "omitted"
# A blob deleted under a retention rule: its last entry says so, and verify no longer expects the blob.
EXPIRED = "expire"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def omitted_line(entry_hash: str) -> bytes:
    """The stand-in for an entry a copy of the log leaves out: its hash only."""
    return canonical({OMITTED: entry_hash}) + b"\n"


@dataclass(frozen=True)
class LogLine:
    """A raw line of the log: its number, a parsed entry if it has one, and what is wrong with it.

    `entry` with `error` set is a line that parses but is not in canonical form:
    the verifier reports it and still follows the chain through its hash.
    """

    lineno: int
    entry: CustodyEntry | None
    error: str | None = None
    omitted: str | None = None  # the entry hash of an omitted entry (bundles)


def read_lines(path: Path) -> Iterator[LogLine]:
    """Every line of a custody log, never raising for a bad line: the verifier names it."""
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        return
    with fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.endswith(b"\n"):
                yield LogLine(lineno, None, "partial last line (write interrupted, or log truncated)")
                return
            try:
                doc = loads_strict(raw)
                if isinstance(doc, dict) and set(doc) == {OMITTED}:
                    h = doc[OMITTED]
                    if not isinstance(h, str) or not _HEX64.match(h) or omitted_line(h) != raw:
                        raise ValueError("malformed omitted entry")
                    yield LogLine(lineno, None, None, h)
                    continue
                yield LogLine(lineno, *parse_line(raw))
            except (ValueError, KeyError, TypeError) as exc:
                yield LogLine(lineno, None, f"unparseable entry ({exc})")


def head_body(seq: int, entry_hash: str, signer: str) -> dict[str, Any]:
    return {"kind": "leaktrace-custody-head", "seq": seq, "hash": entry_hash, "signer": signer}


def read_head(directory: Path) -> dict[str, Any] | None:
    path = directory / HEAD_NAME
    try:
        doc = loads_strict(path.read_bytes())
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise IntegrityError(f"{path}: unreadable custody head") from exc
    if not isinstance(doc, dict):
        raise IntegrityError(f"{path}: unreadable custody head")
    return doc


def wiped_log_message(directory: Path, blobs: int = 0) -> str | None:
    """Why an empty custody log (with no head) in `directory` must have been deleted, or None."""
    marks = []
    if (directory / signing.PRIVATE_NAME).exists() or (directory / signing.PUBLIC_NAME).exists():
        marks.append("a custody key (created by the first entry)")
    if blobs:
        marks.append(f"{blobs} evidence blob(s)")
    if not marks:
        return None
    return (
        f"custody log and head are missing or empty but the store has {' and '.join(marks)}: "
        "its entries were deleted; restore custody.jsonl and custody.head from a backup"
    )


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _last_line(path: Path) -> bytes | None:
    """The last complete line, read from the end (the log may be large)."""
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        return None
    with fh:
        end = fh.seek(0, os.SEEK_END)
        if end == 0:
            return None
        fh.seek(end - 1)
        if fh.read(1) != b"\n":
            raise IntegrityError(
                f"{path}: the last line is partial (a write was interrupted); "
                "run 'leaktrace evidence verify' and restore the log before adding evidence"
            )
        pos = end - 1  # the final newline
        buf = b""
        while True:
            start = max(0, pos - 65536)
            fh.seek(start)
            buf = fh.read(pos - start) + buf
            cut = buf.rfind(b"\n")
            if cut != -1:
                return buf[cut + 1 :]
            if start == 0:
                return buf
            if len(buf) > _MAX_LINE:
                raise IntegrityError(f"{path}: last line is longer than {_MAX_LINE} bytes")
            pos = start


class CustodyLog:
    """Appends signed, chained entries to `<evidence>/custody.jsonl`."""

    def __init__(self, directory: Path, after_append: Callable[[CustodyEntry], object] | None = None) -> None:
        self.directory = directory
        self.path = directory / LOG_NAME
        # Runs after each append, outside the lock (the trusted-timestamp batcher).
        self.after_append = after_append

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive lock shared by every writer of this evidence directory."""
        with exclusive_lock(self.directory, LOCK_NAME):
            yield

    def signing_key(self) -> signing.SigningKey:
        with self.locked():
            return signing.load_or_create(self.directory)

    def append(
        self,
        action: str,
        *,
        collector: str,
        sha256: str | None = None,
        size: int | None = None,
        source_url: str | None = None,
        media_type: str | None = None,
        contains_pii: bool = True,
        meta: dict[str, Any] | None = None,
        time: str | None = None,
    ) -> CustodyEntry:
        """Add one entry at the end of the chain (crash-safe, one writer at a time)."""
        entry = self._append_locked(action, collector=collector, sha256=sha256, size=size, source_url=source_url,
                                    media_type=media_type, contains_pii=contains_pii, meta=meta, time=time)
        if self.after_append is not None:
            self.after_append(entry)
        return entry

    def _append_locked(
        self,
        action: str,
        *,
        collector: str,
        sha256: str | None,
        size: int | None,
        source_url: str | None,
        media_type: str | None,
        contains_pii: bool,
        meta: dict[str, Any] | None,
        time: str | None,
    ) -> CustodyEntry:
        with self.locked():
            wiped = None
            if read_head(self.directory) is None and _last_line(self.path) is None:
                wiped = wiped_log_message(self.directory)
            if wiped:
                raise IntegrityError(f"{self.path}: {wiped}")
            key = signing.load_or_create(self.directory)
            seq, prev = self._tail(key)
            draft = CustodyEntry(
                seq=seq + 1,
                prev=prev,
                time=time or utc_now(),
                action=action,
                sha256=sha256,
                size=size,
                source_url=source_url,
                collector=collector,
                media_type=media_type,
                contains_pii=contains_pii,
                signer=key.fingerprint,
                meta=dict(meta or {}),
            )
            body = canonical(draft.body())
            entry = CustodyEntry(
                **draft.body(),
                hash=hashlib.sha256(body).hexdigest(),
                sig=base64.b64encode(key.sign(body)).decode(),
            )
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                _write_all(fd, entry.to_line())
                os.fsync(fd)
            finally:
                os.close(fd)
            self._write_head(key, entry)
            return entry

    def _tail(self, key: signing.SigningKey) -> tuple[int, str]:
        """(seq, hash) of the last entry, checked against the signed head."""
        line = _last_line(self.path)
        head = read_head(self.directory)
        if line is None:
            if head is not None and head.get("seq", 0) != 0:
                raise IntegrityError(
                    f"{self.path}: log is missing or empty but its head records "
                    f"{head.get('seq')} entries"
                )
            return 0, GENESIS
        try:
            last, error = parse_line(line + b"\n")
        except (ValueError, KeyError, TypeError) as exc:
            raise IntegrityError(f"{self.path}: last entry is unreadable ({exc})") from exc
        if error:
            raise IntegrityError(f"{self.path}: last entry: {error}; run 'leaktrace evidence verify'")
        if head is not None and head.get("hash") == last.hash and head.get("seq") == last.seq:
            return last.seq, last.hash
        # A crash between the line's fsync and the head's rename leaves the log one
        # entry ahead of the head: accept exactly that, when the entry is sound.
        recovering = (
            (head or {"seq": 0, "hash": GENESIS}).get("seq") == last.seq - 1
            and (head or {"hash": GENESIS}).get("hash") == last.prev
            and last.hash == last.compute_hash()
            and last.signer == key.fingerprint
            and signing.check_signature(key.public, base64.b64decode(last.sig), canonical(last.body()))
        )
        if not recovering:
            raise IntegrityError(
                f"{self.path}: last entry (seq {last.seq}) does not match the signed head; "
                "run 'leaktrace evidence verify'"
            )
        self._write_head(key, last)
        return last.seq, last.hash

    def _write_head(self, key: signing.SigningKey, entry: CustodyEntry) -> None:
        body = head_body(entry.seq, entry.hash, key.fingerprint)
        doc = {**body, "sig": base64.b64encode(key.sign(canonical(body))).decode()}
        tmp = self.directory / (HEAD_NAME + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            _write_all(fd, canonical(doc) + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.directory / HEAD_NAME)
        _fsync_dir(self.directory)

    def last_entry(self) -> CustodyEntry | None:
        """The newest entry as written (read from the end of the log), or None for an empty log."""
        with self.locked():
            line = _last_line(self.path)
        if line is None:
            return None
        entry, error = parse_line(line + b"\n")
        return None if error else entry

    def entries(self) -> Iterator[CustodyEntry]:
        """Parsed entries in order; IntegrityError at the first unreadable line."""
        for line in read_lines(self.path):
            if line.entry is None or line.error:
                raise IntegrityError(f"{self.path}: line {line.lineno}: {line.error}")
            yield line.entry
