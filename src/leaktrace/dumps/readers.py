"""`open_dump`: any dump file as one engine relation of string columns, plus a sample.

The reusable reader API (attribution's `org fingerprint` reads with it too)::

    con = duck.connect()   # leaktrace.dumps.duck: no DuckDB progress bar on stdout
    with open_dump(Path("leak.csv.gz"), con) as d:
        d.columns        # original column names (or col1..colN without a header)
        d.sample         # first rows as lists of strings, for role inference
        con.execute(f"CREATE TEMP TABLE t AS SELECT * FROM {d.relation} WHERE NOT _bad")
        d.malformed(con) # counted and masked-sampled bad rows, skipped parts

`d.relation` has columns c0..cN-1 (VARCHAR) and `_bad` (BOOLEAN: a row that
could not be parsed, e.g. broken JSON). Streamed sources (compressed,
GB18030/UTF-16, SQL, XLSX) can be scanned exactly once, so read it into a
table or run one query over it.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

import pyarrow as pa

from leaktrace.core.dump_types import Malformed, MalformedSample
from leaktrace.core.errors import InputError
from leaktrace.core.masking import mask
from leaktrace.core.textio import open_text
from leaktrace.dumps import duck
from leaktrace.dumps.mysql import SqlRows, detect_dialect
from leaktrace.dumps.normalize_sql import lit as _sql_lit
from leaktrace.dumps.sniff import Sniffed, logical_lines, sniff, split_line
from leaktrace.dumps.streams import FilePass, LongLines, PipeFeeder, long_lines_of_file
from leaktrace.dumps.xlsx import XlsxRows

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

MAX_LINE_BYTES = 1 << 20  # a longer "line" is rejected as malformed, never buffered whole
SAMPLES = 5
STREAM_BATCH_ROWS = 1 << 16
_STREAM_NAME = "lt_stream_rows"
_stream_ids = itertools.count()
_SEP_FOR_LINES = "\x1e"  # JSON lines are read as one text column; RS never occurs in JSON text


def mask_line(text: str, delimiter: str | None = ",") -> str:
    """A malformed line as it may be shown: each field masked, at most 160 characters."""
    text = text[:160]
    if delimiter and delimiter in text:
        return delimiter.join(mask(f) for f in text.split(delimiter))
    return mask(text)


@dataclass
class OpenedDump:
    path: Path
    sniffed: Sniffed
    format: str
    columns: list[str]
    sample: list[list[str]]
    relation: str
    notes: list[str] = field(default_factory=list)
    _stack: ExitStack = field(default_factory=ExitStack)
    _feeder: PipeFeeder | None = None
    _sql: SqlRows | None = None
    _xlsx: XlsxRows | None = None
    _csv: bool = False
    _reject_con: DuckDBPyConnection | None = None  # where a streamed read keeps its rejected lines
    _long_lines: Callable[[], LongLines | None] | None = None  # over-long lines counted from the bytes

    def __enter__(self) -> OpenedDump:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def stream_error(self) -> InputError | None:
        """A decoding error found while streaming (raise it: the scan saw only part of the file)."""
        return self._feeder.error if self._feeder else None

    def _add_long_lines(self, m: Malformed) -> None:
        """Lines too long for the engine, counted from the bytes: the engine reports some, drops the longest unseen."""
        found = self._long_lines() if self._long_lines else None
        if found is None or not found.count:
            return
        key = "line_size_over_maximum"
        # The engine reported some (from a file), dropped the longest unseen, or never saw them (a stream
        # leaves them out); its line numbers after a dropped line are one short.
        unseen = found.count - m.by_problem.get(key, 0)
        if unseen <= 0:
            return
        m.rows += unseen
        m.by_problem[key] = found.count
        shown = {s.line for s in m.samples if s.problem == key}
        for line, head in found.samples:
            if len(m.samples) < SAMPLES and line not in shown:
                m.samples.append(MalformedSample(line=line, problem=key, text_masked=mask_line(
                    head.decode("utf-8", "replace"), self.sniffed.delimiter)))

    def malformed(self, con: DuckDBPyConnection, bad_rows: int = 0, bad_samples: list[MalformedSample] | None = None) -> Malformed:
        """Everything not analysed: rejected lines by problem (masked samples), skipped parts."""
        m = Malformed(skipped=list(self.notes) + (self._feeder.notes if self._feeder else []))
        if self._csv:
            rej = (self._reject_con or con).execute(
                "SELECT line, any_value(error_type), any_value(left(csv_line, 400)) FROM reject_errors "
                "GROUP BY line ORDER BY line"
            ).fetchall()
            for line, problem, text in rej:
                key = str(problem).lower().replace(" ", "_")
                m.by_problem[key] = m.by_problem.get(key, 0) + 1
                if len(m.samples) < SAMPLES:
                    m.samples.append(MalformedSample(line=int(line), problem=key,
                                                     text_masked=mask_line(text or "", self.sniffed.delimiter)))
            m.rows += len(rej)
            self._add_long_lines(m)
        for src in (self._sql, self._xlsx):
            if src is None:
                continue
            n = src.bad_tuples if isinstance(src, SqlRows) else src.bad_rows
            if n:
                key = "bad_tuple" if isinstance(src, SqlRows) else "bad_row"
                m.rows += n
                m.by_problem[key] = m.by_problem.get(key, 0) + n
                m.samples.extend(MalformedSample(line=ln, problem=key, text_masked=mask_line(t, ","))
                                 for ln, t in src.bad_samples[:SAMPLES])
        if isinstance(self._sql, SqlRows):
            m.skipped += [f"table {t}: ~{n} rows not read (only table {self._sql.table} is)"
                          for t, n in self._sql.other_tables.items()]
        if isinstance(self._xlsx, XlsxRows):
            m.skipped += self._xlsx.notes
        if bad_rows:
            m.rows += bad_rows
            m.by_problem["bad_json"] = m.by_problem.get("bad_json", 0) + bad_rows
            m.samples.extend((bad_samples or [])[:SAMPLES])
        return m


def _text_source(s: Sniffed, path: Path, stack: ExitStack, line_limit: int,
                 side: FilePass | None = None) -> tuple[str, PipeFeeder | None, Callable[[], LongLines | None]]:
    """The file DuckDB reads (the dump itself when plain UTF-8, else a FIFO fed with UTF-8), and its over-long lines.

    The lines are counted beside the engine's read: by the feeder, by the
    run's one side pass over the file (`side`, which hashes it too), or by a
    thread reading the file alongside DuckDB (the same pages, from the cache).
    """
    if s.container == "plain" and s.encoding in ("utf-8", "ascii") and side is not None and side.limit == line_limit:
        return str(path), None, side.long_lines
    if s.container == "plain" and s.encoding in ("utf-8", "ascii"):
        stop = threading.Event()
        box: list[LongLines] = []
        t = threading.Thread(target=lambda: box.append(long_lines_of_file(path, line_limit, stop)),
                             name="lt-long-lines", daemon=True)
        t.start()

        def done() -> None:
            stop.set()
            t.join()

        stack.callback(done)

        def found() -> LongLines | None:
            t.join()
            return box[0] if box else None

        return str(path), None, found
    feeder = stack.enter_context(PipeFeeder(path, s.container, s.member, s.encoding, s.bom_len, line_limit))
    return str(feeder.fifo), feeder, lambda: feeder.long_lines


def _batches_with_schema(it: Iterator[pa.RecordBatch]) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    first = next(it, None)
    if first is None:
        raise InputError("no rows")

    def gen() -> Iterator[pa.RecordBatch]:
        yield first
        yield from it

    return first.schema, gen()


def open_dump(path: Path, con: DuckDBPyConnection, encoding: str | None = None, *,
              quote: str | None = None, max_line_bytes: int | None = None,
              side: FilePass | None = None) -> OpenedDump:
    """Sniff `path` and expose it in `con` as `OpenedDump.relation`; see the module doc.

    `side`: the run's one extra pass over a plain file (`streams.FilePass`),
    whose over-long lines are used instead of reading the file once more.
    """
    path = Path(path)
    s = sniff(path, encoding)
    stack = ExitStack()
    try:
        if s.kind == "parquet":
            return _open_parquet(path, s, con, stack)
        if s.kind == "xlsx":
            return _open_xlsx(path, s, con, stack)
        if s.kind == "sql":
            return _open_sql(path, s, con, stack)
        if s.kind == "jsonl":
            return _open_jsonl(path, s, con, stack, side)
        return _open_delimited(path, s, con, stack, quote, max_line_bytes or MAX_LINE_BYTES, side)
    except BaseException:
        stack.close()
        raise


def _fmt_name(s: Sniffed, base: str) -> str:
    return base + ("+gzip" if s.container == "gzip" else "+zip" if s.container == "zip" else "")


def _open_delimited(path: Path, s: Sniffed, con: DuckDBPyConnection, stack: ExitStack,
                    quote: str | None, max_line_bytes: int, side: FilePass | None = None) -> OpenedDump:
    unquote = quote == "" and bool(s.quote)  # re-read after broken quoting: strip whole-field quotes
    if quote is not None:
        s.quote = quote
    # A head cut at HEAD_BYTES ends in a partial line: drop it, unless the head is the whole file.
    lines = [ln for ln in s.head_text.splitlines()[:201] if ln.strip()]
    lines = (lines[:200] if s.head_complete else lines[:-1]) or s.head_text.splitlines()[:1]
    if s.quote:
        lines = logical_lines(lines, s.quote)
    rows = [split_line(ln, s.delimiter or ",", s.quote) for ln in lines]
    width = max((len(r) for r in rows), key=lambda w: sum(len(r) == w for r in rows))
    names = [f.strip() for f in rows[0]] if s.header else [f"col{i + 1}" for i in range(width)]
    names = (names + [f"col{i + 1}" for i in range(len(names), width)])[:width]
    sample = [r for r in (rows[1:] if s.header else rows) if len(r) == width]
    src, feeder, long_lines = _text_source(s, path, stack, max_line_bytes, side)
    cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    q = _sql_lit(s.quote) if s.quote else "''"
    proj = ", ".join(f"regexp_replace(c{i}, '^\"(.*)\"$', '\\1', 's') AS c{i}" for i in range(width)) if unquote else "*"
    select = (
        f"SELECT {proj}, false AS _bad FROM read_csv({_sql_lit(src)}, delim={_sql_lit(s.delimiter or ',')}, "
        f"quote={q}, escape={q}, header={'true' if s.header else 'false'}, auto_detect=false, "
        f"columns={cols}, store_rejects=true, max_line_size={max_line_bytes}, compression='none', "
        f"parallel={'false' if feeder else 'true'})"
    )
    fmt = _fmt_name(s, {"\t": "tsv", ",": "csv", "|": "psv"}.get(s.delimiter or ",", "txt"))
    if feeder is None:
        return OpenedDump(path, s, fmt, names, sample, f"({select})", s.skipped, stack, feeder, _csv=True,
                          _long_lines=long_lines)
    rel, reader_con = _parallel_stream(con, select, stack)
    return OpenedDump(path, s, fmt, names, sample, rel, s.skipped, stack, feeder, _csv=True, _reject_con=reader_con,
                      _long_lines=long_lines)


def _parallel_stream(con: DuckDBPyConnection, select: str, stack: ExitStack) -> tuple[str, DuckDBPyConnection]:
    """A pipe-fed read as a relation of `con` whose rows the rules process on every thread.

    DuckDB reads a pipe on one thread, and a query over that read runs on
    that thread too: every rule of the scan would run serially. Here a second
    connection parses the pipe and hands Arrow batches over, and `con`'s
    threads take turns pulling them, so only parsing is serial (~1/5 of the
    scan's work). The reading connection keeps the rejected-lines tables.
    """
    reader_con = duck.cursor(con)
    stack.callback(reader_con.close)
    reader = reader_con.sql(select).to_arrow_reader(STREAM_BATCH_ROWS)
    name = f"{_STREAM_NAME}_{next(_stream_ids)}"  # two dumps open on one connection keep apart
    con.register(name, reader)
    stack.callback(con.unregister, name)
    return f"(SELECT * FROM {name})", reader_con


def _open_parquet(path: Path, s: Sniffed, con: DuckDBPyConnection, stack: ExitStack) -> OpenedDump:
    """Parquet through DuckDB directly: every column cast to text, named as in the file."""
    src = f"read_parquet({_sql_lit(str(path))})"
    try:
        names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
    except Exception as exc:  # DuckDB raises several types for a bad file
        raise InputError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0]})") from exc
    cols = ", ".join(f'CAST("{n.replace(chr(34), chr(34) * 2)}" AS VARCHAR) AS c{i}' for i, n in enumerate(names))
    rel = f"(SELECT {cols}, false AS _bad FROM {src})"
    sample = [["" if v is None else str(v) for v in r]
              for r in con.execute(f"SELECT * EXCLUDE (_bad) FROM {rel} LIMIT 200").fetchall()]
    return OpenedDump(path, s, "parquet", names, sample, rel, [], stack)


@dataclass
class BadRows:
    """Rows the reader marked `_bad` (JSON lines that are not objects), counted while streaming."""

    count: int = 0
    texts: list[str] = field(default_factory=list)  # the first few, raw (mask before showing)


def bad_text_sql(d: OpenedDump) -> str:
    """The raw text of a `_bad` row where the reader keeps it (JSON lines), else NULL."""
    return "CASE WHEN _bad THEN left(_line, 300) END" if d.format.startswith("jsonl") else "CAST(NULL AS VARCHAR)"


def stream_rows(d: OpenedDump, con: DuckDBPyConnection, bad: BadRows | None = None,
                batch: int = STREAM_BATCH_ROWS) -> Iterator[list[str]]:
    """The good rows of an opened dump as lists of strings (None as ""), a batch at a time (bounded memory).

    `_bad` rows are counted into `bad`. Raises the stream's decoding error, if
    any, after the last row: a caller that reads to the end always sees it.
    """
    bad = bad if bad is not None else BadRows()
    cols = ", ".join(f"c{i}" for i in range(len(d.columns)))
    res = con.execute(f"SELECT _bad, {bad_text_sql(d)}, {cols} FROM {d.relation}")
    while rows := res.fetchmany(batch):
        for r in rows:
            if r[0]:
                bad.count += 1
                if r[1] is not None and len(bad.texts) < SAMPLES:
                    bad.texts.append(r[1])
                continue
            yield ["" if v is None else str(v) for v in r[2:]]
    err = d.stream_error()
    if err is not None:
        raise err


T = TypeVar("T")


@dataclass
class Read(Generic[T]):
    """One full read of a dump by `read_dump`: what the scan returned, and what it could not read."""

    dump: OpenedDump
    result: T
    malformed: Malformed


def read_dump(path: Path, con: DuckDBPyConnection, scan: Callable[[OpenedDump], tuple[T, BadRows]],
              encoding: str | None = None, side: FilePass | None = None) -> Read[T]:
    """Open `path`, let `scan` read every row once, and count what was malformed: the same way for every stage.

    `scan` returns its result and the `_bad` rows it met. An unterminated
    quote swallows the rest of the file: then the file is read again with
    quotes as plain characters, and the report says so, instead of losing
    every row after it. Every stage that reads a dump (analysis, attribution,
    fingerprints, exposure index, canary checks) comes through here, so one
    file gives one set of columns and one malformed count everywhere.
    """
    note = None
    for quote in (None, ""):
        with open_dump(path, con, encoding, quote=quote, side=side) as d:
            result, bad = scan(d)
            err = d.stream_error()
            if err is not None:
                raise err
            m = d.malformed(con)
        if quote is None and "unquoted_value" in m.by_problem and d.sniffed.quote:
            line = next((x.line for x in m.samples if x.problem == "unquoted_value"), None)
            note = (f"quoting broke at line {line} (unterminated quote): the file was read again with quotes "
                    "as plain characters")
            con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
            continue
        break
    if note:
        m.skipped.insert(0, note)
    if bad.count:
        m.rows += bad.count
        m.by_problem["bad_json"] = m.by_problem.get("bad_json", 0) + bad.count
        m.samples += [MalformedSample(line=None, problem="bad_json", text_masked=mask_line(t, ","))
                      for t in bad.texts[:SAMPLES]]
    return Read(d, result, m)


def _open_jsonl(path: Path, s: Sniffed, con: DuckDBPyConnection, stack: ExitStack,
                side: FilePass | None = None) -> OpenedDump:
    keys: list[str] = []
    sample_objs = []
    for ln in s.head_text.splitlines()[:200]:
        try:
            obj = json.loads(ln)
        except (ValueError, RecursionError):  # deep nesting: the scan counts the line as bad_json
            continue
        if isinstance(obj, dict):
            sample_objs.append(obj)
            keys += [k for k in obj if k not in keys]
    if not keys:
        raise InputError(f"{path}: JSON lines without objects in the first lines")
    sample = [["" if o.get(k) is None else str(o.get(k)) for k in keys] for o in sample_objs]
    src, feeder, long_lines = _text_source(s, path, stack, MAX_LINE_BYTES, side)
    extract = ", ".join(
        f"CASE WHEN json_valid(line) THEN CAST(json_extract_string(line, {_sql_lit('$.' + json.dumps(k))}) AS VARCHAR) END AS c{i}"
        for i, k in enumerate(keys)
    )
    rel = (
        f"(SELECT {extract}, NOT (coalesce(json_valid(line), false) AND starts_with(ltrim(line), '{{')) AS _bad, line AS _line "
        f"FROM read_csv({_sql_lit(src)}, delim={_sql_lit(_SEP_FOR_LINES)}, quote='', escape='', header=false, "
        f"auto_detect=false, columns={{'line': 'VARCHAR'}}, store_rejects=true, max_line_size={MAX_LINE_BYTES}, "
        f"compression='none', parallel={'false' if feeder else 'true'}))"
    )
    return OpenedDump(path, s, _fmt_name(s, "jsonl"), keys, sample, rel, s.skipped, stack, feeder, _csv=True,
                      _long_lines=long_lines)


def _register_batches(con: DuckDBPyConnection, name: str, it: Iterator[pa.RecordBatch], label: str) -> str:
    try:
        schema, gen = _batches_with_schema(it)
    except InputError as exc:
        raise InputError(f"{label}: {exc}") from exc
    reader = pa.RecordBatchReader.from_batches(schema, gen)
    con.register(name, reader)
    return f"(SELECT *, false AS _bad FROM {name})"


def _lines(chunks: Iterator[str]) -> Iterator[str]:
    """Whole lines from text chunks (a chunk may end mid-line)."""
    carry = ""
    for chunk in chunks:
        parts = (carry + chunk).split("\n")
        carry = parts.pop()
        for p in parts:
            yield p + "\n"
    if carry:
        yield carry


def _open_sql(path: Path, s: Sniffed, con: DuckDBPyConnection, stack: ExitStack) -> OpenedDump:
    dialect = detect_dialect(s.head_text[:1 << 16])
    if dialect != "MySQL":
        raise InputError(f"{path}: a {dialect} SQL dump; only MySQL INSERT dumps (mysqldump) are read - "
                         "export the table as CSV instead")
    if s.container != "plain":
        raise InputError(f"{path}: compressed SQL dumps are not read yet; decompress it first")
    parser = SqlRows(label=str(path))
    text = open_text(path, s.encoding)
    lines = _lines(iter(text))
    it = parser.batches(lines)
    first = next(it, None)
    if first is None:
        raise InputError(f"{path}: no rows in the INSERT statements")
    sample = [list(r.values()) for r in first.slice(0, 200).to_pylist()]
    sample = [["" if v is None else v for v in r] for r in sample]

    def all_batches() -> Iterator[pa.RecordBatch]:
        yield first
        yield from it

    rel = _register_batches(con, "lt_sql_rows", all_batches(), str(path))
    return OpenedDump(path, s, "mysql", parser.columns, sample, rel, [], stack, _sql=parser)


def _open_xlsx(path: Path, s: Sniffed, con: DuckDBPyConnection, stack: ExitStack) -> OpenedDump:
    parser = XlsxRows(label=str(path))
    it = parser.batches(path)
    first = next(it, None)
    if first is None:
        raise InputError(f"{path}: workbook holds no data rows")
    sample = [["" if v is None else v for v in r.values()] for r in first.slice(0, 200).to_pylist()]

    def all_batches() -> Iterator[pa.RecordBatch]:
        yield first
        yield from it

    rel = _register_batches(con, "lt_xlsx_rows", all_batches(), str(path))
    names = parser.header or [f"col{i + 1}" for i in range(parser.width)]
    return OpenedDump(path, s, "xlsx", names, sample, rel, [], stack, _xlsx=parser)
