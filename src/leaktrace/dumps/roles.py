"""Column roles from a sample: which column is the ID number, the mobile, the address...

Each sample value is offered to the `pii` detectors as a whole field: a role
scores the share of non-empty values a detector finds covering the field and
validates. Invalid-but-well-shaped values still count half (padded dumps are
full of broken IDs, and the column is still the ID column). Header words add
a bonus; each role goes to its best column; `--role col=role` overrides.
"""

from __future__ import annotations

import re
from functools import lru_cache

from leaktrace.core.dump_types import ROLES, ColumnRole
from leaktrace.core.errors import InputError
from leaktrace.core.normalize import normalize
from leaktrace.pii.base import Detector
from leaktrace.pii.detectors.cn_mobile import is_valid_mobile
from leaktrace.pii.registry import default_registry

MIN_CONFIDENCE = 0.5
DETECTOR_ROLE = {"cn_id": "id_number", "cn_mobile": "mobile", "email": "email", "bank_card": "bank_card",
                 "address": "address"}
_TIME = re.compile(r"^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$|^1[0-9]{9}$")
_AMOUNT = re.compile(r"^[¥$]?-?\d{1,9}(?:\.\d{1,2})?$")
_ORDER = re.compile(r"^[A-Za-z]{0,4}\d{10,32}$")
_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,6}$")
HEADER_HINTS: dict[str, tuple[str, ...]] = {
    "id_number": ("身份证", "证件", "idcard", "id_card", "id_no", "idno", "sfz"),
    "mobile": ("手机", "电话", "联系方式", "mobile", "phone", "tel"),
    "name": ("姓名", "收货人", "收件人", "联系人", "name", "consignee"),
    "address": ("地址", "addr", "address"),
    "email": ("邮箱", "email", "mail"),
    "bank_card": ("银行卡", "卡号", "card"),
    "order_id": ("订单", "单号", "order"),
    "order_time": ("时间", "日期", "time", "date", "created"),
    "amount": ("金额", "价格", "amount", "price", "pay"),
}


@lru_cache(maxsize=1)
def _detectors() -> dict[str, Detector]:
    reg = default_registry()
    return {t: reg.get(t) for t in DETECTOR_ROLE if t in reg.types}


def _covers(det: Detector, v: str) -> bool | None:
    """True: a valid hit spans the field; False: a well-shaped but invalid one; None: no hit."""
    try:
        for start, end, text in det.candidates(v):
            if end - start < 0.8 * len(v):
                continue
            if det.type == "cn_mobile":  # validate() also looks up carrier and place (~10 ms a value)
                return is_valid_mobile(normalize("cn_mobile", text))
            verdict = det.validate(text)
            if verdict is not None:
                return verdict.valid
    except Exception:  # a detector must never sink role inference
        return None
    return None


SAMPLE_VALUES = 100


def _scores(values: list[str]) -> dict[str, float]:
    vals = [v.strip() for v in values if v and v.strip()][:SAMPLE_VALUES]
    if not vals:
        return {}
    n = len(vals)
    out: dict[str, float] = {}
    for t, det in _detectors().items():
        hits = [_covers(det, v) for v in vals]
        out[DETECTOR_ROLE[t]] = (sum(h is True for h in hits) + 0.5 * sum(h is False for h in hits)) / n
    out["order_time"] = sum(bool(_TIME.match(v)) for v in vals) / n
    out["amount"] = sum(bool(_AMOUNT.match(v)) for v in vals) / n * 0.9
    out["order_id"] = sum(bool(_ORDER.match(v)) for v in vals) / n * 0.8
    out["name"] = sum(bool(_NAME.match(v)) for v in vals) / n * 0.8
    return out


def parse_role_flags(flags: list[str], columns: list[str]) -> dict[int, str]:
    """`--role 身份证号=id_number` or `--role 3=mobile` (1-based) -> {column index: role}."""
    out: dict[int, str] = {}
    for f in flags:
        col, sep, role = f.partition("=")
        col, role = col.strip(), role.strip()
        if not sep or role not in ROLES:
            raise InputError(f"--role {f!r}: expected COLUMN=ROLE with ROLE one of {', '.join(ROLES)}")
        if col in columns:
            out[columns.index(col)] = role
        elif col.isdigit() and 1 <= int(col) <= len(columns):
            out[int(col) - 1] = role
        else:
            raise InputError(f"--role {f!r}: no column {col!r}; columns are {', '.join(columns)}")
    return out


def infer_roles(columns: list[str], sample: list[list[str]], forced: dict[int, str] | None = None) -> list[ColumnRole]:
    """One ColumnRole per column; each role except `other` is given at most once."""
    forced = forced or {}
    cand: list[tuple[float, int, str]] = []
    for i, name in enumerate(columns):
        if i in forced:
            continue
        scores = _scores([r[i] for r in sample if i < len(r)])
        low = name.lower()
        for role, words in HEADER_HINTS.items():
            if any(w in low for w in words):
                scores[role] = scores.get(role, 0.0) + 0.3
        cand += [(min(1.0, sc), i, role) for role, sc in scores.items()]
    taken_roles = {r for r in forced.values() if r != "other"}
    assigned: dict[int, tuple[str, float]] = {}
    for sc, i, role in sorted(cand, key=lambda t: (-t[0], t[1])):
        if sc < MIN_CONFIDENCE or i in assigned or role in taken_roles:
            continue
        assigned[i] = (role, sc)
        taken_roles.add(role)
    out = []
    for i, name in enumerate(columns):
        if i in forced:
            out.append(ColumnRole(index=i, name=name, role=forced[i], confidence=1.0, source="flag"))
        elif i in assigned:
            role, sc = assigned[i]
            out.append(ColumnRole(index=i, name=name, role=role, confidence=round(sc, 3)))
        else:
            out.append(ColumnRole(index=i, name=name, role="other", confidence=0.0, source="default"))
    return out
