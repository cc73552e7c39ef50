"""A crawl killed between committing a capture and queueing its media jobs: the sweep queues them.

The state is made directly: a capture whose custody entry announces a
rendering and a sealed picture, committed, with no job queued (what a kill
right after the commit leaves). The sweep queues the rendering under the
entry's own job key and the OCR job under `ocr:{media id}`; a second sweep
queues nothing; a service that starts sweeps by itself.
"""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta

from PIL import Image
from sqlalchemy import select

from leaktrace.collect.items import CaptureDocument
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.ingest import Ingestor
from leaktrace.pipeline.media import (
    CaptureRef,
    PictureIn,
    render_key,
    rendering_meta,
    store_pictures,
)
from leaktrace.pipeline.media_sweep import requeue_lost_media
from leaktrace.store.models import Job, Media
from leaktrace.store.repo.jobs import JobQueue

HOST = "http://sweepmarket.onion"


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 0, 0)).save(buf, "PNG")
    return buf.getvalue()


def _killed_after_commit(ctx: Context, path: str) -> tuple[CaptureRef, str, list[int]]:
    """What the crawler's sink leaves when killed after `session.commit()` and before `queue_media`."""
    key = render_key()
    with ctx.session() as s:
        res = Ingestor(s, evidence=ctx.evidence, collector="t").capture(CaptureDocument(
            source="market-a", url=f"{HOST}{path}", body=b"<html><img src='/p.png'></html>",
            fetched_at=datetime.now(UTC), status=200, headers=[("Content-Type", "text/html")],
            meta=rendering_meta(key)))
        cap = CaptureRef(res.capture_id, res.sha256, res.entry_hash, res.entry_seq)
        ocr = store_pictures(s, ctx.evidence, cap, [PictureIn(f"{HOST}/p.png", _png(), "image/png")], collector="t")
        s.commit()
    return cap, key, ocr


def test_sweep_queues_the_lost_rendering_and_ocr_once(ctx: Context) -> None:
    cap, key, ocr = _killed_after_commit(ctx, "/listing/1")
    queue = JobQueue(ctx.sessions)
    assert queue.find("render", key) is None and len(ocr) == 1
    report = requeue_lost_media(ctx)
    assert report.as_dict() == {"render": 1, "ocr": 1}
    job = queue.find("render", key)
    ocr_job = queue.find("ocr", f"ocr:{ocr[0]}")
    assert job is not None and job.state == "queued" and ocr_job is not None
    with ctx.sessions() as s:
        p = s.get(Job, job.id).payload  # type: ignore[union-attr]
        assert s.scalar(select(Media.job_id).where(Media.id == ocr[0])) == ocr_job.id
    assert (p["capture_id"], p["capture_sha256"], p["capture_entry"], p["capture_seq"]) == (
        cap.capture_id, cap.sha256, cap.entry_hash, cap.entry_seq)
    assert requeue_lost_media(ctx).as_dict() == {"render": 0, "ocr": 0}  # idempotent
    assert queue.counts("render") == {"queued": 1} and queue.counts("ocr") == {"queued": 1}


def test_sweep_leaves_captures_outside_its_window_and_without_a_rendering(ctx: Context) -> None:
    with ctx.session() as s:  # an ordinary capture that announced no rendering
        Ingestor(s, evidence=ctx.evidence, collector="t").capture(CaptureDocument(
            source="market-a", url=f"{HOST}/plain", body=b"<html>plain</html>", fetched_at=datetime.now(UTC),
            status=200, headers=[("Content-Type", "text/html")]))
        s.commit()
    assert requeue_lost_media(ctx).as_dict() == {"render": 0, "ocr": 0}
    _, key, _ = _killed_after_commit(ctx, "/listing/2")
    assert requeue_lost_media(ctx, window=timedelta(0)).render == 0  # recorded before the window began
    assert JobQueue(ctx.sessions).find("render", key) is None


def test_a_starting_service_sweeps(ctx: Context) -> None:
    from leaktrace.service.inspection import InspectionService

    _, key, _ = _killed_after_commit(ctx, "/listing/3")
    service = InspectionService(ctx, workers=0, scheduler=False, poll_s=0.1).start()
    try:
        deadline = time.monotonic() + 30
        while JobQueue(ctx.sessions).find("render", key) is None and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        service.stop()
    assert JobQueue(ctx.sessions).find("render", key) is not None
