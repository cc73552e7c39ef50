"""The persons hash from the BIGINT ID key: the numpy text kernel, its SQL twins and the compiled HMAC agree."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.core import hashing_batch
from leaktrace.core.cn_id_rule import check_char
from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.keyring import Keyring
from leaktrace.dumps.analysis_sql import id_string_sql
from leaktrace.dumps.hashsets import (
    ID_KEY_FN,
    hash_set_queries,
    id_text_sql,
    register_native_hashers,
)

_con = duckdb.connect()
bodies = st.lists(st.integers(min_value=0, max_value=10**17 - 1) | st.integers(10**16, 10**17 - 1), max_size=60)


@settings(max_examples=60, deadline=None)
@given(keys=bodies)
def test_text_kernel_equals_both_sql_twins_and_the_scalar_rule(keys: list[int]) -> None:
    got = [bytes(r).decode() for r in hashing_batch.cn_id_texts(np.array(keys, dtype=np.int64))]
    assert got == [f"{k:017d}{check_char(f'{k:017d}')}" for k in keys]
    if keys:
        _con.register("k", pa.table({"k": pa.array(keys, pa.int64())}))
        try:
            sql = _con.execute(f"SELECT {id_text_sql('k')}, {id_string_sql('k')} FROM k").fetchall()
        finally:
            _con.unregister("k")
        assert [a for a, _ in sql] == got and [b for _, b in sql] == got


@settings(max_examples=40, deadline=None)
@given(keys=st.lists(st.none() | st.integers(10**16, 10**17 - 1), max_size=40), cut=st.integers(0, 3))
def test_key_hasher_equals_keyed_hasher(keys: list[int | None], cut: int) -> None:
    if not hashing_batch.available():
        pytest.skip("the batch HMAC extension was not built on this machine")
    ring = Keyring.generate()
    arr = pa.array(keys, pa.int64()).slice(min(cut, len(keys)))  # an offset view, as engines hand over
    h = KeyedHasher(ring)
    want = [None if k is None else h.hash_normalised("cn_id", f"{k:017d}{check_char(f'{k:017d}')}")
            for k in keys[min(cut, len(keys)):]]
    assert hashing_batch.id_key_hasher(ring)(arr).to_pylist() == want


def test_key_hasher_refuses_keys_outside_the_id_range() -> None:
    if not hashing_batch.available():
        pytest.skip("the batch HMAC extension was not built on this machine")
    with pytest.raises(ValueError, match="outside"):
        hashing_batch.id_key_hasher(Keyring.generate())(pa.array([10**17], pa.int64()))


def test_native_and_sql_persons_queries_agree_in_duckdb() -> None:
    """The persons query, natively (key -> text -> HMAC in one call) and in SQL (text and HMAC in SQL)."""
    if not hashing_batch.available():
        pytest.skip("the batch HMAC extension was not built on this machine")
    from leaktrace.dumps.hashsets import KEY_TABLE, register_hmac_key

    ring = Keyring.generate()
    con = duckdb.connect()
    con.execute("CREATE TABLE ids AS SELECT (range * 7919 + 11010119900307) * 1000 AS id_key, 11 AS prov "
                "FROM range(500)")
    assert register_native_hashers(con, ring)
    native = sorted(con.execute(hash_set_queries(True, native=True)["persons"]).fetchall())
    register_hmac_key(con, ring)
    sql = sorted(con.execute(hash_set_queries(True, native=False)["persons"]).fetchall())
    con.unregister(KEY_TABLE)
    assert native == sql and len(native) == 500
    assert ID_KEY_FN in hash_set_queries(True, native=True)["persons"]


def test_compiled_and_numpy_routes_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fused C loop (text + HMAC) and the numpy-text fallback give the same hashes."""
    if not hashing_batch.available() or not hasattr(hashing_batch._native, "hmac128_hex_cn_id"):
        pytest.skip("the batch HMAC extension was built without hmac128_hex_cn_id")
    ring = Keyring.generate()
    keys = pa.array([None, 0, 1, 10**17 - 1, *range(11010119900307000, 11010119900307000 + 3000, 7)], pa.int64())
    fused = hashing_batch.id_key_hasher(ring)(keys)

    class Without:
        hmac128_hex = hashing_batch._native.hmac128_hex

    monkeypatch.setattr(hashing_batch, "_native", Without)
    assert hashing_batch.id_key_hasher(ring)(keys).equals(fused)
    with pytest.raises(ValueError, match="outside"):
        hashing_batch.id_key_hasher(ring)(pa.array([-1], pa.int64()))
