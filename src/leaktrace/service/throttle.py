"""Login throttling: lockout with exponential back-off per (account name, client) pair.

After `login_lockout_threshold` failures of one account name from one
client, that pair is locked for `login_lockout_seconds`, doubling with each
further failure up to `login_lockout_max_seconds`; a successful login
clears it. Keyed by the pair, not the account alone (an attacker would lock
the real user out) nor the client alone (everyone behind one NAT would be
locked out with them). Names that are no account are throttled the same
way, so the lockout does not tell which names exist. The state is in the
store, so every console process and the CLI share it.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError as DbIntegrityError

from leaktrace.pipeline.context import Context
from leaktrace.service.errors import LoginThrottled
from leaktrace.store.models import LoginThrottle
from leaktrace.store.models.identity import USERNAME_CHARS


def _key(username: str, client: str) -> tuple[str, str]:
    return username.strip().lower()[:USERNAME_CHARS], client[:200]


def check(ctx: Context, username: str, client: str, now: datetime | None = None) -> None:
    """LoginThrottled(retry_after) while the pair is locked out."""
    name, cl = _key(username, client)
    now = now or datetime.now(UTC)
    with ctx.session() as s:
        until = s.scalar(select(LoginThrottle.locked_until).where(LoginThrottle.username == name,
                                                                   LoginThrottle.client == cl))
    if until is not None and until > now:
        raise LoginThrottled(max(1, math.ceil((until - now).total_seconds())))


def lockout_seconds(ctx: Context, failures: int) -> int:
    """How long `failures` failures lock the pair out (0 below the threshold)."""
    st = ctx.settings
    over = failures - st.login_lockout_threshold
    if over < 0:
        return 0
    return min(st.login_lockout_max_seconds, st.login_lockout_seconds * (2 ** min(over, 30)))


def failure(ctx: Context, username: str, client: str, now: datetime | None = None) -> int:
    """Count one failure; returns the lockout it starts, in seconds (0: none yet)."""
    name, cl = _key(username, client)
    now = now or datetime.now(UTC)
    for _ in range(5):
        try:
            with ctx.session() as s, s.begin():
                row = s.scalar(select(LoginThrottle).where(LoginThrottle.username == name,
                                                           LoginThrottle.client == cl).with_for_update())
                if row is None:
                    row = LoginThrottle(username=name, client=cl, failures=0)
                    s.add(row)
                row.failures += 1
                row.last_failure = now
                lock = lockout_seconds(ctx, row.failures)
                row.locked_until = now + timedelta(seconds=lock) if lock else None
            return lock
        except DbIntegrityError:  # two first failures at once: the other made the row, count on it
            continue
    return 0


def success(ctx: Context, username: str, client: str) -> None:
    name, cl = _key(username, client)
    with ctx.session() as s, s.begin():
        s.execute(delete(LoginThrottle).where(LoginThrottle.username == name, LoginThrottle.client == cl))
