"""The evidence store: content-addressed sealed blobs plus the custody log that vouches for them.

A blob's ID is the SHA-256 of the original bytes, the number a court
re-computes; what sits on disk is zstd + chunked AES-GCM (sealed.py) under a
key derived from the deployment keyring, which lives outside the data
directory. Everything is encrypted, not just what is flagged as personal
data: a wrong flag must never leave a dump in the clear. Putting the same
bytes twice stores one blob; custody records both intakes.

Layout under `<data_dir>/evidence/`::

    blobs/ab/cdef...     sealed blobs, named by SHA-256
    tmp/                 blobs being written (renamed into place when complete)
    custody.jsonl        signed, hash-chained custody entries
    custody.head         signed pointer to the last entry
    signing.key / .pub   Ed25519 custody key (created on first use)

A blob being written in tmp/ is held under an exclusive flock by its writer.
A killed intake leaves its partial file there: `verify` reports it, and the
next intake removes every one that is older than this process and that no
writer holds locked (so it cannot be a concurrent intake's file).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leaktrace.core import signing
from leaktrace.core.errors import InputError, IntegrityError, LeaktraceError, SecretError
from leaktrace.core.keyring import Keyring
from leaktrace.core.private_files import private_dir
from leaktrace.evidence.custody import (
    EXPIRED,
    CustodyEntry,
    CustodyLog,
    read_head,
    read_lines,
    wiped_log_message,
)
from leaktrace.evidence.sealed import CHUNK_BYTES, OpenedBlob, seal_stream
from leaktrace.evidence.timestamp import Stamper, TsaConfig
from leaktrace.evidence.verify import Anchor, Problem, VerifyReport, verify_log

if TYPE_CHECKING:
    from cryptography.x509 import Certificate

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
READ_BYTES = 1 << 20
TMP_PREFIX = "blob-"
# Leftovers older than this are no intake of this process: a sweep may remove them if unlocked.
PROCESS_START = time.time()


def _leftovers(tmp_dir: Path, *, remove: bool) -> list[tuple[Path, int]]:
    """Partial blobs in tmp/ that no writer holds locked and that predate this process.

    With `remove`, each is unlinked while its lock is held, so a writer cannot take it meanwhile.
    """
    found: list[tuple[Path, int]] = []
    try:
        names = sorted(tmp_dir.iterdir())
    except FileNotFoundError:
        return found
    for path in names:
        if not path.name.startswith(TMP_PREFIX):
            continue
        try:
            st = path.lstat()
            if not stat.S_ISREG(st.st_mode) or st.st_mtime >= PROCESS_START:
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # an intake is writing it
            if remove:
                path.unlink(missing_ok=True)
            found.append((path, st.st_size))
        finally:
            os.close(fd)
    return found


def check_sha256(value: str) -> str:
    """A blob ID as given by a user: 64 hex digits (any case), or an InputError."""
    sha = value.strip().lower()
    if not _SHA_RE.match(sha):
        raise InputError(f"{value!r}: not a SHA-256 (expected 64 hex digits)")
    return sha


@dataclass(frozen=True)
class BlobRef:
    """What `put_*` returns: the blob's ID and size, whether it was new, and its custody entry."""

    sha256: str
    size: int
    new: bool
    entry: CustodyEntry


