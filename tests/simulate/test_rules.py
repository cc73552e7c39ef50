"""The vectorised twins of scalar rules agree with the scalar rules (Hypothesis)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.core.cn_id_rule import check_char
from leaktrace.core.errors import InputError
from leaktrace.pii.detectors.cn_id import check_cn_id
from leaktrace.simulate.keyed import Feistel, Keyed
from leaktrace.simulate.people import CHECK_TEXT, PersonSpace, check_codes
from leaktrace.simulate.plan import make_plan, nice_ceil, parse_scale
from leaktrace.simulate.render import civil, id_strings, time_strings

bodies = st.integers(min_value=10**16, max_value=10**17 - 1)


@given(st.lists(bodies, min_size=1, max_size=50))
def test_vector_checksum_equals_scalar_rule(values: list[int]) -> None:
    codes = check_codes(np.array(values, dtype=np.int64))
    assert [CHECK_TEXT[c] for c in codes] == [check_char(str(v)) for v in values]


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5000), st.integers(0, 2**32))
def test_feistel_is_a_bijection(size: int, seed: int) -> None:
    perm = Feistel(Keyed(seed), "t", size)(np.arange(size, dtype=np.int64))
    assert sorted(perm.tolist()) == list(range(size))


@given(st.lists(st.integers(-2_000_000_000, 4_000_000_000), min_size=1, max_size=30))
def test_civil_dates_equal_datetime(seconds: list[int]) -> None:
    got = time_strings(np.array(seconds, dtype=np.int64)).to_pylist()
    want = [(dt.datetime(1970, 1, 1) + dt.timedelta(seconds=s)).strftime("%Y-%m-%d %H:%M:%S") for s in seconds]
    assert got == want
    y, m, d, _ = civil(np.array(seconds, dtype=np.int64))
    assert len(y) == len(m) == len(d) == len(seconds)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**40), st.integers(0, 10**9))
def test_every_person_has_a_strictly_valid_unique_id(seed: int, start: int) -> None:
    idx = np.arange(start, start + 200, dtype=np.int64)
    p = PersonSpace(Keyed(seed)).people(idx)
    ids = id_strings(p.id_body, p.id_check).to_pylist()
    assert len(set(ids)) == len(ids)
    for s, male in zip(ids, p.male.tolist(), strict=True):
        ok, reason, attrs = check_cn_id(s, "strict")
        assert ok, (s, reason)
        assert attrs["gender"] == ("M" if male else "F")


def test_parse_scale_accepts_numbers_and_rejects_the_rest() -> None:
    assert parse_scale("10000") == 10_000
    assert parse_scale("1e6") == 1_000_000
    assert parse_scale("10_000_000") == 10_000_000
    assert parse_scale("1,000") == 1000
    for bad in ("0", "-3", "2.5", "ten", "", "1e40", "nan", "inf"):
        with pytest.raises(InputError, match="--scale"):
            parse_scale(bad)


@given(st.integers(1, 10**10))
def test_plan_sizes_hold_their_promises(rows: int) -> None:
    plan = make_plan(rows, 0, 8)
    assert plan.old_rows >= rows * 150 // 1000 + 1  # enough to recycle from
    assert plan.population >= plan.victim_customers + plan.old_rows
    assert plan.claimed_records >= rows
    assert nice_ceil(plan.claimed_records) == plan.claimed_records
