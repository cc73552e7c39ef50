"""Arrow integer arrays from numpy, and null bitmaps, built from buffers: without pyarrow importing pandas.

pyarrow asks its pandas shim on `pa.array`, `pa.scalar`, `Array.to_numpy`
and the compute functions, which imports pandas (with pyarrow.compute,
~0.5-0.8 CPU-s, a fifth of a 10^6-row `dump analyze`). The analysis hands
DuckDB only integer columns and takes back strings from the batch HMAC,
so it builds and reads those arrays through their buffers here;
tests/dumps/test_no_pandas.py keeps a UTF-8 analysis free of the import.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_NUMPY = {pa.int64(): np.int64, pa.int32(): np.int32}


def int_array(values: np.ndarray | list[int], typ: pa.DataType, valid: np.ndarray | None = None) -> pa.Array:
    """`values` as an Arrow int64/int32 array; where `valid` (bool per value) is False, NULL."""
    data = np.ascontiguousarray(values, dtype=_NUMPY[typ])
    n = len(data)
    if valid is None or bool(np.all(valid)):
        return pa.Array.from_buffers(typ, n, [None, pa.py_buffer(data)], null_count=0)
    ok = np.asarray(valid, dtype=bool)
    bitmap = pa.py_buffer(np.packbits(ok, bitorder="little"))
    return pa.Array.from_buffers(typ, n, [bitmap, pa.py_buffer(data)], null_count=int(n - ok.sum()))


def valid_mask(arr: pa.Array) -> np.ndarray:
    """One bool per value of `arr`: False where it is NULL."""
    n = len(arr)
    bitmap = arr.buffers()[0]
    if bitmap is None or arr.null_count == 0:
        return np.ones(n, dtype=bool)
    bits = np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8), bitorder="little")
    return bits[arr.offset: arr.offset + n].astype(bool)


def int64_values(arr: pa.Array) -> np.ndarray:
    """The int64 values of `arr` as numpy (a view of its data buffer; a NULL slot holds whatever the engine left)."""
    if arr.type != pa.int64():
        raise TypeError(f"expected int64, got {arr.type}")
    return np.frombuffer(arr.buffers()[1], dtype=np.int64, count=len(arr), offset=arr.offset * 8)


def with_nulls_of(res: pa.Array, src: pa.Array) -> pa.Array:
    """`res` (same length, no nulls, offset 0, string or large_string) with NULL wherever `src` is NULL."""
    if src.null_count == 0:
        return res
    ok = valid_mask(src)
    bitmap = pa.py_buffer(np.packbits(ok, bitorder="little"))
    return pa.Array.from_buffers(res.type, len(res), [bitmap, *res.buffers()[1:]], null_count=int(len(ok) - ok.sum()))


def string_column(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous string or large_string array (engines may hand over chunks, views or dictionaries)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = values.cast(pa.string())  # string_view and the like
    return values
