"""WARC import: response records become captures and posts; damage keeps the good part and names the offset."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from _import_helpers import approved, cli, count, posts
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from leaktrace.collect.importers.warc import iter_warc_file
from leaktrace.collect.profile import load_profile
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.importing import run_import
from leaktrace.store.models import Capture, Post

WHEN = "2024-03-04T05:06:07Z"
UTF8_PAGE = "<html><head><title>出售 手机号 10万条</title></head><body><div>价格 500U</div></body></html>".encode()
GBK_PAGE = "<html><head><title>出售银行卡四要素</title></head><body><p>联系 飞机 @abc</p></body></html>".encode("gbk")


def _record(w: WARCWriter, url: str, body: bytes, headers: list[tuple[str, str]], status: str = "200 OK",
            kind: str = "response") -> None:
    http = StatusAndHeaders(status, headers, protocol="HTTP/1.1") if kind == "response" else None
    rec = w.create_warc_record(url, kind, payload=io.BytesIO(body), http_headers=http,
                               warc_headers_dict={"WARC-Date": WHEN})
    w.write_record(rec)


def make_warc(path: Path, *, gzip_records: bool = True) -> Path:
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gzip_records, warc_version="1.1")
    w.write_record(w.create_warcinfo_record(path.name, {"software": "test"}))
    _record(w, "http://m1.onion/listing/1", UTF8_PAGE, [("Content-Type", "text/html; charset=utf-8")])
    req = w.create_warc_record("http://m1.onion/listing/1", "request", http_headers=StatusAndHeaders(
        "GET /listing/1 HTTP/1.1", [("Host", "m1.onion")], is_http_request=True),
        warc_headers_dict={"WARC-Date": WHEN})
    w.write_record(req)
    _record(w, "http://m1.onion/listing/2", GBK_PAGE, [("Content-Type", "text/html")])  # GBK, no charset
    _record(w, "http://m1.onion/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), [("Content-Type", "image/png")])
    path.write_bytes(buf.getvalue())
    return path


def test_responses_become_captures_and_posts(ctx: Context, tmp_path: Path) -> None:
    src = approved(ctx, "warc-src")
    warc = make_warc(tmp_path / "crawl.warc.gz")
    report = run_import(ctx, iter_warc_file(warc, site="m1"), source=src, collector="tester")
    assert report.error is None and report.documents == 3 and report.captures_new == 3
    titles = {p.url: p.title for p in posts(ctx, "m1")}
    assert titles == {"http://m1.onion/listing/1": "出售 手机号 10万条", "http://m1.onion/listing/2": "出售银行卡四要素"}
    with ctx.session() as s:
        cap = s.query(Capture).filter_by(url="http://m1.onion/listing/2").one()
        assert cap.status == 200 and cap.fetched_at == datetime(2024, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert ctx.evidence.verify().ok


def test_reimport_is_idempotent_and_custody_verifies(ctx: Context, tmp_path: Path) -> None:
    src = approved(ctx, "warc-src")
    warc = make_warc(tmp_path / "crawl.warc", gzip_records=False)
    assert cli("import", "warc", str(warc), "--source", src, "--site", "m1") == 0
    entries = len(list(ctx.evidence.entries()))
    captures = count(ctx, Capture)
    assert captures == 4  # three responses + the original file
    assert cli("import", "warc", str(warc), "--source", src, "--site", "m1") == 0
    assert count(ctx, Capture) == captures and len(list(ctx.evidence.entries())) == entries
    assert count(ctx, Post) == 2
    assert cli("evidence", "verify") == 0


def test_truncated_warc_imports_complete_records_and_names_offset(
    ctx: Context, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = approved(ctx, "warc-src")
    data = make_warc(tmp_path / "full.warc.gz").read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: len(data) - 40])
    report = run_import(ctx, iter_warc_file(cut, site="m1"), source=src, collector="tester")
    assert report.error is not None and "truncated or corrupt WARC record at offset" in report.error
    offset = int(report.error.split("offset ")[1].split()[0])
    assert 0 < offset < len(data) - 40
    assert report.captures_new == 2  # the two pages before the cut record
    assert ctx.evidence.verify().ok
    capsys.readouterr()
    assert cli("import", "warc", str(cut), "--source", src, "--site", "m1", "--no-keep-original") == 2
    err = capsys.readouterr().err
    assert f"offset {offset}" in err and "everything before it was imported" in err
    assert err.count("\n") <= 2


def test_profile_reads_listing_fields(ctx: Context, tmp_path: Path) -> None:
    page = ('<html><head><meta charset="utf-8"><title>t</title></head><body><h1 class="title">公民四要素 5万条</h1>'
            '<ul class="meta"><li>卖家: <a class="vendor" href="/vendor/bob">bob</a></li>'
            '<li>价格: <span class="price">0.05 BTC</span></li><li><span class="posted">2024-02-03 04:05</span></li></ul>'
            '<div class="description">新鲜<br>包售后</div></body></html>').encode()
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=True)
    _record(w, "http://m2.onion/listing/77", page, [("Content-Type", "text/html; charset=utf-8")])
    warc = tmp_path / "m2.warc.gz"
    warc.write_bytes(buf.getvalue())
    src = approved(ctx, "m2")
    report = run_import(ctx, iter_warc_file(warc, site="m2", profile=load_profile("simulated-market")),
                        source=src, collector="tester")
    assert report.error is None
    (post,) = posts(ctx, "m2")
    assert (post.title, post.author_handle, post.price_amount, post.price_currency) == ("公民四要素 5万条", "bob", 0.05, "BTC")
    assert post.body == "新鲜\n包售后" and post.posted_at == datetime(2024, 2, 3, 4, 5, tzinfo=UTC)


def test_content_encoding_is_dropped_from_rerecorded_capture(ctx: Context, tmp_path: Path) -> None:
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=True)
    _record(w, "http://m3.onion/a", gzip.compress(UTF8_PAGE),
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")])
    warc = tmp_path / "enc.warc.gz"
    warc.write_bytes(buf.getvalue())
    (doc,) = list(iter_warc_file(warc, site="m3"))
    assert doc.body == UTF8_PAGE  # type: ignore[union-attr]
    assert all(k.lower() != "content-encoding" for k, _ in doc.headers)  # type: ignore[union-attr]
    assert doc.meta["original_headers"] == ["Content-Encoding: gzip"]  # type: ignore[union-attr]


def test_source_without_legal_basis_refused(ctx: Context, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warc = make_warc(tmp_path / "x.warc.gz")
    assert cli("import", "warc", str(warc), "--source", "nobody") == 3
    assert "register it with --legal-basis and --owner" in capsys.readouterr().err
    assert count(ctx, Capture) == 0 and list(ctx.evidence.entries()) == []


def test_a_listings_archived_pictures_are_sealed_with_it_and_read_by_the_queue(ctx: Context, tmp_path: Path) -> None:
    """An image record written after the page (as crawlers write them) still goes with the listing."""
    import hashlib

    from PIL import Image
    from sqlalchemy import select

    from leaktrace.store.models import Job, Media

    png = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(png, "PNG")
    page = ('<html><head><meta charset="utf-8"><title>出售 快递单 样本见图</title></head><body>'
            '<img src="/pic/sample.png"><img src="http://m3.onion/pic/missing.png"><img src="data:image/png;base64,AA">'
            '</body></html>').encode()
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=True)
    _record(w, "http://m3.onion/listing/5", page, [("Content-Type", "text/html; charset=utf-8")])
    _record(w, "http://m3.onion/pic/sample.png", png.getvalue(), [("Content-Type", "image/png")])
    warc = tmp_path / "m3.warc.gz"
    warc.write_bytes(buf.getvalue())
    report = run_import(ctx, iter_warc_file(warc, site="m3"), source=approved(ctx, "m3"), collector="tester")
    assert report.error is None and len(report.pictures) == 1
    (post,) = posts(ctx, "m3")
    with ctx.session() as s:
        (media,) = s.scalars(select(Media).where(Media.post_id == post.id)).all()
        assert media.url == "http://m3.onion/pic/sample.png" and media.media_type == "image/png"
        assert media.sha256 == hashlib.sha256(png.getvalue()).hexdigest()
        assert s.scalar(select(Job.kind).where(Job.id == media.job_id)) == "ocr"
    assert ctx.evidence.read_bytes(media.sha256) == png.getvalue()
    assert ctx.evidence.verify().ok
