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
from dataclasses import dataclass, field
from typing import Protocol

from leaktrace.core.errors import ConfigError
from leaktrace.core.normalize import normalize

CODE_TTL_S = 300
MAX_ATTEMPTS = 3  # guesses per challenge
MAX_FAILURES = 5  # wrong codes per address (and per client) within LOCK_S
LOCK_S = 3600.0
MAX_TRACKED = 100_000  # failure records kept before a sweep of expired ones


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


class OtpLocked(Exception):
    """Too many wrong codes for this address or client: no new challenge until the lock expires."""


class OtpVerifier:
    """Issues challenges through the hook and checks the codes (constant-time).

    Each challenge allows `MAX_ATTEMPTS` guesses, and wrong codes also count
    per address and per client: after `MAX_FAILURES` within `LOCK_S` the
    address (and the client) gets no new challenge until the window passes,
    so starting challenge after challenge cannot brute-force the 10^6 codes.
    Addresses are remembered only as an HMAC under a per-process random key.
    """

    def __init__(self, hook: OtpHook, ttl_s: float = CODE_TTL_S, max_failures: int = MAX_FAILURES,
                 lock_s: float = LOCK_S) -> None:
        self.hook, self.ttl_s = hook, ttl_s
        self.max_failures, self.lock_s = max_failures, lock_s
        self._pending: dict[str, _Challenge] = {}
        self._failures: dict[str, list[float]] = {}  # who -> times of wrong codes within lock_s
        self._secret = secrets.token_bytes(32)

    def _who(self, address: str, client: str, channel: str = "sms") -> tuple[str, ...]:
        """Lockout keys: the canonical address (so "+86 139..." and "139 ..." are one) and the client."""
        canon = normalize("cn_mobile" if channel == "sms" else "email", address)
        a = hmac.new(self._secret, f"{channel}:{canon}".encode(), hashlib.sha256).hexdigest()[:32]
        return ("addr:" + a,) + (("client:" + client,) if client else ())

    def _recent(self, who: str, now: float) -> list[float]:
        times = [t for t in self._failures.get(who, []) if t > now - self.lock_s]
        if times:
            self._failures[who] = times
        else:
            self._failures.pop(who, None)
        return times

    def locked(self, address: str, client: str = "", channel: str = "sms") -> bool:
        now = time.monotonic()
        return any(len(self._recent(w, now)) >= self.max_failures for w in self._who(address, client, channel))

    def start(self, channel: str, address: str, client: str = "") -> str:
        now = time.monotonic()
        self._pending = {k: c for k, c in self._pending.items() if c.expires > now}
        if len(self._failures) > MAX_TRACKED:
            for w in list(self._failures):
                self._recent(w, now)
        if self.locked(address, client, channel):
            raise OtpLocked("too many wrong codes for this address or client; try again later")
        code = f"{secrets.randbelow(10**6):06d}"
        challenge = secrets.token_urlsafe(16)
        self._pending[challenge] = _Challenge(hashlib.sha256(code.encode()).digest(), now + self.ttl_s,
                                              self._who(address, client, channel))
        self.hook.send(channel, address, code)
        return challenge

    def verify(self, challenge: str, code: str) -> bool:
        c = self._pending.get(challenge)
        now = time.monotonic()
        if c is None or c.expires < now:
            return False
        if any(len(self._recent(w, now)) >= self.max_failures for w in c.who):
            self._pending.pop(challenge, None)
            return False
        c.attempts += 1
        ok = hmac.compare_digest(c.code_hash, hashlib.sha256(code.encode()).digest())
        if not ok:
            for w in c.who:
                self._failures.setdefault(w, []).append(now)
        if ok or c.attempts >= MAX_ATTEMPTS:
            self._pending.pop(challenge, None)
        return ok
