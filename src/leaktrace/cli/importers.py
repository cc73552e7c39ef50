"""`leaktrace import warc|html|telegram|csv`: captures that arrive as files, through the ingest path."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from leaktrace.cli.context import cli_context
from leaktrace.collect.importers.base import Document, Skipped, file_url
from leaktrace.core.errors import InputError
from leaktrace.pipeline.importing import ImportReport, ensure_source, run_import

import_app = typer.Typer(help="Import captures from files: WARC, saved HTML pages, Telegram exports, listing CSVs.",
                         no_args_is_help=True)
MAX_SKIPS_SHOWN = 20

SOURCE = typer.Option(..., "--source", help="Source name in the store (needs a legal basis and an owner).")
LEGAL = typer.Option(None, "--legal-basis", help="Register a new source with this legal basis.")
OWNER = typer.Option(None, "--owner", help="Person answerable for a new source.")
COLLECTOR = typer.Option(None, "--collector", help="Who imports (custody; default: login name).")
JSON = typer.Option(False, "--json", help="Print the report as one JSON object.")
NO_PII = typer.Option(False, "--no-pii", help="Record the material as holding no personal data (still encrypted).")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"--timezone {name!r}: unknown time zone (e.g. UTC, Asia/Shanghai)") from None


def _profile(ref: str | None):  # type: ignore[no-untyped-def]
    if ref is None:
        return None
    from leaktrace.collect.profile import load_profile

    return load_profile(ref)


def _run(
    docs: Iterable[Document | Skipped], *, source: str, kind: str, legal_basis: str | None, owner: str | None,
    collector: str | None, json_out: bool, no_pii: bool, max_bytes: int,
) -> None:
    ctx = cli_context()
    ensure_source(ctx, source, kind=kind, legal_basis=legal_basis, owner=owner)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    columns = (SpinnerColumn(), TextColumn("importing (documents + posts)"), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True, disable=json_out) as bar:
        task = bar.add_task("import", total=None)
        report = run_import(ctx, docs, source=source, collector=collector or _user(),
                            contains_pii=not no_pii, max_body=max_bytes,
                            progress=lambda n: bar.advance(task, n))
    if report.pictures:  # no service needed: the queued OCR of the pictures runs now, after the import
        from leaktrace.service.media import drain_media

        with err.status("reading pictures (queued OCR jobs)"):
            report.ocr = drain_media(ctx, None, kinds=("ocr",)).counts.get("ocr", {})
    _print(report, json_out)


def _print(report: ImportReport, json_out: bool) -> None:
    if json_out:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    elif not (report.error and not report.documents and not report.skipped):
        # (when nothing was read, the error line alone says it)
        p = report.posts
        typer.echo(
            f"{report.source}: {report.documents} document(s): {report.captures_new} new capture(s), "
            f"{report.captures_existing} already captured; posts {p['new']} new, {p['changed']} changed, "
            f"{p['unchanged']} unchanged; {len(report.skipped)} skipped"
        )
        if report.pictures:
            typer.echo(f"pictures: {len(report.pictures)} sealed; OCR jobs {json.dumps(report.ocr or {})}")
        if report.analysis:
            a = report.analysis
            typer.echo(f"analysed {a['posts']} post(s): {a['trafficking']} trade personal data; "
                       f"{a['identifiers']} contacts, wallets and keys; {a['sample_rows']} sample rows")
        err = Console(stderr=True, highlight=False, soft_wrap=True)
        for s in report.skipped[:MAX_SKIPS_SHOWN]:
            err.print(f"leaktrace: skipped: {s.where}: {s.reason}", markup=False)
        if len(report.skipped) > MAX_SKIPS_SHOWN:
            err.print(f"leaktrace: ... {len(report.skipped) - MAX_SKIPS_SHOWN} more skipped (see --json)", markup=False)
    if report.error:
        raise InputError(report.error + (" (everything before it was imported)" if report.documents or report.captures_new else ""))


@import_app.command("warc")
def warc(
    paths: list[Path] = typer.Argument(..., help="WARC files (.warc or .warc.gz)."),
    source: str = SOURCE, legal_basis: str | None = LEGAL, owner: str | None = OWNER,
    profile: str | None = typer.Option(None, "--profile", help="Site profile (name or YAML file) to read posts."),
    site: str | None = typer.Option(None, "--site", help="Site name for posts (default: the source name)."),
    keep_original: bool = typer.Option(True, "--keep-original/--no-keep-original",
                                       help="Also keep each WARC file as received, as one more capture."),
    max_bytes: int = typer.Option(4 << 30, "--max-bytes", help="Largest WARC file accepted."),
    collector: str | None = COLLECTOR, json_out: bool = JSON, no_pii: bool = NO_PII,
) -> None:
    """Each response record becomes a capture (a WARC of its own) and, from HTML, a post."""
    from leaktrace.collect.importers.warc import iter_warc_file

    prof = _profile(profile)

    def docs() -> Iterator[Document | Skipped]:
        for path in paths:
            if keep_original:
                yield _original(path, max_bytes)
            yield from iter_warc_file(path, site=site or source, profile=prof, max_bytes=max_bytes)

    _run(docs(), source=source, kind="archive", legal_basis=legal_basis, owner=owner, collector=collector,
         json_out=json_out, no_pii=no_pii, max_bytes=max_bytes)


def _original(path: Path, max_bytes: int) -> Document:
    from leaktrace.collect.importers.base import check_file, mtime

    check_file(path, max_bytes)
    return Document(url=file_url(path.name), body=path, fetched_at=mtime(path), where=str(path),
                    content_type="application/warc", meta={"imported_from": path.name, "role": "original WARC file"})


@import_app.command("html")
def html(
    folder: Path = typer.Argument(..., help="Folder of saved .html pages (searched recursively)."),
    source: str = SOURCE, legal_basis: str | None = LEGAL, owner: str | None = OWNER,
    profile: str | None = typer.Option(None, "--profile", help="Site profile (name or YAML file) to read posts."),
    site: str | None = typer.Option(None, "--site", help="Site name for posts (default: the source name)."),
    max_bytes: int = typer.Option(16 << 20, "--max-bytes", help="Largest page accepted; larger ones are skipped."),
    collector: str | None = COLLECTOR, json_out: bool = JSON, no_pii: bool = NO_PII,
) -> None:
    """Each page becomes a capture and a post (profile selectors, or title and main text)."""
    from leaktrace.collect.importers.html import iter_folder

    docs = iter_folder(folder, site=site or source, profile=_profile(profile), max_bytes=max_bytes)
    _run(docs, source=source, kind="saved_pages", legal_basis=legal_basis, owner=owner, collector=collector,
         json_out=json_out, no_pii=no_pii, max_bytes=max_bytes)


@import_app.command("telegram")
def telegram(
    path: Path = typer.Argument(..., help="Telegram Desktop JSON export (result.json)."),
    source: str = SOURCE, legal_basis: str | None = LEGAL, owner: str | None = OWNER,
    site: str = typer.Option("telegram", "--site", help="Site name for the posts."),
    timezone: str | None = typer.Option(None, "--timezone",
                                        help="Zone of 'date' in old exports without date_unixtime."),
    max_bytes: int = typer.Option(512 << 20, "--max-bytes", help="Largest export accepted."),
    collector: str | None = COLLECTOR, json_out: bool = JSON, no_pii: bool = NO_PII,
) -> None:
    """The export becomes one capture; each text message a post (author = from_id)."""
    from leaktrace.collect.importers.telegram import iter_export

    docs = iter_export(path, site=site, max_bytes=max_bytes, local=_zone(timezone) if timezone else None)
    _run(docs, source=source, kind="chat_export", legal_basis=legal_basis, owner=owner, collector=collector,
         json_out=json_out, no_pii=no_pii, max_bytes=max_bytes)


@import_app.command("csv")
def csv_(
    path: Path = typer.Argument(..., help="Listing CSV (or TSV)."),
    source: str = SOURCE, legal_basis: str | None = LEGAL, owner: str | None = OWNER,
    mapping: list[str] = typer.Option([], "--map", help="FIELD=COLUMN (fields: url title body seller price "
                                      "currency posted status volume language); repeat."),
    site: str | None = typer.Option(None, "--site", help="Site name for the posts (default: the source name)."),
    base_url: str | None = typer.Option(None, "--base-url", help="Joined to relative url values."),
    currency: str | None = typer.Option(None, "--currency", help="Currency of bare-number prices (e.g. BTC)."),
    timezone: str = typer.Option("UTC", "--timezone", help="Zone of posted times without an offset."),
    date_format: list[str] = typer.Option([], "--date-format", help="strptime format for posted; repeat."),
    na: list[str] = typer.Option([], "--na", help="Cell value meaning missing (default: '', NA, N/A, NULL)."),
    delimiter: str | None = typer.Option(None, "--delimiter", help="Field separator (default: sniffed)."),
    encoding: str | None = typer.Option(None, "--encoding", help="Text encoding (default: sniffed)."),
    max_bytes: int = typer.Option(4 << 30, "--max-bytes", help="Largest file accepted."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Read only the first N rows (a first look)."),
    collector: str | None = COLLECTOR, json_out: bool = JSON, no_pii: bool = NO_PII,
) -> None:
    """The CSV becomes one capture; each row a post, columns mapped by --map."""
    from leaktrace.collect.importers.csv_listings import (
        DEFAULT_NA,
        CsvOptions,
        iter_csv,
        parse_mapping,
    )

    if delimiter is not None and len(delimiter.replace("\\t", "\t")) != 1:
        raise InputError(f"--delimiter {delimiter!r}: give one character")
    opts = CsvOptions(
        site=site or source, mapping=parse_mapping(mapping), base_url=base_url, currency=currency,
        timezone=_zone(timezone), date_formats=tuple(date_format), na=tuple(na) if na else DEFAULT_NA,
        delimiter=delimiter.replace("\\t", "\t") if delimiter else None, encoding=encoding, max_bytes=max_bytes,
        max_rows=limit,
    )
    _run(iter_csv(path, opts), source=source, kind="listing_csv", legal_basis=legal_basis, owner=owner,
         collector=collector, json_out=json_out, no_pii=no_pii, max_bytes=max_bytes)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")


__all__ = ["import_app", "register"]
