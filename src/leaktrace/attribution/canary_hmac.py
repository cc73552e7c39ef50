"""The canary tag HMAC as DuckDB SQL, for registries whose canary values are not sealed.

The key's padded forms travel as a registered one-row table, never in SQL
text. (The SQL twins of `core.normalize` that the canary check applies
first live in `dumps.normalize_sql`, shared with the dump analysis.)
"""

from __future__ import annotations

import pyarrow as pa

from leaktrace.core.hashing import hmac_pads

PADS_TABLE = "lt_canary_pads"


def hmac_pads_table(key: bytes) -> pa.Table:
    """One row: the HMAC-SHA256 inner and outer padded keys (RFC 2104) of `key`.

    Registered with `con.register(PADS_TABLE, ...)` (a view over process memory,
    dropped with `con.unregister`), so key material never appears in SQL text,
    where query logs, profiles or error messages could carry it.
    """
    ipad, opad = hmac_pads(key)
    return pa.table({"ipad": pa.array([ipad], pa.binary()), "opad": pa.array([opad], pa.binary())})


def hmac_tag_sql(kind: str, value_sql: str, digest_bytes: int, pads: str = PADS_TABLE) -> str:
    """SQL hex of `hmac(key, kind \x1f value, sha256)[:digest_bytes]` (the canary tag), for registries
    whose canary values are not sealed. Two SHA-256 calls per value (~150,000/s): the slow, exact path.
    The key is read from the registered `pads` table (see `hmac_pads_table`), never written in the query."""
    msg = f"((SELECT ipad FROM {pads}) || unhex('{(kind + chr(31)).encode().hex()}') || encode({value_sql}))"
    return f"left(sha256((SELECT opad FROM {pads}) || unhex(sha256({msg}))), {digest_bytes * 2})"
