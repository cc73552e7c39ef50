"""OpenPGP public keys in posts: de-armoured, parsed, fingerprinted.

A shared PGP key is the strongest tie between seller aliases on different
markets, but two pastes of one key rarely match as text (other comment
lines, re-wrapped base64, an added subkey). The fingerprint is what is
compared: the armour's CRC-24 is checked, the packets are walked (RFC 4880
§4.2, old and new headers) and each key's fingerprint computed — v4:
SHA-1(0x99 | len16 | body), v6 (RFC 9580): SHA-256(0x9B | len32 | body).
Only the framing is read; keys are not trusted or verified cryptographically
(pgpy would do that but is slow on hostile input and unmaintained).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

ARMOR_RE = re.compile(
    r"-----BEGIN PGP (PUBLIC|PRIVATE) KEY BLOCK-----(.{0,262144}?)-----END PGP \1 KEY BLOCK-----",
    re.DOTALL,
)
_B64_LINE = re.compile(r"[A-Za-z0-9+/=]+")
_MAX_PACKETS = 4096

ALGORITHMS = {1: "rsa", 2: "rsa", 3: "rsa", 16: "elgamal", 17: "dsa", 18: "ecdh", 19: "ecdsa",
              22: "eddsa", 25: "x25519", 26: "x448", 27: "ed25519", 28: "ed448"}
TAG_PUBLIC_KEY, TAG_SECRET_KEY, TAG_USER_ID = 6, 5, 13
TAG_PUBLIC_SUBKEY, TAG_SECRET_SUBKEY = 14, 7


class PgpError(ValueError):
    """An armour or packet stream that cannot be read."""


@dataclass(frozen=True)
class PgpKeyInfo:
    """One primary key: fingerprint (upper hex), key ID, algorithm, user IDs, subkeys."""

    fingerprint: str
    version: int
    algorithm: str
    created: str | None
    user_ids: tuple[str, ...] = ()
    subkeys: tuple[str, ...] = ()
    secret: bool = False
    armor_crc_ok: bool | None = None

    @property
    def key_id(self) -> str:
        """The long key ID: last 16 hex digits (v4) or first 16 (v6)."""
        return self.fingerprint[:16] if self.version == 6 else self.fingerprint[-16:]


@dataclass
class _Builder:
    fingerprint: str
    version: int
    algorithm: str
    created: str | None
    secret: bool
    user_ids: list[str] = field(default_factory=list)
    subkeys: list[str] = field(default_factory=list)


def _crc24_table() -> list[int]:
    table = []
    for i in range(256):
        crc = i << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
        table.append(crc & 0xFFFFFF)
    return table


_CRC24_TABLE = _crc24_table()


def crc24(data: bytes) -> int:
    """The armour checksum of RFC 4880 §6.1 (table-driven, a byte per step)."""
    crc = 0xB704CE
    table = _CRC24_TABLE
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFF) ^ table[((crc >> 16) ^ byte) & 0xFF]
    return crc


def dearmor(block: str) -> tuple[bytes, bool | None]:
    """(binary, CRC-24 ok?) of an armoured block's body (between BEGIN and END lines)."""
    lines = [ln.strip() for ln in block.replace("\r", "").split("\n")]
    # Armour headers (`Version: ...`, `Comment: ...`) end at the first blank line.
    if any(":" in ln for ln in lines[:8]):
        while lines and (":" in lines[0] or lines[0].startswith("-") or not lines[0]):
            lines.pop(0)
    crc_text = None
    body = []
    for ln in lines:
        if not ln or ln.startswith("-"):
            continue
        if ln.startswith("=") and len(ln) == 5:
            crc_text = ln[1:]
            continue
        if _B64_LINE.fullmatch(ln) is None:
            raise PgpError("armour holds characters outside base64")
        body.append(ln)
    try:
        data = base64.b64decode("".join(body), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PgpError(f"bad base64 in armour ({exc})") from exc
    if crc_text is None:
        return data, None  # RFC 9580 makes the checksum optional
    try:
        expected = int.from_bytes(base64.b64decode(crc_text, validate=True), "big")
    except (binascii.Error, ValueError):
        return data, False
    return data, crc24(data) == expected


def packets(data: bytes) -> list[tuple[int, bytes]]:
    """(tag, body) of each packet; partial lengths are joined; truncation raises PgpError."""
    out: list[tuple[int, bytes]] = []
    i, n = 0, len(data)
    while i < n and len(out) < _MAX_PACKETS:
        hdr = data[i]
        if not hdr & 0x80:
            raise PgpError(f"byte {i}: not a packet header")
        if hdr & 0x40:  # new format
            tag = hdr & 0x3F
            i += 1
            body = bytearray()
            while True:
                if i >= n:
                    raise PgpError("truncated packet length")
                b0 = data[i]
                if b0 < 192:
                    ln, i = b0, i + 1
                elif b0 < 224:
                    if i + 1 >= n:
                        raise PgpError("truncated packet length")
                    ln, i = ((b0 - 192) << 8) + data[i + 1] + 192, i + 2
                elif b0 == 255:
                    ln, i = int.from_bytes(data[i + 1 : i + 5], "big"), i + 5
                else:  # partial body length
                    part = 1 << (b0 & 0x1F)
                    body += data[i + 1 : i + 1 + part]
                    i += 1 + part
                    continue
                break
            if i + ln > n:
                raise PgpError(f"packet tag {tag}: body runs past the end")
            body += data[i : i + ln]
            i += ln
            out.append((tag, bytes(body)))
        else:  # old format
            tag = (hdr >> 2) & 0x0F
            ltype = hdr & 0x03
            i += 1
            if ltype == 3:
                ln = n - i
            else:
                size = (1, 2, 4)[ltype]
                ln = int.from_bytes(data[i : i + size], "big")
                i += size
            if i + ln > n:
                raise PgpError(f"packet tag {tag}: body runs past the end")
            out.append((tag, data[i : i + ln]))
            i += ln
    return out


def _public_part(tag: int, body: bytes) -> bytes:
    """The public-key fields of a key packet (a secret key packet starts with them)."""
    if tag in (TAG_PUBLIC_KEY, TAG_PUBLIC_SUBKEY):
        return body
    version = body[0]
    if version == 4:
        pos = 6  # version, created[4], algorithm
        algo = body[5]
        nmpi = {1: 2, 2: 2, 3: 2, 16: 3, 17: 4, 18: 2, 19: 2, 22: 2}.get(algo)
        if algo in (18, 19, 22):  # curve OID first, then the point (ECDH adds KDF params)
            oid_len = body[pos]
            pos += 1 + oid_len
            nmpi = 1
        if nmpi is None:
            raise PgpError(f"secret key algorithm {algo} not supported")
        for _ in range(nmpi):
            bits = int.from_bytes(body[pos : pos + 2], "big")
            pos += 2 + (bits + 7) // 8
        if algo == 18:
            pos += 1 + body[pos]
        return body[:pos]
    if version == 6:
        return body[: 10 + int.from_bytes(body[6:10], "big")]
    raise PgpError(f"key packet version {version} not supported")


def fingerprint(tag: int, body: bytes) -> tuple[str, int]:
    """(upper-hex fingerprint, version) of a key packet."""
    if not body:
        raise PgpError("empty key packet")
    pub = _public_part(tag, body)
    version = pub[0]
    if version == 4:
        return hashlib.sha1(b"\x99" + len(pub).to_bytes(2, "big") + pub).hexdigest().upper(), 4
    if version == 6:
        return hashlib.sha256(b"\x9b" + len(pub).to_bytes(4, "big") + pub).hexdigest().upper(), 6
    raise PgpError(f"key packet version {version} not supported (v3/v5 keys are obsolete)")


def parse_keys(data: bytes, crc_ok: bool | None = None) -> list[PgpKeyInfo]:
    """Every primary key in a binary key block, with its user IDs and subkeys."""
    keys: list[_Builder] = []
    for tag, body in packets(data):
        if tag in (TAG_PUBLIC_KEY, TAG_SECRET_KEY):
            fp, ver = fingerprint(tag, body)
            algo = body[5] if ver == 4 else body[5] if len(body) > 5 else 0
            created = None
            if len(body) >= 5:
                ts = int.from_bytes(body[1:5], "big")
                created = datetime.fromtimestamp(ts, UTC).date().isoformat()
            keys.append(_Builder(fp, ver, ALGORITHMS.get(algo, str(algo)), created,
                                 tag == TAG_SECRET_KEY))
        elif tag in (TAG_PUBLIC_SUBKEY, TAG_SECRET_SUBKEY) and keys:
            keys[-1].subkeys.append(fingerprint(tag, body)[0])
        elif tag == TAG_USER_ID and keys:
            keys[-1].user_ids.append(body[:512].decode("utf-8", errors="replace"))
    return [PgpKeyInfo(k.fingerprint, k.version, k.algorithm, k.created, tuple(k.user_ids),
                       tuple(k.subkeys), k.secret, crc_ok) for k in keys]


def find_key_blocks(text: str) -> list[tuple[int, int, list[PgpKeyInfo]]]:
    """(start, end, keys) of each armoured key block in text; unreadable blocks are skipped."""
    out = []
    if "-----BEGIN PGP" not in text:
        return out
    for m in ARMOR_RE.finditer(text):
        try:
            data, crc_ok = dearmor(m.group(2))
            if crc_ok is False:
                continue  # a damaged paste: its fingerprint would be wrong
            keys = parse_keys(data, crc_ok)
        except (PgpError, IndexError):
            continue
        if keys:
            out.append((m.start(), m.end(), keys))
    return out
