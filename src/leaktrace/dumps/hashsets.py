"""Keyed-hash sets of a dump (persons, phones, records) as Parquet, and novelty against earlier dumps.

The hashes are exactly `core.hashing.KeyedHasher.hash_normalised` (HMAC-SHA256,
128 bits, `kid.hex`), computed inside the engine: HMAC is two SHA-256 calls
over (key XOR pad) || message, which DuckDB does vectorised, where a Python
call per value would cap the run at ~10^6 values/s. A test pins the SQL to
the Python hasher. Key material appears only in the query text in memory.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from leaktrace.core.dump_types import Novelty
from leaktrace.core.hashing import DIGEST_BYTES
from leaktrace.core.keyring import Keyring
from leaktrace.dumps.analysis import PROV, id_string_sql

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

BLOCK = 64


def hmac_sql(ring: Keyring, pii_type: str, value_sql: str) -> str:
    """SQL for KeyedHasher(ring).hash_normalised(pii_type, value)."""
    kid = ring.active
    key = ring.keys[kid]
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\0")
    ipad = bytes(b ^ 0x36 for b in key).hex()
    opad = bytes(b ^ 0x5C for b in key).hex()
    prefix = (pii_type + "\x1f").encode().hex()
    msg = f"(unhex('{ipad}{prefix}') || encode({value_sql}))"
    return f"('{kid}.' || left(sha256(unhex('{opad}') || unhex(sha256({msg}))), {DIGEST_BYTES * 2}))"


def _copy(con: DuckDBPyConnection, query: str, dest: Path) -> None:
    """COPY to a temp name, then rename: a reader never sees half a file."""
    tmp = dest.with_name(dest.name + ".part")
    con.execute(f"COPY ({query}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)").fetchall()
    os.replace(tmp, dest)


def write_hash_sets(con: DuckDBPyConnection, ring: Keyring, out: Path, has_id: bool) -> dict[str, str]:
    """persons.parquet (hash, kind, province), phones.parquet (hash, province), records.parquet (hash)."""
    out.mkdir(parents=True, exist_ok=True)
    id_hash = hmac_sql(ring, "cn_id", id_string_sql("id_key"))
    mob_hash = hmac_sql(ring, "cn_mobile", "lpad(CAST(mob_key AS VARCHAR), 11, '0')")
    if has_id:
        persons = (f"SELECT {id_hash} AS hash, 'cn_id' AS kind, lpad(CAST({PROV} AS VARCHAR), 2, '0') AS province "
                   "FROM ids")
    else:
        persons = (f"SELECT {mob_hash} AS hash, 'cn_mobile' AS kind, lpad(CAST(mob_prov AS VARCHAR), 2, '0') AS province "
                   "FROM mobs")
    phones = (f"SELECT {mob_hash} AS hash, lpad(CAST(mob_prov AS VARCHAR), 2, '0') AS province "
              "FROM mobs")
    rec_hash = hmac_sql(ring, "dump_record", "lower(hex(rec))")  # CAST(UHUGEINT AS VARCHAR) is ~400x slower
    records = f"SELECT {rec_hash} AS hash FROM recs"
    paths = {}
    for name, q in (("persons", persons), ("phones", phones), ("records", records)):
        dest = out / f"{name}.parquet"
        _copy(con, q, dest)
        paths[name] = str(dest)
    return paths


def novelty(con: DuckDBPyConnection, dumps_dir: Path, own: Path) -> Novelty:
    """How many of this dump's persons appear in the persons sets of other analysed dumps."""
    others = sorted(p for p in dumps_dir.glob("*/persons.parquet") if p.parent != own.parent)
    total = con.execute(f"SELECT count(*) FROM read_parquet('{own}')").fetchall()[0][0]  # type: ignore[index]
    if not others:
        return Novelty(earlier_dumps=0, persons_seen_before=0, persons_new=int(total))
    files = ", ".join(f"'{p}'" for p in others)
    seen = con.execute(
        f"SELECT count(*) FROM read_parquet('{own}') o WHERE o.hash IN (SELECT hash FROM read_parquet([{files}]))"
    ).fetchall()[0][0]  # type: ignore[index]
    return Novelty(earlier_dumps=len(others), persons_seen_before=int(seen), persons_new=int(total - seen))
