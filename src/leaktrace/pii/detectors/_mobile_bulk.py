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
- the geocoder not at all: where the `phone` table gives no province (a few
  percent of prefixes, mostly unallocated) the table holds None and the
  caller asks `_prefix_attrs` for that prefix alone.

`_prefix_attrs` stays the reference: `tests/pii/test_mobile_bulk.py` pins
both equal on every segment (sampled) and on whole segments.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from leaktrace.pii.detectors._geo import match_province

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


def _cn_metadata() -> Any:
    from phonenumbers import PhoneMetadata

    return PhoneMetadata.metadata_for_region("CN")


_TYPE_ORDER = (*_DESC_ORDER, "fixed_line", "mobile")


@lru_cache(maxsize=32)
def _type_regex(length: int) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """For numbers of `length` digits: one pattern whose first fully matching branch is the
    description `_number_type_helper` stops at (branch name -> description), or None when
    the general description rules the length out.

    Alternatives are tried left to right and `fullmatch` takes the first that
    matches the whole number, which is the helper's "first matching
    description in order"; descriptions whose lengths exclude `length` are
    left out, as the helper skips them.
    """
    meta = _cn_metadata()

    def applies(desc: Any) -> bool:
        return (desc is not None and bool(desc.national_number_pattern)
                and (len(desc.possible_length) == 0 or length in desc.possible_length))

    if meta is None or not applies(meta.general_desc):
        return None, {}
    names = [n for n in _TYPE_ORDER if applies(getattr(meta, n))]
    if meta.same_mobile_and_fixed_line_pattern and "mobile" in names:
        names.remove("mobile")  # the helper never asks the mobile pattern alone then
    branches = {f"t{i}": n for i, n in enumerate(names)}
    body = "|".join(f"(?P<{g}>{getattr(meta, n).national_number_pattern})" for g, n in branches.items())
    general = meta.general_desc.national_number_pattern
    return re.compile(rf"(?=(?:{general})\Z)(?:{body})" if body else rf"(?:{general})(?!x)x"), branches


def carrier_lookup_allowed(nationals: list[str]) -> list[bool]:
    """Per national number of +86: does phonenumbers' `number_type` make it a carrier candidate (mobile, fixed-or-mobile, pager)?

    One regex call a number (`_type_regex`); `carrier_lookup_allowed_by_desc`
    asks each description in turn, as the library does, and is the fallback
    when the combined pattern does not compile.
    """
    meta = _cn_metadata()
    if meta is None:
        return [False] * len(nationals)
    out: list[bool] = []
    mobile_match = _desc_matcher(meta.mobile)
    same = bool(meta.same_mobile_and_fixed_line_pattern)
    for s in nationals:
        try:
            rx, branches = _type_regex(len(s))
        except re.error:
            return carrier_lookup_allowed_by_desc(nationals)
        m = rx.fullmatch(s) if rx is not None else None
        if m is None:
            out.append(False)
            continue
        name = branches.get(m.lastgroup or "")
        if name is None:  # an inner group closed last: find the branch that matched
            name = next(n for g, n in branches.items() if m.group(g) is not None)
        if name == "fixed_line":
            out.append(same or mobile_match([s])[0])
        else:
            out.append(name in ("pager", "mobile"))
    return out


def carrier_lookup_allowed_by_desc(nationals: list[str]) -> list[bool]:
    """`carrier_lookup_allowed`, description by description in the library's order."""
    meta = _cn_metadata()
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
    longest = lengths[0] if lengths else 0
    seen: dict[str, str] = {}  # the walk reads no digit past `longest`
    out = []
    for digits in e164_digits:
        head = digits[:longest]
        name = seen.get(head)
        if name is None:
            name = ""
            for n in lengths:
                langs = data.get(digits[:n])
                if langs is not None and "zh" in langs:
                    name = langs["zh"]
                    break
            seen[head] = name
        out.append(name)
    return out


_TAILS = tuple(f"{i:04d}" for i in range(10_000))
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
                  canonical_carrier: Callable[[str | None], str | None]) -> list[dict[str, str] | None]:
    """Attributes of prefixes segment+0000 .. segment+9999, each equal to `cn_mobile._prefix_attrs`,
    or None where the `phone` table gives no province and the geocoder would be asked.

    The geocoder answers one number at a time (~50 us); those prefixes (a few
    percent, mostly unallocated) are left to the caller's per-prefix lookup, so
    a table costs only what the prefixes it holds need. `cn_mobile` hands over
    what it reads itself (its `phone` table, the segment's operator from its
    segment list, its carrier-name mapping), so both answer from the same
    sources. Prefixes with the same inputs share one dict; dicts are not
    interned across segments (the caller does).
    """
    prefixes = [segment + tail for tail in _TAILS]
    nationals = [p + "0000" for p in prefixes]
    allowed = carrier_lookup_allowed(nationals)
    pn_names = carrier_names_zh(["86" + s for s in nationals])
    records = _phone_records(phone_db, [int(p) for p in prefixes])
    built: dict[tuple[str, tuple[str, str, str | None] | None], dict[str, str] | None] = {}
    out: list[dict[str, str] | None] = []
    for ok, pn_name, rec in zip(allowed, pn_names, records, strict=True):
        key = (pn_name if ok else "", rec)
        if key in built:
            out.append(built[key])
        else:
            out.append(built.setdefault(key, _attrs(key[0], rec, seg_carrier, canonical_carrier)))
    return out


def _attrs(pn_name: str, rec: tuple[str, str, str | None] | None, seg_carrier: str | None,
           canonical_carrier: Callable[[str | None], str | None]) -> dict[str, str] | None:
    """`cn_mobile._prefix_attrs` from its looked-up inputs, or None where it would ask the geocoder."""
    car = canonical_carrier(pn_name)
    if car is None:
        car = seg_carrier
    if car is None and rec:
        car = canonical_carrier(rec[2])
    attrs: dict[str, str] = {}
    if car:
        attrs["carrier"] = car
    place = _province(rec[0]) if rec and rec[0] else None
    if place is None:
        return None
    attrs["province_code"], attrs["province"] = place
    city = rec[1] if rec else None  # rec is set: place came from it
    if city:
        attrs["city"] = city
    return attrs


@lru_cache(maxsize=4096)
def _province(raw: str) -> tuple[str, str] | None:
    return match_province(raw)
