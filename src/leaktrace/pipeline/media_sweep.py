"""Queue the render and OCR jobs a killed crawl never queued.

A capture and its pictures are committed first and their jobs queued just
after (pipeline/media.py): a crawl killed between the two leaves a capture
whose custody entry announces a rendering that no job will ever do (the
evidence sheet reads it as "pending" for good), and pictures stored with no
OCR job. This sweep finds both and queues them under the very keys the
crawler would have used (the entry's `job_key`, `ocr:{media id}`), so the
job queue's key dedupes a sweep that races the crawler or another sweep.
Services run it when they start and then every few minutes (service/media.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, select

from leaktrace.core.errors import LeaktraceError
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.media import (
    PICTURE,
    RENDER,
    SCREENSHOT,
    CaptureRef,
    queue_media,
    render_payload,
)
from leaktrace.store.models import Capture, Media, SourceSchedule
from leaktrace.store.repo.jobs import JobQueue
from leaktrace.store.types import utcnow

log = logging.getLogger(__name__)
RENDER_ATTEMPTS = 3  # as queue_media queues a rendering


@dataclass
class SweepReport:
    """What one sweep queued: renderings and OCR jobs that were missing."""

    render: int = 0
    ocr: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"render": self.render, "ocr": self.ocr}


def _render_spec(ctx: Context, source_id: int, cache: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The source's profile's render settings, as the crawl would have put them in the payload ({} if unknown)."""
    if source_id not in cache:
        from leaktrace.collect.profile import load_profile

        with ctx.sessions() as s:
            name = s.scalar(select(SourceSchedule.profile).where(SourceSchedule.source_id == source_id))
        try:
            cache[source_id] = load_profile(name).render.model_dump(mode="json") if name else {}
        except (LeaktraceError, OSError) as exc:  # a profile since removed: render with the defaults
            log.warning("media sweep: source %s profile: %s", source_id, exc)
            cache[source_id] = {}
    return cache[source_id]


def requeue_lost_media(ctx: Context, *, window: timedelta = timedelta(days=7)) -> SweepReport:
    """Queue every missing OCR job, and the rendering of each capture of the last `window` left unqueued."""
    report = SweepReport()
    with ctx.sessions() as s:
        ocr = list(s.scalars(select(Media.id).where(Media.kind == PICTURE, Media.sha256.is_not(None),
                                                     Media.state == "stored", Media.job_id.is_(None))))
        shot = select(Media.id).where(Media.capture_id == Capture.id, Media.kind == SCREENSHOT)
        caps = s.execute(select(Capture.id, Capture.sha256, Capture.url, Capture.source_id)
                         .where(Capture.recorded_at >= utcnow() - window, ~exists(shot))
                         .order_by(Capture.id)).all()
    if ocr:
        report.ocr = len(queue_media(ctx.sessions, ocr=ocr))
    queue = JobQueue(ctx.sessions)
    specs: dict[int, dict[str, Any]] = {}
    for cap_id, sha, url, source_id in caps:
        for entry in ctx.evidence.entries_about(sha):
            rendering = entry.meta.get("rendering")
            if not isinstance(rendering, dict) or entry.source_url != url:
                continue
            key = rendering.get("job_key")
            if not isinstance(key, str) or queue.find(RENDER, key) is not None:
                continue
            payload = render_payload(CaptureRef(cap_id, sha, entry.hash, entry.seq),
                                     _render_spec(ctx, source_id, specs))
            if queue.enqueue(RENDER, payload, key=key, max_attempts=RENDER_ATTEMPTS)[1]:
                report.render += 1
    if report.render or report.ocr:
        log.warning("media sweep: queued %d lost rendering(s) and %d OCR job(s)", report.render, report.ocr)
    return report
