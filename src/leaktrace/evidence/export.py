"""Export a blob as its original bytes plus a provenance record a court can check alone.

The provenance record carries every signed custody entry for the blob and
the custody public key, so the exported file can be re-hashed and the
entries' signatures re-checked without leaktrace. The export itself is a
custody event and is logged before the record is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leaktrace.core import signing
from leaktrace.core.errors import InputError, IntegrityError
from leaktrace.core.private_files import private_dir
from leaktrace.evidence.custody import read_head, utc_now
from leaktrace.evidence.evidence_store import EvidenceStore, check_sha256

PROVENANCE_FORMAT = "leaktrace-provenance-v1"
_SUFFIXES = {
    "application/warc": ".warc.gz",
    "text/html": ".html",
    "text/plain": ".txt",
    "text/csv": ".csv",
    "application/json": ".json",
}


@dataclass(frozen=True)
class ExportResult:
    original: Path
    provenance: Path


def _suffix(media_type: str | None, filename: str | None) -> str:
    if media_type in _SUFFIXES:
        return _SUFFIXES[media_type]
    if filename:
        suffix = "".join(Path(filename).suffixes)[-16:]
        if suffix and all(c.isalnum() or c in "._-" for c in suffix):
            return suffix
    return ".bin"


def _write_atomic(dest: Path, write: Any) -> None:
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix="." + dest.name + ".")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export(store: EvidenceStore, sha256: str, dest_dir: Path, *, collector: str) -> ExportResult:
    """Write `<sha>.<ext>` (original bytes, re-hashed on the way out) and `<sha>.provenance.json`."""
    sha = check_sha256(sha256)
    entries = [e for e in store.entries() if e.sha256 == sha]
    if not entries:
        raise InputError(f"{sha}: no such evidence (not in the custody log)")
    intake = entries[0]
    if dest_dir.exists() and not dest_dir.is_dir():
        raise InputError(f"{dest_dir}: not a directory")
    private_dir(dest_dir)  # the originals it receives hold personal data
    original = dest_dir / (sha + _suffix(intake.media_type, intake.meta.get("filename")))
    provenance = dest_dir / (sha + ".provenance.json")

    def copy(out: Any) -> None:
        h = hashlib.sha256()
        with store.open(sha) as blob:
            for piece in blob.iter_chunks():
                h.update(piece)
                out.write(piece)
        if h.hexdigest() != sha:
            raise IntegrityError(f"blob {sha} holds other bytes (SHA-256 {h.hexdigest()}); not exported")

    _write_atomic(original, copy)
    exported = store.custody.append(
        "export",
        collector=collector,
        sha256=sha,
        size=intake.size,
        source_url=intake.source_url,
        media_type=intake.media_type,
        contains_pii=intake.contains_pii,
        meta={"file": original.name},
    )
    key = signing.load_public(store.root)
    doc = {
        "format": PROVENANCE_FORMAT,
        "sha256": sha,
        "size": intake.size,
        "media_type": intake.media_type,
        "contains_pii": intake.contains_pii,
        "file": original.name,
        "intake_time": intake.time,
        "source_url": intake.source_url,
        "collector": intake.collector,
        "exported_at": utc_now(),
        "exported_by": collector,
        "custody": [e.to_json() for e in [*entries, exported]],
        "signing_key": {
            "fingerprint": signing.fingerprint(key),
            "public_key": signing.public_to_text(key),
        },
        "custody_head": read_head(store.root),
    }
    data = (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()
    _write_atomic(provenance, lambda out: out.write(data))
    return ExportResult(original, provenance)