class StagedBlob:
    """A sealed blob waiting in tmp/ (see `EvidenceStore.stage_stream`): readable, not yet evidence."""

    def __init__(self, store: EvidenceStore, path: Path, fd: int, sha256: str, size: int, key_id: str) -> None:
        self.store, self.path, self._fd = store, path, fd
        self.sha256, self.size, self.key_id = sha256, size, key_id
        self.done = False

    def open(self) -> OpenedBlob:
        """The original bytes as a stream (decrypted as read, never written out)."""
        raw = self.path.open("rb")
        try:
            return OpenedBlob(raw, self.store.ring, f"staged blob {self.sha256}")
        except BaseException:
            raw.close()
            raise

    def commit(self, *, source_url: str | None, collector: str, action: str = "intake",
               media_type: str = "application/octet-stream", contains_pii: bool = True,
               meta: dict[str, Any] | None = None) -> BlobRef:
        """Rename into place (or drop it, when the same bytes are stored already) and record custody."""
        if self.done:
            raise LeaktraceError(f"staged blob {self.sha256}: already committed or discarded")
        self.done = True
        try:
            final = self.store.blob_path(self.sha256)
            new = not final.exists()
            if new:
                private_dir(final.parent)
                os.replace(self.path, final)
            else:
                self.path.unlink()
        except BaseException:
            self.path.unlink(missing_ok=True)
            raise
        finally:
            os.close(self._fd)
        entry = self.store.custody.append(
            action, collector=collector, sha256=self.sha256, size=self.size, source_url=source_url,
            media_type=media_type, contains_pii=contains_pii,
            meta={**(meta or {}), "key_id": self.key_id, "deduplicated": not new},
        )
        return BlobRef(self.sha256, self.size, new, entry)

    def discard(self) -> None:
        """Remove the staged file: nothing of it stays, no custody entry is written."""
        if self.done:
            return
        self.done = True
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)


