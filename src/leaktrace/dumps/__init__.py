"""Dump analytics: read any seized dump, type its columns, validate, key and report.

Reuse the readers (attribution's `org fingerprint` does)::

    import duckdb
    from leaktrace.dumps.readers import open_dump
    from leaktrace.dumps.roles import infer_roles

    con = duckdb.connect()
    with open_dump(path, con, encoding=None) as d:   # csv/tsv/txt/psv, jsonl, MySQL dump, xlsx, .gz, .zip
        roles = infer_roles(d.columns, d.sample)      # [ColumnRole(index, name, role, confidence)]
        con.execute(f"CREATE TEMP TABLE t AS SELECT * FROM {d.relation} WHERE NOT _bad")
        if d.stream_error(): raise d.stream_error()   # e.g. bytes that are not GB18030
        malformed = d.malformed(con)                  # counted rows, masked samples, skipped parts

`d.relation` yields columns c0..cN-1 (VARCHAR) and `_bad`; streamed inputs
can be scanned once. The whole analysis: `leaktrace.dumps.analyze.analyze_dump(path,
AnalyzeOptions(...)) -> core.dump_types.DumpReport`; it writes keyed-hash sets
(persons / phones / records Parquet, `kid.hex` hashes equal to
`KeyedHasher.hash_normalised`) under `<data_dir>/dumps/<sha256>/`.
"""

from __future__ import annotations

__all__ = ["AnalyzeOptions", "analyze_dump", "open_dump"]


def __getattr__(name: str) -> object:  # lazy: importing the package must not pull DuckDB
    if name in ("AnalyzeOptions", "analyze_dump"):
        from leaktrace.dumps import analyze

        return getattr(analyze, name)
    if name == "open_dump":
        from leaktrace.dumps.readers import open_dump

        return open_dump
    raise AttributeError(name)
