"""Re-seal every evidence blob under the keyring's active key, so an old key can be retired.

Each blob is re-sealed one at a time: the old blob is opened (authenticated
chunk by chunk), sealed again under the active key into `tmp/` (held under
its writer's flock like any intake), checked to re-hash to its name (the
payload SHA-256 a court holds never changes), fsynced, and renamed over
the old file. `rename` is atomic, so a blob file is always whole and names
exactly one key in its header: a kill -9 at any point leaves every blob
readable under exactly one key (the old one or the new one).

Every re-sealed blob gets a `rekey` custody entry (from_key, to_key). The
rename comes before the entry, so a kill between them leaves a blob under
the new key with no entry yet: the next run compares each blob's key with
the last key custody records for it and writes the missing entry
(`recovered: true`) before going on. A run is therefore resumable: it skips
what is done and finishes the rest.
"""

from __future__ import annotations

import fcntl
import os
import struct
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from leaktrace.core.errors import IntegrityError
from leaktrace.core.private_files import private_dir
from leaktrace.evidence.custody import _fsync_dir, loads_strict
from leaktrace.evidence.evidence_store import TMP_PREFIX, EvidenceStore
from leaktrace.evidence.sealed import MAGIC, seal_stream

REKEY = "rekey"
_MAX_HEADER = 4096


def blob_key_id(path: Path) -> str:
    """The keyring key id a sealed blob names in its header (no key needed to read it)."""
    with path.open("rb") as fh:
        head = fh.read(len(MAGIC) + 3)
        if len(head) < len(MAGIC) + 3 or head[: len(MAGIC)] != MAGIC:
            raise IntegrityError(f"{path}: not a leaktrace evidence blob (bad magic)")
        _version, hlen = struct.unpack(">BH", head[len(MAGIC) :])
        if hlen > _MAX_HEADER:
            raise IntegrityError(f"{path}: malformed blob header")
        try:
            kid = loads_strict(fh.read(hlen))["kid"]
        except (ValueError, KeyError, TypeError) as exc:
            raise IntegrityError(f"{path}: malformed blob header") from exc
    if not isinstance(kid, str):
        raise IntegrityError(f"{path}: malformed blob header")
    return kid


def iter_blobs(store: EvidenceStore) -> Iterator[tuple[str, Path]]:
    """(sha256, path) of every blob on disk, in name order."""
    if not store.blob_dir.exists():
        return
    for path in sorted(store.blob_dir.glob("??/*")):
        yield path.parent.name + path.name, path


def keys_in_use(store: EvidenceStore) -> Counter[str]:
    """How many blobs each key id seals: a key may be retired only when its count is zero."""
    return Counter(blob_key_id(path) for _sha, path in iter_blobs(store))


def recorded_keys(store: EvidenceStore) -> dict[str, tuple[str, int]]:
    """(key, original size) each blob was last recorded under in custody (intake key_id, then rekey to_key).

    A deduplicated intake did not write the blob, so its key_id says nothing about it.
    """
    keys: dict[str, tuple[str, int]] = {}
    for e in store.entries():
        if not e.sha256:
            continue
        if e.action == REKEY and isinstance(e.meta.get("to_key"), str):
            keys[e.sha256] = (e.meta["to_key"], int(e.size or 0))
        elif "key_id" in e.meta and not e.meta.get("deduplicated") and e.sha256 not in keys:
            keys[e.sha256] = (str(e.meta["key_id"]), int(e.size or 0))
    return keys


@dataclass
class RekeyReport:
    """What a run did: blobs re-sealed, already under the active key, and entries recovered."""

    active: str
    resealed: int = 0
    already: int = 0
    recovered: int = 0
    by_old_key: Counter[str] = field(default_factory=Counter)


def rekey(
    store: EvidenceStore,
    *,
    collector: str,
    progress: Callable[[str], None] | None = None,
) -> RekeyReport:
    """Re-seal every blob not under the active key; resumable; one custody entry per blob."""
    ring = store.ring
    report = RekeyReport(ring.active)
    recorded = recorded_keys(store)
    tmp_dir = store.root / "tmp"
    private_dir(tmp_dir)
    for sha, path in iter_blobs(store):
        kid = blob_key_id(path)
        if kid == ring.active:
            report.already += 1
            old, size = recorded.get(sha, (ring.active, 0))
            if old != ring.active:  # renamed, then killed before its entry
                _log(store, sha, size, old, ring.active, collector, recovered=True)
                report.recovered += 1
            continue
        size = _reseal(store, sha, path, tmp_dir)
        _log(store, sha, size, kid, ring.active, collector, recovered=False)
        report.resealed += 1
        report.by_old_key[kid] += 1
        if progress is not None:
            progress(sha)
    return report


def _reseal(store: EvidenceStore, sha: str, path: Path, tmp_dir: Path) -> int:
    """Seal the blob's original bytes again under the active key and rename over the old file."""
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix=TMP_PREFIX)
    tmp = Path(tmp_name)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with os.fdopen(fd, "wb") as out, store.open(sha) as blob:
            result = seal_stream(blob.iter_chunks(), out, store.ring)
            out.flush()
            os.fsync(out.fileno())
        if result.sha256.hexdigest() != sha:
            raise IntegrityError(f"blob {sha} holds other bytes (SHA-256 {result.sha256.hexdigest()}); not re-sealed")
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return result.size


def _log(store: EvidenceStore, sha: str, size: int, old: str, new: str, collector: str, *, recovered: bool) -> None:
    meta: dict[str, object] = {"from_key": old, "to_key": new}
    if recovered:
        meta["recovered"] = True
    store.custody.append(REKEY, collector=collector, sha256=sha, size=size, contains_pii=True, meta=meta)

