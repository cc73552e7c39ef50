"""The one ingest path: evidence + custody + capture + posts, idempotent, legal basis enforced."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from leaktrace.collect.items import ParsedItem
from leaktrace.core.capture import CaptureDocument
from leaktrace.core.errors import ConfigError, InputError
from leaktrace.evidence.warc import iter_warc
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.ingest import Ingestor
from leaktrace.store.models import Capture, ListingSnapshot, Post

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
URL = "http://marketabc.onion/item/17"
PAGE = "<html><head><title>手机号 10万条</title></head><body>0.05 BTC</body></html>".encode()


def item(price: str = "0.05 BTC") -> ParsedItem:
    return ParsedItem(site="market-a", url=URL, author_handle="seller9", title="手机号 10万条",
                      body="fresh data", price_text=price)


def count(ctx: Context, model: type) -> int:
    with ctx.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_capture_writes_warc_custody_capture_and_post(ctx: Context) -> None:
    with ctx.session() as s:
        ing = Ingestor(s, evidence=ctx.evidence, collector="crawler")
        res = ing.capture(CaptureDocument(source="market-a", url=URL, body=PAGE, fetched_at=T0, status=200,
                                          headers=[("Content-Type", "text/html; charset=utf-8")], items=[item()]))
        s.commit()
    assert res.created and res.payload_sha256 == hashlib.sha256(PAGE).hexdigest()
    records = list(iter_warc(io.BytesIO(ctx.evidence.read_bytes(res.sha256)), "blob"))
    response = next(r for r in records if r.record_type == "response")
    assert response.body == PAGE and response.url == URL and response.status == 200
    entries = list(ctx.evidence.entries())
    assert [e.sha256 for e in entries] == [res.sha256]
    assert entries[0].collector == "crawler" and entries[0].meta["source"] == "market-a"
    with ctx.session() as s:
        cap = s.get(Capture, res.capture_id)
        assert cap is not None and cap.sha256 == res.sha256 and cap.content_type.startswith("text/html")
        post = s.scalar(select(Post))
        assert post is not None and post.capture_id == res.capture_id
        assert (post.price_amount, post.price_currency, post.author_handle) == (0.05, "BTC", "seller9")
        assert post.volume_records == 100_000  # "10万条" in the title, read by intel.volumes
    assert res.posts[0].state == "new"
    assert ctx.evidence.verify().ok


def test_same_bytes_same_url_are_captured_once(ctx: Context) -> None:
    with ctx.session() as s:
        ing = Ingestor(s, evidence=ctx.evidence)
        first = ing.capture(CaptureDocument(source="market-a", url=URL, body=PAGE, fetched_at=T0, status=200,
                                            items=[item()]))
        s.commit()
    # A fresh ingestor (no in-memory cache), a later fetch of the same bytes.
    with ctx.session() as s:
        ing = Ingestor(s, evidence=ctx.evidence)
        again = ing.capture(CaptureDocument(source="market-a", url=URL, body=PAGE,
                                            fetched_at=T0 + timedelta(hours=1), status=200, items=[item()]))
        changed = ing.capture(CaptureDocument(source="market-a", url=URL, body=PAGE + b" ",
                                              fetched_at=T0 + timedelta(hours=2), status=200,
                                              items=[item("0.07 BTC")]))
        s.commit()
    assert not again.created and again.capture_id == first.capture_id
    assert again.posts[0].state == "unchanged"
    assert changed.created and changed.capture_id != first.capture_id
    assert changed.posts[0].changed == ("price_amount",)
    assert count(ctx, Capture) == 2 and count(ctx, ListingSnapshot) == 2
    assert len(list(ctx.evidence.entries())) == 2
    with ctx.session() as s:
        post = s.scalar(select(Post))
        assert post is not None and post.last_seen_at == T0 + timedelta(hours=2)


def test_same_document_without_http_is_raw_and_idempotent(ctx: Context) -> None:
    with ctx.session() as s:
        ing = Ingestor(s, evidence=ctx.evidence)
        a = ing.capture(CaptureDocument(source="market-a", url="file:///saved/p1.html", body=PAGE, fetched_at=T0,
                                        content_type="text/html"))
        b = ing.capture(CaptureDocument(source="market-a", url="file:///saved/p1.html", body=PAGE, fetched_at=T0))
        s.commit()
    assert a.sha256 == hashlib.sha256(PAGE).hexdigest() == b.sha256 and not b.created
    with ctx.evidence.open(a.sha256) as blob:
        assert blob.read() == PAGE
    assert [e.action for e in ctx.evidence.entries()] == ["intake"]


def test_source_without_legal_basis_is_refused_before_any_write(ctx: Context) -> None:
    with ctx.session() as s:
        ing = Ingestor(s, evidence=ctx.evidence)
        with pytest.raises(ConfigError, match=r"pending.*legal basis"):
            ing.capture(CaptureDocument(source="pending", url=URL, body=PAGE, fetched_at=T0, status=200))
        with pytest.raises(InputError, match="no such source"):
            ing.capture(CaptureDocument(source="nowhere", url=URL, body=PAGE, fetched_at=T0, status=200))
    assert list(ctx.evidence.entries()) == []
    assert count(ctx, Capture) == 0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"body": b"x" * 2001}, "exceeds the limit of 2000"),
    ({"fetched_at": datetime(2025, 1, 1)}, "no time zone"),
    ({"url": ""}, "empty URL"),
    ({"status": 42}, "not an HTTP status"),
    ({"body": "text"}, "must be bytes"),
])
def test_bad_input_is_refused_and_writes_nothing(ctx: Context, kwargs: dict, message: str) -> None:
    args = {"source": "market-a", "url": URL, "body": PAGE, "fetched_at": T0, "status": 200, **kwargs}
    with ctx.session() as s:
        ing = Ingestor(s, evidence=ctx.evidence, max_body=2000)
        with pytest.raises(InputError, match=message):
            ing.capture(CaptureDocument(**args))
    assert list(ctx.evidence.entries()) == []


def test_custody_still_verifies_after_many_captures(ctx: Context) -> None:
    with ctx.session() as s:
        ing = Ingestor(s, evidence=ctx.evidence)
        for i in range(20):
            ing.capture(CaptureDocument(source="market-a", url=f"{URL}?p={i % 7}", body=PAGE + str(i % 10).encode(),
                                        fetched_at=T0 + timedelta(minutes=i), status=200))
        s.commit()
    report = ctx.evidence.verify()
    assert report.ok, report.problems
    assert count(ctx, Capture) == len({(i % 7, i % 10) for i in range(20)})


def test_bad_item_is_rejected_alone(ctx: Context) -> None:
    naive = ParsedItem(site="market-a", url=URL + "/x", title="t", posted_at=datetime(2025, 1, 1))
    with ctx.session() as s:
        ing = Ingestor(s, evidence=ctx.evidence)
        res = ing.capture(CaptureDocument(source="market-a", url=URL, body=PAGE, fetched_at=T0, status=200,
                                          items=[naive, item()]))
        s.commit()
    assert [p.state for p in res.posts] == ["new"]
    assert len(ing.rejected) == 1 and "no time zone" in ing.rejected[0][1]


def test_file_body_is_streamed_and_deduplicated(ctx: Context, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "dump.csv"
    path.write_bytes(b"a,b\n" * 50_000)
    with ctx.session() as s:
        ing = Ingestor(s, evidence=ctx.evidence)
        a = ing.capture(CaptureDocument(source="market-a", url="file:///dump.csv", body=path, fetched_at=T0))
        b = ing.capture(CaptureDocument(source="market-a", url="file:///dump.csv", body=path, fetched_at=T0))
        s.commit()
        with pytest.raises(InputError, match="exceeds the limit"):
            Ingestor(s, evidence=ctx.evidence, max_body=1000).capture(CaptureDocument(
                source="market-a", url="file:///dump.csv", body=path, fetched_at=T0))
        with pytest.raises(InputError, match="takes its body as bytes"):
            CaptureDocument(source="market-a", url="file:///dump.csv", body=path, fetched_at=T0, status=200)
    assert a.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and a.created and not b.created
    assert len(list(ctx.evidence.entries())) == 1


@pytest.mark.parametrize(("text", "amount", "currency"), [("￥420", 420.0, "CNY"), ("１２０ USDT", 120.0, "USDT"),
                                                         ("0.05 BTC", 0.05, "BTC")])
def test_a_price_is_read_as_intel_reads_text(text: str, amount: float, currency: str) -> None:
    """Full-width forms (the yen sign Chinese markets print, full-width digits) are prices too: a listing's price
    cut on them is a change of the listing (the soak missed such versions while "￥420" read as no price)."""
    from leaktrace.pipeline.ingest import sighting

    got = sighting(item(text))
    assert (got.price_amount, got.price_currency) == (amount, currency)
