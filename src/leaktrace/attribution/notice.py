"""Breach-notice check: which of an organisation's own customers appear in indexed leaks.

Runs on the organisation's side, against the exposure service, with its
organisation token: every distinct ID, mobile and e-mail of its export is
blinded and evaluated in batches (the service never sees a value), then
looked up in its bucket. The service's per-organisation daily quota is sized
from the organisation's registered customer base (`exposure.org_quotas`),
which is enough for its whole base but useless for enumerating anyone
else's. The result names customers by their row in the organisation's own
file, with masked values only, so nothing new holding PII is written.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from leaktrace.attribution.exposure_client import HttpEvaluator
from leaktrace.attribution.key_columns import distinct_keys, infer_roles, row_keys
from leaktrace.attribution.table import Rows, open_rows
from leaktrace.core.errors import InputError
from leaktrace.core.masking import mask

CHECK_KINDS = ("cn_id", "cn_mobile", "email")


@dataclass
class NoticeResult:
    rows: int
    checked: dict[str, int]  # distinct values checked per kind
    exposed_rows: list[tuple[int, list[tuple[str, str]]]] = field(default_factory=list)  # (row, [(kind, masked)])


def notice_check(path: str | Path, client: HttpEvaluator, batch: int = 1000) -> NoticeResult:
    """Check every customer of the export; rows are numbered from 1 (the first data row)."""
    stream = open_rows(path, strict=True)
    roles = infer_roles(stream)
    total, distinct = distinct_keys(stream, roles, CHECK_KINDS)  # first read: the values, never the rows
    kinds = [k for k in CHECK_KINDS if distinct.get(k)]
    if not kinds:
        raise InputError(f"{path}: no ID number, mobile or e-mail column to check (columns {stream.columns[:12]})")
    exposed: dict[str, set[str]] = {}
    checked: dict[str, int] = {}
    for kind in kinds:
        values = distinct[kind]
        checked[kind] = len(values)
        found = client.check_many(kind, values, batch)  # sends them in a secret random order
        exposed[kind] = {v for v, f in zip(values, found, strict=True) if f}
    result = NoticeResult(total, checked)

    def mark(rows: Iterator[list[str]]) -> None:  # second read: number the rows that hold an exposed value
        for i, row in enumerate(rows, 1):
            keys = row_keys(Rows("", stream.columns, [row], 1, True), roles)
            hits = [(k, mask(v)) for k in kinds if (v := keys[k][0]) and v in exposed[k]]
            if hits:
                result.exposed_rows.append((i, hits))

    stream.read(mark)
    return result


def write_csv(result: NoticeResult, out: Path) -> None:
    """row, kinds, masked values: written to a temp file and renamed, so a reader never sees half of it."""
    tmp = out.with_name(out.name + ".tmp")
    try:
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8",
                  newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["row", "kinds", "values_masked"])
            for row, hits in result.exposed_rows:
                w.writerow([row, ";".join(k for k, _ in hits), ";".join(m for _, m in hits)])
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)  # nothing half-written is left behind
        raise
