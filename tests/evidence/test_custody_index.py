"""One blob's custody entries by the offset index equal a scan of the whole log, as the log grows or is replaced."""

from __future__ import annotations

import hashlib
import shutil

from leaktrace.evidence import EvidenceStore
from leaktrace.evidence.custody_index import CustodyIndex


def _scan(store: EvidenceStore, sha: str) -> list[int]:
    return [e.seq for e in store.entries() if e.sha256 == sha]


def test_index_matches_a_scan_and_follows_appends(store: EvidenceStore) -> None:
    a = store.put_bytes(b"page a", source_url="http://a.onion", collector="c").sha256
    b = store.put_bytes(b"page b", source_url="http://b.onion", collector="c").sha256
    store.put_bytes(b"page a", source_url="http://mirror.onion", collector="c")  # a second intake of a
    assert [e.seq for e in store.entries_about(a)] == _scan(store, a) and len(_scan(store, a)) == 2
    assert [e.seq for e in store.entries_about(b)] == _scan(store, b) == [2]
    c = store.put_bytes(b"page c", source_url="http://c.onion", collector="c").sha256  # after the first look-up
    store.put_bytes(b"page b", source_url="http://b2.onion", collector="c")
    assert [e.seq for e in store.entries_about(c)] == _scan(store, c) == [4]
    assert [e.seq for e in store.entries_about(b)] == _scan(store, b) == [2, 5]
    assert store.entries_about(hashlib.sha256(b"never stored").hexdigest()) == []
    assert [e.seq for e in store.entries_about(a, limit=1)] == _scan(store, a)[:1]


def test_a_sha_named_in_meta_is_not_taken_for_the_entry(store: EvidenceStore) -> None:
    a = store.put_bytes(b"page a", source_url="http://a.onion", collector="c").sha256
    store.custody.append("note", collector="c", meta={"sha256": a})  # names a, is not about it
    assert [e.seq for e in store.entries_about(a)] == _scan(store, a) == [1]


def test_a_replaced_or_shorter_log_is_indexed_again(store: EvidenceStore, tmp_path: object) -> None:
    a = store.put_bytes(b"page a", source_url="http://a.onion", collector="c").sha256
    b = store.put_bytes(b"page b", source_url="http://b.onion", collector="c").sha256
    index = CustodyIndex(store.custody.path)
    assert [e.seq for e in index.entries_for(b)] == [2]
    log = store.custody.path
    first_line = log.read_bytes().split(b"\n", 1)[0] + b"\n"
    copy = log.with_suffix(".copy")
    copy.write_bytes(first_line)
    shutil.move(copy, log)  # another file, shorter than what was read
    assert index.entries_for(b) == []
    assert [e.seq for e in index.entries_for(a)] == [1]


def test_a_line_being_written_is_read_once_complete(store: EvidenceStore) -> None:
    a = store.put_bytes(b"page a", source_url="http://a.onion", collector="c").sha256
    log = store.custody.path
    whole = log.read_bytes()
    index = CustodyIndex(log)
    log.write_bytes(whole[:-10])  # the same file, its only line not yet complete
    assert index.entries_for(a) == []
    log.write_bytes(whole)
    assert [e.seq for e in index.entries_for(a)] == [1]
