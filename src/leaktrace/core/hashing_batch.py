"""`KeyedHasher.hash_normalised` over a whole Arrow string column at once.

Dump analysis hashes millions of values a run (persons, phones, records);
a Python call per value costs ~2.5 us and the same HMAC written in SQL
~1.7 us, against ~0.1 us for the compiled loop in `_hmac_batch.c`. The
extension is optional (it needs a C compiler and OpenSSL headers at install):
`available()` says whether it was built, and callers keep their SQL path for
when it was not. Either way the hashes are the same, which tests pin against
`KeyedHasher`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from leaktrace.core.arrow_buffers import int64_values, string_column, valid_mask, with_nulls_of
from leaktrace.core.cn_id_rule import CHECK_CHARS, WEIGHTS
from leaktrace.core.hashing import DIGEST_BYTES
from leaktrace.core.keyring import Keyring

try:
    from leaktrace.core import _hmac_batch as _native
except ImportError:  # built without a compiler or OpenSSL headers
    _native = None

WIDTH_HEX = DIGEST_BYTES * 2


def available() -> bool:
    """Built (callers switch it off with the setting `native_hash`, to compare or to rule it out)."""
    return _native is not None


def batch_hasher(ring: Keyring, pii_type: str, kid: str | None = None) -> Callable[[pa.Array], pa.Array]:
    """A function mapping an Arrow string column to its `kid.hex` keyed hashes (NULL stays NULL).

    The key stays in this closure: it never enters SQL text or a table an
    engine could log or spill.
    """
    if _native is None:
        raise RuntimeError("leaktrace.core._hmac_batch was not built; use the SQL HMAC")
    kid = kid or ring.active
    key = ring.keys[kid]
    tag = pii_type.encode() + b"\x1f"
    prefix = f"{kid}.".encode()
    width = len(prefix) + WIDTH_HEX

    def hash_column(values: pa.Array | pa.ChunkedArray) -> pa.Array:
        arr = string_column(values)
        n = len(arr)
        _, offsets, data = arr.buffers()
        wide = pa.types.is_large_string(arr.type)
        out = _native.hmac128_hex(key, tag, prefix, b"" if data is None else data,
                                  b"\0" * 8 if offsets is None else offsets, arr.offset, n, wide)
        total = n * width
        otype, oarr = (pa.large_string(), np.int64) if total >= 2**31 else (pa.string(), np.int32)
        res = pa.Array.from_buffers(otype, n, [None, pa.py_buffer(np.arange(0, total + 1, width, dtype=oarr)),
                                               pa.py_buffer(out)])
        return with_nulls_of(res, arr)

    return hash_column


ID_TEXT_BYTES = 18
_CHECK = np.frombuffer(CHECK_CHARS.encode("ascii"), dtype=np.uint8)
_WEIGHTS = np.array(WEIGHTS, dtype=np.int64)


def cn_id_texts(bodies: np.ndarray) -> np.ndarray:
    """The canonical 18-character IDs of 17-digit bodies (int64 in [0, 10^17)), as an (n, 18) uint8 array.

    The vectorised twin of `hashsets.id_text_sql` / `analysis_sql.id_string_sql`
    (zero-padded body and its GB 11643 check character from `core.cn_id_rule`);
    tests/dumps/test_id_text_kernel.py pins them equal, and to
    `cn_id_rule.check_char`. The compiled `hmac128_hex_cn_id` makes the same
    text in C; this is its fallback for an extension built before it existed.
    """
    b = np.array(bodies, dtype=np.int64)
    out = np.empty((len(b), ID_TEXT_BYTES), dtype=np.uint8)
    total = np.zeros(len(b), dtype=np.int64)
    for i in range(16, -1, -1):  # least significant digit first
        b, d = np.divmod(b, 10)
        out[:, i] = d + 48
        total += _WEIGHTS[i] * d
    out[:, 17] = _CHECK[total % 11]
    return out


def id_key_hasher(ring: Keyring, kid: str | None = None) -> Callable[[pa.Array], pa.Array]:
    """Arrow BIGINT ID keys (17-digit bodies) -> the `cn_id` keyed hashes of their canonical text.

    Same hashes as `batch_hasher(ring, "cn_id")` over `id_string_sql(key)`,
    without the engine building ~0.5 M strings per 10^6 rows first: the
    compiled `hmac128_hex_cn_id` formats each key and hashes it in one loop
    (~0.12 us a value); an extension built before it existed gets the text
    from `cn_id_texts` (numpy, ~0.1-0.2 us more). NULL stays NULL; a key
    outside [0, 10^17) is an error (no ID has one).
    """
    if _native is None:
        raise RuntimeError("leaktrace.core._hmac_batch was not built; use the SQL HMAC")
    kid = kid or ring.active
    key = ring.keys[kid]
    tag = b"cn_id\x1f"
    prefix = f"{kid}.".encode()
    width = len(prefix) + WIDTH_HEX
    fused = getattr(_native, "hmac128_hex_cn_id", None)
    text_hasher = batch_hasher(ring, "cn_id", kid)

    def hash_keys(values: pa.Array | pa.ChunkedArray) -> pa.Array:
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
        if values.type != pa.int64():
            values = values.cast(pa.int64())
        # Read through the buffers: to_numpy/fill_null would make pyarrow import pandas (core.arrow_buffers).
        keys = np.where(valid_mask(values), int64_values(values), 0)
        if len(keys) and (keys.min() < 0 or keys.max() >= 10**17):
            raise ValueError("an ID key outside [0, 10^17)")
        n = len(keys)
        if fused is not None:
            total = n * width
            otype, oarr = (pa.large_string(), np.int64) if total >= 2**31 else (pa.string(), np.int32)
            out = pa.Array.from_buffers(otype, n, [None, pa.py_buffer(np.arange(0, total + 1, width, dtype=oarr)),
                                                   pa.py_buffer(fused(key, tag, prefix, keys, n))])
        else:
            wide = n * ID_TEXT_BYTES >= 2**31
            offsets = np.arange(0, n * ID_TEXT_BYTES + 1, ID_TEXT_BYTES, dtype=np.int64 if wide else np.int32)
            texts = pa.Array.from_buffers(pa.large_string() if wide else pa.string(), n,
                                          [None, pa.py_buffer(offsets), pa.py_buffer(cn_id_texts(keys).tobytes())])
            out = text_hasher(texts)
        return with_nulls_of(out, values)  # NULL keys were hashed as 0 above; their answers are dropped here

    return hash_keys
