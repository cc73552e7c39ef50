"""The persistent crawl frontier: enqueue, claim (as a lease), complete, fail, give up, release,
re-queue a watch round, and settle the claims of crawlers that died.

Each call is its own short transaction, so a claim is visible to every
other worker the moment it returns. Claiming is a
select of due rows then an UPDATE of exactly those, in one transaction. On
PostgreSQL the select takes FOR UPDATE SKIP LOCKED, so concurrent workers
split the queue instead of waiting on each other's row locks (a LIMIT inside
`UPDATE ... WHERE id IN (subquery)` is not safe there: the planner may run
the subquery more than once and claimed 6 rows for LIMIT 4 in our tests). The UPDATE
re-checks the state, so no row is ever handed out twice; on SQLite the
transaction already holds the single write lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from leaktrace.core.errors import InputError
from leaktrace.store.models import FrontierItem, url_key
from leaktrace.store.repo._common import check_url, insert_ignore
from leaktrace.store.repo.sources import get_source, require_legal_basis
from leaktrace.store.types import utcnow

MAX_ERROR_CHARS = 2000
MAX_BACKOFF = timedelta(days=1)


@dataclass(frozen=True)
class Claim:
    """A URL leased to one worker until `until`."""

    id: int
    source_id: int
    url: str
    host: str
    depth: int
    attempts: int
    until: datetime


@dataclass(frozen=True)
class HeldClaim:
    """A URL in state "claimed": who holds it, and since when it was due (its claim is no older)."""

    id: int
    url: str
    url_key: str
    claimed_by: str | None
    due_since: datetime
    attempts: int


def host_of(url: str) -> str:
    host = urlsplit(url).hostname
    if not host:
        raise InputError(f"{url[:200]}: URL has no host")
    return host[:255]


class Frontier:
    """The crawl queue of every source; a killed crawl resumes where it stopped."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        lease: timedelta = timedelta(minutes=10),
        max_attempts: int = 5,
        backoff: timedelta = timedelta(seconds=30),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self.lease = lease
        self.max_attempts = max_attempts
        self.backoff = backoff
        self._clock = clock

    def enqueue(self, source_id: int, urls: Iterable[str], depth: int = 0) -> int:
        """Add URLs not yet known for the source; returns how many were new."""
        added = 0
        with self._sessions.begin() as s:
            require_legal_basis(get_source(s, source_id))
            now = self._clock()
            for url in urls:
                check_url(url)
                added += insert_ignore(
                    s,
                    FrontierItem.__table__,  # type: ignore[arg-type]
                    {
                        "source_id": source_id, "url": url, "url_key": url_key(url),
                        "host": host_of(url), "depth": depth, "state": "queued",
                        "attempts": 0, "next_try_at": now, "enqueued_at": now,
                    },
                    ["source_id", "url_key"],
                )
        return added

    def _expire_exhausted(self, s: Session, now: datetime) -> None:
        """A URL whose lease ran out max_attempts times (it keeps killing workers) fails."""
        s.execute(
            update(FrontierItem)
            .where(
                FrontierItem.state == "claimed",
                FrontierItem.claimed_until < now,
                FrontierItem.attempts >= self.max_attempts,
            )
            .values(state="failed", claimed_by=None, claimed_until=None,
                    last_error="lease expired without completion")
            .execution_options(synchronize_session=False)
        )

    def claim(
        self, worker: str, limit: int = 1, *, source_id: int | None = None, host: str | None = None
    ) -> list[Claim]:
        """Lease up to `limit` due URLs to `worker`: queued ones, and claims whose lease expired."""
        now = self._clock()
        until = now + self.lease
        claimable = or_(
            and_(FrontierItem.state == "queued", FrontierItem.next_try_at <= now),
            and_(FrontierItem.state == "claimed", FrontierItem.claimed_until < now),
        )
        picks = select(FrontierItem.id).where(claimable)
        if source_id is not None:
            picks = picks.where(FrontierItem.source_id == source_id)
        if host is not None:
            picks = picks.where(FrontierItem.host == host)
        picks = (
            picks.order_by(FrontierItem.next_try_at, FrontierItem.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        with self._sessions.begin() as s:
            self._expire_exhausted(s, now)
            ids = list(s.scalars(picks))
            if not ids:
                return []
            rows = s.execute(
                update(FrontierItem)
                .where(FrontierItem.id.in_(ids), claimable)
                .values(state="claimed", claimed_by=worker, claimed_until=until,
                        attempts=FrontierItem.attempts + 1)
                .returning(FrontierItem.id, FrontierItem.source_id, FrontierItem.url,
                           FrontierItem.host, FrontierItem.depth, FrontierItem.attempts)
                .execution_options(synchronize_session=False)
            ).all()
        return sorted(
            (Claim(r.id, r.source_id, r.url, r.host, r.depth, r.attempts, until) for r in rows),
            key=lambda c: c.id,
        )

    def complete(self, item_id: int, worker: str, capture_id: int | None = None) -> bool:
        """Mark done; False when the worker no longer holds the claim (another took it over)."""
        with self._sessions.begin() as s:
            result = s.execute(
                update(FrontierItem)
                .where(FrontierItem.id == item_id, FrontierItem.state == "claimed",
                       FrontierItem.claimed_by == worker)
                .values(state="done", done_at=self._clock(), claimed_until=None,
                        capture_id=capture_id, last_error=None)
                .execution_options(synchronize_session=False)
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def fail(self, item_id: int, worker: str, error: str) -> str | None:
        """Record a failed fetch: back off exponentially, or fail for good after max_attempts.

        Returns the new state, or None when the worker no longer holds the claim.
        """
        with self._sessions.begin() as s:
            item = s.scalar(
                select(FrontierItem)
                .where(FrontierItem.id == item_id, FrontierItem.state == "claimed",
                       FrontierItem.claimed_by == worker)
                .with_for_update()
            )
            if item is None:
                return None
            now = self._clock()
            item.last_error = error[:MAX_ERROR_CHARS]
            item.claimed_by = None
            item.claimed_until = None
            if item.attempts >= self.max_attempts:
                item.state = "failed"
            else:
                item.state = "queued"
                item.next_try_at = now + min(self.backoff * 2 ** (item.attempts - 1), MAX_BACKOFF)
            return item.state

    def counts(self, source_id: int | None = None) -> dict[str, int]:
        """How many URLs are in each state (progress display, resume reports)."""
        stmt = select(FrontierItem.state, func.count()).group_by(FrontierItem.state)
        if source_id is not None:
            stmt = stmt.where(FrontierItem.source_id == source_id)
        with self._sessions() as s:
            return {state: n for state, n in s.execute(stmt).all()}

    def give_up(self, item_id: int, worker: str, error: str) -> None:
        """A permanent failure (too large, redirect loop, off-site): no retries."""
        with self._sessions.begin() as s:
            s.execute(
                update(FrontierItem)
                .where(FrontierItem.id == item_id, FrontierItem.state == "claimed", FrontierItem.claimed_by == worker)
                .values(state="failed", claimed_by=None, claimed_until=None, last_error=error[:MAX_ERROR_CHARS])
                .execution_options(synchronize_session=False)
            )

    def release(self, item_ids: Sequence[int], worker: str) -> None:
        """Hand back claims this worker took but never started: due again at once, attempt not counted."""
        if not item_ids:
            return
        with self._sessions.begin() as s:
            s.execute(
                update(FrontierItem)
                .where(FrontierItem.id.in_(list(item_ids)), FrontierItem.state == "claimed",
                       FrontierItem.claimed_by == worker)
                .values(state="queued", claimed_by=None, claimed_until=None, next_try_at=self._clock(),
                        attempts=FrontierItem.attempts - 1)
                .execution_options(synchronize_session=False)
            )

    def requeue_round(self, source_id: int, *, waiting: bool = False) -> int:
        """Watch mode: every done or failed URL of the source becomes due again; returns how many.

        `waiting=True` also makes URLs still backing off from an earlier
        failure due now (a scheduled run after a site came back).
        """
        states = ("done", "failed", "queued") if waiting else ("done", "failed")
        with self._sessions.begin() as s:
            result = s.execute(
                update(FrontierItem)
                .where(FrontierItem.source_id == source_id, FrontierItem.state.in_(states))
                .values(state="queued", attempts=0, next_try_at=self._clock(), claimed_by=None,
                        claimed_until=None, last_error=None)
                .execution_options(synchronize_session=False)
            )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def held(self, source_id: int) -> list[HeldClaim]:
        """Every claimed URL of the source, whoever holds it (resume looks for claims of dead workers)."""
        with self._sessions() as s:
            rows = s.execute(
                select(FrontierItem.id, FrontierItem.url, FrontierItem.url_key, FrontierItem.claimed_by,
                       FrontierItem.next_try_at, FrontierItem.attempts)
                .where(FrontierItem.source_id == source_id, FrontierItem.state == "claimed")
                .order_by(FrontierItem.id)
            ).all()
        return [HeldClaim(r.id, r.url, r.url_key, r.claimed_by, r.next_try_at, r.attempts) for r in rows]

    def settle(self, item_id: int, holder: str | None, capture_id: int | None) -> str | None:
        """Close a claim left by a worker that is gone: done with `capture_id`, else due again at once.

        A re-queued URL gets its attempt back (the worker died, the page did
        not fail). Returns the new state, or None when `holder` no longer
        holds the claim (another worker took it over meanwhile).
        """
        with self._sessions.begin() as s:
            row = s.get(FrontierItem, item_id)
            if row is None or row.state != "claimed" or row.claimed_by != holder:
                return None
            row.claimed_by, row.claimed_until = None, None
            if capture_id is not None:
                row.state, row.done_at, row.capture_id = "done", self._clock(), capture_id
            else:
                row.state, row.next_try_at = "queued", self._clock()
                row.attempts = max(0, row.attempts - 1)
            return row.state