class EvidenceStore:
    """Blobs and custody for one data directory.

    `keys` is the deployment keyring or a callable that loads it: the key is needed
    to seal and open blobs, not to check the custody chain, so a machine without it
    (an auditor's) can still verify what it can.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        keys: Keyring | Callable[[], Keyring] | None = None,
        tsa: TsaConfig | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.root = self.data_dir / "evidence"
        self.blob_dir = self.root / "blobs"
        self.custody = CustodyLog(self.root)
        self._keys = keys
        self.tsa = tsa
        self.stamper = Stamper(self.custody, tsa) if tsa is not None else None
        if self.stamper is not None:
            self.custody.after_append = self.stamper.after_append

    @property
    def ring(self) -> Keyring:
        if not isinstance(self._keys, Keyring):
            if self._keys is None:
                raise SecretError("no deployment secret given to the evidence store")
            self._keys = self._keys()
        return self._keys

    def blob_path(self, sha256: str) -> Path:
        return self.blob_dir / sha256[:2] / sha256[2:]

    def has(self, sha256: str) -> bool:
        return self.blob_path(sha256).is_file()

    # -- intake ------------------------------------------------------------------

    def put_stream(
        self,
        pieces: Iterable[bytes],
        *,
        source_url: str | None,
        collector: str,
        action: str = "capture",
        media_type: str = "application/octet-stream",
        contains_pii: bool = True,
        meta: dict[str, Any] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> BlobRef:
        """Hash, compress and seal in one pass; rename into place; then record custody."""
        staged = self.stage_stream(pieces, progress=progress)
        return staged.commit(source_url=source_url, collector=collector, action=action, media_type=media_type,
                             contains_pii=contains_pii, meta=meta)

    def stage_stream(self, pieces: Iterable[bytes], *, progress: Callable[[int], None] | None = None) -> StagedBlob:
        """Seal `pieces` into tmp/ without taking them into evidence yet: `commit` or `discard` the result.

        For input that is checked after it is sealed (a console upload): the
        bytes are never on disk in clear, a bad file is discarded without a
        blob or custody entry, and a good one is committed exactly as
        `put_stream` would have stored it. The staged file stays locked until
        then, so no other process's sweep takes it.
        """
        ring = self.ring
        self._refuse_wiped_log()
        tmp_dir = self.root / "tmp"
        private_dir(tmp_dir)
        _leftovers(tmp_dir, remove=True)
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix=TMP_PREFIX)
        tmp = Path(tmp_name)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # held until committed or discarded: a sweep never takes it
            out = os.fdopen(fd, "wb", closefd=False)
            result = seal_stream(pieces, out, ring, progress=progress)
            out.flush()
            os.fsync(fd)
        except BaseException:
            tmp.unlink(missing_ok=True)
            os.close(fd)
            raise
        return StagedBlob(self, tmp, fd, result.sha256.hexdigest(), result.size, ring.active)

    def put_bytes(self, data: bytes, **kwargs: Any) -> BlobRef:
        """Store `data` (see put_stream for the keyword arguments)."""
        view = memoryview(data)
        return self.put_stream(
            (bytes(view[i : i + CHUNK_BYTES]) for i in range(0, len(view), CHUNK_BYTES)), **kwargs
        )

    def put_file(self, path: Path, **kwargs: Any) -> BlobRef:
        """Take a file into evidence as a stream (dumps may be far larger than memory)."""
        try:
            before = path.stat()
        except FileNotFoundError as exc:
            raise InputError(f"{path}: no such file") from exc
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
        if not stat.S_ISREG(before.st_mode):
            raise InputError(f"{path}: not a regular file")
        meta = {"filename": path.name, **kwargs.pop("meta", {})}
        kwargs.setdefault("action", "intake")
        try:
            with path.open("rb") as fh:
                ref = self.put_stream(iter(lambda: fh.read(READ_BYTES), b""), meta=meta, **kwargs)
        except PermissionError as exc:
            raise InputError(f"{path}: permission denied") from exc
        after = path.stat()
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or ref.size != before.st_size:
            raise InputError(
                f"{path}: file changed while it was being taken into evidence "
                f"(hash {ref.sha256} covers the bytes read; take it again from a frozen copy)"
            )
        return ref

    def expire(self, sha256: str, *, collector: str, meta: dict[str, Any] | None = None) -> CustodyEntry | None:
        """Delete a blob under a retention rule; the custody log records it first, then the file goes.

        A crash between the two leaves the blob on disk with its expiry on
        record: verify expects it gone and the next expiry removes it.
        Returns None when no blob was there (already expired).
        """
        check_sha256(sha256)
        path = self.blob_path(sha256)
        if not path.exists():
            return None
        entry = self.custody.append(EXPIRED, collector=collector, sha256=sha256, size=path.stat().st_size,
                                    meta=meta or {})
        path.unlink(missing_ok=True)
        return entry

    def put_capture(self, **kwargs: Any) -> BlobRef:
        """A fetched page as a WARC request/response pair (see warc.store_capture)."""
        from leaktrace.evidence.warc import store_capture

        return store_capture(self, **kwargs)

    def _blob_count(self, *, before_this_process: bool = False) -> int:
        """Blobs on disk; with `before_this_process`, only those written before this process started.

        An intake asks the second question: a blob this process wrote may still be waiting
        for its custody entry (parallel intakes into a new store: the crawler's workers), so
        it says nothing about a wiped log.
        """
        if not self.blob_dir.exists():
            return 0
        n = 0
        for path in self.blob_dir.glob("??/*"):
            try:
                if not before_this_process or path.stat().st_mtime < PROCESS_START:
                    n += 1
            except OSError:
                continue
        return n

    def _refuse_wiped_log(self) -> None:
        """Before a blob is written: a store whose log and head are gone but whose blobs remain was wiped.

        (The custody append refuses the same beside a key; this covers a deleted key too.)
        """
        log = self.custody.path
        if (log.exists() and log.stat().st_size) or read_head(self.root) is not None:
            return
        # Under the custody lock: another writer's first append creates the key before its line
        # lands, and must not be mistaken, half done, for a wiped log.
        with self.custody.locked():
            if (log.exists() and log.stat().st_size) or read_head(self.root) is not None:
                return
            wiped = wiped_log_message(self.root, self._blob_count(before_this_process=True))
        if wiped:
            raise IntegrityError(f"{log}: {wiped}")

    # -- reading -----------------------------------------------------------------

    def open(self, sha256: str) -> OpenedBlob:
        """The original bytes as a stream; IntegrityError at the first altered chunk."""
        sha = check_sha256(sha256)
        path = self.blob_path(sha)
        try:
            raw = path.open("rb")
        except FileNotFoundError as exc:
            raise InputError(f"{sha}: no such evidence blob") from exc
        try:
            return OpenedBlob(raw, self.ring, f"blob {sha}")
        except BaseException:
            raw.close()
            raise

    def read_bytes(self, sha256: str, max_bytes: int = 256 << 20) -> bytes:
        """A small blob whole (WARC captures); refuses anything larger than `max_bytes`."""
        with self.open(sha256) as blob:
            data = blob.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise InputError(f"{sha256}: larger than {max_bytes} bytes; use open() to stream it")
        return data

    def check_blob(self, sha256: str) -> str | None:
        """None if the blob decrypts and re-hashes to its name, else what is wrong."""
        if not self.blob_path(sha256).is_file():
            return f"blob {sha256} is missing"
        h = hashlib.sha256()
        try:
            with self.open(sha256) as blob:
                for piece in blob.iter_chunks():
                    h.update(piece)
        except LeaktraceError as exc:
            return str(exc)
        if h.hexdigest() != sha256:
            return f"blob {sha256} holds other bytes (SHA-256 {h.hexdigest()}): replaced"
        return None

    # -- custody -----------------------------------------------------------------

    def entries(self) -> Iterator[CustodyEntry]:
        return self.custody.entries()

    def entries_about(self, sha256: str, limit: int = 50) -> list[CustodyEntry]:
        """The custody entries of one blob, by an index of the log kept up to date (custody_index.py)."""
        from leaktrace.evidence.custody_index import CustodyIndex

        index = self.__dict__.get("_custody_index")
        if index is None:
            index = self.__dict__.setdefault("_custody_index", CustodyIndex(self.custody.path))
        return index.entries_for(sha256, limit)

    def summaries(self) -> list[dict[str, Any]]:
        """One line per blob, from the custody log alone: first intake and how often it was seen."""
        by_sha: dict[str, dict[str, Any]] = {}
        for e in self.entries():
            if not e.sha256:
                continue
            row = by_sha.get(e.sha256)
            if row is None:
                by_sha[e.sha256] = {
                    "sha256": e.sha256,
                    "size": e.size,
                    "media_type": e.media_type,
                    "intake_time": e.time,
                    "source_url": e.source_url,
                    "collector": e.collector,
                    "contains_pii": e.contains_pii,
                    "filename": e.meta.get("filename"),
                    "entries": 1,
                }
            else:
                row["entries"] += 1
        return list(by_sha.values())

    def trusted_keys(self) -> dict[str, Any]:
        """Public keys entries may be signed with: the store's custody key."""
        if not (self.root / signing.PUBLIC_NAME).exists():
            return {}
        public = signing.load_public(self.root)
        return {signing.fingerprint(public): public}

    def verify(
        self,
        *,
        check_blobs: bool = True,
        anchors: Sequence[Anchor] = (),
        tsa_roots: Sequence[Certificate] | None = None,
    ) -> VerifyReport:
        """Every blob against its hash and the whole chain (and outside anchors); the report names the first break.

        Timestamp tokens are checked against `tsa_roots`, else the configured TSA's roots.
        """
        if tsa_roots is None and self.tsa is not None:
            tsa_roots = self.tsa.roots
        try:
            trusted = self.trusted_keys()
        except IntegrityError as exc:
            report = VerifyReport()
            report.problems.append(Problem("key", str(exc)))
            return report
        head = read_head(self.root)
        report = verify_log(
            self.custody.path, trusted, head, self.check_blob if check_blobs else None, anchors, tsa_roots=tsa_roots
        )
        if head is None and report.entries == 0 and not report.problems:
            wiped = wiped_log_message(self.root, self._blob_count())
            if wiped:
                report.problems.append(Problem("head", wiped, 1))
        key_problem = self._key_pair_problem()
        if key_problem:
            report.problems.insert(0, Problem("key", key_problem))
        referenced = {ln.entry.sha256 for ln in read_lines(self.custody.path) if ln.entry}
        for path in sorted(self.blob_dir.glob("??/*")) if self.blob_dir.exists() else []:
            sha = path.parent.name + path.name
            if sha not in referenced:
                report.warnings.append(
                    Problem("orphan", f"blob {sha} has no custody entry (interrupted intake?)", sha256=sha)
                )
        for path, size in _leftovers(self.root / "tmp", remove=False):
            report.warnings.append(
                Problem(
                    "leftover",
                    f"tmp/{path.name}: partial encrypted blob ({size} bytes) left by an interrupted intake; "
                    "the next intake removes it",
                )
            )
        return report

    def _key_pair_problem(self) -> str | None:
        priv = self.root / signing.PRIVATE_NAME
        if not priv.exists() or not (self.root / signing.PUBLIC_NAME).exists():
            return None
        try:
            signing.load_or_create(self.root)
        except IntegrityError as exc:
            return str(exc)
        return None

