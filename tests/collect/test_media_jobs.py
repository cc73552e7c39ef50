"""Queued render jobs: a rendering joins its capture's custody entry, a failure is recorded, the report shows the PNG.

The capture is ingested as the crawler's sink does (its custody entry
announces the rendering), its picture sealed with it; the job renders from
evidence alone (the picture is served from the store, no network), or, for
a page whose picture never arrives, records the failure against the same
capture entry. A screenshot entry that does not carry the capture entry's
link is not accepted as the capture's.
"""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime

import httpx
from _crawl_sources import add_source
from PIL import Image

from leaktrace.collect.items import CaptureDocument
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.ingest import Ingestor
from leaktrace.pipeline.media import (
    CaptureRef,
    PictureIn,
    queue_media,
    render_key,
    render_payload,
    rendering_meta,
    store_pictures,
)
from leaktrace.pipeline.render_runtime import RenderRuntime
from leaktrace.service.media import drain_media
from leaktrace.store.models import Media
from leaktrace.store.repo.jobs import JobQueue

HOST = "http://rendermarket.onion"


def _png(color: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (200, 120), color).save(buf, "PNG")
    return buf.getvalue()


def _ingest(ctx: Context, path: str, html: bytes, pictures: list[PictureIn], spec: dict) -> tuple[CaptureRef, str]:
    """A capture as the crawler's sink writes it: entry announcing a rendering, pictures sealed, jobs queued."""
    add_source(ctx, "render-src")
    key = render_key()
    with ctx.session() as s:
        res = Ingestor(s, evidence=ctx.evidence, collector="t").capture(CaptureDocument(
            source="render-src", url=f"{HOST}{path}", body=html, fetched_at=datetime.now(UTC), status=200,
            headers=[("Content-Type", "text/html; charset=utf-8")], meta=rendering_meta(key)))
        cap = CaptureRef(res.capture_id, res.sha256, res.entry_hash, res.entry_seq)
        store_pictures(s, ctx.evidence, cap, pictures, collector="t")
        s.commit()
    queue_media(ctx.sessions, render=render_payload(cap, spec), render_job_key=key)
    return cap, key


def test_rendering_joins_the_capture_entry_and_the_report_shows_it(ctx: Context) -> None:
    from leaktrace.cases.model import CaseContent, CaseInfo
    from leaktrace.cases.report import render_html, screenshot_thumbs
    from leaktrace.evidence.sheet import SCREENSHOT, gather, linked_screenshots

    page = b'<html><body><h1>sample</h1><img src="/pic.png"><img src="/elsewhere.png"></body></html>'
    cap, key = _ingest(ctx, "/listing/1", page, [PictureIn(f"{HOST}/pic.png", _png((200, 0, 0)), "image/png")],
                       {"timeout_s": 10})
    assert not [e for e in ctx.evidence.entries() if e.action == SCREENSHOT]  # queued, not rendered
    runtime = RenderRuntime(ctx.evidence)  # no proxy: only what was sealed with the capture can be shown
    try:
        drained = drain_media(ctx, runtime, workers=1)
    finally:
        runtime.close()
    assert drained.counts["render"] == {"done": 1}
    entries = list(ctx.evidence.entries())
    (shot,) = [e for e in entries if e.action == SCREENSHOT]
    capture = next(e for e in entries if e.sha256 == cap.sha256)
    assert capture.meta["rendering"] == {"state": "queued", "job_key": key}
    assert (shot.meta["capture_entry"], shot.meta["capture_seq"], shot.meta["job_key"]) == (cap.entry_hash,
                                                                                          cap.entry_seq, key)
    assert shot.meta["job_id"] == JobQueue(ctx.sessions).find("render", key).id
    # the picture came from evidence; the other one was refused (no proxy in this worker), and says so
    assert [b["url"] for b in shot.meta["blocked"]] == [f"{HOST}/elsewhere.png"]
    with Image.open(io.BytesIO(ctx.evidence.read_bytes(str(shot.sha256)))) as img:
        assert img.getpixel((20, 80))[0] > 150  # the red sample picture is on the page
    # a screenshot entry without the capture entry's link is not the capture's
    ctx.evidence.put_bytes(_png((0, 0, 255)), source_url=f"{HOST}/listing/1", collector="forger", action=SCREENSHOT,
                           media_type="image/png", meta={"capture_sha256": cap.sha256, "capture_entry": "0" * 64,
                                                         "job_key": key})
    assert linked_screenshots(list(ctx.evidence.entries()), [cap.sha256])[cap.sha256].sha256 == shot.sha256
    sheet = gather(ctx.evidence, cap.sha256)
    assert sheet.screenshot is not None and sheet.screenshot.sha256 == shot.sha256 and sheet.rendering == "rendered"
    # the case report shows it beside the capture
    thumbs = screenshot_thumbs(ctx.evidence, [cap.sha256])
    now = datetime.now(UTC)
    content = CaseContent.model_validate({
        "info": CaseInfo(ref="LT-SHOT", title="t", created_at=now, updated_at=now).model_dump(),
        "captures": [{"sha256": cap.sha256, "url": f"{HOST}/listing/1", "fetched_at": now.isoformat()}]})
    html = render_html(content, "en", shots=thumbs)
    assert thumbs[cap.sha256].startswith("data:image/jpeg;base64,") and thumbs[cap.sha256] in html
    assert ctx.evidence.verify().ok


def test_a_page_that_never_finishes_is_a_recorded_failure_on_the_same_entry(ctx: Context) -> None:
    from leaktrace.evidence.sheet import SCREENSHOT_FAILED, gather

    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(404)

    page = b'<html><body><h1>slow</h1><img src="/never.png"></body></html>'
    cap, key = _ingest(ctx, "/listing/2", page, [], {"timeout_s": 2})
    runtime = RenderRuntime(ctx.evidence, transport=httpx.MockTransport(never))
    try:
        drained = drain_media(ctx, runtime, workers=1)
    finally:
        runtime.close()
    assert drained.counts["render"] == {"done": 1}  # the job ran; its outcome is a recorded failure
    (failed,) = [e for e in ctx.evidence.entries() if e.action == SCREENSHOT_FAILED]
    assert failed.meta["capture_entry"] == cap.entry_hash and failed.meta["job_key"] == key
    assert "within 2 s" in failed.meta["reason"]
    with ctx.sessions() as s:
        (row,) = s.query(Media).filter(Media.kind == "screenshot").all()
        assert row.state == "failed" and row.sha256 is None and "within 2 s" in (row.problem or "")
    sheet = gather(ctx.evidence, cap.sha256)
    assert sheet.screenshot is None and sheet.rendering == "failed" and sheet.failures == [failed]
    assert ctx.evidence.verify().ok
