"""A case's report and exports built from the console, kept for download: the same writers as the CLI.

`build` calls `pipeline.case_exports.write_case_report` / `export_case` (what
`case report` and `case export` call), as the logged-in user, from the copy
the case's TLP allows, and records it in the audit log as the CLI does
(`export.download`; `evidence.download` for a bundle, which carries the
captures). Each build gets its own folder under
`<data_dir>/exports/<case>/`; downloading a file is audited again, so the
log says who took which file out of the platform.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from leaktrace.core.errors import InputError
from leaktrace.core.private_files import private_dir
from leaktrace.pipeline.case_exports import export_case, write_case_report
from leaktrace.pipeline.case_items import get_case
from leaktrace.pipeline.context import Context
from leaktrace.service import audit
from leaktrace.service.access import Principal, require_case

KINDS = ("report", "report_pdf", "stix", "misp", "csv", "bundle")
_NAME = re.compile(r"[0-9]{8}T[0-9]{6}(?:\.[0-9]+)?Z-[a-z_]+/[A-Za-z0-9._-]{1,200}\Z")
MEDIA = {".html": "text/html", ".pdf": "application/pdf", ".json": "application/json", ".zip": "application/zip"}


@dataclass(frozen=True)
class CaseFile:
    """A built file: `name` is `<build>/<file>` under the case's export folder (what the download link names)."""

    name: str
    kind: str
    size: int
    built_at: datetime
    path: Path

    @property
    def media_type(self) -> str:
        return MEDIA.get(self.path.suffix, "application/octet-stream")


def _action(kind: str) -> str:
    return "evidence.download" if kind == "bundle" else "export.download"


def _folder(ctx: Context, ref: str) -> Path:
    return ctx.data_dir / "exports" / ref


def check_export(ctx: Context, principal: Principal, ref: str, kind: str) -> str:
    """The case's canonical ref, when `principal` may take export `kind` of it (InputError, PermissionDenied)."""
    if kind not in KINDS:
        raise InputError(f"field 'kind': {kind[:20]!r} is not one of {', '.join(KINDS)}")
    with ctx.session() as s:
        canonical = get_case(s, ref.strip()).ref
    require_case(ctx, principal, canonical, _action(kind))
    return canonical


def _zip_folder(folder: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.iterdir()):
            if p.is_file() and p != dest:
                z.write(p, p.name)
    return dest


def build(ctx: Context, principal: Principal, ref: str, kind: str, *, lang: str = "zh") -> CaseFile:
    """Build one report or export of case `ref` for download; audited like the CLI's."""
    canonical = check_export(ctx, principal, ref, kind)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    out = private_dir(_folder(ctx, canonical) / f"{stamp}-{kind}")
    lang = lang if lang in ("zh", "en") else "zh"
    if kind in ("report", "report_pdf"):
        files = write_case_report(ctx, canonical, out, lang=lang, pdf=kind == "report_pdf")
        path = files.pdf if kind == "report_pdf" and files.pdf else files.html
    elif kind == "csv":
        tables = out / "tables"
        export_case(ctx, canonical, "csv", tables, collector=principal.username)
        path = _zip_folder(tables, out / f"{canonical}.csv.zip")
    elif kind == "bundle":
        path = export_case(ctx, canonical, "bundle", out / f"{canonical}-bundle", collector=principal.username,
                           as_zip=True)[0]
    else:
        path = export_case(ctx, canonical, kind, out, collector=principal.username)[0]
    audit.record(ctx, principal, _action(kind), f"case:{canonical}",
                 detail={"format": kind, "file": path.name, "via": "console"})
    return _file(ctx, canonical, path)


def _file(ctx: Context, ref: str, path: Path) -> CaseFile:
    rel = path.relative_to(_folder(ctx, ref))
    build_dir = rel.parts[0]
    st = path.stat()
    return CaseFile(f"{build_dir}/{path.name}", build_dir.split("-", 1)[1], st.st_size,
                    datetime.fromtimestamp(st.st_mtime, UTC), path)


def built(ctx: Context, principal: Principal, ref: str) -> list[CaseFile]:
    """The files built for this case so far, newest first (one per build)."""
    canonical = check_export(ctx, principal, ref, "report")
    root = _folder(ctx, canonical)
    out = []
    for d in sorted(root.iterdir(), reverse=True) if root.is_dir() else []:
        kind = d.name.split("-", 1)[-1]
        if not d.is_dir() or kind not in KINDS:
            continue
        files = [p for p in d.iterdir() if p.is_file()]
        suffix = {"report": ".html", "report_pdf": ".pdf", "csv": ".zip", "bundle": ".zip"}.get(kind, ".json")
        main = [p for p in files if p.suffix == suffix]
        if main:
            out.append(_file(ctx, canonical, main[0]))
    return out[:50]


def download(ctx: Context, principal: Principal, ref: str, name: str) -> CaseFile:
    """A built file to send, by its `name` from `built`; audited (the bundle as an evidence download)."""
    if not _NAME.match(name) or ".." in name:
        raise InputError(f"file {name[:100]!r}: no such file")
    kind = name.split("/", 1)[0].split("-", 1)[1]
    canonical = check_export(ctx, principal, ref, kind)
    path = _folder(ctx, canonical) / name
    if not path.is_file():
        raise InputError(f"file {name[:100]!r}: no such file")
    audit.record(ctx, principal, _action(kind), f"case:{canonical}",
                 detail={"format": kind, "file": path.name, "downloaded": True, "via": "console"})
    return _file(ctx, canonical, path)
