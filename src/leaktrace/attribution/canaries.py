"""Canary records: rows an organisation plants in each partner's copy, so a leak names its copy.

A canary is built only from identifiers the organisation controls — a mobile
number from a range it owns, a mailbox on its own domain, an order id in its
own namespace — so it can never belong to a real person, and a hit is
decisive. Which numbers and ids are picked is decided by a secret derived
from the deployment keyring (never published), so a seller cannot tell
canaries from customers or strip them by rule. Names and times are drawn the
same way, to look like any other row.

On the platform, canaries are kept only as keyed hashes (core.hashing, the
same HMAC the dump hash sets use) of their normalised identifiers; every row
of a dump (not just a sample) is checked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from leaktrace.attribution.jsonfile import read_json, write_json
from leaktrace.attribution.key_columns import CANARY_KINDS
from leaktrace.core.errors import InputError, IntegrityError
from leaktrace.core.file_formats import CANARY_FILE_FORMAT
from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.keyring import Keyring
from leaktrace.core.normalize import normalize

FORMAT = CANARY_FILE_FORMAT
MAX_COUNT = 1000
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯晨欣怡雪梅琳晓婷俊豪"
_FIELDS = {"mobile": "cn_mobile", "email": "email", "order_id": "order_id", "id_number": "cn_id"}


@dataclass(frozen=True)
class Resources:
    """Identifiers the organisation controls, from which its canaries are built."""

    phone_first: int
    phone_last: int
    mail_domain: str
    order_prefix: str
    address: str = ""

    @classmethod
    def parse(cls, phone_range: str, mail_domain: str, order_prefix: str, address: str = "") -> Resources:
        try:
            a, b = (int(x) for x in phone_range.replace(" ", "").split("-"))
        except ValueError as exc:
            raise InputError(f"--phone-range: expected FIRST-LAST 11-digit mobiles, got {phone_range!r}") from exc
        if not (10**10 <= a <= b < 2 * 10**10) or str(a)[1] not in "3456789":
            raise InputError(f"--phone-range: {phone_range!r} is not a range of mainland mobile numbers")
        if "@" in mail_domain or "." not in mail_domain or not mail_domain.strip():
            raise InputError(f"--mail-domain: expected a domain such as shop.example.cn, got {mail_domain!r}")
        if not order_prefix.strip() or not order_prefix.isalnum():
            raise InputError("--order-prefix: give the alphanumeric prefix of the organisation's order ids")
        return cls(a, b, mail_domain.strip().lower(), order_prefix.strip(), address.strip())


def _stream(secret: bytes, label: str, i: int) -> int:
    return int.from_bytes(hmac.new(secret, f"{label}/{i}".encode(), hashlib.sha256).digest()[:8], "big")


def canary_secret(ring: Keyring, org: str, partner: str) -> bytes:
    return hmac.new(ring.active_key, f"leaktrace/canary-params/v1/{org}/{partner}".encode(), hashlib.sha256).digest()


def generate(ring: Keyring, org: str, partner: str, count: int, res: Resources) -> list[dict[str, str]]:
    """`count` canary records for (org, partner), deterministic for the deployment secret."""
    if not 1 <= count <= MAX_COUNT:
        raise InputError(f"--count must be between 1 and {MAX_COUNT}")
    span = res.phone_last - res.phone_first + 1
    if span < 4 * count:
        raise InputError(f"--phone-range holds {span} numbers; need at least {4 * count} for {count} canaries")
    secret = canary_secret(ring, org, partner)
    phones: set[int] = set()
    out = []
    i = 0
    while len(out) < count:
        phone = res.phone_first + _stream(secret, "phone", i) % span
        i += 1
        if phone in phones:
            continue
        phones.add(phone)
        k = len(out)
        name = (_SURNAMES[_stream(secret, "sn", k) % len(_SURNAMES)]
                + "".join(_GIVEN[_stream(secret, f"gn{j}", k) % len(_GIVEN)]
                          for j in range(1 + _stream(secret, "gl", k) % 2)))
        local = "".join("abcdefghijkmnpqrstuvwxyz23456789"[(_stream(secret, "mail", k) >> (5 * j)) & 31] for j in range(9))
        created = int(time.time()) - 86_400 * 365 + _stream(secret, "t", k) % (86_400 * 365)
        out.append({
            "name": name,
            "mobile": str(phone),
            "email": f"{local}@{res.mail_domain}",
            "order_id": f"{res.order_prefix}{_stream(secret, 'order', k) % 10**12:012d}",
            "address": res.address,
            "created": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(created)),
        })
    return out


def write_file(path: Path, org: str, partner: str, records: list[dict[str, str]]) -> None:
    write_json(path, {"format": FORMAT, "org": org, "partner": partner, "records": records})


def read_file(path: Path) -> dict[str, Any]:
    """A canary file (ours, or canaries an organisation planted before), checked field by field."""
    doc = read_json(path, "canary file")
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(f"{path}: not a {FORMAT} file")
    for field in ("org", "partner"):
        if not isinstance(doc.get(field), str) or not doc[field].strip():
            raise InputError(f"{path}: field {field!r} is missing or empty")
    recs = doc.get("records")
    if not isinstance(recs, list) or not recs:
        raise InputError(f"{path}: field 'records' holds no canary records")
    for i, r in enumerate(recs):
        if not isinstance(r, dict) or not any(isinstance(r.get(f), str) and r[f].strip() for f in _FIELDS):
            raise InputError(f"{path}: records[{i}]: no mobile, email, order_id or id_number")
    return doc


def tag_key(ring: Keyring) -> tuple[str, KeyedHasher]:
    """(key id, hasher) for canary tags: the deployment's keyed hash, as dump hash sets use it."""
    hasher = KeyedHasher(ring)
    return hasher.kid, hasher


