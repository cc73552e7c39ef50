"""The resident-ID rule against the published test vectors in ../shared/eval/cn-id.

Lenient mode must agree on every labelled row. Strict mode must agree on
every row whose region code carries validity dates in our table; rows whose
code has none are listed as undecidable (printed, not guessed), and a label
that contradicts both maintained sources' dates is a listed dispute whose
answer must follow the table. The scalar rule and its DuckDB twin are both
scored. The python-stdnum doctest vectors shipped beside them are checked
too: validity, the broken rule, the normalised form and the birth place
valid in the birth year.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from leaktrace.core.normalize import normalize_cn_id
from leaktrace.pii.detectors.cn_id import check_cn_id, parse_birth_date
from leaktrace.pii.id_vectors import STRICT_DISPUTES, VECTORS_FILE, load_vectors, score
from leaktrace.pii.regions import lookup, province_name
from leaktrace.pii.sql import cn_id_valid_sql, register_region_tables

TODAY = dt.date(2026, 1, 1)


def eval_dir() -> Path | None:
    """../shared/eval beside the checkout (or LEAKTRACE_EVAL_DIR), as tests/conftest.py finds it."""
    env = os.environ.get("LEAKTRACE_EVAL_DIR")
    cand = Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "eval"
    return cand if cand.is_dir() else None


@pytest.fixture(scope="module")
def cn_id_dir() -> Path:
    base = eval_dir()
    folder = base / "cn-id" if base else None
    if folder is None or not (folder / VECTORS_FILE).is_file():
        pytest.skip("../shared/eval/cn-id is not present")
    return folder


def _scalar(mode: str):  # type: ignore[no-untyped-def]
    return lambda v: check_cn_id(v, mode, TODAY)[0]  # type: ignore[arg-type]


def _sql(mode: str, values: list[str]):  # type: ignore[no-untyped-def]
    con = duckdb.connect()
    register_region_tables(con)
    con.register("v", pa.table({"i": list(range(len(values))), "id": values}))
    rows = con.execute(f"SELECT {cn_id_valid_sql('id', mode, TODAY)} FROM v ORDER BY i").fetchall()  # type: ignore[arg-type]
    con.close()
    answers = dict(zip(values, (bool(r[0]) for r in rows), strict=True))
    return answers.__getitem__


@pytest.mark.parametrize("engine", ["scalar", "sql"])
def test_lenient_agrees_on_every_labelled_row(cn_id_dir: Path, engine: str) -> None:
    vectors = load_vectors(cn_id_dir / VECTORS_FILE)
    valid = _scalar("lenient") if engine == "scalar" else _sql("lenient", [v.id_number for v in vectors])
    result = score(vectors, "lenient", valid)
    print(f"{engine} lenient: {result.agree}/{result.checked} ({result.percent:.1f}%), "
          f"unlabelled {len(result.unlabelled)}")
    assert result.checked >= 40
    assert result.mismatches == []


@pytest.mark.parametrize("engine", ["scalar", "sql"])
def test_strict_agrees_where_codes_carry_dates(cn_id_dir: Path, engine: str) -> None:
    vectors = load_vectors(cn_id_dir / VECTORS_FILE)
    valid = _scalar("strict") if engine == "scalar" else _sql("strict", [v.id_number for v in vectors])
    result = score(vectors, "strict", valid)
    print(f"{engine} strict: {result.agree}/{result.checked} ({result.percent:.1f}%); "
          f"no validity dates for the code (undecidable, not asserted): {result.undecidable}; "
          f"unlabelled: {result.unlabelled}; disputed: {result.disputed}")
    assert result.checked >= 25
    assert result.mismatches == []
    # A dispute is not a free pass: the answer must follow the table's dates.
    for id_number in result.disputed:
        code = normalize_cn_id(id_number)[:6]
        birth = parse_birth_date(normalize_cn_id(id_number))
        assert birth is not None
        assert valid(id_number) == (lookup(code, birth.year) is not None), STRICT_DISPUTES[id_number]


# ---- python-stdnum's own doctest vectors ------------------------------------

_CALL = re.compile(r"^>>> ric\.(validate|get_birth_place|get_birth_date|format)\('([^']*)'\)")
_EXC_REASONS = {"InvalidFormat": {"format"}, "InvalidChecksum": {"checksum"}, "InvalidComponent": {"date", "region"}}


def _doctest_cases(path: Path) -> list[tuple[str, str, str]]:
    """(function, argument, expected output or 'raise:<Exception>') from the doctest file."""
    lines = path.read_text("utf-8").splitlines()
    out = []
    for i, line in enumerate(lines):
        m = _CALL.match(line)
        if not m:
            continue
        expected = lines[i + 1].strip()
        if expected.startswith("Traceback"):
            exc = next(ln for ln in lines[i + 2 :] if not ln.strip().startswith("...") and ln.strip())
            expected = "raise:" + exc.split(":")[0].strip()
        out.append((m.group(1), m.group(2), expected))
    return out


def test_stdnum_doctest_vectors(cn_id_dir: Path) -> None:
    path = cn_id_dir / "stdnum_test_cn_ric.doctest"
    if not path.is_file():
        pytest.skip("stdnum doctest not present")
    cases = _doctest_cases(path)
    assert len(cases) >= 15
    for func, arg, expected in cases:
        strict_ok, strict_reason, _ = check_cn_id(arg, "strict", TODAY)
        if func in ("validate", "format"):
            if expected.startswith("raise:"):
                assert not strict_ok and strict_reason in _EXC_REASONS[expected[6:]], (arg, strict_reason)
            else:
                assert strict_ok and normalize_cn_id(arg) == expected.strip("'"), arg
        elif func == "get_birth_date":
            assert str(parse_birth_date(normalize_cn_id(arg))) == re.sub(
                r"datetime\.date\((\d+), (\d+), (\d+)\)", lambda m: f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}", expected
            )
        else:  # get_birth_place: the county name valid in the birth year, or none at all
            v = normalize_cn_id(arg)
            birth = parse_birth_date(v)
            assert birth is not None
            region = lookup(v[:6], birth.year)
            if expected.startswith("raise:"):
                assert region is None, arg
            else:
                assert region is not None, arg
                assert expected == repr({"province": province_name(v[:2]), "county": region.name}), arg
