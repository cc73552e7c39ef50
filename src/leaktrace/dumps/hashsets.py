"""Keyed-hash sets of a dump (persons, phones, records) as Parquet, and novelty against earlier dumps.

The hashes are exactly `core.hashing.KeyedHasher.hash_normalised` (HMAC-SHA256,
128 bits, `kid.hex`), computed inside the engine. They come from the
compiled batch HMAC (`core.hashing_batch`, bound as `lt_hmac_<type>`
functions, ~0.1-0.3 us a value on the engine's threads; on Spark >= 4.1 as
Arrow UDFs in its Python workers); the persons hash is taken straight from
the BIGINT ID key (`lt_hmac_cn_id_key`: text and HMAC in one C loop, twin
`id_text_sql`). Where the extension was not built (or on older Spark) the
HMAC is SQL: two SHA-256 calls over (key XOR pad) || message, ~1.7 us a
value. Tests pin both to the Python hasher.

Key material never appears in SQL text (which Spark Connect sends over the
wire and engines log): the native functions hold the key in a closure, and
for the SQL form the padded keys live in a one-row relation `lt_hmac_key`
(kid, ipad, opad) registered from memory, which the hash expressions read
through the alias `lt_k`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from leaktrace.core.cn_id_rule import CHECK_CHARS, WEIGHTS
from leaktrace.core.dump_types import Novelty
from leaktrace.core.hashing import DIGEST_BYTES, hmac_pads
from leaktrace.core.keyring import Keyring
from leaktrace.dumps.analysis_sql import int_div
from leaktrace.dumps.normalize_sql import lit as sql_str  # paths and settings go into SQL quoted

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

KEY_TABLE = "lt_hmac_key"
KEY_ALIAS = "lt_k"
# zstd level 1 compresses hex digests better than the default level and ~2x
# faster; a dictionary never pays for unique hashes, so none is tried. Format
# V2 pages (DELTA_LENGTH_BYTE_ARRAY strings) halve the writer's CPU for 7%
# more bytes; DuckDB, pyarrow and Spark read them.
PARQUET_OPTIONS = ("FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, DICTIONARY_SIZE_LIMIT 1, "
                   "PARQUET_VERSION V2")


def hmac_key_table(ring: Keyring) -> pa.Table:
    """One row: the active key id and the HMAC inner and outer padded keys (RFC 2104)."""
    kid = ring.active
    ipad, opad = hmac_pads(ring.keys[kid])
    return pa.table({
        "kid": pa.array([kid], pa.string()),
        "ipad": pa.array([ipad], pa.binary()),
        "opad": pa.array([opad], pa.binary()),
    })


def register_hmac_key(con: DuckDBPyConnection, ring: Keyring) -> None:
    """Expose `lt_hmac_key` in `con` (a view over process memory; `con.unregister(KEY_TABLE)` drops it)."""
    con.register(KEY_TABLE, hmac_key_table(ring))


def hmac_sql(pii_type: str, value_sql: str, dialect: str = "duckdb") -> str:
    """SQL for KeyedHasher(ring).hash_normalised(pii_type, value), in DuckDB or Spark SQL.

    Reads the key from `lt_k` (= `lt_hmac_key`): put `lt_hmac_key lt_k` in the FROM clause.
    """
    k = KEY_ALIAS
    prefix = (pii_type + "\x1f").encode().hex()  # the type tag is not secret
    if dialect == "spark":
        inner = f"unhex(sha2(concat({k}.ipad, unhex('{prefix}'), encode({value_sql}, 'UTF-8')), 256))"
        return f"concat({k}.kid, '.', left(sha2(concat({k}.opad, {inner}), 256), {DIGEST_BYTES * 2}))"
    msg = f"({k}.ipad || unhex('{prefix}') || encode({value_sql}))"
    return f"({k}.kid || '.' || left(sha256({k}.opad || unhex(sha256({msg}))), {DIGEST_BYTES * 2}))"


HASHED_TYPES = ("cn_id", "cn_mobile", "dump_record")
# The persons hash straight from the BIGINT ID key: `hashing_batch.id_key_hasher`.
ID_KEY_FN = "lt_hmac_cn_id_key"


def native_fn(pii_type: str) -> str:
    """Name of the DuckDB function `register_native_hashers` binds for one PII type."""
    return f"lt_hmac_{pii_type}"


def id_text_sql(key: str, dialect: str = "duckdb") -> str:
    """The canonical 18-character ID of a 17-digit BIGINT body, in DuckDB or Spark SQL.

    The SQL twin of `hashing_batch.cn_id_texts` (a test pins the two equal):
    zero-padded body and its GB 11643 check character. For a valid ID the
    carried check character is this one, so legacy and 18-digit forms of one
    person give one text. Spark writes integer division `div`, DuckDB `//`.
    """
    total = " + ".join(f"{w} * ({int_div(key, 10 ** (16 - i), dialect)} % 10)" for i, w in enumerate(WEIGHTS))
    return f"(lpad(CAST({key} AS STRING), 17, '0') || substr({sql_str(CHECK_CHARS)}, (({total}) % 11) + 1, 1))"


def hash_set_queries(has_id: bool, dialect: str = "duckdb", native: bool = False) -> dict[str, str]:
    """The three hash-set SELECTs over the `ids`, `mobs` and `recs` tables (see analysis_sql.tables; `recs` exists only when the records set is asked for).

    `native` (DuckDB only) calls the functions `register_native_hashers`
    binds instead of the SQL HMAC: same hashes, ~6x less CPU.
    """
    def h(pii_type: str, value_sql: str) -> str:
        return f"{native_fn(pii_type)}({value_sql})" if native else hmac_sql(pii_type, value_sql, dialect)

    mob_text = "lpad(CAST(mob_key AS STRING), 11, '0')"
    mob_hash = h("cn_mobile", mob_text)
    mob_prov = "lpad(CAST(mob_prov AS STRING), 2, '0')"
    key = "" if native else f", {KEY_TABLE} {KEY_ALIAS}"
    if has_id:
        # Natively the text is made and hashed in one call; in SQL it is built first.
        id_hash = f"{ID_KEY_FN}(id_key)" if native else hmac_sql("cn_id", id_text_sql("id_key", dialect), dialect)
        persons = (f"SELECT {id_hash} AS hash, 'cn_id' AS kind, "
                   f"lpad(CAST(prov AS STRING), 2, '0') AS province FROM ids{key}")
    else:
        persons = f"SELECT {mob_hash} AS hash, 'cn_mobile' AS kind, {mob_prov} AS province FROM mobs{key}"
    rec = "lower(hex(rec))" if dialect == "duckdb" else "rec"  # CAST(UHUGEINT AS VARCHAR) is ~400x slower
    return {
        "persons": persons,
        "phones": f"SELECT {mob_hash} AS hash, {mob_prov} AS province FROM mobs{key}",
        "records": f"SELECT {h('dump_record', rec)} AS hash FROM recs{key}",
    }


def register_native_hashers(con: DuckDBPyConnection, ring: Keyring) -> bool:
    """Bind `lt_hmac_<type>` in `con` to the compiled batch HMAC; False (nothing bound) when it was not built.

    The key lives in the functions' closures, never in SQL text or a table.
    """
    from leaktrace.core import hashing_batch

    if not hashing_batch.available():
        return False
    for t in HASHED_TYPES:
        con.create_function(native_fn(t), hashing_batch.batch_hasher(ring, t), ["VARCHAR"], "VARCHAR",
                            type="arrow", side_effects=False)
    con.create_function(ID_KEY_FN, hashing_batch.id_key_hasher(ring), ["BIGINT"], "VARCHAR", type="arrow",
                        side_effects=False)
    return True


def unregister_native_hashers(con: DuckDBPyConnection) -> None:
    for name in (*map(native_fn, HASHED_TYPES), ID_KEY_FN):
        with contextlib.suppress(Exception):  # duckdb.InvalidInputException: never bound
            con.remove_function(name)


def swap_in(tmp: Path, dest: Path) -> None:
    """Put finished `tmp` (file or directory) at `dest`: a reader sees the old set, then the new, never half of one."""
    if not tmp.is_dir() and not dest.is_dir():
        os.replace(tmp, dest)  # atomic for a file
        return
    old = dest.with_name(f".{dest.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.old")
    if dest.exists():
        os.replace(dest, old)  # a directory cannot be renamed over a non-empty one, nor onto a file
    os.replace(tmp, dest)
    clear(old)


def part_path(dest: Path) -> Path:
    """A temporary name beside `dest` that no other run uses (two runs on one dump write at once)."""
    return dest.with_name(f".{dest.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")


def clear_stale_parts(out: Path) -> None:
    """Remove temporary sets a crashed run left in `out`; those of a live process are its to finish."""
    for p in out.glob(".*.parquet.*.part"):
        pid = p.name.split(".")[-3]
        if pid.isdigit() and _alive(int(pid)):
            continue
        clear(p)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clear(path: Path) -> None:
    """Remove what a crashed run left at `path` (a file or a Spark part directory)."""
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def parquet_source(path: Path) -> str:
    """A file written by DuckDB, or a directory of part files written by Spark (as a quoted SQL literal)."""
    return sql_str(f"{path}/*.parquet") if path.is_dir() else sql_str(str(path))


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


def spark_key_view(spark: Any, ring: Keyring) -> None:
    """`lt_hmac_key` as a Spark temp view, shipped as data (a local relation), not as SQL text."""
    t = hmac_key_table(ring)
    spark.createDataFrame([(t["kid"][0].as_py(), bytearray(t["ipad"][0].as_py()), bytearray(t["opad"][0].as_py()))],
                          "kid string, ipad binary, opad binary").createOrReplaceTempView(KEY_TABLE)
