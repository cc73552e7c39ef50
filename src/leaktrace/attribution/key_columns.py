"""Which columns hold key material, and the normalised key values of each row.

Person keys (`cn_id`, `cn_mobile`) say *who* is in a file; record keys
(`order_id`, and the `order_tuple` phone + address + order time) say *which
records*, and only the organisation that created them has them, so they are
the stronger evidence. `email` is kept for canaries (organisation mailboxes).
Roles come from the header where there is one and from the cell contents
otherwise (headerless 社工库 exports).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from leaktrace.attribution.table import Rows, RowStream
from leaktrace.core.errors import InputError
from leaktrace.core.normalize import normalize

PERSON_KINDS = ("cn_id", "cn_mobile")
RECORD_KINDS = ("order_id", "order_tuple")
CANARY_KINDS = ("cn_mobile", "email", "order_id", "cn_id")
ALL_KINDS = (*PERSON_KINDS, *RECORD_KINDS, "email")

_HEADER = {
    "cn_id": ("身份证", "证件号", "id_number", "idcard", "id_card", "idno", "sfz", "citizen_id"),
    "cn_mobile": ("手机", "联系电话", "电话", "mobile", "phone", "tel", "cellphone"),
    "order_id": ("订单编号", "订单号", "order_id", "orderno", "order_no", "orderid", "单号"),
    "address": ("地址", "address", "addr"),
    "time": ("下单时间", "时间", "created", "order_time", "time", "date"),
    "email": ("邮箱", "email", "e-mail", "mail"),
}
_CONTENT = {
    "cn_id": re.compile(r"^(\d{17}[\dXx]|\d{15})$"),
    "cn_mobile": re.compile(r"^(\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}$"),
    "email": re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"),
    "time": re.compile(r"^\d{4}[-/年]\d{1,2}[-/月]\d{1,2}"),
    "address": re.compile(r"[省市区县路街号镇村]"),
    # last: long digit-bearing tokens that are neither IDs nor mobiles (headerless order exports)
    "order_id": re.compile(r"^(?=(?:\D*\d){8})[A-Za-z0-9-]{10,32}$"),
}


@dataclass(frozen=True)
class Roles:
    """Column index per role (address and time only feed the order tuple)."""

    columns: dict[str, int]

    def describe(self, names: list[str]) -> str:
        return ", ".join(f"{role}={names[i]!r}" for role, i in sorted(self.columns.items()))


def _by_header(name: str) -> str | None:
    n = name.strip().lower().replace(" ", "_")
    for role, words in _HEADER.items():
        if any(w in n for w in words):
            return role
    return None


def infer_roles(rows: Rows | RowStream) -> Roles:
    """Map roles to columns; raises InputError when no key column is usable."""
    found: dict[str, int] = {}
    sample = rows.head if isinstance(rows, RowStream) else rows.rows[:200]
    for i, name in enumerate(rows.columns):
        role = _by_header(name) if rows.has_header else None
        vals = [r[i].strip() for r in sample if r[i].strip()]
        if role is None or role not in ("order_id", "address"):
            for cand, rx in _CONTENT.items():
                if vals and sum(bool(rx.search(v)) for v in vals) >= 0.8 * len(vals):
                    role = cand
                    break
        if role and role not in found:
            found[role] = i
    keys = [k for k in ("cn_id", "cn_mobile", "order_id", "email") if k in found]
    if not keys:
        raise InputError(f"{rows.path}: no usable key columns (ID number, mobile, order id or e-mail) "
                         f"among {rows.columns[:12]}")
    return Roles(found)


def _time_key(v: str) -> str:
    d = "".join(ch for ch in v if ch.isdigit())
    return d[:12]


def row_keys(rows: Rows, roles: Roles) -> dict[str, list[str | None]]:
    """Normalised key values per kind, one entry per row (None where the row has none)."""
    c = roles.columns
    out: dict[str, list[str | None]] = {}
    for kind in ("cn_id", "cn_mobile", "order_id", "email"):
        if kind in c:
            i = c[kind]
            out[kind] = [normalize(kind, r[i]) if r[i].strip() else None for r in rows.rows]
    if {"cn_mobile", "address", "time"} <= c.keys():
        im, ia, it = c["cn_mobile"], c["address"], c["time"]
        out["order_tuple"] = [
            f"{normalize('cn_mobile', r[im])}|{normalize('address', r[ia])}|{_time_key(r[it])}"
            if r[im].strip() and r[ia].strip() and len(_time_key(r[it])) == 12 else None
            for r in rows.rows
        ]
    return out


def distinct(values: Iterable[str | None]) -> list[str]:
    return sorted({v for v in values if v})
