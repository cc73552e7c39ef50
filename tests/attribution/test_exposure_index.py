"""`exposure index` end to end: every distinct value findable, the same set whatever the partitioning, and a
dump whose distinct values outgrow the DuckDB cap indexed anyway (the grouped table it used to build did not spill)."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from leaktrace.attribution import oprf
from leaktrace.attribution.exposure import ExposureSet, index_file
from leaktrace.attribution.exposure_build import ExposureBuilder
from leaktrace.attribution.exposure_index import prf_words_of_file
from leaktrace.core.cn_id_rule import check_char
from leaktrace.core.keyring import Keyring

KINDS = {"cn_id", "cn_mobile"}


def _fast(pairs: Sequence[tuple[str, str]]) -> list[bytes]:
    """A keyed BLAKE2b in the OPRF's place: the indexing around it is what is tested here."""
    return [hashlib.blake2b(oprf.oprf_input(k, v), key=b"test", digest_size=16).digest() for k, v in pairs]


def _valid_id(rnd: random.Random) -> str:
    day = dt.date(1950, 1, 1) + dt.timedelta(days=rnd.randrange(18000))
    body = f"{rnd.choice(['110105', '310101', '440305', '510107'])}{day:%Y%m%d}{rnd.randrange(1000):03d}"
    return body + check_char(body)


def _dump(path: Path, rows: int, seed: int, pool: int | None = None) -> tuple[set[str], set[str]]:
    """An order CSV of random IDs and mobiles (drawn from `pool` each, so they repeat) and one bad row."""
    rnd = random.Random(seed)
    ids = [_valid_id(rnd) for _ in range(pool or rows)]
    mobs = [f"{rnd.choice(['138', '139', '150', '186', '199'])}{rnd.randrange(10**8):08d}" for _ in range(pool or rows)]
    seen_ids, seen_mobs = set(), set()
    with path.open("w", encoding="utf-8") as f:
        f.write("name,id_number,phone\n")
        for i in range(rows):
            a, b = (ids[i], mobs[i]) if pool is None else (rnd.choice(ids), rnd.choice(mobs))
            seen_ids.add(a)
            seen_mobs.add(b)
            f.write(f"x{i},{a},{b}\n")
            if i == rows // 2:
                f.write('"unterminated,quote\n')
    return seen_ids, seen_mobs


def _words(path: Path, tmp: Path, **kw: object) -> tuple[np.ndarray, np.ndarray, int]:
    b = ExposureBuilder(16)
    spill = tmp / f"spill{len(list(tmp.iterdir()))}"
    spill.mkdir(mode=0o700)
    w = prf_words_of_file(path, _fast, b.add, spill=spill, **kw)  # type: ignore[arg-type]
    return (*b.build(), w.values)


def test_the_set_is_the_same_in_one_pass_or_many(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    ids, mobs = _dump(path, 3000, seed=1, pool=700)
    one = _words(path, tmp_path)
    many = _words(path, tmp_path, pairs_per_part=250)  # 24 hash partitions
    assert one[2] == many[2] == len(ids) + len(mobs)
    np.testing.assert_array_equal(one[0], many[0])
    np.testing.assert_array_equal(one[1], many[1])


def test_distinct_values_beyond_the_memory_cap(tmp_path: Path) -> None:
    """300,000 rows under a 32MB cap: the grouped table the index built before ran out of memory here."""
    path = tmp_path / "d.csv"
    ids, mobs = _dump(path, 300_000, seed=2)
    _, tags, n = _words(path, tmp_path, memory_limit="32MB")
    assert n == len(tags) == len(ids) + len(mobs)
    want = np.sort(np.array([oprf.split_output(o)[1] for o in _fast([("cn_mobile", m) for m in sorted(mobs)[:50]])],
                            np.uint64))
    assert np.isin(want, tags).all()


def test_index_file_finds_every_value_with_the_real_prf(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    ids, mobs = _dump(path, 40, seed=3, pool=30)
    key = oprf.ServerKey.from_keyring(Keyring.generate(), purpose=oprf.EXPOSURE)
    spill = tmp_path / "spill"
    spill.mkdir(mode=0o700)
    s, n = index_file(path, key, bucket_bits=4, spill=spill)
    assert n == len(ids) + len(mobs) == len(s.tags)
    for kind, values in (("cn_id", ids), ("cn_mobile", mobs)):
        for v in values:
            u, tag = oprf.split_output(key.evaluate(oprf.oprf_input(kind, v)))
            assert tag in s.bucket(u >> 60).tolist(), (kind, v[:3])
    assert len(s.merged(s).tags) == len(s.tags)
    other = ExposureSet.from_words(key.key_id, np.array([1], np.uint64), np.array([7], np.uint64), 4)
    assert len(s.merged(other).tags) == len(s.tags) + 1


@pytest.mark.parametrize("bits", [0, 25])
def test_bucket_sizes_out_of_range_are_refused(bits: int) -> None:
    with pytest.raises(ValueError, match="expected 1-24"):
        ExposureBuilder(bits)
