"""Per-host pacing: at most N requests in flight and a minimum gap between request starts.

Hidden services run on one small machine behind one Tor circuit; hammering
them gets the crawler's account banned and its circuit throttled (Ahmia
keeps ~1 s between requests per site). The gate is per host, so several
sites crawl in parallel while each sees a polite client.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator


class HostGate:
    """`async with gate.slot(host):` around each request."""

    def __init__(self, concurrency: int, delay_s: float) -> None:
        self.concurrency = concurrency
        self.delay_s = delay_s
        self._sems: dict[str, asyncio.Semaphore] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._next: dict[str, float] = {}

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        sem = self._sems.setdefault(host, asyncio.Semaphore(self.concurrency))
        lock = self._locks.setdefault(host, asyncio.Lock())
        async with sem:
            if self.delay_s > 0:
                async with lock:  # held while waiting: starts on one host are strictly spaced
                    wait = self._next.get(host, 0.0) - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    self._next[host] = time.monotonic() + self.delay_s
            yield
