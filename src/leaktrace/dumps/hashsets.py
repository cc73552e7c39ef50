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
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from leaktrace.core.dump_types import Novelty
from leaktrace.core.hashing import DIGEST_BYTES
from leaktrace.core.keyring import Keyring

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

BLOCK = 64


def hmac_sql(ring: Keyring, pii_type: str, value_sql: str, dialect: str = "duckdb") -> str:
    """SQL for KeyedHasher(ring).hash_normalised(pii_type, value), in DuckDB or Spark SQL."""
    kid = ring.active
    key = ring.keys[kid]
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\0")
    ipad = bytes(b ^ 0x36 for b in key).hex()
    opad = bytes(b ^ 0x5C for b in key).hex()
    prefix = (pii_type + "\x1f").encode().hex()
    if dialect == "spark":
        inner = f"unhex(sha2(concat(unhex('{ipad}{prefix}'), encode({value_sql}, 'UTF-8')), 256))"
        return f"concat('{kid}.', left(sha2(concat(unhex('{opad}'), {inner}), 256), {DIGEST_BYTES * 2}))"
    msg = f"(unhex('{ipad}{prefix}') || encode({value_sql}))"
    return f"('{kid}.' || left(sha256(unhex('{opad}') || unhex(sha256({msg}))), {DIGEST_BYTES * 2}))"


def hash_set_queries(ring: Keyring, has_id: bool, dialect: str = "duckdb") -> dict[str, str]:
    """The three hash-set SELECTs over the `ids`, `mobs` and `recs` tables (see analysis.TABLES)."""
    mob_text = "lpad(CAST(mob_key AS STRING), 11, '0')"
    mob_hash = hmac_sql(ring, "cn_mobile", mob_text, dialect)
    mob_prov = "lpad(CAST(mob_prov AS STRING), 2, '0')"
    if has_id:
        persons = (f"SELECT {hmac_sql(ring, 'cn_id', 'id_text', dialect)} AS hash, 'cn_id' AS kind, "
                   "lpad(CAST(prov AS STRING), 2, '0') AS province FROM ids")
    else:
        persons = f"SELECT {mob_hash} AS hash, 'cn_mobile' AS kind, {mob_prov} AS province FROM mobs"
    rec = "lower(hex(rec))" if dialect == "duckdb" else "rec"  # CAST(UHUGEINT AS VARCHAR) is ~400x slower
    return {
        "persons": persons,
        "phones": f"SELECT {mob_hash} AS hash, {mob_prov} AS province FROM mobs",
        "records": f"SELECT {hmac_sql(ring, 'dump_record', rec, dialect)} AS hash FROM recs",
    }


def _copy(con: DuckDBPyConnection, query: str, dest: Path) -> None:
    """COPY to a temp name, then rename: a reader never sees half a file."""
    tmp = dest.with_name(dest.name + ".part")
    if dest.is_dir():  # an earlier Spark run wrote part files here
        shutil.rmtree(dest)
    con.execute(f"COPY ({query}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd)").fetchall()
    os.replace(tmp, dest)


def write_hash_sets(con: DuckDBPyConnection, ring: Keyring, out: Path, has_id: bool) -> dict[str, str]:
    """persons.parquet (hash, kind, province), phones.parquet (hash, province), records.parquet (hash)."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, q in hash_set_queries(ring, has_id).items():
        dest = out / f"{name}.parquet"
        _copy(con, q, dest)
        paths[name] = str(dest)
    return paths


def parquet_source(path: Path) -> str:
    """A file written by DuckDB, or a directory of part files written by Spark."""
    return f"'{path}/*.parquet'" if path.is_dir() else f"'{path}'"


def novelty(con: DuckDBPyConnection, dumps_dir: Path, own: Path) -> Novelty:
    """How many of this dump's persons appear in the persons sets of other analysed dumps."""
    others = sorted(p for p in dumps_dir.glob("*/persons.parquet") if p.parent != own.parent)
    total = con.execute(f"SELECT count(*) FROM read_parquet({parquet_source(own)})").fetchall()[0][0]
    if not others:
        return Novelty(earlier_dumps=0, persons_seen_before=0, persons_new=int(total))
    files = ", ".join(parquet_source(p) for p in others)
    seen = con.execute(
        f"SELECT count(*) FROM read_parquet({parquet_source(own)}) o "
        f"WHERE o.hash IN (SELECT hash FROM read_parquet([{files}]))"
    ).fetchall()[0][0]
    return Novelty(earlier_dumps=len(others), persons_seen_before=int(seen), persons_new=int(total - seen))
