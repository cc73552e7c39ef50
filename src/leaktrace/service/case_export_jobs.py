"""A case's report and exports built by a background job: the case page (and the API) queue it, a worker builds it.

Building a PDF report or a bundle of a case of thousands of items takes
seconds to minutes; inside the request it held a server thread and the
user's browser. `queue_build` checks the asker's right to the export now
(the same `case_files` check as the build), and queues a `case.export` job
naming the case, the format and the asker's account. The worker
(`handle_export_job`, registered in `service.inspection`) reads the account
again (a disabled account or a role that lost the right builds nothing) and
calls `case_files.build`, the function the page called before and the
same writers as `leaktrace case report|export`, so the file and its audit
record are the same. The page lists the case's jobs with their progress,
and each built file as a download link (downloads audited by
`case_files.download`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy import select

from leaktrace.pipeline.context import Context
from leaktrace.service.access import Principal
from leaktrace.service.accounts import principal_of
from leaktrace.service.case_files import build, check_export
from leaktrace.service.errors import AccessRefused
from leaktrace.service.worker import Handler, Heartbeat, JobContext, PermanentJobError
from leaktrace.store.models import Job, User
from leaktrace.store.repo.jobs import JobQueue

EXPORT_KIND = "case.export"
MAX_SHOWN = 20
RENEW_S = 10.0  # lease renewal while a build runs (the service's lease is 60 s)


@dataclass(frozen=True)
class ExportJob:
    """One queued, running, finished or failed build, as the case page shows it."""

    id: int
    kind: str
    state: str  # queued | running | done | failed
    done: int
    total: int | None
    file: str | None  # `<build>/<file>` for the download link, when done
    error: str | None
    enqueued_at: datetime
    finished_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "state": self.state, "done": self.done, "total": self.total,
                "file": self.file, "error": self.error, "enqueued_at": self.enqueued_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None}


def queue_build(ctx: Context, principal: Principal, ref: str, kind: str, *, lang: str = "zh") -> int:
    """Queue a build of case `ref`'s `kind` (report, report_pdf, stix, misp, csv, bundle) as `principal`;
    returns the job id. Refused now, as the build would be, when the principal may not take that export."""
    canonical = check_export(ctx, principal, ref, kind)
    payload = {"case": canonical, "kind": kind, "lang": lang if lang in ("zh", "en") else "zh",
               "user_id": principal.user_id, "client": principal.client[:200],
               "scopes": sorted(principal.scopes) if principal.scopes is not None else None}
    job_id, _ = JobQueue(ctx.sessions).enqueue(EXPORT_KIND, payload, key=f"{canonical}:{kind}:{uuid4().hex}",
                                               max_attempts=2)
    return job_id


def _principal(ctx: Context, payload: Mapping[str, Any]) -> Principal:
    """The asker's account as it is now (its role may have changed since the job was queued)."""
    with ctx.session() as s:
        user = s.get(User, int(payload.get("user_id") or 0))
        if user is None or user.disabled:
            raise PermanentJobError("the account that asked for this export is gone or disabled")
        p = principal_of(user, None, str(payload.get("client") or "worker"))
    scopes = payload.get("scopes")
    return p if scopes is None else Principal(p.user_id, p.username, p.role, p.org_id, None, p.client, p.lang,
                                              frozenset(str(x) for x in scopes))


def handle_export_job(ctx: Context, job: JobContext) -> dict[str, Any]:
    """Build the export as the asker. The lease is renewed every RENEW_S while the writers run (a PDF or a
    bundle of a large case outlasts a lease), so no other worker takes the job over and builds it twice."""
    p = job.payload
    principal = _principal(ctx, p)
    job.progress(0, 1)
    try:
        with Heartbeat(job, RENEW_S):
            f = build(ctx, principal, str(p["case"]), str(p["kind"]), lang=str(p.get("lang") or "zh"))
    except AccessRefused as exc:  # refused now: retrying will not change that
        raise PermanentJobError(str(exc)) from exc
    job.progress(1, 1)
    return {"file": f.name, "size": f.size}


def export_handlers(ctx: Context) -> dict[str, Handler]:
    """The worker's handler for `case.export`, bound to `ctx` (merged into `InspectionService`'s kinds)."""
    return {EXPORT_KIND: lambda job: handle_export_job(ctx, job)}


def export_jobs(ctx: Context, principal: Principal, ref: str) -> list[ExportJob]:
    """The case's latest builds, newest first (those of every member: the case's files are shared)."""
    canonical = check_export(ctx, principal, ref, "report")
    with ctx.session() as s:
        rows = s.scalars(select(Job).where(Job.kind == EXPORT_KIND, Job.key.startswith(f"{canonical}:", autoescape=True))
                         .order_by(Job.id.desc()).limit(MAX_SHOWN)).all()
        return [ExportJob(j.id, str((j.payload or {}).get("kind") or ""), j.state, j.progress_done, j.progress_total,
                          str((j.result or {}).get("file")) if (j.result or {}).get("file") else None,
                          (j.last_error or "")[:300] or None, j.enqueued_at, j.finished_at) for j in rows]
