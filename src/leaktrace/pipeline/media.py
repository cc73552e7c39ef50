"""Pictures and renderings at ingest: seal each picture with its capture, queue the slow stages.

Called by every collector's ingest (the crawler's sink, the Telegram
importer) in the capture's own transaction: each picture is sealed in the
evidence store (custody action `picture`, naming the capture's blob and
custody entry) and gets a `media` row; a picture that could not be got is a
`picture-failed` custody entry and a row with its problem. Nothing here
decodes a picture or starts a browser: after the capture is committed,
`queue_media` puts one "ocr" job per picture and at most one "render" job
per capture on the job queue (pipeline/media_jobs.py runs them), so a
hostile or slow picture never holds up a capture or an alert.

Rendering and "the same custody entry": the capture's entry is signed when
the page is captured, before any browser runs, and an append-only chain
cannot take the PNG into it afterwards. So the capture's entry itself says
that a rendering is queued (`meta.rendering = {"state": "queued", "job_key":
K}`), and the later `screenshot` (or `screenshot-failed`) entry names that
capture entry by its hash and sequence number and carries the same job key
and the job's id. A verifier accepts a PNG as the capture's only through
that link; a rendering announced and never resolved reads as pending
(docs/evidence.md, "Screenshots").
"""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from leaktrace.collect.importers.base import Attachment, file_url
from leaktrace.evidence.evidence_store import EvidenceStore
from leaktrace.store.models import Media, url_key
from leaktrace.store.repo.jobs import JobQueue
from leaktrace.store.types import utcnow

RENDER = "render"
OCR = "ocr"
PICTURE = "picture"
PICTURE_FAILED = "picture-failed"
SCREENSHOT = "screenshot"
MAX_PICTURE_FILE_BYTES = 64 << 20  # images.decode's own limit: a 50 MB animated GIF is kept and read (first frame)


@dataclass(frozen=True)
class PictureIn:
    """A picture as a collector got it: bytes, or the problem that kept them from us."""

    url: str
    data: bytes | None
    media_type: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class CaptureRef:
    """The capture a picture or rendering hangs on: row, blob and custody entry."""

    capture_id: int
    sha256: str
    entry_hash: str | None
    entry_seq: int | None


def read_attachment(att: Attachment, max_bytes: int = MAX_PICTURE_FILE_BYTES) -> PictureIn:
    """An importer's checked attachment as bytes (a problem when missing or over `max_bytes`)."""
    if att.data is not None:  # read from the input already (a WARC's image record), within its limits
        return PictureIn(att.name, att.data, att.media_type or mimetypes.guess_type(att.name)[0])
    url = file_url(att.name)
    if att.path is None:
        return PictureIn(url, None, problem=att.problem)
    try:
        size = att.path.stat().st_size
        if size > max_bytes:
            return PictureIn(url, None, problem=f"file of {size:,} bytes exceeds the limit of {max_bytes:,}")
        data = att.path.read_bytes()
    except OSError as exc:
        return PictureIn(url, None, problem=f"unreadable ({exc.strerror})")
    return PictureIn(url, data, mimetypes.guess_type(att.name)[0])


def store_attachments(session: Session, evidence: EvidenceStore, capture: CaptureRef, attachments: Sequence[Attachment],
                      sites: dict[str, str], *, collector: str) -> list[int]:
    """Seal a document's attachments, each with the post its message became (`sites`: item URL -> site)."""
    from sqlalchemy import select

    from leaktrace.store.models import Post

    groups: dict[int | None, list[PictureIn]] = {}
    seen: set[str] = set()
    # One row per file of the document: a file two messages show is kept once, with the first post that has one.
    for att in sorted(attachments, key=lambda a: a.item_url is None):
        if att.name in seen:
            continue
        seen.add(att.name)
        post_id = None
        if att.item_url is not None and att.item_url in sites:
            post_id = session.scalar(select(Post.id).where(Post.site == sites[att.item_url],
                                                           Post.url_key == url_key(att.item_url)))
        groups.setdefault(post_id, []).append(read_attachment(att))
    ids: list[int] = []
    for post_id, pictures in groups.items():
        ids += store_pictures(session, evidence, capture, pictures, collector=collector, post_id=post_id)
    return ids


def render_key() -> str:
    """A fresh job key for a rendering, written into the capture's custody entry before the job exists."""
    return f"render:{secrets.token_hex(16)}"


def rendering_meta(key: str) -> dict[str, Any]:
    """What the capture's custody entry says about its rendering (see module docstring)."""
    return {"rendering": {"state": "queued", "job_key": key}}


def store_pictures(session: Session, evidence: EvidenceStore, capture: CaptureRef, pictures: Sequence[PictureIn],
                   *, collector: str, post_id: int | None = None) -> list[int]:
    """Seal every picture and add its `media` row (in the caller's transaction); the new rows' ids."""
    ids: list[int] = []
    seen: set[str] = set()
    link = {"capture_sha256": capture.sha256, "capture_entry": capture.entry_hash, "capture_seq": capture.entry_seq}
    for pic in pictures:
        key = url_key(pic.url)
        if key in seen:
            continue
        seen.add(key)
        row = Media(capture_id=capture.capture_id, post_id=post_id, kind=PICTURE, url=pic.url[:4000], url_key=key,
                    notes=[], values=[], media_type=(pic.media_type or "")[:100] or None)
        if pic.data is not None:
            ref = evidence.put_bytes(pic.data, source_url=pic.url, collector=collector, action=PICTURE,
                                     media_type=row.media_type or "application/octet-stream", contains_pii=True,
                                     meta=link)
            row.sha256, row.state = ref.sha256, "stored"
        else:
            evidence.custody.append(PICTURE_FAILED, collector=collector, source_url=pic.url, contains_pii=False,
                                    meta={**link, "reason": (pic.problem or "not got")[:300]})
            row.state, row.problem = "failed", (pic.problem or "not got")[:1000]
        session.add(row)
        session.flush()
        if row.sha256 is not None:
            ids.append(row.id)
    return ids


def queue_media(sessions: sessionmaker[Session], *, ocr: Sequence[int] = (), render: dict[str, Any] | None = None,
                render_job_key: str | None = None) -> dict[str, int]:
    """After the capture is committed: one "ocr" job per stored picture, one "render" job per capture.

    The payloads name stored things (media ids, the capture's id, blob and custody entry), never content.
    """
    queue = JobQueue(sessions)
    out: dict[str, int] = {}
    for media_id in ocr:
        job_id, _ = queue.enqueue(OCR, {"media_id": media_id}, key=f"ocr:{media_id}")
        with sessions.begin() as s:
            s.execute(update(Media).where(Media.id == media_id).values(job_id=job_id, updated_at=utcnow()))
        out[f"ocr:{media_id}"] = job_id
    if render is not None and render_job_key is not None:
        job_id, _ = queue.enqueue(RENDER, render, key=render_job_key, max_attempts=3)
        out[render_job_key] = job_id
    return out


def render_payload(capture: CaptureRef, spec: dict[str, Any]) -> dict[str, Any]:
    """A render job's payload: the capture it renders and the profile's render settings."""
    return {"capture_id": capture.capture_id, "capture_sha256": capture.sha256, "capture_entry": capture.entry_hash,
            "capture_seq": capture.entry_seq, "spec": spec}
