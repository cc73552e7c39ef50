"""`analyze_dump`: one seized dump in, a DumpReport and its keyed-hash sets out.

Order of work: sniff and open the file (`readers`), infer roles, build the
facts table in ONE scan of the input (streamed inputs can be read only
once) while one thread reads the file once more for its SHA-256 (which
names its directory in the data directory) and its over-long lines
(`streams.FilePass`), then every figure is an aggregate over the facts
(`steps`, the same on every engine).
DuckDB runs under `memory_limit` and spills to an owner-only folder of its
own inside the data directory, removed when the run ends (`spill`). A finished report is kept beside the hash sets, with the
path, size and mtime it was made from (`source.json`); running again with
the same options returns it (resume) once the content hash confirms it, and
`force` recomputes.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from leaktrace.core.dump_types import DumpReport
from leaktrace.core.errors import ConfigError, InputError
from leaktrace.core.keyring import Keyring
from leaktrace.core.private_files import write_private_text
from leaktrace.dumps.options import DEFAULT_MEMORY_LIMIT, AnalyzeOptions
from leaktrace.dumps.readers import MAX_LINE_BYTES
from leaktrace.dumps.report import MIGRANT_SHARE, build_report
from leaktrace.dumps.streams import FilePass

__all__ = ["DEFAULT_MEMORY_LIMIT", "MIGRANT_SHARE", "AnalyzeOptions", "analyze_dump", "build_report", "file_sha256"]


def file_sha256(path: Path, stop: threading.Event | None = None) -> str:
    """SHA-256 of the file; `stop` set by another thread abandons it (InterruptedError) within one chunk."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(8 << 20):
            if stop is not None and stop.is_set():
                raise InterruptedError(f"{path}: hashing abandoned")
            h.update(chunk)
    return h.hexdigest()


def _report_path(out: Path) -> Path:
    return out / "report.json"


def _stored(out: Path, opts: AnalyzeOptions) -> DumpReport | None:
    """The finished report in `out` when it was made with the same options."""
    cached = _report_path(out)
    if not cached.is_file():
        return None
    saved = json.loads(cached.read_text("utf-8"))
    if saved.get("options") != opts.fingerprint():
        return None
    return DumpReport.model_validate(saved["report"])


def _source_stat(path: Path) -> dict[str, Any]:
    st = path.stat()
    return {"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _known_sha(path: Path, dumps_dir: Path) -> str | None:
    """The content hash of `path`, computed now, if an earlier run saw a file with its path, size and mtime.

    Lets a rerun find its finished report (stored under the hash, so a file
    changed in place misses it) without the scan, while a first run hashes
    the file alongside the scan instead of before it.
    """
    stat = _source_stat(path)
    for side in dumps_dir.glob("*/source.json"):
        try:
            seen = json.loads(side.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if seen == stat:
            return file_sha256(path)
    return None


def analyze_dump(path: Path, opts: AnalyzeOptions | None = None, *, data_dir: Path,
                 keys: Keyring | Callable[[], Keyring]) -> DumpReport:
    """Analyse `path` into `data_dir`/dumps; see the module docstring.

    `keys` may be a callable: a report stored for this file is served without the key.
    """
    opts = opts or AnalyzeOptions()
    if opts.engine not in ("duckdb", "spark"):
        raise ConfigError(f"--engine {opts.engine}: choose duckdb or spark")
    t0 = time.perf_counter()
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    dumps_dir = Path(data_dir) / "dumps"
    known = None if opts.force else _known_sha(path, dumps_dir)
    if known is not None and (hit := _stored(dumps_dir / known, opts)) is not None:
        return hit
    ring = keys if isinstance(keys, Keyring) else keys()
    from leaktrace.pii.regions import prime_region_table

    prime_region_table(Path(data_dir) / "cache")  # the ID rules' region rows, kept between runs
    # The content hash names the output directory but nothing the scan needs, and the reader
    # needs the over-long lines the engine drops: one thread reads the file once for both
    # while the engine scans it (hashlib and numpy release the GIL).
    side = FilePass(path, MAX_LINE_BYTES, sha=known)
    try:
        sha, hit, report = _run_engine(path, opts, Path(data_dir), dumps_dir, ring, side)
    except BaseException:
        side.stop()  # a failed scan must not wait for the hash of a 100 GB file
        raise
    out = dumps_dir / sha
    if hit is not None:  # a copy of a file analysed before under another name
        return hit
    report.seconds = round(time.perf_counter() - t0, 3)
    write_private_text(_report_path(out), json.dumps(
        {"options": opts.fingerprint(), "report": report.model_dump(mode="json", by_alias=True)},
        ensure_ascii=False, indent=1))
    write_private_text(out / "source.json", json.dumps(_source_stat(path)))
    return report


def _run_engine(path: Path, opts: AnalyzeOptions, data_dir: Path, dumps_dir: Path, ring: Keyring,
                side: FilePass) -> tuple[str, DumpReport | None, DumpReport]:
    """(sha, the stored report if this content was analysed before with these options, the report)."""
    if opts.engine == "spark":
        from leaktrace.dumps.engine_spark import check_reachable, spark_engine

        if opts.spark_master and opts.spark_master.startswith(("spark://", "sc://")):
            check_reachable(opts.spark_master)  # in seconds, before hashing a file that may take minutes
        # A cluster's time costs more than a second read of the file: look for a stored report first.
        sha = side.sha256()
        hit = None if opts.force else _stored(dumps_dir / sha, opts)
        if hit is not None:
            return sha, hit, hit
        with spark_engine(opts.spark_master, data_dir / "tmp" / "spark", opts.native_hash,
                          opts.spark_env) as engine:
            return _analyze(engine, path, lambda: sha, dumps_dir, opts, ring)
    from leaktrace.dumps.engine_duckdb import DuckDBEngine, connect
    from leaktrace.dumps.spill import spill_dir

    with spill_dir(data_dir / "tmp" / "duckdb") as tmp:
        con = connect(opts, tmp)
        try:
            return _analyze(DuckDBEngine(con, opts.progress, opts.native_hash, side), path, side.sha256, dumps_dir,
                            opts, ring)
        finally:
            con.close()


def _analyze(engine: Any, path: Path, sha_of: Callable[[], str], dumps_dir: Path, opts: AnalyzeOptions,
             ring: Keyring) -> tuple[str, DumpReport | None, DumpReport]:
    """(sha, the stored report when this content was analysed before with these options, else None, report).

    `engine` is an `engine.Engine`: the input is registered (one scan into
    `facts`), then `steps.finish` runs the same steps on every engine.
    """
    from leaktrace.dumps.steps import finish

    scanned = engine.register_input(path, opts)
    sha = sha_of()
    hit = None if opts.force else _stored(dumps_dir / sha, opts)
    if hit is not None:
        return sha, hit, hit
    return sha, None, finish(engine, scanned, path=path, sha=sha, dumps_dir=dumps_dir, ring=ring, opts=opts)
