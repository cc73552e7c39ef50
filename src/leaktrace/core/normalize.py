"""One canonical form per PII type.

Every stage (scan, dump analysis, fingerprints, exposure checks) hashes the
normalised value, so the same person gets the same keyed hash wherever they
were seen. Golden vectors in tests/core/test_normalize.py pin these forms.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata

from leaktrace.core.cn_id_rule import upgrade_15_to_18
from leaktrace.core.text import digits_only, fold_width

# Whitespace every normaliser strips; the SQL twins strip the same set.
SPACES = re.compile(r"\s+")
_SPACES = SPACES
_PLATE_SEP = re.compile(r"[\s·・.\-]")


def normalize_cn_id(value: str) -> str:
    """18 characters, upper-case X; 15-digit legacy numbers converted to 18."""
    if value.isascii() and value.isalnum():
        v = value.upper()  # nothing to fold or strip: the common case, kept cheap for scanners
    else:
        v = _SPACES.sub("", fold_width(value)).upper()
    if len(v) == 15 and v.isascii() and v.isdigit():
        return upgrade_15_to_18(v)
    return v


def normalize_cn_mobile(value: str) -> str:
    """11 digits: no +86/0086/86 country prefix, no separators."""
    d = digits_only(value)
    if len(d) == 15 and d.startswith("0086"):
        d = d[4:]
    elif len(d) == 13 and d.startswith("86"):
        d = d[2:]
    return d


def normalize_cn_landline(value: str) -> str:
    """Trunk-prefixed national form: 0 + area code + subscriber, digits only."""
    d = digits_only(value)
    if d.startswith("0086"):
        d = "0" + d[4:]
    elif d.startswith("86") and len(d) >= 11:
        d = "0" + d[2:]
    return d


def normalize_bank_card(value: str) -> str:
    return digits_only(value)


def normalize_email(value: str) -> str:
    return fold_width(value).strip().lower()


def normalize_ipv4(value: str) -> str:
    parts = fold_width(value).strip().split(".")
    return str(ipaddress.IPv4Address(".".join(str(int(p)) for p in parts)))


def normalize_plate(value: str) -> str:
    return _PLATE_SEP.sub("", fold_width(value)).upper()


def normalize_passport(value: str) -> str:
    return _SPACES.sub("", fold_width(value)).upper()


def normalize_order_id(value: str) -> str:
    return _SPACES.sub("", fold_width(value)).upper()


def normalize_person_name(value: str) -> str:
    """CJK names lose inner spaces and the middle-dot variants; Latin names casefold."""
    v = unicodedata.normalize("NFKC", value).strip()
    if any("\u4e00" <= ch <= "\u9fff" for ch in v):
        return re.sub(r"[\s]", "", v).replace("•", "·").replace("・", "·")
    return _SPACES.sub(" ", v).casefold()


def normalize_text(value: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value)).strip()


_NORMALIZERS = {
    "cn_id": normalize_cn_id,
    "cn_mobile": normalize_cn_mobile,
    "cn_landline": normalize_cn_landline,
    "bank_card": normalize_bank_card,
    "email": normalize_email,
    "ipv4": normalize_ipv4,
    "plate": normalize_plate,
    "cn_passport": normalize_passport,
    "order_id": normalize_order_id,
    "person_name": normalize_person_name,
    "address": normalize_text,
}


def normalize(pii_type: str, value: str) -> str:
    """Canonical form of `value` as a `pii_type`; unknown types get NFKC + folded spaces."""
    return _NORMALIZERS.get(pii_type, normalize_text)(value)
