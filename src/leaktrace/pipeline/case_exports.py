"""Writing a case out: the report and the STIX, MISP, CSV and bundle exports, from the copy its readers may see.

`case report`, `case export`, the demo's last chapter and (next) the console's
case page all write through these two functions, so the copy a report or an
export is written from (`pipeline.disclosure.case_copy`: TLP markings,
victims masked, suspects' contacts in clear unless redacted) is made in one
place and no writer can forget it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from leaktrace.cases.model import TLP, CaseContent
from leaktrace.cases.report import ReportFiles
from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context

ExportFormat = Literal["stix", "misp", "csv", "bundle"]
FORMATS: tuple[ExportFormat, ...] = ("stix", "misp", "csv", "bundle")


def load_case(ctx: Context, ref: str) -> CaseContent:
    """The whole case as stored (investigators' view before any copy is made)."""
    from leaktrace.cases.case_records import get_case, load_content

    with ctx.session() as s:
        return load_content(s, get_case(s, ref))


def shared_copy(ctx: Context, ref: str, *, tlp: TLP | None = None,
                redact_suspects: bool | None = None) -> CaseContent:
    """The copy of case `ref` a report or export is written from (docs/cases.md, "Who is shown in clear")."""
    from leaktrace.pipeline.disclosure import case_copy

    return case_copy(ctx, load_case(ctx, ref), tlp=tlp, redact_suspects=redact_suspects)


def write_case_report(ctx: Context, ref: str, out: Path, *, lang: str = "zh", pdf: bool = False,
                      tlp: TLP | None = None, redact_suspects: bool | None = None,
                      progress: Callable[[str], None] | None = None,
                      copy: CaseContent | None = None) -> ReportFiles:
    """The HTML (and PDF) report of case `ref`, custody checked against the evidence store.

    `copy`: the `shared_copy` already made for these markings (one copy serves several writers).
    """
    from leaktrace.cases.report import write_report

    content = copy if copy is not None else shared_copy(ctx, ref, tlp=tlp, redact_suspects=redact_suspects)
    return write_report(content, out, lang=lang, pdf=pdf, store=ctx.evidence, progress=progress)


def export_case(ctx: Context, ref: str, fmt: str, out: Path, *, collector: str, tlp: TLP | None = None,
                redact_suspects: bool | None = None, as_zip: bool = False, include_dumps: bool = False,
                langs: tuple[str, ...] = ("zh", "en"), copy: CaseContent | None = None) -> list[Path]:
    """Write case `ref` as `fmt` under `out` (a folder; for a bundle, the new bundle's path); the files written.

    Every file is written whole or not at all (owner-only, renamed into place). `copy`: as in
    `write_case_report`.
    """
    from leaktrace.cases import misp, stix, tables
    from leaktrace.core.private_files import private_dir, write_private_text

    if fmt not in FORMATS:
        raise InputError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    content = copy if copy is not None else shared_copy(ctx, ref, tlp=tlp, redact_suspects=redact_suspects)
    if fmt == "bundle":
        from leaktrace.cases.bundle import export_bundle

        return [export_bundle(content, out, store=ctx.evidence, collector=collector, include_dumps=include_dumps,
                              as_zip=as_zip, langs=langs)]
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: not a directory")
    private_dir(out)
    if fmt == "csv":
        return list(tables.write_tables(content, out))
    path = out / f"{content.info.ref}.{fmt}.json"
    write_private_text(path, stix.to_json(content) if fmt == "stix" else misp.to_json(content))
    return [path]
