"""Which columns hold key material, and the normalised key values of each row.

Person keys (`cn_id`, `cn_mobile`) say *who* is in a file; record keys
(`order_id`, and the `order_tuple` phone + address + order time) say *which
records*, and only the organisation that created them has them, so they are
the stronger evidence. `email` is kept for canaries (organisation mailboxes).
Columns get their roles from `dumps.roles`, the one guesser every stage
uses (header words and cell contents, so headerless 社工库 exports too): a
file gets the same roles here as in `dump analyze`, in the same words.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from leaktrace.attribution.table import Rows, RowStream
from leaktrace.core.errors import InputError
from leaktrace.core.normalize import normalize
from leaktrace.dumps.roles import infer_roles as infer_column_roles

PERSON_KINDS = ("cn_id", "cn_mobile")
RECORD_KINDS = ("order_id", "order_tuple")
CANARY_KINDS = ("cn_mobile", "email", "order_id", "cn_id")
ALL_KINDS = (*PERSON_KINDS, *RECORD_KINDS, "email")
# A column's role (the one vocabulary `dumps.roles` gives every stage) -> the kind of key its values are
# (the PII type their keyed hashes and PRF inputs are tagged with); address and time only feed the order tuple.
ROLE_KIND = {"id_number": "cn_id", "mobile": "cn_mobile", "order_id": "order_id", "email": "email",
             "address": "address", "order_time": "time"}
KIND_ROLE = {k: r for r, k in ROLE_KIND.items()}


@dataclass(frozen=True)
class Roles:
    """Column index per key kind, from the column roles `dumps.roles` inferred (`role_of` names them)."""

    columns: dict[str, int]

    def named(self, names: list[str]) -> dict[str, str]:
        """Role -> column name, in the role vocabulary `dump analyze` prints."""
        return {KIND_ROLE[k]: names[i] for k, i in sorted(self.columns.items())}

    def describe(self, names: list[str]) -> str:
        return ", ".join(f"{role}={name!r}" for role, name in self.named(names).items())


def infer_roles(rows: Rows | RowStream) -> Roles:
    """Map key kinds to columns with the dumps role guesser; raises InputError when no key column is usable."""
    sample = rows.head if isinstance(rows, RowStream) else rows.rows[:200]
    found = {ROLE_KIND[c.role]: c.index for c in infer_column_roles(rows.columns, sample) if c.role in ROLE_KIND}
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


DISTINCT_BATCH = 65_536


def distinct_keys(stream: RowStream, roles: Roles, kinds: Iterable[str] = ALL_KINDS) -> tuple[int, dict[str, list[str]]]:
    """(rows, sorted distinct normalised values per kind) of a whole file, read a batch of rows at a time.

    Memory holds the distinct values, never the rows: an export or a dump of
    10^8 rows with few distinct values costs the values only.
    """
    wanted = set(kinds)

    def consume(rows: Iterator[list[str]]) -> tuple[int, dict[str, set[str]]]:
        seen: dict[str, set[str]] = {}
        n = 0
        batch: list[list[str]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= DISTINCT_BATCH:
                n += _add(seen, batch, roles, wanted)
                batch = []
        n += _add(seen, batch, roles, wanted)
        return n, seen

    n, seen = stream.read(consume)
    if n == 0:
        raise InputError(f"{stream.path}: the file has no data rows")
    return n, {k: sorted(v) for k, v in seen.items()}


def _add(seen: dict[str, set[str]], batch: list[list[str]], roles: Roles, wanted: set[str]) -> int:
    if not batch:
        return 0
    rows = Rows("", [], batch, len(batch), True)
    for kind, values in row_keys(rows, roles).items():
        if kind in wanted:
            seen.setdefault(kind, set()).update(v for v in values if v)
    return len(batch)
