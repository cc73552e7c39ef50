"""The store: round trips, dedup, encryption at rest, export and provenance."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from leaktrace.core.errors import InputError, IntegrityError
from leaktrace.core.keyring import Keyring, load_keyring
from leaktrace.core.settings import get_settings
from leaktrace.core.signing import fingerprint, load_public
from leaktrace.evidence import EvidenceStore
from leaktrace.evidence.export import export
from leaktrace.evidence.sealed import CHUNK_BYTES

MARKER = "样本,110101199003077777,13800138000,张三\n"


def test_put_bytes_round_trip_and_id_is_sha256(store: EvidenceStore) -> None:
    data = MARKER.encode("gb18030") * 100
    ref = store.put_bytes(data, source_url="http://m.onion/1", collector="alice")
    assert ref.sha256 == hashlib.sha256(data).hexdigest()
    assert ref.size == len(data) and ref.new
    assert store.read_bytes(ref.sha256) == data
    assert ref.entry.action == "capture" and ref.entry.collector == "alice"


def test_multi_chunk_file_round_trip(store: EvidenceStore, tmp_path: Path) -> None:
    path = tmp_path / "dump.csv"
    # Random bytes do not compress, so the sealed stream spans several chunks.
    data = os.urandom(2 * CHUNK_BYTES + 12345)
    path.write_bytes(data)
    seen: list[int] = []
    ref = store.put_file(path, source_url=None, collector="bob", progress=seen.append)
    assert sum(seen) == len(data)
    assert store.blob_path(ref.sha256).stat().st_size > 2 * CHUNK_BYTES
    h = hashlib.sha256()
    with store.open(ref.sha256) as blob:
        for piece in blob.iter_chunks(100_000):
            h.update(piece)
    assert h.hexdigest() == ref.sha256 == hashlib.sha256(data).hexdigest()
    assert ref.entry.action == "intake" and ref.entry.meta["filename"] == "dump.csv"


def test_same_bytes_stored_once_custody_records_both(store: EvidenceStore) -> None:
    a = store.put_bytes(b"listing page", source_url="http://a.onion", collector="c")
    b = store.put_bytes(b"listing page", source_url="http://b.onion", collector="c")
    assert a.sha256 == b.sha256 and a.new and not b.new
    assert len(list(store.blob_dir.glob("??/*"))) == 1
    assert [e.seq for e in store.entries()] == [1, 2]
    (row,) = store.summaries()
    assert row["entries"] == 2 and row["source_url"] == "http://a.onion"


def test_stored_object_is_encrypted(store: EvidenceStore) -> None:
    data = (MARKER * 500).encode()
    ref = store.put_bytes(data, source_url=None, collector="c")
    stored = store.blob_path(ref.sha256).read_bytes()
    assert b"110101199003077777" not in stored
    assert "张三".encode() not in stored
    assert len(stored) < len(data)  # compressed before encryption


def test_wrong_deployment_key_cannot_read(store: EvidenceStore, monkeypatch: pytest.MonkeyPatch) -> None:
    ref = store.put_bytes(b"rows" * 100, source_url=None, collector="c")
    other = Keyring({"k1": os.urandom(32)}, "k1")
    monkeypatch.setenv("LEAKTRACE_KEYRING", other.to_env())
    get_settings.cache_clear()
    with pytest.raises(IntegrityError):
        EvidenceStore(get_settings().data_dir, keys=lambda: load_keyring(get_settings())).read_bytes(ref.sha256)
    report = EvidenceStore(get_settings().data_dir, keys=lambda: load_keyring(get_settings())).verify()
    assert not report.ok and report.first is not None and report.first.kind == "blob"


def test_unknown_and_malformed_hashes(store: EvidenceStore) -> None:
    with pytest.raises(InputError, match="no such evidence blob"):
        store.open("ab" * 32)
    with pytest.raises(InputError, match="not a SHA-256"):
        store.open("xyz")


def test_put_file_rejects_missing_and_directories(store: EvidenceStore, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        store.put_file(tmp_path / "nope", source_url=None, collector="c")
    with pytest.raises(InputError, match="not a regular file"):
        store.put_file(tmp_path, source_url=None, collector="c")
    assert not store.custody.path.exists()


def test_export_gives_original_and_verifiable_provenance(store: EvidenceStore, tmp_path: Path) -> None:
    src = tmp_path / "orders.csv"
    src.write_bytes(MARKER.encode("gb18030") * 10)
    ref = store.put_file(src, source_url="http://m.onion/x", collector="alice")
    result = export(store, ref.sha256, tmp_path / "out", collector="judge")
    assert result.original.read_bytes() == src.read_bytes()
    assert result.original.name.endswith(".csv")
    doc = json.loads(result.provenance.read_text())
    assert doc["sha256"] == ref.sha256 and doc["size"] == ref.size
    assert doc["source_url"] == "http://m.onion/x" and doc["collector"] == "alice"
    assert [e["action"] for e in doc["custody"]] == ["intake", "export"]
    assert doc["signing_key"]["fingerprint"] == fingerprint(load_public(store.root))
    assert store.verify().ok


def test_export_refuses_a_replaced_blob(store: EvidenceStore, tmp_path: Path) -> None:
    a = store.put_bytes(b"first capture", source_url=None, collector="c")
    b = store.put_bytes(b"second capture", source_url=None, collector="c")
    os.replace(store.blob_path(b.sha256), store.blob_path(a.sha256))
    with pytest.raises(IntegrityError, match="holds other bytes"):
        export(store, a.sha256, tmp_path / "out", collector="c")
    assert not any((tmp_path / "out").iterdir())


def test_killed_intake_leftover_reported_and_swept(store: EvidenceStore) -> None:
    """Issue 16 item 5: a partial sealed blob left in tmp/ by a killed `evidence add`."""
    import fcntl
    import os

    store.put_bytes(b"first", source_url=None, collector="c")
    tmp = store.root / "tmp"
    stale = tmp / "blob-killed"
    stale.write_bytes(b"LTEVBLOB partial")
    busy = tmp / "blob-busy"  # another intake still writing: locked
    busy.write_bytes(b"LTEVBLOB in progress")
    for path in (stale, busy):
        os.utime(path, (1_000_000_000, 1_000_000_000))  # long before this process started
    fresh = tmp / "blob-fresh"  # newer than this process: maybe an intake that has not locked it yet
    fresh.write_bytes(b"LTEVBLOB new")
    report = store.verify()
    assert report.ok
    leftovers = [w for w in report.warnings if w.kind == "leftover"]
    assert any("blob-killed" in w.message for w in leftovers)
    fd = os.open(busy, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        store.put_bytes(b"second", source_url=None, collector="c")
    finally:
        os.close(fd)
    assert not stale.exists()
    assert busy.exists() and fresh.exists()
    assert sorted(p.name for p in tmp.iterdir()) == ["blob-busy", "blob-fresh"]
    assert store.verify().ok
