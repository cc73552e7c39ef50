"""Files uploaded through the console (a WARC, a Telegram export, a seized dump) into evidence and the pipeline.

An upload is an import, by another door: the bytes are streamed straight
into the evidence store's sealed form (`EvidenceStore.stage_stream`, never in
clear on disk, never whole in memory) and counted on the way, so a file over
`console_upload_max_bytes` is refused while it arrives. The staged blob is
then read back (decrypted as read) and checked whole by the same importer
the CLI uses; only a file that reads to its end is committed (custody entry)
and imported, by the same pipeline function as `leaktrace import warc|telegram`
(`pipeline.importing.run_import`) or `leaktrace dump analyze`
(`dumps.analyze.analyze_dump`). A bad file is discarded with no blob, custody
entry, store row or dump folder left behind, and a one-line error naming the
file and the problem. Both outcomes are audited.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from leaktrace.core.errors import InputError
from leaktrace.pipeline import uploads
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.text_view import mask_text
from leaktrace.service import audit
from leaktrace.service.access import Principal, require

UPLOAD_ACTION = "import.upload"
KINDS = ("warc", "telegram", "dump")
SOURCE_KINDS = {"warc": "archive", "telegram": "chat_export"}
MEDIA_TYPES = {"warc": "application/warc", "telegram": "application/json", "dump": "application/octet-stream"}
NAME_CHARS = 200


class UploadTooLarge(InputError):
    """The upload passed the configured limit (HTTP 413)."""

    status = 413


@dataclass(frozen=True)
class UploadOptions:
    """What the form or API call says besides the file: the source the captures belong to, and the site."""

    source: str | None = None
    legal_basis: str | None = None
    owner: str | None = None
    site: str | None = None


@dataclass(frozen=True)
class UploadResult:
    kind: str
    filename: str
    sha256: str
    size: int
    new_blob: bool
    summary: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def clean_name(name: str | None) -> str:
    """The uploaded file's name as shown and recorded (custody, audit, messages): its last path part, no
    control characters, personal values in it masked (a file named after a person's ID number), capped."""
    base = re.split(r"[/\\]", (name or "").strip())[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")[:NAME_CHARS].strip()
    return mask_text(base)[:NAME_CHARS] if base else "upload"


def capped(pieces: Iterable[bytes], limit: int, filename: str) -> Iterator[bytes]:
    """`pieces` as they come, refused with UploadTooLarge at the first byte past `limit`."""
    n = 0
    for piece in pieces:
        n += len(piece)
        if n > limit:
            raise UploadTooLarge(f"{filename}: larger than the console's upload limit of {limit:,} bytes "
                                 "(console_upload_max_bytes; import larger files with the CLI)")
        yield piece


def check_kind(kind: str) -> str:
    k = (kind or "").strip().lower()
    if k not in KINDS:
        raise InputError(f"field 'kind': {kind[:20]!r} is not one of {', '.join(KINDS)}")
    return k


def check_upload(principal: Principal, kind: str, opts: UploadOptions) -> str:
    """Everything that can be refused before a byte is read: role, kind, source; returns the kind."""
    require(principal, UPLOAD_ACTION)
    k = check_kind(kind)
    if k != "dump" and not (opts.source or "").strip():
        raise InputError("field 'source': the source the captures belong to is required for a WARC or "
                         "Telegram export")
    return k


def upload(ctx: Context, principal: Principal, kind: str, filename: str | None, pieces: Iterable[bytes],
           opts: UploadOptions | None = None, *, max_bytes: int | None = None) -> UploadResult:
    """Stream `pieces` into sealed evidence, check the file whole, then commit and import it (see module doc)."""
    opts = opts or UploadOptions()
    k = check_upload(principal, kind, opts)
    name = clean_name(filename)
    limit = max_bytes or ctx.settings.console_upload_max_bytes
    if k == "dump":
        return _upload(ctx, principal, k, name, pieces, opts, limit)
    from leaktrace.pipeline.sources import provisional_source

    # A source this upload registers is removed again when the file is refused (nothing half-written).
    with provisional_source(ctx.sessions, (opts.source or "").strip(), kind=SOURCE_KINDS[k], base_url=None,
                            legal_basis=opts.legal_basis, owner=opts.owner):
        return _upload(ctx, principal, k, name, pieces, opts, limit)


def _upload(ctx: Context, principal: Principal, k: str, name: str, pieces: Iterable[bytes], opts: UploadOptions,
            limit: int) -> UploadResult:
    staged = ctx.evidence.stage_stream(capped(pieces, limit, name))
    received = datetime.now(UTC)
    source = (opts.source or "").strip()
    try:
        if staged.size == 0:
            raise InputError(f"{name}: the file is empty")
        if k == "dump":
            summary = uploads.analyse_blob(ctx, staged, staged.sha256, name)
        else:
            uploads.check_documents(k, staged, name, received=received, source=source, site=opts.site)
    except InputError as exc:
        staged.discard()
        _refused(ctx, principal, k, name, staged.size, exc)
        raise
    except BaseException:
        staged.discard()
        raise
    ref = staged.commit(source_url=f"upload:{name}", collector=principal.username, action="intake",
                        media_type=MEDIA_TYPES[k],
                        meta={"filename": name, "uploaded_by": principal.username, "upload_kind": k,
                              "client": principal.client})
    if k != "dump":
        summary = uploads.import_blob(ctx, k, uploads.CommittedBlob(ctx, ref.sha256), name, received=received,
                                      source=source, collector=principal.username, site=opts.site,
                                      max_body=limit)
    audit.record(ctx, principal, UPLOAD_ACTION, f"evidence:{ref.sha256}",
                 detail={"kind": k, "filename": name, "size": ref.size, "new_blob": ref.new,
                         **_audit_counts(k, summary)})
    return UploadResult(k, name, ref.sha256, ref.size, ref.new, summary)


def _refused(ctx: Context, principal: Principal, kind: str, name: str, size: int, exc: InputError) -> None:
    audit.record(ctx, principal, "import.refused", f"upload:{name}",
                 detail={"kind": kind, "filename": name, "size": size, "problem": str(exc)[:500]})


def _audit_counts(kind: str, summary: dict[str, Any]) -> dict[str, Any]:
    if kind == "dump":
        return {"rows": summary.get("rows"), "dump_id": summary.get("dump_id")}
    return {"documents": summary.get("documents"), "posts": summary.get("posts")}
