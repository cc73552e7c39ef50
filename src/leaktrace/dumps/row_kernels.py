"""The compiled common path of three facts rules (`_row_rules.c`) as one engine function, with the SQL as its twin.

ID packing, the mobile's normal form and the address province cost ~0.2
CPU-s each per 10^6 rows in SQL, half of the facts scan beyond parsing.
Each kernel answers only the path nearly every row of a dump takes and
gives -1 elsewhere; `analysis_sql.facts_sql` (with `Plan.kernels`) runs the
whole SQL rule on the -1 rows alone, so the result is the SQL's by
construction wherever the kernel abstains, and tests pin it equal where it
answers. Optional like the batch HMAC: without the extension (or with
`native_hash` off) the facts are pure SQL.

The engine sees one function of the three columns (`row`), not three: DuckDB
hands a Python function each 2,048-row vector through Arrow at ~0.13 us a
row per call, whatever the function computes, and under the GIL; three
calls cost ~2x the CPU of one and serialised the scan's threads.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from leaktrace.core.arrow_buffers import int_array, string_column
from leaktrace.core.cn_id_rule import CHECK_CHARS
from leaktrace.dumps.analysis_sql import ROW_FN, ROW_TYPE, _province_groups

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

try:
    from leaktrace.dumps import _row_rules as _native
except ImportError:  # built without a compiler
    _native = None


def available() -> bool:
    return _native is not None


@cache
def province_groups() -> bytes | None:
    """`analysis_sql._province_groups` as the kernel's 16-byte records; None when that rule does not hold."""
    groups = _province_groups()
    if groups is None:
        return None
    out = bytearray()
    for lead, (form, code) in sorted(groups.items()):
        a, b = (ord(ch) for ch in lead)
        raw = form.encode("utf-8")
        if not (0x4E00 <= a <= 0x9FFF and 0x4E00 <= b <= 0x9FFF) or len(raw) > 10 or not 0 < code < 256:
            return None  # the kernel reads CJK leads, forms of <= 10 bytes, one-byte codes
        out += struct.pack("<IBB10s", a << 16 | b, len(raw), code, raw)
    return bytes(out)


def _call(fn: Callable[..., bytes], values: pa.Array | pa.ChunkedArray, typ: pa.DataType, *extra: bytes) -> pa.Array:
    arr = string_column(values)
    valid, offsets, data = arr.buffers()
    has_nulls = valid is not None and arr.null_count > 0
    out = fn(b"" if data is None else data, b"\0" * 8 if offsets is None else offsets, arr.offset, len(arr),
             pa.types.is_large_string(arr.type), valid if has_nulls else b"", arr.offset, *extra)
    return pa.Array.from_buffers(typ, len(arr), [None, pa.py_buffer(out)], null_count=0)


def id_pack(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Packed IDs (`pii.sql.cn_id_pack_sql`) of clean 18-character values, -1 elsewhere."""
    return _call(_native.id_pack, values, pa.int64(), CHECK_CHARS.encode("ascii"))  # type: ignore[union-attr]


def mobile(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The number of each 11-digit value starting with 1, -1 elsewhere."""
    return _call(_native.mobile, values, pa.int64())  # type: ignore[union-attr]


def province(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The province code an address starts with (0: none), -1 where the SQL must decide."""
    groups = province_groups()
    if groups is None:
        raise RuntimeError("province forms do not group by their lead: use the SQL rule")
    return _call(_native.province, values, pa.int32(), groups)  # type: ignore[union-attr]


def _or_abstain(kernel: Callable[[pa.Array | pa.ChunkedArray], pa.Array], values: pa.Array | pa.ChunkedArray,
                typ: pa.DataType) -> pa.Array:
    """The kernel's answers; -1 throughout (what it says of a NULL) for a column of NULLs, the absent role's stand-in."""
    if values.null_count == len(values):
        return int_array(np.full(len(values), -1), typ)  # through its buffers: `pa.array` would import pandas
    return kernel(values)


def row(ids: pa.Array | pa.ChunkedArray, mobiles: pa.Array | pa.ChunkedArray,
        addresses: pa.Array | pa.ChunkedArray) -> pa.StructArray:
    """The three kernels over one batch, as `ROW_TYPE` (i: `id_pack`, m: `mobile`, a: `province`)."""
    return pa.StructArray.from_arrays(
        [_or_abstain(id_pack, ids, pa.int64()), _or_abstain(mobile, mobiles, pa.int64()),
         _or_abstain(province, addresses, pa.int32())], names=["i", "m", "a"])


def usable() -> bool:
    """Built, and the province rule has the shape the kernel reads."""
    return available() and province_groups() is not None


def register(con: DuckDBPyConnection) -> bool:
    """Bind `row` in `con` as `ROW_FN` (what `Plan.kernels` SQL calls); False, binding nothing, when not `usable`."""
    if not usable():
        return False
    import duckdb

    con.create_function(ROW_FN, row, ["VARCHAR"] * 3, duckdb.sqltype(ROW_TYPE), type="arrow", side_effects=False,
                        null_handling="special")
    return True
