"""Tampering with blobs, the custody log or the key is named by verify, first break first."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from leaktrace.core.errors import IntegrityError
from leaktrace.evidence import EvidenceStore
from leaktrace.evidence.custody import CustodyLog
from leaktrace.evidence.verify import verify_log


def _fill(store: EvidenceStore, n: int = 5) -> list[str]:
    return [
        store.put_bytes(f"capture {i}".encode() * 50, source_url=f"http://m.onion/{i}", collector="c").entry.hash
        for i in range(n)
    ]


def _lines(store: EvidenceStore) -> list[bytes]:
    return store.custody.path.read_bytes().splitlines(keepends=True)


def test_clean_store_verifies(store: EvidenceStore) -> None:
    _fill(store)
    report = store.verify()
    assert report.ok, report.problems
    assert report.entries == 5 and report.blobs_checked == 5 and report.head_seq == 5


def test_flipped_blob_byte(store: EvidenceStore) -> None:
    _fill(store)
    third = next(e for e in store.entries() if e.seq == 3)
    path = store.blob_path(third.sha256)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01
    path.write_bytes(bytes(data))
    first = store.verify().first
    assert first is not None and first.kind == "blob" and first.line == 3
    assert first.entry_hash == third.hash and first.sha256 == third.sha256


def test_missing_blob(store: EvidenceStore) -> None:
    _fill(store)
    second = next(e for e in store.entries() if e.seq == 2)
    store.blob_path(second.sha256).unlink()
    first = store.verify().first
    assert first is not None and first.line == 2 and "missing" in first.message


def test_replaced_blob(store: EvidenceStore) -> None:
    _fill(store)
    e1, e2 = list(store.entries())[:2]
    shutil.copy(store.blob_path(e2.sha256), store.blob_path(e1.sha256))
    first = store.verify().first
    assert first is not None and first.line == 1 and "replaced" in first.message


def test_edited_entry(store: EvidenceStore) -> None:
    hashes = _fill(store)
    lines = _lines(store)
    doc = json.loads(lines[3])
    doc["source_url"] = "http://elsewhere.onion/"
    lines[3] = json.dumps(doc).encode() + b"\n"
    store.custody.path.write_bytes(b"".join(lines))
    report = store.verify()
    assert report.first is not None and report.first.line == 4 and report.first.kind == "altered"
    assert report.first.entry_hash == hashes[3]
    assert len(report.problems) == 1  # no cascade after re-synchronising


def test_deleted_entry(store: EvidenceStore) -> None:
    hashes = _fill(store)
    lines = _lines(store)
    del lines[2]
    store.custody.path.write_bytes(b"".join(lines))
    first = store.verify().first
    assert first is not None and first.kind == "chain" and first.line == 3
    assert first.entry_hash == hashes[3]


def test_deleted_last_entries_caught_by_head(store: EvidenceStore) -> None:
    _fill(store)
    store.custody.path.write_bytes(b"".join(_lines(store)[:3]))
    first = store.verify().first
    assert first is not None and first.kind == "head" and "entries 4..5 were deleted" in first.message


def test_partial_last_line(store: EvidenceStore) -> None:
    _fill(store)
    data = store.custody.path.read_bytes()
    store.custody.path.write_bytes(data[:-40])
    first = store.verify().first
    assert first is not None and first.line == 5 and "partial" in first.message
    with pytest.raises(IntegrityError, match="partial"):
        store.put_bytes(b"more", source_url=None, collector="c")


def test_replaced_signing_key(store: EvidenceStore, tmp_path: Path) -> None:
    hashes = _fill(store, 3)
    (store.root / "signing.key").unlink()
    (store.root / "signing.pub").unlink()
    CustodyLog(store.root).signing_key()  # a new key pair appears
    first = store.verify().first
    assert first is not None and first.line == 1 and first.kind == "signer"
    assert first.entry_hash == hashes[0]


def test_replaced_private_key_only(store: EvidenceStore) -> None:
    _fill(store, 2)
    other = store.root.parent / "other"
    CustodyLog(other).signing_key()
    shutil.copy(other / "signing.key", store.root / "signing.key")
    first = store.verify().first
    assert first is not None and first.kind == "key" and "replaced" in first.message


def test_re_signed_entry_with_wrong_key(store: EvidenceStore) -> None:
    """A forger without the key cannot make an edited entry verify by re-hashing it."""
    _fill(store, 3)
    lines = _lines(store)
    doc = json.loads(lines[1])
    doc["collector"] = "mallory"
    body = {k: v for k, v in doc.items() if k not in ("hash", "sig")}
    import hashlib

    from leaktrace.evidence.custody import canonical

    doc["hash"] = hashlib.sha256(canonical(body)).hexdigest()
    lines[1] = canonical(doc) + b"\n"  # a careful forger writes canonical bytes
    store.custody.path.write_bytes(b"".join(lines))
    report = store.verify()
    assert report.first is not None and report.first.line == 2 and report.first.kind == "signature"


def test_interrupted_append_is_recovered(store: EvidenceStore) -> None:
    """Crash after the line's fsync, before the head moved: the next append repairs the head."""
    _fill(store, 2)
    head = (store.root / "custody.head").read_bytes()
    store.put_bytes(b"third", source_url=None, collector="c")
    (store.root / "custody.head").write_bytes(head)
    report = store.verify()
    assert report.ok and report.warnings
    store.put_bytes(b"fourth", source_url=None, collector="c")
    assert store.verify().ok


