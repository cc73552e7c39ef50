"""The queued OCR stage on both backends: a listing's pictures read by workers, the results masked and keyed."""

from __future__ import annotations

import io
import json
import random
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest
from PIL import Image

from leaktrace.collect.items import CaptureDocument, ParsedItem
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.ingest import Ingestor
from leaktrace.pipeline.media import OCR, CaptureRef, PictureIn, queue_media, store_pictures
from leaktrace.pipeline.media_jobs import picture_sample
from leaktrace.service.media import drain_media
from leaktrace.simulate.fonts import find_cjk_font
from leaktrace.simulate.social.pictures import Painter
from leaktrace.simulate.social.samples import synthetic_row
from leaktrace.store.models import Media
from leaktrace.store.repo.jobs import JobQueue

URL = "http://marketaaa.onion/listing/7"


@pytest.fixture(autouse=True)
def _one_tesseract_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")


def _table(rows: list[dict[str, str]]) -> bytes:
    shipped = Path(str(resources.files("leaktrace.cases").joinpath("fonts", "lt-report-cjk.woff2")))
    img, _ = Painter(find_cjk_font([]) or shipped).table(rows)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def test_queued_ocr_reads_a_listing_pictures_into_masked_rows(ctx: Context) -> None:
    rows = [synthetic_row(random.Random(k), None, "orders") for k in range(5)]
    bomb = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(bomb, "PNG")
    with ctx.session() as s:
        res = Ingestor(s, evidence=ctx.evidence, collector="t").capture(CaptureDocument(
            source="market-a", url=URL, body=b"<html><h1>data</h1></html>", fetched_at=datetime.now(UTC), status=200,
            headers=[("Content-Type", "text/html")], items=[ParsedItem(site="marketaaa.onion", url=URL, title="样本")]))
        ids = store_pictures(s, ctx.evidence, CaptureRef(res.capture_id, res.sha256, res.entry_hash, res.entry_seq),
                             [PictureIn(f"{URL}/a.png", _table(rows), "image/png"),
                              PictureIn(f"{URL}/bomb.png", bomb.getvalue(), "image/png"),
                              PictureIn(f"{URL}/gone.png", None, problem="HTTP 404")],
                             collector="t", post_id=res.posts[0].post_id)
        s.commit()
    assert len(ids) == 2  # the one not got is a row with its problem, nothing to read
    queue_media(ctx.sessions, ocr=ids)
    assert JobQueue(ctx.sessions).counts(OCR) == {"queued": 2}
    done = drain_media(ctx, None, workers=2, kinds=(OCR,))
    assert done.counts[OCR] == {"done": 2}
    with ctx.sessions() as s:
        got = {m.url.rsplit("/", 1)[1]: m for m in s.query(Media)}
        table, bad, gone = got["a.png"], got["bomb.png"], got["gone.png"]
        assert table.state == "done" and table.sample_rows == 5 and table.sample_valid_ids == 5
        assert {v["hash"] for v in table.values if v["type"] == "cn_id"} == {
            ctx.hasher.hash("cn_id", r["身份证"]) for r in rows}
        assert not any(r["身份证"] in (table.masked_text or "") or r["手机"] in (table.masked_text or "") for r in rows)
        assert json.loads(ctx.evidence.read_bytes(str(table.ocr_sha256)))["picture_sha256"] == table.sha256
        assert bad.state == "failed" and (bad.problem or "").startswith("decompression bomb") and bad.ocr_sha256 is None
        assert gone.state == "failed" and gone.problem == "HTTP 404" and gone.sha256 is None
        assert picture_sample(s, res.posts[0].post_id) == {"pictures": 3, "rows": 5, "valid_ids": 5,
                                                          "provinces": table.sample_provinces}
    # the intel stage run again on the post (a changed listing) keeps what its pictures showed
    from leaktrace.pipeline.intel_stage import analyse_item
    from leaktrace.store.models import IntelResult

    with ctx.session() as s:
        analyse_item(s, res.posts[0].post_id, "样本", "five rows in the picture", ctx.hasher)
        s.commit()
        (verdict,) = s.query(IntelResult).filter(IntelResult.post_id == res.posts[0].post_id).all()
        assert verdict.facts["sample"] is True and verdict.facts["picture_sample"]["rows"] == 5
    # the page captured again (a watch round) with the same picture: still one picture, five rows
    with ctx.session() as s:
        again = Ingestor(s, evidence=ctx.evidence, collector="t").capture(CaptureDocument(
            source="market-a", url=URL, body=b"<html><h1>data, sold 3</h1></html>", fetched_at=datetime.now(UTC),
            status=200, headers=[("Content-Type", "text/html")]))
        store_pictures(s, ctx.evidence, CaptureRef(again.capture_id, again.sha256, again.entry_hash, again.entry_seq),
                       [PictureIn(f"{URL}/a.png", _table(rows), "image/png")], collector="t",
                       post_id=res.posts[0].post_id)
        s.commit()
        assert picture_sample(s, res.posts[0].post_id) == {"pictures": 3, "rows": 5, "valid_ids": 5,
                                                          "provinces": table.sample_provinces}
    assert ctx.evidence.verify().ok
