"""The job queue: enqueue once, claim as a lease, report progress, complete, fail with back-off.

The same claim rule as the crawl frontier (`frontier.py`): a select of due
rows FOR UPDATE SKIP LOCKED then an UPDATE that re-checks the state, each
call its own short transaction, so two workers never run one job and a job
whose worker died (its lease ran out) is claimed again. On SQLite the
transaction holds the single write lock and everything runs in one process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from leaktrace.core.errors import InputError
from leaktrace.store.models import Job
from leaktrace.store.repo._common import insert_ignore
from leaktrace.store.types import utcnow

MAX_ERROR_CHARS = 2000
MAX_BACKOFF = timedelta(hours=1)
MAX_KEY_CHARS = 255


@dataclass(frozen=True)
class JobClaim:
    """A job leased to one worker until `until`."""

    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    attempts: int
    until: datetime


@dataclass(frozen=True)
class JobView:
    """What the console and `leaktrace jobs` show of one job."""

    id: int
    kind: str
    key: str
    state: str
    attempts: int
    progress_done: int
    progress_total: int | None
    last_error: str | None
    result: dict[str, Any] | None
    enqueued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    next_try_at: datetime


def _view(j: Job) -> JobView:
    return JobView(j.id, j.kind, j.key, j.state, j.attempts, j.progress_done, j.progress_total,
                   j.last_error, j.result, j.enqueued_at, j.started_at, j.finished_at, j.next_try_at)


def enqueue_in(session: Session, kind: str, payload: Mapping[str, Any] | None = None, *, key: str | None = None,
               priority: int = 0, run_at: datetime | None = None, max_attempts: int = 5,
               now: datetime | None = None) -> tuple[int, bool]:
    """`JobQueue.enqueue` inside the caller's transaction (no `again`): work queued atomically with the
    rows it is about, e.g. a tracker job with the post version it checks, so a kill between them loses
    neither."""
    if not kind or len(kind) > 64:
        raise InputError(f"field 'kind': job kind {kind[:80]!r} must be 1-64 characters")
    now = now or utcnow()
    if key is None:
        key = f"#{uuid4().hex}"
    if len(key) > MAX_KEY_CHARS:
        raise InputError(f"field 'key': job key of {len(key)} characters exceeds {MAX_KEY_CHARS}")
    new = insert_ignore(
        session, Job.__table__,  # type: ignore[arg-type]
        {"kind": kind, "key": key, "payload": dict(payload or {}), "state": "queued",
         "priority": priority, "attempts": 0, "max_attempts": max_attempts,
         "next_try_at": run_at or now, "progress_done": 0, "enqueued_at": now},
        ["kind", "key"],
    )
    job_id = session.scalar(select(Job.id).where(Job.kind == kind, Job.key == key))
    assert job_id is not None
    return job_id, new


class JobQueue:
    """Deferred work of every kind, shared by all workers on one store."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        lease: timedelta = timedelta(minutes=5),
        backoff: timedelta = timedelta(seconds=10),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self.lease = lease
        self.backoff = backoff
        self._clock = clock

    def enqueue(
        self,
        kind: str,
        payload: Mapping[str, Any] | None = None,
        *,
        key: str | None = None,
        priority: int = 0,
        run_at: datetime | None = None,
        max_attempts: int = 5,
        again: bool = False,
    ) -> tuple[int, bool]:
        """Queue work unless `(kind, key)` is already known; returns (job id, whether it was new).

        `again=True` makes a finished job with the same key due once more
        (a re-run asked for by a person, an edited tracker); a job that is
        still queued or running is left alone either way.
        """
        if not kind or len(kind) > 64:
            raise InputError(f"field 'kind': job kind {kind[:80]!r} must be 1-64 characters")
        now = self._clock()
        with self._sessions.begin() as s:
            job_id, new = enqueue_in(s, kind, payload, key=key, priority=priority, run_at=run_at,
                                     max_attempts=max_attempts, now=now)
            if not new and again:
                s.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.state.in_(("done", "failed")))
                    .values(state="queued", attempts=0, next_try_at=run_at or now, payload=dict(payload or {}),
                            progress_done=0, progress_total=None, last_error=None, result=None,
                            started_at=None, finished_at=None, claimed_by=None, claimed_until=None)
                    .execution_options(synchronize_session=False)
                )
            return job_id, new

    def _claimable(self, now: datetime):
        return or_(
            and_(Job.state == "queued", Job.next_try_at <= now),
            and_(Job.state == "running", Job.claimed_until < now, Job.attempts < Job.max_attempts),
        )

    def _expire_exhausted(self, s: Session, now: datetime) -> None:
        """A job whose lease ran out max_attempts times (it keeps killing its workers) fails."""
        s.execute(
            update(Job)
            .where(Job.state == "running", Job.claimed_until < now, Job.attempts >= Job.max_attempts)
            .values(state="failed", claimed_by=None, claimed_until=None, finished_at=now,
                    last_error="lease expired without completion")
            .execution_options(synchronize_session=False)
        )

    def claim(self, worker: str, kinds: Sequence[str] | None = None, limit: int = 1) -> list[JobClaim]:
        """Lease up to `limit` due jobs of `kinds` (all when None), highest priority first."""
        now = self._clock()
        until = now + self.lease
        claimable = self._claimable(now)
        picks = select(Job.id).where(claimable)
        if kinds is not None:
            picks = picks.where(Job.kind.in_(list(kinds)))
        picks = picks.order_by(Job.priority.desc(), Job.next_try_at, Job.id).limit(limit).with_for_update(
            skip_locked=True)
        with self._sessions.begin() as s:
            self._expire_exhausted(s, now)
            ids = list(s.scalars(picks))
            if not ids:
                return []
            rows = s.execute(
                update(Job)
                .where(Job.id.in_(ids), claimable)
                .values(state="running", claimed_by=worker, claimed_until=until, attempts=Job.attempts + 1,
                        started_at=func.coalesce(Job.started_at, now))
                .returning(Job.id, Job.kind, Job.key, Job.payload, Job.attempts)
                .execution_options(synchronize_session=False)
            ).all()
        return sorted((JobClaim(r.id, r.kind, r.key, dict(r.payload or {}), r.attempts, until) for r in rows),
                      key=lambda c: c.id)

    def heartbeat(self, job_id: int, worker: str, *, done: int | None = None, total: int | None = None) -> bool:
        """Extend the lease and record progress; False when the worker lost the job (stop working on it)."""
        values: dict[str, Any] = {"claimed_until": self._clock() + self.lease}
        if done is not None:
            values["progress_done"] = done
        if total is not None:
            values["progress_total"] = total
        with self._sessions.begin() as s:
            result = s.execute(
                update(Job).where(Job.id == job_id, Job.state == "running", Job.claimed_by == worker)
                .values(**values).execution_options(synchronize_session=False)
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def complete(self, job_id: int, worker: str, result: Mapping[str, Any] | None = None) -> bool:
        """Mark done; False when the worker no longer holds the job."""
        with self._sessions.begin() as s:
            res = s.execute(
                update(Job).where(Job.id == job_id, Job.state == "running", Job.claimed_by == worker)
                .values(state="done", finished_at=self._clock(), claimed_until=None, last_error=None,
                        result=dict(result) if result is not None else None)
                .execution_options(synchronize_session=False)
            )
        return bool(res.rowcount)  # type: ignore[attr-defined]

    def fail(self, job_id: int, worker: str, error: str, *, permanent: bool = False) -> str | None:
        """Back off exponentially, or fail for good (after max_attempts, or when `permanent`).

        Returns the new state, or None when the worker no longer holds the job.
        """
        with self._sessions.begin() as s:
            job = s.scalar(select(Job).where(Job.id == job_id, Job.state == "running", Job.claimed_by == worker)
                           .with_for_update())
            if job is None:
                return None
            now = self._clock()
            job.last_error = error[:MAX_ERROR_CHARS]
            job.claimed_by = None
            job.claimed_until = None
            if permanent or job.attempts >= job.max_attempts:
                job.state, job.finished_at = "failed", now
            else:
                job.state = "queued"
                job.next_try_at = now + min(self.backoff * 2 ** (job.attempts - 1), MAX_BACKOFF)
            return job.state

    def get(self, job_id: int) -> JobView | None:
        with self._sessions() as s:
            job = s.get(Job, job_id)
            return _view(job) if job is not None else None

    def find(self, kind: str, key: str) -> JobView | None:
        with self._sessions() as s:
            job = s.scalar(select(Job).where(Job.kind == kind, Job.key == key))
            return _view(job) if job is not None else None

    def counts(self, kind: str | None = None) -> dict[str, int]:
        """Jobs per state (the queue depth metric, the console's progress line)."""
        stmt = select(Job.state, func.count()).group_by(Job.state)
        if kind is not None:
            stmt = stmt.where(Job.kind == kind)
        with self._sessions() as s:
            return {state: n for state, n in s.execute(stmt).all()}
