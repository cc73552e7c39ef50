"""Real, importable OpenPGP v4 Ed25519 public keys, generated deterministically.

Sellers paste PGP public keys into vendor profiles and a shared key is the
strongest link between aliases, so the synthetic world ships genuine keys
(a key packet, a user ID and a valid self-signature; `gpg --import` accepts
them). `pgpy` cannot generate keys from a seed and GnuPG is not a Python
dependency, so the few packets needed are built here (RFC 4880 framing,
RFC 9580 legacy EdDSA) on top of `cryptography`'s Ed25519, which signs
deterministically: the same seed gives the same key block, byte for byte.
"""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

_ED25519_OID = bytes.fromhex("2b06010401da470f01")
_ALGO_EDDSA = 22
_HASH_SHA256 = 8


@dataclass(frozen=True)
class PgpKey:
    """What a vendor profile shows: fingerprint, long key ID and the armoured block."""

    fingerprint: str  # 40 upper-case hex digits
    user_id: str
    armored: str

    @property
    def key_id(self) -> str:
        return self.fingerprint[-16:]


def _packet(tag: int, body: bytes) -> bytes:
    """New-format packet header (RFC 4880 4.2.2) with a one- or two-octet length."""
    n = len(body)
    if n < 192:
        length = bytes([n])
    elif n < 8384:
        length = bytes([((n - 192) >> 8) + 192, (n - 192) & 0xFF])
    else:
        length = b"\xff" + n.to_bytes(4, "big")
    return bytes([0xC0 | tag]) + length + body


def _mpi(value: bytes) -> bytes:
    stripped = value.lstrip(b"\x00") or b"\x00"
    bits = int.from_bytes(stripped, "big").bit_length()
    return bits.to_bytes(2, "big") + stripped


def _subpacket(kind: int, data: bytes) -> bytes:
    return bytes([len(data) + 1, kind]) + data


def crc24(data: bytes) -> int:
    """The armour checksum of RFC 4880 6.1."""
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def armor(data: bytes) -> str:
    """ASCII armour for a public key block."""
    b64 = base64.b64encode(data).decode("ascii")
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    check = base64.b64encode(crc24(data).to_bytes(3, "big")).decode("ascii")
    return "\n".join(
        ["-----BEGIN PGP PUBLIC KEY BLOCK-----", "", *lines, "=" + check,
         "-----END PGP PUBLIC KEY BLOCK-----"]
    ) + "\n"


def generate_key(rng: random.Random, user_id: str, created: int) -> PgpKey:
    """A self-signed Ed25519 key for `user_id`, created at unix time `created`."""
    secret = Ed25519PrivateKey.from_private_bytes(rng.getrandbits(256).to_bytes(32, "big"))
    pub = secret.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_body = (
        b"\x04" + created.to_bytes(4, "big") + bytes([_ALGO_EDDSA, len(_ED25519_OID)])
        + _ED25519_OID + _mpi(b"\x40" + pub)
    )
    key_framed = b"\x99" + len(key_body).to_bytes(2, "big") + key_body
    fpr = hashlib.sha1(key_framed).digest()
    uid = user_id.encode("utf-8")

    hashed = (
        _subpacket(2, created.to_bytes(4, "big"))  # signature creation time
        + _subpacket(27, b"\x03")  # key flags: certify, sign
        + _subpacket(33, b"\x04" + fpr)  # issuer fingerprint
    )
    sig_head = bytes([4, 0x13, _ALGO_EDDSA, _HASH_SHA256]) + len(hashed).to_bytes(2, "big") + hashed
    trailer = b"\x04\xff" + len(sig_head).to_bytes(4, "big")
    digest = hashlib.sha256(
        key_framed + b"\xb4" + len(uid).to_bytes(4, "big") + uid + sig_head + trailer
    ).digest()
    signature = secret.sign(digest)
    unhashed = _subpacket(16, fpr[-8:])  # issuer key ID
    sig_body = (
        sig_head + len(unhashed).to_bytes(2, "big") + unhashed + digest[:2]
        + _mpi(signature[:32]) + _mpi(signature[32:])
    )
    block = _packet(6, key_body) + _packet(13, uid) + _packet(2, sig_body)
    return PgpKey(fingerprint=fpr.hex().upper(), user_id=user_id, armored=armor(block))
