"""`core.normalize` as DuckDB SQL expressions, for the kinds dumps and attribution scan.

Scans of whole dumps (the analysis's facts, attribution's canary check) must
stay inside the engine: a Python call per value caps a scan at ~30,000
rows/s, a vectorised expression runs at millions. Each expression here
returns exactly what `core.normalize.normalize(kind, v)` returns for the
values such a column can hold (ASCII digits, letters and separators,
full-width forms, any Unicode whitespace); a Hypothesis test
(tests/attribution/test_scan.py) keeps the two equal. Canonical values (an
11-digit mobile, an 18-character ID) take a cheap fast path; only the rest
pay for `translate`/`regexp_replace`.
"""

from __future__ import annotations

from leaktrace.core.cn_id_rule import CHECK_CHARS, WEIGHTS

# Python's str.isspace() set: what `\s` in core.normalize and str.strip() remove.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
              "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
# core.text.fold_width: U+FF01..U+FF5E -> U+0021..U+007E, U+3000 -> space.
_FW_FROM = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
_FW_TO = "".join(chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)) + " "


def lit(s: str) -> str:
    """A SQL string literal (DuckDB keeps every character of a quoted literal as is)."""
    return "'" + s.replace("'", "''") + "'"


def check_index_sql(key: str) -> str:
    """Index in CHECK_CHARS of the check character of a 17-digit body held as BIGINT (GB 11643 weights)."""
    total = " + ".join(f"{w} * (({key} // {10 ** (16 - i)}) % 10)" for i, w in enumerate(WEIGHTS))
    return f"(({total}) % 11)"


def id_check_char_sql(key: str) -> str:
    """The check character of a 17-digit body held as BIGINT (GB 11643 weights from core.cn_id_rule)."""
    return f"substr({lit(CHECK_CHARS)}, {check_index_sql(key)} + 1, 1)"


def _fold(col: str) -> str:
    return f"translate({col}, {lit(_FW_FROM)}, {lit(_FW_TO)})"


def _no_space(x: str) -> str:
    return f"regexp_replace({x}, {lit('[' + WHITESPACE + ']+')}, '', 'g')"


def mobile_sql(col: str) -> str:
    """normalize_cn_mobile: digits only (full-width folded), +86/0086 dropped."""
    d = f"regexp_replace({_fold(col)}, '[^0-9]+', '', 'g')"
    slow = (f"list_transform([{d}], lambda d: CASE WHEN length(d) = 15 AND starts_with(d, '0086') THEN substr(d, 5) "
            f"WHEN length(d) = 13 AND starts_with(d, '86') THEN substr(d, 3) ELSE d END)[1]")
    return (f"(CASE WHEN length({col}) = 11 AND try_cast({col} AS UBIGINT) >= 10000000000 THEN {col} "
            f"ELSE {slow} END)")


def cn_id_sql(col: str) -> str:
    """normalize_cn_id: full-width folded, whitespace removed, upper case, 15-digit numbers upgraded to 18."""
    t = f"upper({_no_space(_fold(col))})"
    up = (f"(substr(t, 1, 6) || '19' || substr(t, 7)) || "
          f"{id_check_char_sql('try_cast(substr(t, 1, 6) || ' + lit('19') + ' || substr(t, 7) AS BIGINT)')}")
    slow = (f"list_transform([{t}], lambda t: CASE WHEN length(t) = 15 AND regexp_full_match(t, '[0-9]{{15}}') "
            f"THEN {up} ELSE t END)[1]")
    return (f"(CASE WHEN length({col}) = 18 AND try_cast(substr({col}, 1, 17) AS UBIGINT) >= 10000000000000000 "
            f"THEN upper({col}) ELSE {slow} END)")


def email_sql(col: str) -> str:
    """normalize_email: full-width folded, outer whitespace stripped, lower case (printable ASCII: cheap path)."""
    return (f"(CASE WHEN regexp_full_match({col}, '[!-~]+') THEN lower({col}) "
            f"ELSE lower(trim({_fold(col)}, {lit(WHITESPACE)})) END)")


def order_id_sql(col: str) -> str:
    """normalize_order_id: whitespace removed, full-width folded, upper case."""
    return (f"(CASE WHEN regexp_full_match({col}, '[0-9A-Z_-]+') THEN {col} "
            f"ELSE upper({_no_space(_fold(col))}) END)")


NORMALISERS = {"cn_mobile": mobile_sql, "cn_id": cn_id_sql, "email": email_sql, "order_id": order_id_sql}


def normalised_sql(kind: str, col: str) -> str:
    """The SQL twin of `normalize(kind, col)` for a canary kind, NULL where that is empty.

    (Testing for blank input first with `trim(col, WHITESPACE)` cost ~4 s per
    10^6 rows; an empty normalised value is the same test, for free.)
    """
    return f"nullif({NORMALISERS[kind](col)}, '')"
