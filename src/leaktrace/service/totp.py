"""TOTP second factor (RFC 6238 through pyotp): seeds sealed under the deployment keyring, codes used once.

A seed is never stored in the clear: it is AES-GCM sealed under a key
derived (HKDF-SHA256) from the keyring's active key, bound to the account's
id, and kept as `kid:base64(nonce | ciphertext)` so it still opens after the
keyring rotates. A copied database without the keyring yields no seed. A
code is accepted in the current 30-second step or the one either side, and
never twice: the step of the last accepted code is kept, and a code from it
or an earlier one is refused (a shoulder-surfed code cannot be replayed).
"""

from __future__ import annotations

import base64
import os
import time

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from leaktrace.core.errors import SecretError
from leaktrace.core.keyring import Keyring

ISSUER = "leaktrace"
STEP_S = 30


def _key(ring: Keyring, kid: str) -> bytes:
    if kid not in ring.keys:
        raise SecretError(f"TOTP seed sealed under key {kid!r}, which the keyring no longer holds")
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"leaktrace totp seed v1").derive(ring.keys[kid])


def _aad(user_id: int) -> bytes:
    return f"leaktrace-totp:{user_id}".encode()


def seal(ring: Keyring, user_id: int, secret: str) -> str:
    nonce = os.urandom(12)
    ct = AESGCM(_key(ring, ring.active)).encrypt(nonce, secret.encode(), _aad(user_id))
    return f"{ring.active}:{base64.b64encode(nonce + ct).decode()}"


def unseal(ring: Keyring, user_id: int, sealed: str) -> str:
    kid, _, b64 = sealed.partition(":")
    raw = base64.b64decode(b64)
    try:
        return AESGCM(_key(ring, kid)).decrypt(raw[:12], raw[12:], _aad(user_id)).decode()
    except InvalidTag as exc:
        raise SecretError("TOTP seed does not open under the keyring (altered, or moved to another account)") from exc


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def accepted_step(secret: str, code: str, last_step: int | None, now: float | None = None) -> int | None:
    """The time step `code` belongs to (current ±1), if valid and later than `last_step`; else None."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    step = int((time.time() if now is None else now) // STEP_S)
    for s in (step - 1, step, step + 1):
        if (last_step is None or s > last_step) and pyotp.utils.strings_equal(totp.at(s * STEP_S), code):
            return s
    return None
