"""What importers hand on (Document, Skipped) and the file checks they all share."""

from __future__ import annotations

import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from leaktrace.collect.items import CaptureDocument, ParsedItem
from leaktrace.core.errors import InputError

# Defaults; every importer takes its own limit from the command line.
MAX_FILE_BYTES = 256 << 20


@dataclass(frozen=True)
class Attachment:
    """A picture a document carries (a photo in a chat export): a checked file inside the import, or a problem.

    `item_url` names the post it belongs to (None: the message had no text, so no post; the picture
    still goes into evidence with the document). `name` is its path inside the export, as the export says.
    """

    name: str
    path: Path | None
    item_url: str | None = None
    problem: str | None = None
    data: bytes | None = None  # the picture itself, where the input holds it (a WARC's image record)
    media_type: str | None = None


def attachment(root: Path, name: str, item_url: str | None) -> Attachment:
    """The picture at `name` (a path inside the import folder `root`, as the input says), checked:
    inside the folder, a regular file, present; otherwise an Attachment with the problem, never read."""
    if not name or name.startswith("(File"):  # Telegram: "(File not included. Change data exporting settings ...)"
        return Attachment(name[:200], None, item_url, "not included in the export")
    base = root.resolve()
    try:
        where = (base / name).resolve()
    except (OSError, RuntimeError, ValueError):
        return Attachment(name[:200], None, item_url, "unreadable path")
    if not where.is_relative_to(base):
        return Attachment(name[:200], None, item_url, "path leaves the export folder (refused)")
    if not where.is_file():
        return Attachment(name[:200], None, item_url, "missing from the export folder")
    return Attachment(where.relative_to(base).as_posix()[:200], where, item_url)


@dataclass(frozen=True)
class Document:
    """One document to take into evidence, with the posts read from it.

    `status` is the HTTP status for something that was fetched over HTTP
    (a WARC response); None for a file that is kept byte for byte (a saved
    page, a chat export, a CSV). A large file is handed over as its Path (it
    is streamed into evidence) and its items as a lazy iterable, read in
    batches after the capture is recorded. `where` names the place in the input for
    messages (``crawl.warc.gz: offset 1234``).
    """

    url: str
    body: bytes | Path
    fetched_at: datetime
    where: str
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str | None = None
    items: Iterable[ParsedItem] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()

    def capture(self, source: int | str, *, contains_pii: bool = True, with_items: bool = True) -> CaptureDocument:
        """This document as the ingest path takes it (InputError when a field is unfit).

        `with_items=False` leaves the posts out, for a large file whose items
        are read in batches after the capture is recorded.
        """
        return CaptureDocument(
            source=source, url=self.url, body=self.body, fetched_at=self.fetched_at, status=self.status,
            headers=self.headers, content_type=self.content_type, items=tuple(self.items) if with_items else (),
            contains_pii=contains_pii, meta=self.meta,
        )


@dataclass(frozen=True)
class Skipped:
    """Something in the input that was left out on purpose, and why (reported, never silent)."""

    where: str
    reason: str


def check_file(path: Path, max_bytes: int) -> int:
    """Size of a readable regular file within `max_bytes`, or an InputError naming the file."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: not a regular file")
    if st.st_size > max_bytes:
        raise InputError(f"{path}: {st.st_size} bytes exceeds the limit of {max_bytes} (raise --max-bytes)")
    return st.st_size


def read_file(path: Path, max_bytes: int) -> bytes:
    """The whole file, refusing it when larger than `max_bytes` (also if it grew while read)."""
    check_file(path, max_bytes)
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    if len(data) > max_bytes:
        raise InputError(f"{path}: more than {max_bytes} bytes (raise --max-bytes)")
    return data


def mtime(path: Path) -> datetime:
    """A file's modification time, timezone-aware: the best 'fetched at' a saved file has."""
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def file_url(relative: str | PurePosixPath) -> str:
    """A stable URL for a file known only by its name (or path inside an imported folder).

    Only the name (or the path below the imported folder) is used, never the
    investigator's absolute path, so importing the same material from another
    disk finds the same captures.
    """
    return "file:///" + quote(str(relative).lstrip("/"), safe="/")
