"""A rendering into evidence: the PNG and its subresources, tied to the capture's custody entry.

Renderings run as queued "render" jobs (pipeline/media_jobs.py), never in
the crawl; `store_render` takes one result into evidence:

* the subresources Chromium asked for, as answered (pictures sealed with the
  capture, or fetched through the proxy): one WARC, action `render-resources`;
* the full-page PNG, action `screenshot`, media type `image/png`;
* or, when rendering failed (timeout, a browser error), a `screenshot-failed`
  entry with the reason.

Each entry's meta carries `link`: the capture's blob (`capture_sha256`), its
custody entry (`capture_entry`: hash, `capture_seq`) and the job (`job_key`,
`job_id`) that the capture's own entry announced, so the chain ties picture
and page together (docs/evidence.md, "Screenshots").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from leaktrace.collect.render import RenderResult
from leaktrace.evidence.evidence_store import EvidenceStore
from leaktrace.evidence.sheet import RESOURCES, SCREENSHOT
from leaktrace.evidence.sheet import SCREENSHOT_FAILED as FAILED
from leaktrace.evidence.warc import MEDIA_TYPE, build_capture_warc

PNG = "image/png"
MAX_BLOCKED_LISTED = 50


def store_render(store: EvidenceStore, result: RenderResult, capture_sha: str | None, *, collector: str,
                 rendered_at: datetime, link: dict[str, Any] | None = None) -> str | None:
    """Take one rendering into evidence; the PNG's SHA-256, or None when a failure was recorded."""
    blocked = [{"url": u[:300], "reason": r[:200]} for u, r in result.blocked[:MAX_BLOCKED_LISTED]]
    base: dict[str, Any] = {**(link or {}), "capture_sha256": capture_sha, "javascript": result.javascript,
                            "rendered_at": rendered_at.isoformat().replace("+00:00", "Z")}
    if blocked:
        base["blocked"] = blocked
        base["blocked_total"] = len(result.blocked)
    if result.png is None:
        store.custody.append(FAILED, collector=collector, source_url=result.url, contains_pii=False,
                             meta={**base, "reason": result.error or "no image"})
        return None
    resources_sha = None
    if result.resources:
        warc = b"".join(build_capture_warc(url=r.url, status=r.status, headers=r.headers, body=r.body,
                                           fetched_at=r.fetched_at, request_headers=r.request_headers)
                        for r in result.resources)
        resources_sha = store.put_bytes(warc, source_url=result.url, collector=collector, action=RESOURCES,
                                        media_type=MEDIA_TYPE, meta={**base, "resources": len(result.resources)}
                                        ).sha256
    ref = store.put_bytes(result.png, source_url=result.url, collector=collector, action=SCREENSHOT,
                          media_type=PNG, meta={**base, "resources_sha256": resources_sha})
    return ref.sha256
