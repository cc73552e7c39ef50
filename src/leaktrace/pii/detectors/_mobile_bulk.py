"""The attributes of all 10,000 7-digit prefixes of one mobile segment, computed together.

`cn_mobile._prefix_attrs` answers one prefix at a time for ~50 us (a binary
search in the `phone` table, phonenumbers' number type and carrier), which
on text dense with mobiles of random prefixes was most of a scan: every
allocated prefix (~560,000) paid it once. Here the same sources answer a
whole segment at once, for ~1 us a prefix:

- the `phone` table: one `searchsorted` over its index, one parse per
  distinct record (the package's own binary search gives the same answer
  because the index is sorted and unique, which is checked; otherwise each
  prefix asks the package);
- phonenumbers' number type: its rule (`_number_type_helper`: the first
  matching description in a fixed order), each description's pattern
  applied to all 10,000 numbers with `map`, read from the library's metadata;
- phonenumbers' carrier: its longest-prefix walk over the same data;
- the geocoder only where the `phone` table gives no province (rare), per prefix.

`_prefix_attrs` stays the reference: `tests/pii/test_mobile_bulk.py` pins
both equal on every segment (sampled) and on whole segments.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from leaktrace.pii.detectors._geo import match_province, split_place

# phonenumbers' number types that allow a carrier lookup (`carrier._is_mobile`).
_DESC_ORDER = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail")


def _desc_matcher(desc: Any) -> Callable[[list[str]], list[bool]]:
    """`phonenumberutil._is_number_matching_desc` for many national numbers at once."""
    if desc is None:
        return lambda nums: [False] * len(nums)
    lengths = desc.possible_length
    pattern = desc.national_number_pattern
    if pattern is None or len(pattern) == 0:
        return lambda nums: [False] * len(nums)
    rx = re.compile(pattern)
    fullmatch = rx.fullmatch

    def match(nums: list[str]) -> list[bool]:
        if len(lengths) > 0:
            return [len(s) in lengths and fullmatch(s) is not None for s in nums]
        return [fullmatch(s) is not None for s in nums]

    return match


def carrier_lookup_allowed(nationals: list[str]) -> list[bool]:
    """Per national number of +86: does phonenumbers' `number_type` make it a carrier candidate (mobile, fixed-or-mobile, pager)?"""
    from phonenumbers import PhoneMetadata

    meta = PhoneMetadata.metadata_for_region("CN")
    n = len(nationals)
    if meta is None:
        return [False] * n
    general = _desc_matcher(meta.general_desc)(nationals)
    # decided[i]: None = still open, else the answer
    decided: list[bool | None] = [None if g else False for g in general]
    for name in _DESC_ORDER:
        open_idx = [i for i in range(n) if decided[i] is None]
        if not open_idx:
            break
        hits = _desc_matcher(getattr(meta, name))([nationals[i] for i in open_idx])
        for i, h in zip(open_idx, hits, strict=True):
            if h:
                decided[i] = name == "pager"
    open_idx = [i for i in range(n) if decided[i] is None]
    if open_idx:
        sub = [nationals[i] for i in open_idx]
        fixed = _desc_matcher(meta.fixed_line)(sub)
        same = bool(meta.same_mobile_and_fixed_line_pattern)
        mobile = [False] * len(sub) if same else _desc_matcher(meta.mobile)(sub)
        for k, i in enumerate(open_idx):
            # fixed + (same or mobile) -> FIXED_LINE_OR_MOBILE; fixed alone -> FIXED_LINE; else MOBILE if it matches
            decided[i] = (same or mobile[k]) if fixed[k] else mobile[k]
    return [bool(d) for d in decided]


@lru_cache(maxsize=1)
def _carrier_walk() -> tuple[tuple[int, ...], dict[str, dict[str, str]]]:
    """The prefix lengths to try, longest first, and the carrier entries a +86 number can meet.

    A key that is a prefix of "86..." either starts with "86" or is "8": the
    others can never match, so leaving them out changes no answer.
    """
    from phonenumbers.carrierdata import CARRIER_DATA, CARRIER_LONGEST_PREFIX

    sub = {k: v for k, v in CARRIER_DATA.items() if k.startswith("86") or "86".startswith(k)}
    lengths = tuple(n for n in range(CARRIER_LONGEST_PREFIX, 0, -1) if any(len(k) == n for k in sub))
    return lengths, sub


def carrier_names_zh(e164_digits: list[str]) -> list[str]:
    """`carrier.name_for_valid_number(num, "zh")` for +86 numbers given as their E.164 digits (no '+').

    The library walks prefix lengths from the longest down and stops at the
    first entry with a "zh" name (`prefix._find_lang`: no English fallback for zh).
    """
    lengths, data = _carrier_walk()
    out = []
    for digits in e164_digits:
        name = ""
        for n in lengths:
            langs = data.get(digits[:n])
            if langs is not None and "zh" in langs:
                name = langs["zh"]
                break
        out.append(name)
    return out


_INDEX: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray] | None] = {}


