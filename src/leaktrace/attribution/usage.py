"""Per-organisation daily OPRF usage: an append-only ledger under data_dir/attribution/.

Why a file and not a counter in the service: an organisation's allowance is
what stops it from enumerating values through the OPRF, so it must hold per
organisation (not per token: `org token` can issue many), survive a restart
of the service, and be shared with the offline path (`org evaluate`), which
runs in another process. Each charge appends one JSON line
``{"day", "org", "n", "via"}`` under an exclusive lock, after re-reading
whatever other processes appended since; nothing is ever rewritten.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from leaktrace.core.errors import IntegrityError
from leaktrace.core.private_files import private_dir

FILENAME = "oprf-usage.jsonl"


def utc_day(now: float | None = None) -> str:
    """The UTC calendar day that allowances are counted in."""
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() if now is None else now))


def ledger_path(data_dir: Path) -> Path:
    return data_dir / "attribution" / FILENAME


class UsageLedger:
    """Evaluations charged per (org, UTC day); `path=None` keeps them in memory (tests, one-off apps)."""

    def __init__(self, path: Path | None, clock: Callable[[], float] = time.time) -> None:
        self.path, self.clock = path, clock
        self._offset = 0
        self._used: dict[tuple[str, str], int] = {}

    def _refresh(self, fd: int) -> None:
        """Add the complete lines appended since the last read (a torn last line waits for its end)."""
        size = os.fstat(fd).st_size
        if size < self._offset:
            raise IntegrityError(f"{self.path}: the usage ledger shrank; it is append-only")
        if size == self._offset:
            return
        data = os.pread(fd, size - self._offset, self._offset)
        end = data.rfind(b"\n") + 1
        for lineno, line in enumerate(data[:end].splitlines(), 1):
            try:
                e = json.loads(line)
                k, n = (str(e["org"]), str(e["day"])), int(e["n"])
            except (ValueError, KeyError, TypeError) as exc:
                raise IntegrityError(f"{self.path}: unreadable entry at byte {self._offset} "
                                     f"(+{lineno} lines)") from exc
            self._used[k] = self._used.get(k, 0) + n
        self._offset += end

    def used(self, org: str, day: str | None = None) -> int:
        """Evaluations already charged to `org` on `day` (default today, UTC)."""
        day = day or utc_day(self.clock())
        if self.path is not None and self.path.exists():
            fd = os.open(self.path, os.O_RDONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_SH)
                self._refresh(fd)
            finally:
                os.close(fd)
        return self._used.get((org, day), 0)

    def charge(self, org: str, n: int, limit: int, via: str) -> bool:
        """Charge `n` evaluations to `org` today if that stays within `limit`; False (nothing charged) if not."""
        if n < 0:
            raise ValueError("cannot charge a negative number of evaluations")
        day = utc_day(self.clock())
        k = (org, day)
        if self.path is None:
            if self._used.get(k, 0) + n > limit:
                return False
            self._used[k] = self._used.get(k, 0) + n
            return True
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self._refresh(fd)
            if self._used.get(k, 0) + n > limit:
                return False
            line = (json.dumps({"day": day, "org": org, "n": n, "via": via}, ensure_ascii=False) + "\n").encode()
            os.write(fd, line)
            self._refresh(fd)  # our own line, read back like anybody else's
            return True
        finally:
            os.close(fd)
