"""Per-row truth (a streamed Parquet file) and the aggregates that go into truth.json.

At 10^9 rows per-row labels cannot live in JSON; Parquet with dictionary
encoding costs a few bytes a row. The aggregates are counts by construction:
the person ranges are disjoint (see plan.py), so distinct IDs are sums of
first appearances, never a set held in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from leaktrace.simulate.geo import MAINLAND
from leaktrace.simulate.leak import DETAILS, KINDS, Block, K

VALID_KINDS = np.array([K["real"], K["recycled"], K["fabricated_valid"], K["canary"]], dtype=np.uint8)
_PROV = pa.array(list(MAINLAND))

SCHEMA = pa.schema([
    ("row", pa.int64()),
    ("kind", pa.dictionary(pa.int8(), pa.string())),
    ("detail", pa.dictionary(pa.int8(), pa.string())),
    ("id_valid", pa.bool_()),
    ("province", pa.dictionary(pa.int8(), pa.string())),
    ("person", pa.int64()),
    ("order_no", pa.int16()),
    ("dup_of", pa.int64()),
    ("canary", pa.int32()),
])


class LabelWriter:
    def __init__(self, path: Path) -> None:
        self.writer = pq.ParquetWriter(path, SCHEMA, compression="zstd")
        self.kinds, self.details = pa.array(list(KINDS)), pa.array(list(DETAILS))

    def write(self, block: Block) -> None:
        n = len(block)
        valid = np.isin(block.source_kind, VALID_KINDS)
        prov = pa.DictionaryArray.from_arrays(
            pa.array(block.people.prov.astype(np.int8), mask=~valid), _PROV)
        table = pa.table({
            "row": block.start + np.arange(n, dtype=np.int64),
            "kind": pa.DictionaryArray.from_arrays(pa.array(block.kind.astype(np.int8)), self.kinds),
            "detail": pa.DictionaryArray.from_arrays(pa.array(block.detail.astype(np.int8)), self.details),
            "id_valid": valid,
            "province": prov,
            "person": block.people.idx,
            "order_no": block.order_no.astype(np.int16),
            "dup_of": block.dup_of,
            "canary": block.canary.astype(np.int32),
        }, schema=SCHEMA)
        self.writer.write_table(table)

    def close(self) -> None:
        self.writer.close()


class TruthCounter:
    """Counts that truth.json promises, accumulated block by block."""

    def __init__(self) -> None:
        n = len(MAINLAND)
        self.rows = 0
        self.by_kind = np.zeros(len(KINDS), dtype=np.int64)
        self.by_detail = np.zeros(len(DETAILS), dtype=np.int64)
        self.valid_rows = 0
        self.valid_ids = np.zeros(n, dtype=np.int64)
        self.real_persons = np.zeros(n, dtype=np.int64)
        self.recycled_ids = np.zeros(n, dtype=np.int64)
        self.canary_rows: list[tuple[int, int]] = []

    def add(self, block: Block) -> None:
        n_prov = len(MAINLAND)
        kind, prov = block.kind, block.people.prov
        self.rows += len(block)
        self.by_kind += np.bincount(kind, minlength=len(KINDS))
        own = kind != K["duplicate"]
        self.by_detail += np.bincount(block.detail[own], minlength=len(DETAILS))
        self.valid_rows += int(np.isin(block.source_kind, VALID_KINDS).sum())
        first_real = (kind == K["real"]) & (block.order_no == 0)
        distinct = first_real | np.isin(kind, VALID_KINDS[1:])
        self.valid_ids += np.bincount(prov[distinct], minlength=n_prov)
        self.real_persons += np.bincount(prov[first_real], minlength=n_prov)
        self.recycled_ids += np.bincount(prov[kind == K["recycled"]], minlength=n_prov)
        for r in np.flatnonzero(kind == K["canary"]).tolist():
            self.canary_rows.append((block.start + r, int(block.canary[r])))

    def summary(self) -> dict[str, Any]:
        def by_prov(a: np.ndarray) -> dict[str, int]:
            return {MAINLAND[i]: int(v) for i, v in enumerate(a) if v}

        return {
            "rows": self.rows,
            "rows_by_kind": {k: int(v) for k, v in zip(KINDS, self.by_kind, strict=True)},
            "fabricated_by_detail": {d: int(v) for d, v in zip(DETAILS, self.by_detail, strict=True) if d},
            "duplicate_rows": int(self.by_kind[K["duplicate"]]),
            "distinct_rows": self.rows - int(self.by_kind[K["duplicate"]]),
            "rows_with_valid_id": self.valid_rows,
            "distinct_valid_ids": int(self.valid_ids.sum()),
            "distinct_valid_ids_by_province": by_prov(self.valid_ids),
            "distinct_real_persons": int(self.real_persons.sum()),
            "distinct_real_persons_by_province": by_prov(self.real_persons),
            "recycled_rows": int(self.by_kind[K["recycled"]]),
            "distinct_ids_also_in_earlier_dump": int(self.recycled_ids.sum()),
            "distinct_ids_also_in_earlier_dump_by_province": by_prov(self.recycled_ids),
            "new_valid_ids": int(self.valid_ids.sum() - self.recycled_ids.sum()),
        }