def _phone_index(db: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(sorted prefixes, record offsets, phone types) of a `phone.Phone` table, or None when its index is not sorted and unique."""
    if id(db) in _INDEX:
        return _INDEX[id(db)]
    out = None
    if db.phone_record_count > 0:
        idx = np.frombuffer(db.buf, dtype=np.dtype([("p", "<i4"), ("off", "<i4"), ("t", "u1")]),
                            count=db.phone_record_count, offset=db.first_phone_record_offset)
        keys = idx["p"].astype(np.int64)
        if keys.size < 2 or bool(np.all(np.diff(keys) > 0)):
            out = keys, idx["off"].astype(np.int64), idx["t"].astype(np.int64)
    _INDEX[id(db)] = out
    return out


def _phone_records(db: Any, prefixes: list[int]) -> list[tuple[str, str, str | None] | None]:
    """(province, city, phone type) of `db.find(prefix7)` for each prefix, read from the whole index at once."""
    from phone import Phone

    index = _phone_index(db)
    if index is None:
        found_recs = [db.find(str(p)) for p in prefixes]
        return [None if r is None else (r["province"], r["city"], r["phone_type"]) for r in found_recs]
    keys, offs, types = index
    want = np.asarray(prefixes, dtype=np.int64)
    pos = np.searchsorted(keys, want)
    pos_c = np.minimum(pos, keys.size - 1)
    found = ((pos < keys.size) & (keys[pos_c] == want)).tolist()
    rec_offs, rec_types = offs[pos_c].tolist(), types[pos_c].tolist()
    parsed: dict[tuple[int, int], tuple[str, str, str | None]] = {}
    out: list[tuple[str, str, str | None] | None] = []
    for f, off, typ in zip(found, rec_offs, rec_types, strict=True):
        if not f:
            out.append(None)
            continue
        rec = parsed.get((off, typ))
        if rec is None:
            end = db.buf.find(b"\x00", off)
            province, city, _zip, _area = db.buf[off:end].decode().split("|")
            rec = parsed[(off, typ)] = (province, city, Phone.get_phone_no_type(typ))
        out.append(rec)
    return out


def segment_attrs(segment: str, phone_db: Any, seg_carrier: str | None,
                  canonical_carrier: Callable[[str | None], str | None]) -> list[dict[str, str]]:
    """Attributes of prefixes segment+0000 .. segment+9999, each equal to `cn_mobile._prefix_attrs`.

    `cn_mobile` hands over what it reads itself (its `phone` table, the
    segment's operator from its segment list, its carrier-name mapping), so
    both answer from the same sources. Prefixes with the same inputs (carrier
    name, `phone` record) share one dict, built once; dicts are not interned
    across segments (the caller does).
    """
    prefixes = [f"{segment}{i:04d}" for i in range(10_000)]
    nationals = [p + "0000" for p in prefixes]
    allowed = carrier_lookup_allowed(nationals)
    pn_names = carrier_names_zh(["86" + s for s in nationals])
    records = _phone_records(phone_db, [int(p) for p in prefixes])
    built: dict[tuple[str, tuple[str, str, str | None] | None], dict[str, str]] = {}
    out: list[dict[str, str]] = []
    for p7, ok, pn_name, rec in zip(prefixes, allowed, pn_names, records, strict=True):
        key = (pn_name if ok else "", rec)
        attrs = built.get(key)
        if attrs is None:
            found = _attrs(p7, key[0], rec, seg_carrier, canonical_carrier)
            # Prefixes whose place came from the geocoder are not shared: it answers per number.
            if found is not None:
                attrs = built[key] = found
            else:
                attrs = _attrs(p7, key[0], rec, seg_carrier, canonical_carrier, geocode=True) or {}
        out.append(attrs)
    return out


def _attrs(p7: str, pn_name: str, rec: tuple[str, str, str | None] | None, seg_carrier: str | None,
           canonical_carrier: Callable[[str | None], str | None], geocode: bool = False) -> dict[str, str] | None:
    """`cn_mobile._prefix_attrs` from its looked-up inputs; None when the geocoder is needed and `geocode` is off."""
    car = canonical_carrier(pn_name)
    if car is None:
        car = seg_carrier
    if car is None and rec:
        car = canonical_carrier(rec[2])
    attrs: dict[str, str] = {}
    if car:
        attrs["carrier"] = car
    place = None
    city = None
    if rec and rec[0]:
        place = _province(rec[0])
        city = rec[1] or None
    if place is None:
        if not geocode:
            return None
        import phonenumbers
        from phonenumbers import geocoder

        num = phonenumbers.PhoneNumber(country_code=86, national_number=int(p7 + "0000"))
        geo = split_place(geocoder.description_for_number(num, "zh") or "")
        if geo:
            place = geo["province_code"], geo["province"]
            city = geo["city"]
    if place is not None:
        attrs["province_code"], attrs["province"] = place
        if city:
            attrs["city"] = city
    return attrs


@lru_cache(maxsize=4096)
def _province(raw: str) -> tuple[str, str] | None:
    return match_province(raw)
