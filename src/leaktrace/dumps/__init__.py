"""Dump analytics: read any seized dump, type its columns, validate, key and report.

Every stage reads dumps the same way (attribution does, for fingerprints,
canaries, the exposure index)::

    from leaktrace.dumps import duck
    from leaktrace.dumps.readers import BadRows, read_dump, stream_rows
    from leaktrace.dumps.roles import infer_roles

    con = duck.connect()                               # never draws DuckDB's bar on stdout
    def scan(d):                                       # csv/tsv/txt/psv, jsonl, MySQL, xlsx, parquet, .gz, .zip
        roles = infer_roles(d.columns, d.sample)       # [ColumnRole(index, name, role, confidence)]
        bad = BadRows()
        n = sum(1 for _row in stream_rows(d, con, bad))   # or one SQL query over d.relation
        return (roles, n), bad
    r = read_dump(path, con, scan)                     # r.result, r.malformed: the same count everywhere

`d.relation` yields columns c0..cN-1 (VARCHAR) and `_bad`; streamed inputs
can be scanned once. The whole analysis: `leaktrace.dumps.analyze.analyze_dump(path,
AnalyzeOptions(...)) -> core.dump_types.DumpReport`; it writes keyed-hash sets
(persons / phones Parquet, and records with `record_hashes`; `kid.hex`
hashes equal to `KeyedHasher.hash_normalised`) under `<data_dir>/dumps/<sha256>/`.
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
