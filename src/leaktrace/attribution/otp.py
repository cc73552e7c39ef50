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

CODE_TTL_S = 300
MAX_ATTEMPTS = 3


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
    attempts: int = 0


class OtpVerifier:
    """Issues challenges through the hook and checks the codes (constant-time)."""

    def __init__(self, hook: OtpHook, ttl_s: float = CODE_TTL_S) -> None:
        self.hook, self.ttl_s = hook, ttl_s
        self._pending: dict[str, _Challenge] = {}

    def start(self, channel: str, address: str) -> str:
        now = time.monotonic()
        self._pending = {k: c for k, c in self._pending.items() if c.expires > now}
        code = f"{secrets.randbelow(10**6):06d}"
        challenge = secrets.token_urlsafe(16)
        self._pending[challenge] = _Challenge(hashlib.sha256(code.encode()).digest(), now + self.ttl_s)
        self.hook.send(channel, address, code)
        return challenge

    def verify(self, challenge: str, code: str) -> bool:
        c = self._pending.get(challenge)
        if c is None or c.expires < time.monotonic():
            return False
        c.attempts += 1
        ok = hmac.compare_digest(c.code_hash, hashlib.sha256(code.encode()).digest())
        if ok or c.attempts >= MAX_ATTEMPTS:
            self._pending.pop(challenge, None)
        return ok
