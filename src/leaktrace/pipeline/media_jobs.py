"""The queued media stages: "render" (a capture's screenshot) and "ocr" (a picture's text).

Handlers are plain functions of a job context (anything with `.payload`,
`.claim.id` and `.progress(done, total)`: `service.worker.JobContext`);
`media_handlers(ctx, runtime)` is the table a worker registers. Each
handler records what went wrong as a result (a custody entry, a `media`
row's `problem`) and completes: a hostile picture or a page that never
loads is a record, not a retry loop. Only what may be transient (the
store, the browser itself crashing) raises, and the worker backs it off.

OCR: the picture is read (images.read: decode under limits, Tesseract,
PII scan); the raw text with its confidence is sealed as evidence (custody
action `ocr-text`, naming the picture's blob); the database gets the masked
text, the keyed hashes of the valid ID numbers and mobiles read (also
linked to the post as `sample` identifiers), and the sample counts; the
post's verdict gains `picture_sample` ({rows, valid_ids, provinces}) and
`sample: true` when the pictures show rows, with the facts intel reads
from the text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import select

from leaktrace.collect.fetch import FetchedPage
from leaktrace.collect.profile import RenderSpec
from leaktrace.collect.screenshots import PNG, store_render
from leaktrace.core.errors import InputError, LeaktraceError
from leaktrace.evidence.warc import response_record
from leaktrace.images.decode import Limits
from leaktrace.images.read import ImageReading, read_image
from leaktrace.pii.scanner import Scanner
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.ingest import header_value
from leaktrace.pipeline.media import OCR, PICTURE, RENDER, SCREENSHOT
from leaktrace.pipeline.render_runtime import RenderRuntime
from leaktrace.store.models import Capture, IntelResult, Media, url_key
from leaktrace.store.types import utcnow

OCR_TEXT = "ocr-text"
MAX_MASKED_CHARS = 20_000
SAMPLE_TYPES = ("cn_id", "cn_mobile")


class JobLike(Protocol):
    """What a handler needs of service.worker.JobContext."""

    @property
    def payload(self) -> dict[str, Any]: ...

    def progress(self, done: int, total: int | None = None) -> bool: ...


Handler = Callable[[Any], Mapping[str, Any] | None]


def _job_id(job: Any) -> int | None:
    claim = getattr(job, "claim", None)
    return getattr(claim, "id", None)


# -- render ---------------------------------------------------------------------------

def _captured_page(ctx: Context, sha: str) -> FetchedPage:
    """The captured response, read back from its sealed WARC."""
    data = ctx.evidence.read_bytes(sha, max_bytes=256 << 20)
    rec = response_record(data, f"blob {sha}")
    if rec is None or rec.url is None:
        raise InputError(f"blob {sha}: no HTTP response record to render")
    ctype = header_value(rec.http_headers, "Content-Type") or "text/html"
    fetched = datetime.fromisoformat(rec.date.replace("Z", "+00:00")) if rec.date else datetime.now(UTC)
    return FetchedPage(rec.url, rec.url, rec.status or 200, list(rec.http_headers), rec.body, fetched, ctype)


def render_capture(ctx: Context, runtime: RenderRuntime, job: JobLike, *, collector: str = "leaktrace-render") -> dict[str, Any]:
    """Render one capture (payload of media.render_payload) and record the PNG or the failure."""
    p = job.payload
    capture_id, sha = int(p["capture_id"]), str(p["capture_sha256"])
    with ctx.sessions() as s:
        cap = s.get(Capture, capture_id)
        if cap is None or cap.sha256 != sha:
            return {"state": "gone", "problem": f"capture {capture_id} is no longer in the store"}
        done = s.scalar(select(Media).where(Media.capture_id == capture_id, Media.kind == SCREENSHOT))
        if done is not None:  # a retry after the row was written: never a second screenshot entry
            return {"state": done.state, "sha256": done.sha256}
        pictures = {m.url: (m.sha256, m.media_type or "application/octet-stream") for m in
                    s.scalars(select(Media).where(Media.capture_id == capture_id, Media.kind == PICTURE,
                                                  Media.sha256.is_not(None)))}
    spec = RenderSpec.model_validate(p.get("spec") or {})
    link = {"capture_entry": p.get("capture_entry"), "capture_seq": p.get("capture_seq"),
            "job_key": getattr(getattr(job, "claim", None), "key", None), "job_id": _job_id(job)}
    try:
        page = _captured_page(ctx, sha)
    except LeaktraceError as exc:
        from leaktrace.collect.render import RenderResult

        result = RenderResult(cap.url, False, error=f"capture unreadable: {exc}")
    else:
        result = runtime.render(page, spec, pictures)
    shot = store_render(ctx.evidence, result, sha, collector=collector, rendered_at=datetime.now(UTC), link=link)
    with ctx.sessions.begin() as s:
        s.add(Media(capture_id=capture_id, kind=SCREENSHOT, url=cap.url, url_key=url_key(cap.url), sha256=shot,
                    state="done" if shot else "failed", problem=None if shot else (result.error or "no image")[:1000],
                    job_id=_job_id(job), media_type=PNG if shot else None, notes=[], values=[]))
    return {"state": "done" if shot else "failed", "sha256": shot, "problem": result.error,
            "blocked": len(result.blocked)}


# -- ocr ------------------------------------------------------------------------------

def _values(ctx: Context, reading: ImageReading) -> list[dict[str, Any]]:
    """Keyed hashes (never values) of the valid ID numbers and mobiles read, with the ID's province."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for h in reading.hits:
        if h.type in SAMPLE_TYPES and h.valid:
            key = ctx.hasher.hash(h.type, h.value)
            out.setdefault((h.type, key), {"type": h.type, "hash": key, "province": h.attrs.get("province")})
    return list(out.values())


