"""Source schedules: define, pause, resume, run now, due list, run results, mirror proposals.

The scheduler, the worker, the CLI and the console all change schedules
through these functions, so the rules (an interval or a cron expression, a
proposed source is never due, a run result resets or extends the back-off)
live here once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaktrace.core.errors import ConfigError, InputError
from leaktrace.store.models import SCHEDULE_KINDS, Source, SourceSchedule
from leaktrace.store.repo.sources import add_source, get_source
from leaktrace.store.types import utcnow

MIN_INTERVAL_S = 1
MAX_ERROR_CHARS = 2000
MAX_RETRY_S = 3600
RETRY_BASE_S = 30

EDITABLE = ("kind", "profile", "start_urls", "inbox", "interval_s", "cron", "delay_s", "concurrency", "max_pages",
            "proxy", "no_proxy", "isolate", "username", "password_env", "down_after_s", "screenshots")


def check_cron(expr: str) -> str:
    """A five-field cron expression croniter accepts; InputError naming it otherwise."""
    from croniter import croniter

    expr = " ".join(expr.split())
    if len(expr.split()) != 5 or not croniter.is_valid(expr):
        raise InputError(f"field 'cron': {expr[:120]!r} is not a five-field cron expression (e.g. '*/15 * * * *')")
    return expr


def next_due(interval_s: int | None, cron: str | None, after: datetime) -> datetime:
    """When a source with this schedule is next due after `after` (cron in UTC)."""
    if cron:
        from croniter import croniter

        return croniter(cron, after).get_next(datetime)  # type: ignore[no-any-return]
    if not interval_s:
        raise ConfigError("a schedule needs an interval or a cron expression")
    return after + timedelta(seconds=interval_s)


def _check(values: dict[str, Any]) -> None:
    kind = values.get("kind") or "crawl"
    if kind not in SCHEDULE_KINDS:
        raise InputError(f"field 'kind': {kind!r} is not one of {', '.join(SCHEDULE_KINDS)}")
    if values.get("cron"):
        values["cron"] = check_cron(values["cron"])
    interval = values.get("interval_s")
    if interval is not None and interval < MIN_INTERVAL_S:
        raise InputError(f"field 'interval': {interval} s is less than {MIN_INTERVAL_S} s")
    if not values.get("cron") and not interval:
        raise InputError("field 'interval': give an interval in seconds or a cron expression")
    if kind == "crawl":
        if not values.get("profile"):
            raise InputError("field 'profile': a crawled source needs a site profile")
        urls = values.get("start_urls") or []
        if not urls or any(not str(u).startswith(("http://", "https://")) for u in urls):
            raise InputError("field 'url': a crawled source needs absolute http(s) start URLs")
    elif not values.get("inbox"):
        raise InputError("field 'inbox': a Telegram inbox source needs a folder")


def set_schedule(session: Session, source: str | int, **fields: Any) -> SourceSchedule:
    """Create or change the schedule of an existing source; the first one is due at once."""
    src = get_source(session, source)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise InputError(f"schedule fields not known: {', '.join(sorted(unknown))}")
    row = session.get(SourceSchedule, src.id)
    current = {k: getattr(row, k) for k in EDITABLE} if row is not None else {}
    merged = {**current, **{k: v for k, v in fields.items() if v is not None}}
    if fields.get("cron") is not None and not fields["cron"]:
        merged["cron"] = None  # an empty --cron clears it
    if fields.get("cron") and "interval_s" not in fields:
        merged["interval_s"] = None
    _check(merged)
    if row is None:
        row = SourceSchedule(source_id=src.id, state="active", next_run_at=utcnow(), start_urls=[], no_proxy=False,
                             isolate=True, screenshots=False, down_after_s=3600, last_pages=0, last_new_captures=0, last_errors=0,
                             failures=0, down_alerted=False)
        session.add(row)
    for k, v in merged.items():
        setattr(row, k, v)
    session.flush()
    return row


def get_schedule(session: Session, source: str | int) -> SourceSchedule:
    src = get_source(session, source)
    row = session.get(SourceSchedule, src.id)
    if row is None:
        raise InputError(f"source {src.name!r}: not under inspection (no schedule); add one with `leaktrace sources add`")
    return row


def set_state(session: Session, source: str | int, action: str) -> SourceSchedule:
    """pause, resume, run (now), accept or reject a proposed mirror: what a person may do to a source."""
    row = get_schedule(session, source)
    now = utcnow()
    if action == "pause":
        if row.state != "active":
            raise ConfigError(f"source {source!r}: {row.state}, not active")
        row.state = "paused"
    elif action == "resume":
        if row.state != "paused":
            raise ConfigError(f"source {source!r}: {row.state}, not paused")
        row.state = "active"
        row.next_run_at = min(row.next_run_at or now, now)
    elif action == "run":
        if row.state != "active":
            raise ConfigError(f"source {source!r}: {row.state}; resume or accept it first")
        row.next_run_at = now
    elif action == "reject":
        if row.state != "proposed":
            raise ConfigError(f"source {source!r}: {row.state}, not a proposal")
        row.state = "rejected"
    else:
        raise InputError(f"action {action!r}: one of pause, resume, run, reject (accept takes a legal basis)")
    session.flush()
    return row


def accept_proposal(session: Session, source: str | int, *, legal_basis: str | None = None,
                    owner: str | None = None) -> SourceSchedule:
    """A person accepts a proposed mirror: it gets a legal basis (the parent's unless given) and is due now."""
    row = get_schedule(session, source)
    if row.state != "proposed":
        raise ConfigError(f"source {source!r}: {row.state}, not a proposal")
    src = session.get(Source, row.source_id)
    parent = session.get(Source, row.proposed_from) if row.proposed_from else None
    assert src is not None
    src.legal_basis = (legal_basis or (parent.legal_basis if parent else None) or "").strip() or None
    src.owner = (owner or (parent.owner if parent else None) or "").strip() or None
    if not (src.legal_basis and src.owner):
        raise ConfigError(f"source {src.name!r}: give --legal-basis and --owner to accept it")
    row.state, row.next_run_at = "active", utcnow()
    session.flush()
    return row


def due_schedules(session: Session, now: datetime) -> list[SourceSchedule]:
    """Active schedules whose next run is due (the scheduler's tick)."""
    return list(session.scalars(select(SourceSchedule).where(
        SourceSchedule.state == "active", SourceSchedule.next_run_at <= now).order_by(SourceSchedule.next_run_at)))


def advance(session: Session, source_id: int, now: datetime) -> datetime | None:
    """After a run was queued: the next due time from the schedule (never in the past)."""
    row = session.get(SourceSchedule, source_id)
    if row is None:
        return None
    row.next_run_at = next_due(row.interval_s, row.cron, now)
    return row.next_run_at


@dataclass(frozen=True)
class RunOutcome:
    """What one run of a source did; `status` ok, site_down, proxy_down, failed."""

    status: str
    pages: int = 0
    new_captures: int = 0
    errors: int = 0
    error: str | None = None


def record_run(session: Session, source_id: int, started: datetime, outcome: RunOutcome,
               now: datetime | None = None) -> tuple[SourceSchedule, bool]:
    """Store a run's result; a failed run pulls the next try forward with back-off.

    Returns the row and whether the source has now been down longer than its
    `down_after_s` for the first time (the caller raises the alert once).
    """
    now = now or utcnow()
    row = session.get(SourceSchedule, source_id)
    if row is None:
        raise InputError(f"source {source_id}: not under inspection")
    row.last_run_at, row.last_finished_at = started, now
    row.last_status, row.last_error = outcome.status, (outcome.error or "")[:MAX_ERROR_CHARS] or None
    row.last_pages, row.last_new_captures, row.last_errors = outcome.pages, outcome.new_captures, outcome.errors
    alert = False
    if outcome.status == "ok":
        row.failures, row.down_since, row.down_alerted = 0, None, False
    else:
        row.failures += 1
        row.down_since = row.down_since or started
        retry = now + timedelta(seconds=min(RETRY_BASE_S * 2 ** (row.failures - 1), MAX_RETRY_S,
                                            row.interval_s or MAX_RETRY_S))
        if row.state == "active":  # the back-off, unless the schedule itself comes sooner
            row.next_run_at = min(retry, next_due(row.interval_s, row.cron, started))
        if not row.down_alerted and (now - row.down_since).total_seconds() >= row.down_after_s:
            row.down_alerted = alert = True
    session.flush()
    return row, alert


def propose_mirror(session: Session, parent_id: int, host: str) -> str | None:
    """A mirror address seen in a page of `parent_id` becomes a proposed source; its name, or None if known."""
    host = host.lower()[:255]
    base = f"http://{host}/"
    known = session.scalar(select(Source.id).where(Source.base_url == base))
    if known is not None:
        return None
    parent = session.get(Source, parent_id)
    sched = session.get(SourceSchedule, parent_id)
    if parent is None or sched is None:
        return None
    name = f"{parent.name[:60]}-mirror-{host.split('.')[0][:16]}"
    if session.scalar(select(Source.id).where(Source.name == name)) is not None:
        return None
    src = add_source(session, name, parent.kind, base_url=base,
                     notes=f"mirror proposed from source {parent.name!r}; not crawled until accepted")
    values = {k: getattr(sched, k) for k in EDITABLE}
    values["start_urls"] = [base]
    session.add(SourceSchedule(source_id=src.id, state="proposed", proposed_from=parent_id, next_run_at=None,
                               last_pages=0, last_new_captures=0, last_errors=0, failures=0, down_alerted=False,
                               **values))
    session.flush()
    return name


@dataclass(frozen=True)
class SourceView:
    """One source as the console and `leaktrace sources list` show it."""

    name: str
    kind: str
    schedule: str
    state: str
    legal_basis: str | None
    owner: str | None
    proxy: str | None
    isolate: bool
    start_urls: list[str]
    last_run_at: datetime | None
    last_status: str | None
    last_error: str | None
    pages: int
    new_captures: int
    errors: int
    next_run_at: datetime | None
    down_since: datetime | None
    proposed_from: str | None
    screenshots: bool = False  # its runs queue a rendering (screenshot) of every new capture

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        for k in ("last_run_at", "next_run_at", "down_since"):
            out[k] = out[k].isoformat() if out[k] else None
        return out


def list_sources(session: Session, states: Sequence[str] | None = None) -> list[SourceView]:
    stmt = select(SourceSchedule, Source).join(Source, Source.id == SourceSchedule.source_id).order_by(Source.name)
    if states:
        stmt = stmt.where(SourceSchedule.state.in_(list(states)))
    names = {i: n for i, n in session.execute(select(Source.id, Source.name))}
    out = []
    for sched, src in session.execute(stmt):
        when = f"cron {sched.cron}" if sched.cron else f"every {sched.interval_s} s"
        out.append(SourceView(
            src.name, sched.kind, when, sched.state, src.legal_basis, src.owner,
            None if sched.no_proxy else (sched.proxy or "tor"), sched.isolate, list(sched.start_urls or []),
            sched.last_run_at, sched.last_status, sched.last_error, sched.last_pages, sched.last_new_captures,
            sched.last_errors, sched.next_run_at if sched.state == "active" else None, sched.down_since,
            names.get(sched.proposed_from) if sched.proposed_from else None, bool(sched.screenshots)))
    return out
