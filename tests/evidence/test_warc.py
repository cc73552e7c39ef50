"""WARC captures: stored as blobs, exported, and read back by standard tools (warcio)."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from warcio.archiveiterator import ArchiveIterator

from leaktrace.core.errors import InputError
from leaktrace.evidence import EvidenceStore
from leaktrace.evidence.export import export
from leaktrace.evidence.warc import build_capture_warc, iter_warc

BODY = "<html><body>出售 某电商 订单数据 9亿条 样本 110101199003077777</body></html>".encode()
WHEN = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)


def _capture(i: int = 0, body: bytes = BODY) -> bytes:
    return build_capture_warc(
        url=f"http://market.onion/listing/{i}?page=2",
        status=200,
        headers=[("Content-Type", "text/html; charset=utf-8")],
        body=body,
        fetched_at=WHEN,
    )


def test_exported_capture_opens_in_warcio(store: EvidenceStore, tmp_path: Path) -> None:
    ref = store.put_capture(
        url="http://market.onion/listing/1",
        status=200,
        headers=[("Content-Type", "text/html; charset=utf-8")],
        body=BODY,
        fetched_at=WHEN,
        collector="crawler",
    )
    assert ref.entry.media_type == "application/warc"
    assert BODY not in store.blob_path(ref.sha256).read_bytes()
    out = export(store, ref.sha256, tmp_path / "out", collector="analyst")
    assert out.original.name.endswith(".warc.gz")
    with out.original.open("rb") as fh:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read()) for r in ArchiveIterator(fh)]
    assert [t for t, _, _ in records] == ["request", "response"]
    assert records[1] == ("response", "http://market.onion/listing/1", BODY)


def test_iter_warc_reads_what_we_write() -> None:
    data = _capture(0) + _capture(1, b"second")
    recs = list(iter_warc(io.BytesIO(data), "x.warc.gz"))
    responses = [r for r in recs if r.record_type == "response"]
    assert [r.body for r in responses] == [BODY, b"second"]
    assert responses[0].status == 200 and responses[0].date == "2024-05-06T07:08:09.000000Z"
    assert recs[0].offset == 0 and recs[2].offset > recs[1].offset > 0


# Built once: record IDs are random, so sizes differ between builds.
TWO_CAPTURES = _capture(0) + _capture(1, b"second" * 100)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_truncated_warc_names_offset_after_good_records(data: st.DataObject) -> None:
    plain = data.draw(st.booleans())
    whole = TWO_CAPTURES
    if plain:
        whole = gzip.decompress(whole)
    full = list(iter_warc(io.BytesIO(whole), "x"))
    last = full[-1].offset
    # Cut somewhere inside the last record's body (past its headers).
    cut = data.draw(st.integers(last + 300 if plain else last + 20, len(whole) - 5))
    got = []
    with pytest.raises(InputError, match=rf"^x: truncated or corrupt WARC record at offset {last}\b"):
        for rec in iter_warc(io.BytesIO(whole[:cut]), "x"):
            got.append(rec)
    assert [r.offset for r in got] == [r.offset for r in full[:-1]]


def test_garbage_is_one_clear_error() -> None:
    with pytest.raises(InputError, match="junk: truncated or corrupt WARC record at offset 0"):
        list(iter_warc(io.BytesIO(b"this is not a warc file at all\n" * 3), "junk"))
