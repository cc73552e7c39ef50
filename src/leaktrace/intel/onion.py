"""Onion service addresses, v3 verified by their checksum (rend-spec-v3 §6).

A v3 address is base32(PUBKEY[32] | CHECKSUM[2] | VERSION[1]) with
CHECKSUM = SHA3-256(".onion checksum" | PUBKEY | VERSION)[:2]; a one-letter
typo fails it (all but 1 in 65,536), so a mistyped mirror never links two
sellers. Legacy v2 addresses (16 characters, no checksum, dead since 2021)
still appear in old posts and archives and are reported as version 2.
"""

from __future__ import annotations

import base64
import hashlib
import re

ONION_RE = re.compile(r"(?<![a-z2-7])([a-z2-7]{56}|[a-z2-7]{16})\.onion\b", re.IGNORECASE)


def onion_v3_checksum(pubkey: bytes, version: int = 3) -> bytes:
    return hashlib.sha3_256(b".onion checksum" + pubkey + bytes([version])).digest()[:2]


def onion_v3_from_pubkey(pubkey: bytes) -> str:
    """The hostname for a 32-byte Ed25519 public key."""
    raw = pubkey + onion_v3_checksum(pubkey) + b"\x03"
    return base64.b32encode(raw).decode("ascii").lower() + ".onion"


def onion_version(label: str) -> int | None:
    """3 for a valid v3 label (56 chars, checksum good), 2 for a v2 label, else None."""
    label = label.lower()
    if len(label) == 16:
        return 2
    if len(label) != 56:
        return None
    try:
        raw = base64.b32decode(label.upper())
    except ValueError:
        return None
    pubkey, checksum, version = raw[:32], raw[32:34], raw[34]
    if version != 3 or onion_v3_checksum(pubkey) != checksum:
        return None
    return 3
