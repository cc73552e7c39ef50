"""The dumps analysed into a data directory, read back for pages: each report, and the attribution kept beside it.

`dump analyze` keeps `dumps/<sha256>/report.json`; `case build --dump` (through
`case_assembly.dump_evidence`) now also keeps the attribution it computed as
`attribution.json` beside it (the `attribute --json` document), so the
console can show a dump's attribution with its error figures without running
it again. Reports are read as JSON, not as the current `DumpReport` model: a
report written by an older version still shows what it holds, and the reader
says which newer fields it lacks.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from leaktrace.core.dump_types import DumpReport
from leaktrace.core.errors import InputError
from leaktrace.core.match_types import Match
from leaktrace.core.private_files import write_private_text

REPORT_FILE = "report.json"
ATTRIBUTION_FILE = "attribution.json"
MAX_REPORT_BYTES = 64 << 20
_SHA = re.compile(r"[0-9a-f]{64}\Z")


@dataclass(frozen=True)
class DumpRecord:
    """One analysed dump as stored: the report's JSON (as written, of whatever version) and its attribution."""

    sha256: str
    report: dict[str, Any]
    attribution: dict[str, Any] | None
    source: Path

    @property
    def missing(self) -> list[str]:
        """Fields of the current report format this stored report lacks (written by an older version)."""
        wanted = [f.alias or name for name, f in DumpReport.model_fields.items()]
        return [k for k in wanted if k not in self.report]


def dumps_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "dumps"


def _read(path: Path) -> Any:
    if path.stat().st_size > MAX_REPORT_BYTES:
        raise InputError(f"{path}: larger than {MAX_REPORT_BYTES >> 20} MB, not read")
    try:
        return json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a JSON report ({exc})") from exc


def _report_doc(doc: Any, path: Path) -> dict[str, Any]:
    """The report inside what `analyze_dump` writes ({options, report}); a bare report (older layout) as it is."""
    if isinstance(doc, dict) and isinstance(doc.get("report"), dict):
        return dict(doc["report"])
    if isinstance(doc, dict) and "rows" in doc:
        return dict(doc)
    raise InputError(f"{path}: field 'report': missing, not a dump report")


def _report_stamps(data_dir: Path) -> list[tuple[str, tuple[int, int], tuple[int, int] | None]]:
    """(sha, report stamp, attribution stamp) of every stored report, in directory order.

    One `scandir` and two `stat` calls on plain strings per dump: the list
    page asks this on every view, so it stays at the floor of what telling
    a changed file from an unchanged one costs (no pathlib objects, no glob).
    """
    root = str(dumps_dir(data_dir))
    try:
        entries = [e.name for e in os.scandir(root) if _SHA.match(e.name)]
    except (FileNotFoundError, NotADirectoryError):
        return []
    out = []
    for name in entries:
        stamp = _stamp_of(f"{root}/{name}/{REPORT_FILE}")
        if stamp is not None:
            out.append((name, stamp, _stamp_of(f"{root}/{name}/{ATTRIBUTION_FILE}")))
    return out


def stored_shas(data_dir: Path) -> list[str]:
    """Content hashes of every dump with a stored report, newest report first."""
    return [sha for sha, _, _ in sorted(_report_stamps(data_dir), key=lambda r: (r[1][0], r[0]), reverse=True)]


def resolve_sha(data_dir: Path, ref: str) -> str:
    """The full content hash of a dump named by its hash, a prefix of 8+ hex digits, or its case id `dump-<hex>`."""
    key = ref.strip().lower().removeprefix("dump-")
    if not re.fullmatch(r"[0-9a-f]{8,64}", key):
        raise InputError(f"dump {ref[:80]!r}: not a dump id (its SHA-256, or dump-<first hex digits>)")
    root = str(dumps_dir(data_dir))
    try:  # names first, then the report of the few that match: one dump's page stats one file, not all
        names = [e.name for e in os.scandir(root) if e.name.startswith(key) and _SHA.match(e.name)]
    except (FileNotFoundError, NotADirectoryError):
        names = []
    hits = [n for n in names if _stamp_of(f"{root}/{n}/{REPORT_FILE}") is not None]
    if len(hits) != 1:
        raise InputError(f"dump {ref[:80]!r}: no such dump" if not hits else f"dump {ref[:80]!r}: ambiguous, give more digits")
    return hits[0]


def _stamp_of(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return st.st_mtime_ns, st.st_size


def _stamp(path: Path) -> tuple[int, int] | None:
    return _stamp_of(str(path))


@lru_cache(maxsize=64)
def _parsed(path: Path, stamp: tuple[int, int]) -> Any:
    """A stored JSON file, parsed once per version of it (a page view re-reads nothing that did not change)."""
    return _read(path)


def load_record(data_dir: Path, sha: str) -> DumpRecord:
    """The stored report (and attribution, when kept) of dump `sha`; InputError naming the file when unreadable.

    Parsed files are cached by path, modification time and size: a rewritten
    report is read again, an unchanged one is not. Callers must not change
    what they get.
    """
    folder = dumps_dir(data_dir) / sha
    path = folder / REPORT_FILE
    stamp = _stamp(path) if _SHA.match(sha) else None
    if stamp is None:
        raise InputError(f"dump {sha[:80]!r}: no such dump")
    report = _report_doc(_parsed(path, stamp), path)
    att_path = folder / ATTRIBUTION_FILE
    attribution = None
    if (att_stamp := _stamp(att_path)) is not None:
        doc = _parsed(att_path, att_stamp)
        attribution = doc if isinstance(doc, dict) else None
    return DumpRecord(sha, report, attribution, path)


@dataclass(frozen=True)
class DumpHeadline:
    """What the dump list shows of one dump: a few figures, cached apart from the whole report."""

    sha256: str
    name: str
    rows: int | None
    distinct_persons: int | None
    padding: int | None
    lead: str | None


def _num(v: Any) -> int | None:
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


@lru_cache(maxsize=100_000)
def _headline(data_dir: Path, sha: str, stamp: tuple[int, int], att_stamp: tuple[int, int] | None) -> DumpHeadline:
    rec = load_record(data_dir, sha)
    r, att = rec.report, rec.attribution or {}
    pad = r.get("padding")
    name = str(r.get("path") or "").replace("\\", "/").rsplit("/", 1)[-1]
    return DumpHeadline(sha, name, _num(r.get("rows")), _num(r.get("distinct_persons")),
                        _num(pad.get("estimate")) if isinstance(pad, dict) else None,
                        str(att["org"]) if att.get("verdict") == "lead" and att.get("org") else None)


def headlines(data_dir: Path, limit: int) -> list[DumpHeadline]:
    """The list's figures of the `limit` newest dumps, newest first; unreadable reports left out (their own
    page names the problem). Each is parsed once per version of its files (`_headline`'s cache)."""
    data_dir = Path(data_dir)
    stamps = sorted(_report_stamps(data_dir), key=lambda r: (r[1][0], r[0]), reverse=True)[:limit]
    out = []
    for sha, stamp, att_stamp in stamps:
        try:
            out.append(_headline(data_dir, sha, stamp, att_stamp))
        except InputError:
            continue
    return out


def save_attribution(data_dir: Path, sha: str, match: Match, top: int = 10) -> Path:
    """Keep `match` (as `attribute --json` prints it) beside the dump's report, written whole or not at all."""
    path = dumps_dir(data_dir) / sha / ATTRIBUTION_FILE
    write_private_text(path, json.dumps(match.to_json(top), ensure_ascii=False, indent=1))
    return path
