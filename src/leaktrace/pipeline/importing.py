"""Runs an importer's documents through the ingest path, in batches, and reports what happened.

Importers (collect/importers) only read; this is where their documents
become evidence and store rows, by the same Ingestor a crawl uses. Work is
committed every `batch` documents (and every `batch` posts of a large
file), so an interrupted import keeps what it committed and a rerun skips
it: captures are idempotent and posts upsert.

A damaged input (a truncated WARC, a CSV with undecodable bytes halfway)
raises after the good part: everything before it is committed and the
report carries the error, which the CLI prints after the summary and turns
into exit code 2. Any other failure rolls back the current batch only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TypeVar

from leaktrace.collect.importers.base import Document, Skipped
from leaktrace.collect.items import ParsedItem
from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.ingest import Ingestor

BATCH = 200
T = TypeVar("T")


@dataclass
class ImportReport:
    """Counts of one import, the skipped parts with reasons, and the error that stopped it, if any."""

    source: str
    documents: int = 0
    captures_new: int = 0
    captures_existing: int = 0
    posts: dict[str, int] = field(default_factory=lambda: {"new": 0, "changed": 0, "unchanged": 0})
    skipped: list[Skipped] = field(default_factory=list)
    error: str | None = None
    # The intel stage over the posts this import created or changed (None: not run).
    analysis: dict[str, int] | None = None
    touched: list[int] = field(default_factory=list, repr=False)
    pictures: list[int] = field(default_factory=list, repr=False)  # media rows sealed, their OCR still to queue
    ocr: dict[str, int] | None = None  # OCR jobs per state, when the command ran them (cli)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "documents": self.documents,
            "captures_new": self.captures_new,
            "captures_existing": self.captures_existing,
            "posts": dict(self.posts),
            "skipped": [{"where": s.where, "reason": s.reason} for s in self.skipped],
            "error": self.error,
            "analysis": self.analysis,
            "pictures": len(self.pictures),
            **({"ocr": self.ocr} if self.ocr is not None else {}),
        }


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def run_import(
    ctx: Context,
    documents: Iterable[Document | Skipped],
    *,
    source: str,
    collector: str,
    contains_pii: bool = True,
    max_body: int = 256 << 20,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
    analyse: bool = True,
) -> ImportReport:
    """Ingest every document, then run the intel stage over the posts it created or changed.

    The source's legal basis is checked before the first document is read.
    `progress(n)` is called with each document done and with each batch of
    posts of a large file, so a bar moves during a long CSV too. The analysis
    runs on what was committed, also when a damaged input stopped the import,
    so every stored post has a verdict (`leaktrace analyze` catches up on any
    that were missed, e.g. after Ctrl-C).
    """
    report = _ingest_all(ctx, documents, source=source, collector=collector, contains_pii=contains_pii,
                         max_body=max_body, batch=batch, progress=progress)
    if report.pictures:  # committed: their OCR is queued work, never done in the import
        from leaktrace.pipeline.media import queue_media

        queue_media(ctx.sessions, ocr=report.pictures)
    if analyse and report.touched:
        from leaktrace.pipeline.intel_stage import analyse_posts

        with ctx.session() as session:
            done = analyse_posts(session, ctx.hasher, post_ids=sorted(set(report.touched)), batch=batch,
                                 model=ctx.intel_model(), lexicon=ctx.lexicon())
        report.analysis = done.as_dict()
    return report


def _ingest_all(ctx: Context, documents: Iterable[Document | Skipped], *, source: str, collector: str,
                contains_pii: bool, max_body: int, batch: int,
                progress: Callable[[int], None] | None) -> ImportReport:
    report = ImportReport(source=source)
    with ctx.session() as session:
        ing = Ingestor(session, evidence=ctx.evidence, collector=collector, max_body=max_body)
        ing.source(source)  # refuse before reading anything
        pending = 0
        try:
            for doc in documents:
                if isinstance(doc, Skipped):
                    report.skipped.append(doc)
                    continue
                pending += _ingest_one(ing, doc, report, contains_pii, batch, session.commit, progress)
                report.documents += 1
                if progress is not None:
                    progress(1)
                if pending >= batch:
                    session.commit()
                    pending = 0
        except InputError as exc:
            session.commit()
            report.error = str(exc)
            return report
        except BaseException:
            # Anything else (a database error, Ctrl-C) may have left the transaction half-done:
            # drop it. Earlier batches stay committed and a rerun picks up the rest; blobs and
            # custody entries already written stay (custody is append-only) and are reused.
            session.rollback()
            raise
        session.commit()
    return report


def _ingest_one(
    ing: Ingestor, doc: Document, report: ImportReport, contains_pii: bool, batch: int,
    commit: Callable[[], None], progress: Callable[[int], None] | None = None,
) -> int:
    """One document; returns how many uncommitted writes it left. Its own bad input is a skip."""
    items: Iterable[ParsedItem] = doc.items
    small = isinstance(items, tuple | list) and len(items) <= batch
    try:
        res = ing.capture(doc.capture(report.source, contains_pii=contains_pii, with_items=small))
    except InputError as exc:
        report.skipped.append(Skipped(doc.where, str(exc)))
        return 0
    finally:
        _drain(ing, report, doc)
    if res.created:
        report.captures_new += 1
    else:
        report.captures_existing += 1
    if res.created and doc.attachments and small:
        from leaktrace.pipeline.media import CaptureRef, store_attachments

        sites = {it.url: it.site for it in doc.items}
        report.pictures += store_attachments(ing.session, ing.evidence,
                                             CaptureRef(res.capture_id, res.sha256, res.entry_hash, res.entry_seq),
                                             doc.attachments, sites, collector=ing.collector)
    results = list(res.posts)
    if not small:
        commit()
        for chunk in _batches(items, batch):
            results = list(ing.add_items(res, chunk, doc.fetched_at))
            for r in results:
                report.posts[r.state] += 1
                if r.state != "unchanged":
                    report.touched.append(r.post_id)
            _drain(ing, report, doc)
            commit()
            if progress is not None:
                progress(len(chunk))
        return 0
    for r in results:
        report.posts[r.state] += 1
        if r.state != "unchanged":
            report.touched.append(r.post_id)
    return 1 + len(results)


def _drain(ing: Ingestor, report: ImportReport, doc: Document) -> None:
    for url, reason in ing.rejected:
        report.skipped.append(Skipped(f"{doc.where}: post {url[:200]}", reason))
    ing.rejected.clear()


def ensure_source(ctx: Context, name: str, *, kind: str, legal_basis: str | None, owner: str | None) -> None:
    """Register `name` when it is new and both a legal basis and an owner are given."""
    from leaktrace.pipeline.sources import ensure_source as register

    register(ctx.sessions, name, kind=kind, base_url=None, legal_basis=legal_basis, owner=owner)