def tag(hasher: KeyedHasher, kind: str, normalised: str) -> bytes:
    return hasher.digest(kind, normalised)


def record_values(record: dict[str, str]) -> list[tuple[str, str]]:
    """(kind, normalised value) of each controlled identifier of one canary record."""
    out = []
    for field, kind in _FIELDS.items():
        v = record.get(field)
        if isinstance(v, str) and v.strip() and kind in CANARY_KINDS:
            out.append((kind, normalize(kind, v)))
    return out


def record_tags(hasher: KeyedHasher, record: dict[str, str]) -> list[tuple[str, bytes]]:
    """(kind, tag) of each controlled identifier of one canary record."""
    return [(kind, tag(hasher, kind, v)) for kind, v in record_values(record)]


# -- sealed values: what lets the engine pre-select canary rows -----------------
# The exact check is the keyed tag, but an HMAC per row and column runs at
# ~150,000 values/s in SQL (11 minutes per column at 10^8 rows). So the
# registry also keeps each canary's normalised value sealed (AES-GCM under a
# key derived from the deployment keyring; its org, partner, kind and tag are
# the associated data, so an entry moved to another organisation fails): the
# platform unseals them for a run and semi-joins them against the dump's
# normalised columns, and only the few rows that match pay for the tag. A
# stolen registry without the keyring reveals no more than the tags did.
# Canary values are identifiers the organisation controls, not customers.
def _seal_key(ring: Keyring, kid: str) -> AESGCM:
    return AESGCM(hmac.new(ring.keys[kid], b"leaktrace/canary-seal/v1", hashlib.sha256).digest())


def seal_context(org: str, partner: str, kind: str, tag_hex: str) -> bytes:
    """What a sealed value is bound to (AES-GCM associated data)."""
    return "\x1f".join((org, partner, kind, tag_hex)).encode()


def seal(ring: Keyring, kid: str, normalised: str, context: bytes) -> str:
    nonce = secrets.token_bytes(12)
    return base64.b64encode(nonce + _seal_key(ring, kid).encrypt(nonce, normalised.encode(), context)).decode()


def unseal(ring: Keyring, kid: str, sealed: str, context: bytes) -> str:
    """The normalised canary value; IntegrityError when the entry was altered or sealed under another key."""
    try:
        raw = base64.b64decode(sealed, validate=True)
        return _seal_key(ring, kid).decrypt(raw[:12], raw[12:], context).decode()
    except (ValueError, InvalidTag, KeyError) as exc:
        raise IntegrityError(f"a sealed canary value does not open under key {kid}: the registry was altered") from exc
