"""A full disk (ENOSPC) at the blob writer: the intake fails loudly and leaves nothing half-written."""

from __future__ import annotations

import errno
import os

import pytest

from leaktrace.evidence import EvidenceStore
from leaktrace.evidence import evidence_store as es


@pytest.mark.parametrize("where", ["write", "fsync"])
def test_enospc_leaves_no_blob_no_custody_entry(store: EvidenceStore, monkeypatch: pytest.MonkeyPatch,
                                                 where: str) -> None:
    store.put_bytes(b"before", source_url=None, collector="t")
    entries_before = len(list(store.entries()))
    blobs_before = sorted(p.name for p in store.blob_dir.glob("??/*"))

    def full(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if where == "fsync":
        monkeypatch.setattr(es.os, "fsync", full)
    else:
        real = es.seal_stream

        def seal_then_full(pieces, out, ring, **kw):
            out.write(b"partial sealed bytes")
            real(iter([b"x" * 100]), out, ring, **kw)
            full()

        monkeypatch.setattr(es, "seal_stream", seal_then_full)
    with pytest.raises(OSError) as exc:
        store.put_bytes(b"a capture that will not fit" * 1000, source_url="http://m.onion/1", collector="t")
    assert exc.value.errno == errno.ENOSPC
    monkeypatch.undo()
    assert sorted(p.name for p in store.blob_dir.glob("??/*")) == blobs_before
    assert list((store.root / "tmp").iterdir()) == []
    assert len(list(store.entries())) == entries_before
    report = store.verify(check_blobs=True)
    assert report.ok and not report.warnings, (report.problems, report.warnings)
    # The disk has room again: the same capture goes in whole.
    ref = store.put_bytes(b"a capture that will not fit" * 1000, source_url="http://m.onion/1", collector="t")
    assert store.read_bytes(ref.sha256) == b"a capture that will not fit" * 1000