def ocr_picture(ctx: Context, job: JobLike, *, collector: str = "leaktrace-ocr", langs: str | None = None,
                limits: Limits | None = None) -> dict[str, Any]:
    """Read one sealed picture (payload {"media_id"}), seal its text, record the masked results."""
    media_id = int(job.payload["media_id"])
    with ctx.sessions() as s:
        m = s.get(Media, media_id)
        if m is None or m.sha256 is None:
            return {"state": "gone"}
        sha, post_id, url = m.sha256, m.post_id, m.url
    lim = limits or Limits()
    data = ctx.evidence.read_bytes(sha, max_bytes=lim.max_bytes + 1)
    kwargs = {"langs": langs} if langs else {}
    reading = read_image(data, Scanner(ctx.registry), limits=lim, **kwargs)  # OcrUnavailable: a retry later
    values = _values(ctx, reading)
    sample = reading.sample()
    ocr_sha = None
    if reading.problem is None:
        record = {"picture_sha256": sha, "text": reading.text, "confidence": reading.confidence,
                  "notes": reading.notes, "width": reading.width, "height": reading.height}
        ocr_sha = ctx.evidence.put_bytes(
            json.dumps(record, ensure_ascii=False, sort_keys=True).encode(), source_url=url, collector=collector,
            action=OCR_TEXT, media_type="application/json", contains_pii=True,
            meta={"picture_sha256": sha, "confidence": reading.confidence, "job_id": _job_id(job)}).sha256
    with ctx.sessions.begin() as s:
        m = s.get(Media, media_id)
        assert m is not None
        m.state = "failed" if reading.problem else "done"
        m.problem = reading.problem
        m.width, m.height, m.phash = reading.width or None, reading.height or None, reading.phash
        m.notes = list(reading.notes)[:20]
        m.ocr_sha256, m.confidence = ocr_sha, reading.confidence if ocr_sha else None
        m.masked_text = reading.masked_text()[:MAX_MASKED_CHARS] if reading.text else None
        m.values = values
        m.sample_rows, m.sample_valid_ids, m.sample_provinces = sample["rows"], sample["valid_ids"], sample["provinces"]
        m.updated_at = utcnow()
        if post_id is not None and reading.text:
            _to_post(ctx, s, post_id, reading)
    return {"state": "failed" if reading.problem else "done", "problem": reading.problem, **sample,
            "confidence": reading.confidence, "ocr_sha256": ocr_sha}


def _to_post(ctx: Context, s: Any, post_id: int, reading: ImageReading) -> None:
    """The picture's values as the post's sample identifiers; its sample and facts onto the post's verdicts."""
    from leaktrace.intel.extract import analyse_post
    from leaktrace.store.repo.intel import attach_identifier

    for h in sorted(reading.hits, key=lambda h: (h.type, h.value)):
        if h.type in SAMPLE_TYPES and h.valid:
            attach_identifier(s, post_id, h.type, h.value, ctx.hasher, role="sample")
    summary = picture_sample(s, post_id)
    text_facts = analyse_post(None, reading.text).facts.contract()
    for verdict in s.scalars(select(IntelResult).where(IntelResult.post_id == post_id)):
        facts = dict(verdict.facts or {})
        facts["picture_sample"] = summary
        if summary["rows"]:
            facts["sample"] = True
        for key, value in text_facts.items():  # what the text claims, where the post itself said nothing
            if value is not None and facts.get(key) is None:
                facts[key] = value
        verdict.facts = facts


def picture_sample(s: Any, post_id: int) -> dict[str, int]:
    """What the post's pictures show as a sample: rows, distinct valid IDs, distinct provinces (read so far).

    A picture is counted once however many captures of the listing carried it (watch rounds refetch them).
    """
    rows, ids, provinces, pictures = 0, set(), set(), 0
    seen: set[str] = set()
    for m in s.scalars(select(Media).where(Media.post_id == post_id, Media.kind == PICTURE).order_by(Media.id)):
        key = m.sha256 or f"#{m.id}"
        if key in seen:
            continue
        seen.add(key)
        pictures += 1
        rows += m.sample_rows or 0
        for v in m.values or []:
            if v.get("type") == "cn_id":
                ids.add(v.get("hash"))
                if v.get("province"):
                    provinces.add(v["province"])
    return {"pictures": pictures, "rows": rows, "valid_ids": len(ids), "provinces": len(provinces)}


def media_handlers(ctx: Context, runtime: RenderRuntime | None = None) -> dict[str, Handler]:
    """{kind: handler} for a worker: "ocr" always, "render" with a runtime (a browser) to render in."""
    handlers: dict[str, Handler] = {OCR: lambda job: ocr_picture(ctx, job)}
    if runtime is not None:
        handlers[RENDER] = lambda job: render_capture(ctx, runtime, job)
    return handlers