def test_orphan_blob_is_a_warning(store: EvidenceStore) -> None:
    _fill(store, 1)
    orphan = store.blob_dir / "ff" / ("f" * 62)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"x")
    report = store.verify()
    assert report.ok and any(w.kind == "orphan" for w in report.warnings)


def test_verify_core_needs_only_files(store: EvidenceStore, tmp_path: Path) -> None:
    """The bundle path: a copied log, head and public key verify with no settings or store."""
    _fill(store, 3)
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    for name in ("custody.jsonl", "custody.head", "signing.pub"):
        shutil.copy(store.root / name, bundle / name)
    from leaktrace.core.signing import fingerprint, load_public
    from leaktrace.evidence.custody import read_head

    pub = load_public(bundle)
    report = verify_log(bundle / "custody.jsonl", {fingerprint(pub): pub}, read_head(bundle))
    assert report.ok and report.entries == 3


def _rewrite_line(store: EvidenceStore, index: int, new: bytes) -> None:
    lines = _lines(store)
    lines[index] = new
    store.custody.path.write_bytes(b"".join(lines))


def test_duplicate_key_refused(store: EvidenceStore) -> None:
    """Issue 16 item 11: a JSON reader keeps the last of two keys, so a forged first one slipped through."""
    _fill(store, 3)
    line = _lines(store)[1]
    assert b'"collector":"c"' in line
    _rewrite_line(store, 1, line.replace(b'"collector":"c"', b'"collector":"mallory","collector":"c"'))
    first = store.verify().first
    assert first is not None and first.line == 2 and "duplicate" in first.message


@pytest.mark.parametrize("rewrite", ["spacing", "escape"])
def test_rewritten_line_refused(store: EvidenceStore, rewrite: str) -> None:
    """Issue 16 item 11: the signed bytes are the line's bytes; same JSON in other bytes is an edit."""
    _fill(store, 3)
    line = _lines(store)[1]
    if rewrite == "spacing":
        new = json.dumps(json.loads(line), sort_keys=True).encode() + b"\n"
    else:
        new = line.replace(b'"collector":"c"', b'"collector":"\\u0063"')
    assert new != line and json.loads(new) == json.loads(line)
    _rewrite_line(store, 1, new)
    report = store.verify()
    first = report.first
    assert first is not None and first.line == 2 and "canonical" in first.message
    assert len(report.problems) == 1  # the walk resynchronises: one edit, one problem
    with pytest.raises(IntegrityError):
        list(store.entries())


@pytest.mark.parametrize("also_blobs", [False, True])
def test_deleted_whole_log_never_verifies_empty(store: EvidenceStore, also_blobs: bool) -> None:
    """Issue 16 item 9: log and head deleted (and the blobs too): not 'ok: 0 entries', no new chain."""
    _fill(store, 3)
    (store.root / "custody.jsonl").unlink()
    (store.root / "custody.head").unlink()
    if also_blobs:
        shutil.rmtree(store.blob_dir)
    report = store.verify()
    assert not report.ok and report.first is not None and report.first.kind == "head"
    assert "deleted" in report.first.message
    with pytest.raises(IntegrityError, match="deleted"):
        store.put_bytes(b"new chain", source_url=None, collector="c")
    assert not store.custody.path.exists()
    store.custody.path.write_bytes(b"")  # an emptied log is the same as a deleted one
    assert not store.verify().ok


def test_deleted_log_head_and_key_with_blobs_left(store: EvidenceStore) -> None:
    """Issue 16 item 9: with the key gone too, the blobs still say the store held entries."""
    _fill(store, 2)
    for name in ("custody.jsonl", "custody.head", "signing.key", "signing.pub"):
        (store.root / name).unlink()
    assert not store.verify().ok
    for blob in store.blob_dir.glob("??/*"):  # written by an earlier run, as in the attack
        os.utime(blob, (blob.stat().st_atime - 3600, blob.stat().st_mtime - 3600))
    with pytest.raises(IntegrityError, match="deleted"):
        store.put_bytes(b"new chain", source_url=None, collector="c")
    assert not store.custody.path.exists() and not (store.root / "signing.key").exists()


def test_new_store_verifies_empty(store: EvidenceStore) -> None:
    assert store.verify().ok and store.verify().entries == 0
    store.put_bytes(b"first", source_url=None, collector="c")
    assert store.verify().ok


def test_chain_written_before_issue_16_still_verifies() -> None:
    """A log, head and key written by the code before the hardening (commit 413ce20), non-ASCII and floats in it."""
    from leaktrace.core.signing import fingerprint, load_public
    from leaktrace.evidence.custody import read_head

    old = Path(__file__).parent / "data" / "chain-v1"
    pub = load_public(old)
    report = verify_log(old / "custody.jsonl", {fingerprint(pub): pub}, read_head(old))
    assert report.ok and report.entries == 3, report.problems


def test_parallel_first_intakes_into_a_new_store_all_land(store: EvidenceStore) -> None:
    """The crawler's workers write the first blobs of a new store at once: none is taken for a wiped log."""
    from concurrent.futures import ThreadPoolExecutor

    def put(i: int) -> str:
        return store.put_bytes(f"page {i}".encode() * 2000, source_url=f"http://x.onion/{i}", collector="c").sha256

    with ThreadPoolExecutor(max_workers=8) as pool:
        shas = list(pool.map(put, range(24)))
    assert len(set(shas)) == 24
    report = store.verify()
    assert report.ok and report.entries == 24
