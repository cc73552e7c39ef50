"""Proof of control for exposure checks: a one-time code sent to the phone or mailbox.

The hook that delivers the code is pluggable (an SMS or e-mail gateway in
production, :class:`MemoryOtpHook` in tests), named as ``module:callable``.
The gateway necessarily sees the address it delivers to; the exposure server
keeps only a hash of the code and an expiry, never the address, and the
session token it issues is not linked to it. The token buys a small quota of
OPRF evaluations, which is what stops a verified user from probing other
people's values (the server cannot see what is evaluated).
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import secrets
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from leaktrace.core.errors import ConfigError
from leaktrace.core.normalize import normalize

CODE_TTL_S = 300
MAX_ATTEMPTS = 3  # guesses per challenge
MAX_FAILURES = 5  # wrong codes for one address from one client before that pair is locked
ADDRESS_FAILURE_FACTOR = 4  # wrong codes for one address from all clients: 4 x MAX_FAILURES locks the address
CLIENT_FAILURE_FACTOR = 10  # wrong codes from one client for all addresses: 10 x MAX_FAILURES locks the client
BASE_LOCK_S = 60.0  # the first lock; each further lock of the same key doubles it, up to LOCK_S
LOCK_S = 3600.0
STRIKES_KEPT_S = 86_400.0  # a key with no lock for a day starts its back-off afresh
SENDS_PER_HOUR = 5  # codes sent to one address per hour, whoever asks
SENDS_PER_DAY = 10  # ... and per day (a rolling 24 hours)
PAIR_SENDS_PER_HOUR = 3  # codes one client may have sent to one address per hour
GLOBAL_SENDS_PER_HOUR = 1000  # codes the whole service sends per hour (the SMS bill, and a botnet's reach)
MAX_TRACKED = 100_000  # records kept before a sweep of expired ones
_HOUR, _DAY = 3600.0, 86_400.0


class OtpHook(Protocol):
    def send(self, channel: str, address: str, code: str) -> None: ...


@dataclass
class MemoryOtpHook:
    """Test double: remembers the last code per address instead of sending it."""

    sent: dict[str, str] = field(default_factory=dict)

    def send(self, channel: str, address: str, code: str) -> None:
        self.sent[address] = code


class ConsoleOtpHook:
    """Development hook: prints the code with the masked address on stderr (never in production)."""

    def send(self, channel: str, address: str, code: str) -> None:
        from leaktrace.core.masking import mask

        print(f"[otp] {channel} {mask(address)}: {code}", file=sys.stderr, flush=True)


def load_hook(spec: str) -> OtpHook:
    module, _, attr = spec.partition(":")
    try:
        hook = getattr(importlib.import_module(module), attr)()
    except Exception as exc:
        raise ConfigError(f"OTP hook {spec!r} could not be loaded: {exc}") from exc
    if not hasattr(hook, "send"):
        raise ConfigError(f"OTP hook {spec!r} has no send(channel, address, code)")
    return hook


@dataclass
class _Challenge:
    code_hash: bytes
    expires: float
    who: tuple[str, ...]
    attempts: int = 0


@dataclass
class _Lock:
    until: float
    strikes: int


class OtpRefused(Exception):
    """No code is sent: the message says why (never which address)."""


class OtpLocked(OtpRefused):
    """Too many wrong codes for this address from this client (or overall): no new challenge until the lock ends."""


class OtpThrottled(OtpRefused):
    """Too many codes sent to this address, by this client, or by the whole service, within the window."""


class OtpVerifier:
    """Issues challenges through the hook and checks the codes (constant-time).

    Sending is capped so nobody can SMS-bomb a number or run up the bill:
    `sends_per_hour` / `sends_per_day` codes per address whoever asks,
    `pair_sends_per_hour` per address from one client, and
    `global_sends_per_hour` for the whole service.

    Each challenge allows `MAX_ATTEMPTS` guesses, and wrong codes count per
    (address, client) pair: `max_failures` of them lock that pair, first
    for `base_lock_s`, then twice as long at each further lock, up to
    `lock_s`. So a user behind a shared NAT locks only themselves out of
    their own number, and a stranger guessing at a victim's number locks
    only themselves. Wrong codes also count per address from all clients
    (`ADDRESS_FAILURE_FACTOR` x `max_failures`) and per client for all
    addresses (`CLIENT_FAILURE_FACTOR` x), with the same back-off, so many
    clients together still get only a bounded number of guesses at one
    code. Addresses and clients are remembered only as an HMAC under a
    per-process random key.
    """

    def __init__(self, hook: OtpHook, ttl_s: float = CODE_TTL_S, max_failures: int = MAX_FAILURES,
                 lock_s: float = LOCK_S, *, base_lock_s: float = BASE_LOCK_S,
                 sends_per_hour: int = SENDS_PER_HOUR, sends_per_day: int = SENDS_PER_DAY,
                 pair_sends_per_hour: int = PAIR_SENDS_PER_HOUR,
                 global_sends_per_hour: int = GLOBAL_SENDS_PER_HOUR,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.hook, self.ttl_s = hook, ttl_s
        self.max_failures, self.lock_s, self.base_lock_s = max_failures, lock_s, base_lock_s
        self.sends_per_hour, self.sends_per_day = sends_per_hour, sends_per_day
        self.pair_sends_per_hour, self.global_sends_per_hour = pair_sends_per_hour, global_sends_per_hour
        self.clock = clock
        self._pending: dict[str, _Challenge] = {}
        self._failures: dict[str, list[float]] = {}  # key -> times of wrong codes since its last lock
        self._locks: dict[str, _Lock] = {}
        self._sends: dict[str, list[float]] = {}  # key -> times codes were sent, within a day
        self._global: deque[float] = deque()
        self._secret = secrets.token_bytes(32)

    def _mac(self, text: str) -> str:
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()[:32]

    def _who(self, address: str, client: str, channel: str = "sms") -> tuple[str, ...]:
        """Keys: the (address, client) pair, the address, the client; the address in its canonical form."""
        canon = normalize("cn_mobile" if channel == "sms" else "email", address)
        a = self._mac(f"{channel}:{canon}")
        return ("pair:" + self._mac(f"{a}|{client}"), "addr:" + a, "client:" + self._mac(client))

    def _threshold(self, key: str) -> int:
        factor = {"pair": 1, "addr": ADDRESS_FAILURE_FACTOR, "client": CLIENT_FAILURE_FACTOR}[key.split(":", 1)[0]]
        return factor * self.max_failures

    def _is_locked(self, keys: tuple[str, ...], now: float) -> bool:
        return any((lk := self._locks.get(k)) is not None and lk.until > now for k in keys)

    def locked(self, address: str, client: str = "", channel: str = "sms") -> bool:
        return self._is_locked(self._who(address, client, channel), self.clock())

    def _fail(self, key: str, now: float) -> None:
        """Count a wrong code against `key`; at its threshold, lock it (with back-off) and start counting afresh."""
        times = [t for t in self._failures.get(key, []) if t > now - self.lock_s]
        times.append(now)
        if len(times) < self._threshold(key):
            self._failures[key] = times
            return
        self._failures.pop(key, None)
        old = self._locks.get(key)
        strikes = old.strikes + 1 if old is not None and old.until > now - STRIKES_KEPT_S else 1
        self._locks[key] = _Lock(now + min(self.lock_s, self.base_lock_s * 2 ** (strikes - 1)), strikes)

    def _sent(self, key: str, now: float) -> list[float]:
        times = [t for t in self._sends.get(key, []) if t > now - _DAY]
        if times:
            self._sends[key] = times
        else:
            self._sends.pop(key, None)
        return times

    def _sweep(self, now: float) -> None:
        self._pending = {k: c for k, c in self._pending.items() if c.expires > now}
        if len(self._failures) + len(self._locks) + len(self._sends) <= MAX_TRACKED:
            return
        self._failures = {k: ts for k, ts in self._failures.items() if ts and ts[-1] > now - self.lock_s}
        self._locks = {k: lk for k, lk in self._locks.items() if lk.until > now - STRIKES_KEPT_S}
        for k in list(self._sends):
            self._sent(k, now)

    def start(self, channel: str, address: str, client: str = "") -> str:
        now = self.clock()
        self._sweep(now)
        pair, addr, who = self._who(address, client, channel)
        if self._is_locked((pair, addr, who), now):
            raise OtpLocked("too many wrong codes for this address or client; try again later")
        while self._global and self._global[0] <= now - _HOUR:
            self._global.popleft()
        if len(self._global) >= self.global_sends_per_hour:
            raise OtpThrottled("too many codes sent by this service just now; try again later")
        to_addr, by_pair = self._sent(addr, now), self._sent(pair, now)
        if (sum(t > now - _HOUR for t in to_addr) >= self.sends_per_hour or len(to_addr) >= self.sends_per_day
                or sum(t > now - _HOUR for t in by_pair) >= self.pair_sends_per_hour):
            raise OtpThrottled("too many codes sent to this address; try again later")
        code = f"{secrets.randbelow(10**6):06d}"
        challenge = secrets.token_urlsafe(16)
        self._pending[challenge] = _Challenge(hashlib.sha256(code.encode()).digest(), now + self.ttl_s,
                                              (pair, addr, who))
        for k in (addr, pair):
            self._sends.setdefault(k, []).append(now)
        self._global.append(now)
        self.hook.send(channel, address, code)
        return challenge

    def verify(self, challenge: str, code: str) -> bool:
        c = self._pending.get(challenge)
        now = self.clock()
        if c is None or c.expires < now:
            return False
        if self._is_locked(c.who, now):
            self._pending.pop(challenge, None)
            return False
        c.attempts += 1
        ok = hmac.compare_digest(c.code_hash, hashlib.sha256(code.encode()).digest())
        if not ok:
            for k in c.who:
                self._fail(k, now)
        if ok or c.attempts >= MAX_ATTEMPTS:
            self._pending.pop(challenge, None)
        return ok
