"""Ask Tor for a new circuit (NEWNYM) through its control port when a host keeps failing.

Optional: without a control port the crawler only backs off. Tor rate-limits
NEWNYM to about one per ten seconds; asking more often does nothing, so the
trigger counts consecutive transport failures per host and waits between
signals. stem is imported lazily so a crawl without Tor never needs it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from leaktrace.core.errors import ConfigError

log = logging.getLogger(__name__)
NEWNYM_MIN_INTERVAL_S = 10.0


def stem_newnym(port: int, password: str | None = None, host: str = "127.0.0.1") -> Callable[[], None]:
    """A callable that signals NEWNYM on the Tor control port (ConfigError when it cannot)."""

    def signal() -> None:
        try:
            from stem import Signal, SocketError
            from stem.connection import AuthenticationFailure
            from stem.control import Controller
        except ImportError as exc:  # pragma: no cover - stem is a dependency
            raise ConfigError("Tor control needs the 'stem' package") from exc
        try:
            with Controller.from_port(address=host, port=port) as ctl:
                ctl.authenticate(password=password)
                ctl.signal(Signal.NEWNYM)
        except (SocketError, AuthenticationFailure) as exc:
            raise ConfigError(f"Tor control port {host}:{port}: {exc}") from exc

    return signal


class NewnymTrigger:
    """Counts consecutive transport failures per host; past `threshold`, asks for a new circuit."""

    def __init__(self, signal: Callable[[], None], threshold: int = 3,
                 min_interval_s: float = NEWNYM_MIN_INTERVAL_S) -> None:
        self.signal = signal
        self.threshold = threshold
        self.min_interval_s = min_interval_s
        self.failures: dict[str, int] = {}
        self.signals = 0
        self._last = float("-inf")

    def success(self, host: str) -> None:
        self.failures.pop(host, None)

    async def failure(self, host: str) -> None:
        n = self.failures[host] = self.failures.get(host, 0) + 1
        now = time.monotonic()
        if n < self.threshold or now - self._last < self.min_interval_s:
            return
        self._last = now
        self.failures[host] = 0
        try:
            await asyncio.to_thread(self.signal)
            self.signals += 1
            log.info("asked Tor for a new circuit after %d failures on %s", n, host)
        except ConfigError as exc:
            log.warning("NEWNYM failed: %s", exc)
