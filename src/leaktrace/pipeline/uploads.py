"""A file already sealed in evidence, read by the importer or dump analysis its kind needs (console uploads).

The service layer streams an upload into a staged sealed blob
(`EvidenceStore.stage_stream`) and hands it here: `check_documents` reads
it whole with the same importer `leaktrace import warc|telegram` uses
(storing nothing), `import_blob` runs the committed blob through
`importing.run_import` as the CLI does, and `analyse_blob` runs
`dumps.analyze.analyze_dump` as `leaktrace dump analyze` does, on an
in-memory copy (`evidence.working_copy.memory_copy`), never on a clear file.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

from leaktrace.collect.importers.base import Document, Skipped
from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.importing import run_import


class Opens(Protocol):
    """A staged or committed blob: something whose original bytes can be opened as a stream."""

    def open(self) -> Any: ...


class CommittedBlob:
    """A blob in the evidence store, opened as a staged one is."""

    def __init__(self, ctx: Context, sha256: str) -> None:
        self.ctx, self.sha256 = ctx, sha256

    def open(self) -> Any:
        return self.ctx.evidence.open(self.sha256)


def documents(kind: str, blob: Opens, name: str, *, received: datetime, source: str,
              site: str | None = None) -> Iterator[Document | Skipped]:
    """The importer's documents, read from the blob as the CLI reads the file (`kind`: warc or telegram)."""
    if kind == "warc":
        from leaktrace.collect.importers.warc import iter_warc_stream
        from leaktrace.evidence.working_copy import Reopening

        # Seekable, so the reader can check the last record's framing (a cut-short one is refused).
        with Reopening(blob.open) as raw:
            yield from iter_warc_stream(raw, label=name, name=name, fallback=received, site=site or source)
        return
    if kind != "telegram":
        raise InputError(f"field 'kind': {kind[:20]!r} is not warc or telegram")
    from leaktrace.collect.importers.telegram import iter_export_bytes

    with blob.open() as raw:
        data = raw.read()  # one JSON document: the importer parses it whole, as it does a file
    yield from iter_export_bytes(data, label=name, name=name, fetched_at=received, site=site or "telegram",
                                 fetched_at_is="time of the console upload")


def check_documents(kind: str, blob: Opens, name: str, *, received: datetime, source: str,
                    site: str | None = None) -> int:
    """Read the whole file with the importer, storing nothing; the number of documents, or InputError."""
    n = sum(isinstance(d, Document) for d in documents(kind, blob, name, received=received, source=source,
                                                        site=site))
    if n == 0:
        what = "no response or resource records: not a WARC file" if kind == "warc" else "not a Telegram export"
        raise InputError(f"{name}: {what}")
    return n


def import_blob(ctx: Context, kind: str, blob: Opens, name: str, *, received: datetime, source: str,
                collector: str, site: str | None = None, max_body: int = 256 << 20) -> dict[str, Any]:
    """`run_import` over the blob's documents, as `leaktrace import` runs it over a file: its report."""
    docs = documents(kind, blob, name, received=received, source=source, site=site)
    report = run_import(ctx, docs, source=source, collector=collector, max_body=max_body)
    if report.error:  # the same bytes were read to their end just before: only a changed store gets here
        raise InputError(f"{name}: {report.error}")
    return report.as_dict()


def analyse_blob(ctx: Context, blob: Opens, sha256: str, name: str) -> dict[str, Any]:
    """`analyze_dump` over the blob; on failure the dump folder this run created is removed."""
    from leaktrace.dumps.analyze import analyze_dump
    from leaktrace.evidence.working_copy import memory_copy
    from leaktrace.pipeline.case_build import dump_id

    out = ctx.data_dir / "dumps" / sha256
    existed = out.exists()
    try:
        with blob.open() as raw, memory_copy(raw, "lt-upload") as path:
            try:
                report = analyze_dump(path, ctx.dump_options(progress=False), data_dir=ctx.data_dir,
                                      keys=ctx.keyring)
            except InputError as exc:  # name the uploaded file, not the memory file's /proc path
                raise InputError(str(exc).replace(str(path), name)) from None
        if report.rows == 0:
            raise InputError(f"{name}: no rows: not a dump leaktrace can read")
    except BaseException:
        if not existed:
            shutil.rmtree(out, ignore_errors=True)
        raise
    return {"dump_id": dump_id(sha256), "rows": report.rows, "format": report.format, "encoding": report.encoding,
            "distinct_valid_ids": report.distinct_valid_ids, "duplicate_rows": report.duplicate_rows}
