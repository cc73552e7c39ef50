"""The custody result the report's evidence appendix prints for each capture.

The chain is verified once (hashes, links, signatures, signed head); each
capture is then checked on its own: its blob re-hashes to its SHA-256 and
the custody log records it. A case can be reported on a machine without
the evidence store; then the appendix says so instead of claiming a result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from leaktrace.cases.model import Capture
from leaktrace.core.errors import ConfigError
from leaktrace.evidence import EvidenceStore


@dataclass
class CustodyResult:
    available: bool
    ok: bool
    entries: int = 0
    first_problem: str | None = None
    per_capture: dict[str, str | None] = field(default_factory=dict)  # sha -> problem or None
    # Set when blob contents could not be decrypted here (no deployment key): the
    # chain and each capture's custody record are still checked, the bytes are not.
    contents_unchecked: str | None = None


def check_captures(captures: list[Capture], store: EvidenceStore) -> CustodyResult:
    """Verify the chain and every capture of the case against the evidence store."""
    if not store.custody.path.exists():
        return CustodyResult(available=False, ok=False, per_capture={c.sha256: None for c in captures})
    report = store.verify(check_blobs=False)
    logged = {e.entry.sha256 for e in _lines(store) if e.entry is not None}
    result = CustodyResult(
        available=True,
        ok=report.ok,
        entries=report.entries,
        first_problem=report.first.describe() if report.first else None,
    )
    try:
        _ = store.ring
    except ConfigError as exc:
        result.contents_unchecked = str(exc)
    for cap in captures:
        if cap.sha256 not in logged:
            result.per_capture[cap.sha256] = "not recorded in the custody log"
            result.ok = False
            continue
        if result.contents_unchecked is not None:
            result.per_capture[cap.sha256] = None
            continue
        problem = store.check_blob(cap.sha256)
        result.per_capture[cap.sha256] = problem
        if problem:
            result.ok = False
    return result


def _lines(store: EvidenceStore):  # type: ignore[no-untyped-def]
    from leaktrace.evidence.custody import read_lines

    return read_lines(store.custody.path)
