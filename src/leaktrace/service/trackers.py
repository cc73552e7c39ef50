"""Trackers: saving watch rules, running them on every new capture, and retro-hunting the store.

A `track` job (queued by the crawl for every new post version, payload
`{"post_id", "capture_id"}`) runs every enabled tracker and the canary
check on that post and raises alerts; a `retrohunt` job runs one tracker
over every stored post, reporting progress through the queue's heartbeat;
a `source_down` job turns a site that stopped answering into an alert. The
console, `leaktrace trackers` and the jobs call the functions here.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import audit
from leaktrace.service.access import Principal, require
from leaktrace.service.alerts import (
    CANARY_PRIORITY,
    PRIORITIES,
    alert_view,
    hold_notice,
    raise_alert,
    source_down,
)
from leaktrace.service.notify import fan_out, handle_notify_job, queue_deliveries
from leaktrace.service.tracker_rules import (
    CaptureDoc,
    Compiled,
    Spec,
    compile_spec,
    evaluate,
    parse_spec,
)
from leaktrace.service.worker import Handler, JobContext, PermanentJobError
from leaktrace.store.models import Alert, Capture, Post, Source, Tracker
from leaktrace.store.repo.jobs import JobQueue, JobView
from leaktrace.store.types import utcnow

log = logging.getLogger(__name__)

TRACK_KIND = "track"
RETROHUNT_KIND = "retrohunt"
SOURCE_DOWN_KIND = "source_down"
RETRO_BATCH = 200
MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class TrackerView:
    id: int
    name: str
    spec: dict[str, Any]
    enabled: bool
    priority: int
    version: int
    created_by: str
    updated_at: datetime
    alerts: int = 0

    def to_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["updated_at"] = self.updated_at.isoformat()
        out["priority_name"] = PRIORITIES.get(self.priority, str(self.priority))
        return out


def _tview(t: Tracker, alerts: int = 0) -> TrackerView:
    return TrackerView(t.id, t.name, dict(t.spec), t.enabled, t.priority, t.version, t.created_by, t.updated_at,
                       alerts)


def _name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise InputError(f"field 'name': give a tracker name of 1-{MAX_NAME_CHARS} characters")
    return name


def _priority(priority: int) -> int:
    if priority not in PRIORITIES or priority >= CANARY_PRIORITY:
        raise InputError(f"field 'priority': expected 0-2 (3 is kept for canaries), got {priority}")
    return priority


def create_tracker(ctx: Context, principal: Principal, name: str, spec: dict[str, Any], *, priority: int = 1,
                   enabled: bool = True) -> TrackerView:
    """Save a new tracker (validated and compiled first); it runs on every capture from now on."""
    require(principal, "tracker.manage")
    name, parsed, priority = _name(name), parse_spec(spec), _priority(priority)
    now = utcnow()
    with ctx.session() as s:
        if s.scalar(select(Tracker.id).where(Tracker.name == name)) is not None:
            raise InputError(f"field 'name': a tracker named {name[:80]!r} exists already")
        t = Tracker(name=name, spec=parsed.to_json(), enabled=enabled, priority=priority, version=1,
                    created_by=principal.username, created_at=now, updated_at=now)
        s.add(t)
        s.flush()
        audit.record(ctx, principal, "tracker.create", f"tracker:{t.id}", detail={"name": name}, session=s)
        s.commit()
        return _tview(t)


def update_tracker(ctx: Context, principal: Principal, tracker_id: int, *, name: str | None = None,
                   spec: dict[str, Any] | None = None, priority: int | None = None,
                   enabled: bool | None = None) -> TrackerView:
    """Edit a tracker; a changed rule gets a new version (retro-hunt it to apply it to the past)."""
    require(principal, "tracker.manage")
    with ctx.session() as s:
        t = s.get(Tracker, tracker_id, with_for_update=True)
        if t is None:
            raise InputError(f"tracker {tracker_id}: no such tracker")
        changed = []
        if name is not None and _name(name) != t.name:
            t.name = _name(name)
            changed.append("name")
        if spec is not None:
            new = parse_spec(spec).to_json()
            if new != t.spec:
                t.spec, t.version = new, t.version + 1
                changed.append("spec")
        if priority is not None and _priority(priority) != t.priority:
            t.priority = priority
            changed.append("priority")
        if enabled is not None and enabled != t.enabled:
            t.enabled = enabled
            changed.append("enabled")
        if changed:
            t.updated_at = utcnow()
            audit.record(ctx, principal, "tracker.update", f"tracker:{t.id}", detail={"changed": changed},
                         session=s)
        s.commit()
        return _tview(t)


def list_trackers(ctx: Context, principal: Principal) -> list[TrackerView]:
    require(principal, "tracker.view")
    with ctx.session() as s:
        counts = dict(s.execute(select(Alert.tracker_id, func.count()).where(Alert.tracker_id.is_not(None))
                                .group_by(Alert.tracker_id)).all())
        return [_tview(t, counts.get(t.id, 0)) for t in s.scalars(select(Tracker).order_by(Tracker.name))]


def get_tracker(ctx: Context, principal: Principal, tracker_id: int) -> TrackerView:
    require(principal, "tracker.view")
    with ctx.session() as s:
        t = s.get(Tracker, tracker_id)
        if t is None:
            raise InputError(f"tracker {tracker_id}: no such tracker")
        return _tview(t)


# -- compiled rules -----------------------------------------------------------------------

# Keyed by the rule's text, not only the tracker id: one process may serve several stores (tests, the demo).
_compiled: dict[tuple[int, int, str], Compiled] = {}


def _compile(t: Tracker) -> Compiled | None:
    key = (t.id, t.version, json.dumps(t.spec, sort_keys=True, ensure_ascii=False))
    c = _compiled.get(key)
    if c is None:
        try:
            c = compile_spec(parse_spec(dict(t.spec)))
        except InputError as exc:  # saved before a rule change, or edited in the database by hand
            log.warning("tracker %s v%s does not compile, skipped: %s", t.id, t.version, exc.message)
            return None
        if len(_compiled) > 1000:
            _compiled.clear()
        _compiled[key] = c
    return c


def _enabled(s: Any) -> list[tuple[Tracker, Compiled]]:
    out = []
    for t in s.scalars(select(Tracker).where(Tracker.enabled.is_(True)).order_by(Tracker.id)):
        c = _compile(t)
        if c is not None:
            out.append((t, c))
    return out


# -- the track job ------------------------------------------------------------------------


def _doc(ctx: Context, s: Any, post: Post) -> CaptureDoc:
    from leaktrace.pipeline.capture_view import post_facts

    f = post_facts(ctx, s, post)
    return CaptureDoc(f.text, f.categories, f.provinces, f.records, f.price, f.currency)


def _source_name(s: Any, post: Post) -> str:
    src = s.get(Source, post.source_id) if post.source_id is not None else None
    return src.name if src is not None else post.site


def _canaries(ctx: Context, text: str) -> list[Any]:
    from leaktrace.pipeline.canary_watch import canary_hits

    return canary_hits(ctx.data_dir, ctx.hasher, text)


def run_trackers_on_post(ctx: Context, post_id: int, capture_id: int | None, *,
                         only: tuple[Tracker, Compiled] | None = None, canary_org: str | None = None,
                         check_canaries: bool = True) -> list[tuple[int, bool]]:
    """Run trackers (all enabled, or `only`) and the canary check on one post; (alert id, new) per alert.

    Alerts are raised in one transaction; notifications for the new ones are queued after it commits.
    """
    with ctx.session() as s:
        post = s.get(Post, post_id)
        if post is None:
            raise PermanentJobError(f"post {post_id}: no such post")
        cap_id = capture_id or post.capture_id
        cap = s.get(Capture, cap_id) if cap_id else None
        captured_at = cap.fetched_at if cap is not None else post.last_seen_at
        doc = _doc(ctx, s, post)
        actor, listing = post.author_handle or "", f"post:{post_id}"
        source = _source_name(s, post)
        trackers = [only] if only is not None else _enabled(s)
        hits = _canaries(ctx, doc.text) if check_canaries else []
        if canary_org is not None:
            hits = [h for h in hits if h.org == canary_org]
        raised = []
        for t, c in trackers:
            m = evaluate(c, doc)
            if m is not None:
                r = raise_alert(s, rule=f"tracker:{t.id}", kind="tracker", actor=actor, listing=listing,
                                matched={"tracker": t.name, "version": t.version, **m}, priority=t.priority,
                                tracker_id=t.id, post_id=post_id, capture_id=cap_id, source_id=post.source_id,
                                captured_at=captured_at)
                raised.append(r)
        for h in hits:
            r = raise_alert(s, rule=f"canary:{h.org}"[:64], kind="canary", actor=actor, listing=listing,
                            matched={"org": h.org, "canary_id": h.canary_id, "identifier_kind": h.kind,
                                     "source": source},
                            priority=CANARY_PRIORITY, post_id=post_id, capture_id=cap_id, source_id=post.source_id,
                            captured_at=captured_at)
            hold_notice(s, r.alert_id, org=h.org, canary_id=h.canary_id, source=source, seen_at=captured_at)
            raised.append(r)
        pending = []
        for r in raised:
            if r.new:
                a = s.get(Alert, r.alert_id)
                assert a is not None
                pending += fan_out(s, alert_view(a))
        s.commit()
    if pending:
        queue_deliveries(JobQueue(ctx.sessions), pending)
    return [(r.alert_id, r.new) for r in raised]


def handle_track_job(job: JobContext, ctx: Context) -> dict[str, Any]:
    """The `track` job: payload `{"post_id", "capture_id"}` for a new post version."""
    try:
        post_id = int(job.payload["post_id"])
        capture_id = job.payload.get("capture_id")
        capture_id = int(capture_id) if capture_id is not None else None
    except (KeyError, TypeError, ValueError):
        raise PermanentJobError("payload: expected {post_id: int, capture_id: int}") from None
    raised = run_trackers_on_post(ctx, post_id, capture_id)
    return {"alerts": len(raised), "new": sum(1 for _, new in raised if new)}


# -- retro-hunt ---------------------------------------------------------------------------


def start_retrohunt(ctx: Context, principal: Principal, tracker_id: int) -> int:
    """Queue a run of the tracker over every stored post (again, if it ran before); returns the job id."""
    require(principal, "tracker.manage")
    with ctx.session() as s:
        t = s.get(Tracker, tracker_id)
        if t is None:
            raise InputError(f"tracker {tracker_id}: no such tracker")
        version = t.version
    job_id, _ = JobQueue(ctx.sessions).enqueue(RETROHUNT_KIND, {"tracker_id": tracker_id, "version": version},
                                               key=f"tracker:{tracker_id}", again=True)
    audit.record(ctx, principal, "tracker.retrohunt", f"tracker:{tracker_id}", detail={"job": job_id})
    return job_id


def retrohunt_status(ctx: Context, principal: Principal, tracker_id: int) -> JobView | None:
    require(principal, "tracker.view")
    return JobQueue(ctx.sessions).find(RETROHUNT_KIND, f"tracker:{tracker_id}")


def handle_retrohunt_job(job: JobContext, ctx: Context) -> dict[str, Any]:
    """Run one tracker over the stored posts, oldest first, heartbeating progress every batch."""
    tracker_id = int(job.payload.get("tracker_id", 0))
    with ctx.session() as s:
        t = s.get(Tracker, tracker_id)
        if t is None:
            raise PermanentJobError(f"tracker {tracker_id}: no such tracker")
        s.expunge(t)
        total = s.scalar(select(func.count()).select_from(Post)) or 0
    c = _compile(t)
    if c is None:
        raise PermanentJobError(f"tracker {tracker_id}: its rule does not compile")
    org = c.spec.org
    done = alerts = new = 0
    last = 0
    job.progress(0, total)
    while True:
        with ctx.session() as s:
            ids = list(s.scalars(select(Post.id).where(Post.id > last).order_by(Post.id).limit(RETRO_BATCH)))
        if not ids:
            break
        for pid in ids:
            raised = run_trackers_on_post(ctx, pid, None, only=(t, c), canary_org=org, check_canaries=org is not None)
            alerts += len(raised)
            new += sum(1 for _, n in raised if n)
        done += len(ids)
        last = ids[-1]
        if not job.progress(done, max(total, done)):
            return {"posts": done, "alerts": alerts, "new": new, "stopped": True}
    return {"posts": done, "alerts": alerts, "new": new}


# -- site down ----------------------------------------------------------------------------


def handle_source_down_job(job: JobContext, ctx: Context) -> dict[str, Any]:
    """The `source_down` job: payload `{"source_id", "since"}` from the scheduler."""
    try:
        source_id = int(job.payload["source_id"])
        since = datetime.fromisoformat(str(job.payload["since"]))
    except (KeyError, TypeError, ValueError):
        raise PermanentJobError("payload: expected {source_id: int, since: ISO time}") from None
    if since.tzinfo is None:
        raise PermanentJobError("payload 'since': give a time with its UTC offset")
    with ctx.session() as s:
        try:
            r = source_down(s, source_id, since)
        except InputError as exc:
            raise PermanentJobError(exc.message) from None
        pending = fan_out(s, alert_view(s.get(Alert, r.alert_id))) if r.new else []  # type: ignore[arg-type]
        s.commit()
    queue_deliveries(JobQueue(ctx.sessions), pending)
    return {"alert": r.alert_id, "new": r.new}


def handle_retention_job(job: JobContext, ctx: Context) -> dict[str, Any]:
    """The `retention` job (scheduled daily, say): expire what the retention rules allow."""
    from leaktrace.service.access import local_operator
    from leaktrace.service.retention import run

    return run(ctx, local_operator("scheduler", client="worker")).to_json()


def job_handlers(ctx: Context) -> dict[str, Handler]:
    """The handlers of online inspection's job kinds, bound to `ctx`, for a `Worker`."""
    return {
        "retention": functools.partial(_call, handle_retention_job, ctx),
        TRACK_KIND: functools.partial(_call, handle_track_job, ctx),
        RETROHUNT_KIND: functools.partial(_call, handle_retrohunt_job, ctx),
        SOURCE_DOWN_KIND: functools.partial(_call, handle_source_down_job, ctx),
        "notify": functools.partial(_call, handle_notify_job, ctx),
    }


def _call(fn: Any, ctx: Context, job: JobContext) -> Any:
    return fn(job, ctx)


__all__ = ["Spec", "TrackerView", "create_tracker", "get_tracker", "handle_retrohunt_job", "handle_source_down_job",
           "handle_track_job", "job_handlers", "list_trackers", "retrohunt_status", "run_trackers_on_post",
           "start_retrohunt", "update_tracker"]
