"""The engine's keyed hashes are exactly core.hashing's, and the sets hold what the report counts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from _analyze import analyze
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.keyring import Keyring, load_keyring
from leaktrace.core.settings import get_settings
from leaktrace.dumps.analysis_sql import id_string_sql
from leaktrace.dumps.analyze import AnalyzeOptions
from leaktrace.dumps.hashsets import KEY_TABLE, hmac_key_table, hmac_sql, register_hmac_key
from leaktrace.pii.registry import default_registry

_con = duckdb.connect()


@settings(max_examples=60, deadline=None)
@given(value=st.text(max_size=40), long_key=st.booleans())
def test_hmac_sql_equals_keyed_hasher(value: str, long_key: bool) -> None:
    ring = Keyring.generate()
    if long_key:  # keys longer than the SHA-256 block are hashed first, as HMAC says
        ring = Keyring(active=ring.active, keys={ring.active: bytes(range(100))})
    register_hmac_key(_con, ring)
    try:
        got = _con.execute(f"SELECT {hmac_sql('cn_id', '$1')} FROM {KEY_TABLE} lt_k", [value]).fetchall()[0][0]
    finally:
        _con.unregister(KEY_TABLE)
    assert got == KeyedHasher(ring).hash_normalised("cn_id", value)


def test_key_material_never_in_sql_text() -> None:
    """The pads travel as data (one-row relation), so SQL text sent to an engine or a log holds no key."""
    ring = Keyring.generate()
    t = hmac_key_table(ring)
    sql = hmac_sql("cn_id", "id_text") + hmac_sql("cn_id", "id_text", "spark")
    for col in ("ipad", "opad"):
        pad = t[col][0].as_py()
        assert pad.hex() not in sql.lower() and pad.hex().upper() not in sql
    assert ring.keys[ring.active].hex() not in sql.lower()


@given(body=st.integers(min_value=10**16, max_value=10**17 - 1))
@settings(max_examples=50, deadline=None)
def test_packed_key_rebuilds_the_id(body: int) -> None:
    from leaktrace.core.cn_id_rule import CHECK_CHARS, WEIGHTS

    s = f"{body:017d}"
    want = s + CHECK_CHARS[sum(int(c) * w for c, w in zip(s, WEIGHTS, strict=True)) % 11]
    assert _con.execute(f"SELECT {id_string_sql('$1::BIGINT')}", [body]).fetchone()[0] == want  # type: ignore[index]


def test_persons_set_matches_scalar_validator(world: tuple[Path, dict[str, Any]]) -> None:
    out, truth = world
    path = out / truth["leak"]["files"]["csv"]
    r = analyze(path, AnalyzeOptions(force=True, record_hashes=True))
    det = default_registry().get("cn_id")
    hasher = KeyedHasher(load_keyring(get_settings()))
    want = set()
    for line in path.read_text("utf-8").splitlines()[1:]:
        v = det.validate(line.split(",")[3])
        if v is not None and v.valid:
            want.add(hasher.hash_normalised("cn_id", v.normalized or ""))
    got = set(pq.read_table(r.hash_sets["persons"]).column("hash").to_pylist())
    assert got == want
    assert pq.read_table(r.hash_sets["records"]).num_rows == r.distinct_rows
    assert pq.read_table(r.hash_sets["phones"]).num_rows == r.distinct_valid_mobiles


def test_native_and_sql_hash_sets_are_identical(world: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    """The compiled batch HMAC and the SQL HMAC write the same three sets (the engine picks one)."""
    from leaktrace.core import hashing_batch
    from leaktrace.dumps.engine_duckdb import DuckDBEngine, connect
    from leaktrace.dumps.hashsets import hash_set_queries
    from leaktrace.dumps.steps import write_sets

    if not hashing_batch.available():
        if os.environ.get("CI") == "true":
            raise AssertionError("the batch HMAC extension must be built in CI")
        pytest.skip("the batch HMAC extension was not built on this machine")
    out, truth = world
    r = analyze(out / truth["leak"]["files"]["csv"], AnalyzeOptions(force=True, record_hashes=True))
    ring = load_keyring(get_settings())
    con = duckdb.connect()
    for name in ("persons", "phones", "records"):
        con.execute(f"CREATE TEMP TABLE src_{name} AS SELECT * FROM read_parquet('{r.hash_sets[name]}')")
    from leaktrace.dumps.steps import finish

    opts = AnalyzeOptions(record_hashes=True)
    c2 = connect(opts, tmp_path / "duck")
    try:
        engine = DuckDBEngine(c2)
        finish(engine, engine.register_input(out / truth["leak"]["files"]["csv"], opts),
               path=out / truth["leak"]["files"]["csv"], sha="x", dumps_dir=tmp_path, ring=ring, opts=opts)
        sets = {}
        for native in (True, False):
            engine.native_hash = native
            paths = write_sets(engine, ring, tmp_path / f"n{native}", True, opts)
            sets[native] = {k: sorted(tuple(d.values()) for d in pq.read_table(p).to_pylist())
                            for k, p in paths.items()}
    finally:
        c2.close()
    assert sets[True] == sets[False]
    for name in ("persons", "phones", "records"):
        assert sorted(con.execute(f"SELECT * FROM src_{name}").fetchall()) == sets[True][name]
    native_sql = " ".join(hash_set_queries(True, native=True).values())
    assert ring.keys[ring.active].hex() not in native_sql.lower() and "lt_k." not in native_sql


def test_records_set_is_written_only_when_asked(world: tuple[Path, dict[str, Any]]) -> None:
    """No stage reads the per-record set: a default run leaves it out, `record_hashes` writes it."""
    out, truth = world
    path = out / truth["leak"]["files"]["csv"]
    plain = analyze(path, AnalyzeOptions(force=True))
    assert sorted(plain.hash_sets) == ["persons", "phones"]
    assert not (Path(plain.hash_sets["persons"]).parent / "records.parquet").exists()
    asked = analyze(path, AnalyzeOptions(force=True, record_hashes=True))
    assert pq.read_table(asked.hash_sets["records"]).num_rows == asked.distinct_rows
