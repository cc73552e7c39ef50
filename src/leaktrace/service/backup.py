"""`leaktrace backup` and `restore`: the store, evidence blobs, custody and audit logs, verified both ways.

A backup is a folder: every table as JSON lines (portable between SQLite
and PostgreSQL, so a unit can move from the embedded default to a server
by restoring), a copy of the data directory's files (sealed evidence
blobs, the custody log and its head, the audit and custody signing keys,
the attribution register) and a manifest with the SHA-256 of every file.
It is written under a temporary name and renamed when complete, then read
back and checked against its manifest. Restore checks the manifest before
it writes anything, refuses a store that is not empty, loads the rows in
one transaction, puts the files in place, and then verifies the custody
chain (and every blob) and the audit chain as a new deployment would.

Blobs stay sealed under the deployment keyring, which is never in the
backup: a stolen backup holds no readable evidence, and a restore needs
the same keyring (or its escrow) to be of any use.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select, text

from leaktrace.core.errors import InputError, IntegrityError
from leaktrace.core.private_files import private_dir
from leaktrace.pipeline.context import Context
from leaktrace.service import audit
from leaktrace.service.access import Principal, require
from leaktrace.store import current
from leaktrace.store.models import Base
from leaktrace.store.sequences import reset_sequences
from leaktrace.store.types import UTCDateTime, utcnow

FORMAT = "leaktrace-backup/1"
MANIFEST = "manifest.json"
BATCH = 2000
# Under the data directory: not copied (the database is exported as rows; the rest is scratch).
_SKIP_TOP = {"leaktrace.sqlite", "leaktrace.sqlite-wal", "leaktrace.sqlite-shm", "leaktrace.sqlite-journal"}
_SKIP_DIRS = {"tmp", "__pycache__"}


@dataclass
class BackupReport:
    path: str
    revision: str | None
    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0
    bytes: int = 0
    verified: bool = False
    custody_entries: int | None = None
    audit_entries: int | None = None
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _encode(v: Any) -> Any:
    return v.isoformat() if isinstance(v, datetime) else v


def _data_files(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("backup-"))
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if p.parent == root and name in _SKIP_TOP:
                continue
            if p.is_file() and not p.is_symlink():
                yield p


def backup(ctx: Context, principal: Principal, out: Path) -> BackupReport:
    """Write a verified backup folder at `out` (which must not exist yet)."""
    require(principal, "users.manage")  # whoever may restore accounts: an admin (or the shell)
    out = Path(out)
    if out.exists():
        raise InputError(f"{out}: already exists; give a new folder for the backup")
    data_dir = ctx.data_dir.resolve()
    if out.resolve().is_relative_to(data_dir):
        raise InputError(f"{out}: inside the data directory; write the backup elsewhere")
    private_dir(out.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        report = _write(ctx, tmp, data_dir)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    report.path = str(out)
    check = verify_backup(out)
    report.verified, report.problems = check.verified, check.problems
    audit.record(ctx, principal, "ops.backup", f"backup:{out.name}",
                 detail={"tables": sum(report.tables.values()), "files": report.files, "verified": report.verified})
    return report


def _write(ctx: Context, dest: Path, data_dir: Path) -> BackupReport:
    revision = current(ctx.engine)
    report = BackupReport(str(dest), revision)
    manifest: dict[str, Any] = {"format": FORMAT, "created_at": utcnow().isoformat(), "revision": revision,
                                "tables": {}, "files": {}}
    (dest / "db").mkdir()
    with ctx.session() as s:
        # One read transaction: the rows of all tables are of one moment (PostgreSQL: repeatable read).
        if ctx.engine.dialect.name == "postgresql":
            s.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        for table in Base.metadata.sorted_tables:
            path = dest / "db" / f"{table.name}.jsonl"
            n = 0
            pk = list(table.primary_key.columns)
            with path.open("w", encoding="utf-8") as fh:
                for row in s.execute(select(table).order_by(*pk)).mappings().yield_per(BATCH):
                    fh.write(json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False,
                                        sort_keys=True) + "\n")
                    n += 1
                fh.flush()
                os.fsync(fh.fileno())
            manifest["tables"][table.name] = {"rows": n, "sha256": _sha256(path)}
            report.tables[table.name] = n
    files = dest / "files"
    files.mkdir()
    for src in _data_files(data_dir):
        rel = src.relative_to(data_dir)
        target = files / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        manifest["files"][rel.as_posix()] = {"sha256": _sha256(target), "size": target.stat().st_size}
        report.files += 1
        report.bytes += target.stat().st_size
    mpath = dest / MANIFEST
    mpath.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), "utf-8")
    return report


@dataclass
class BackupCheck:
    verified: bool
    manifest: dict[str, Any]
    problems: list[str]


def verify_backup(path: Path) -> BackupCheck:
    """Every table file and data file against the manifest's hashes; the problems name each file."""
    path = Path(path)
    mpath = path / MANIFEST
    try:
        manifest = json.loads(mpath.read_text("utf-8"))
    except FileNotFoundError:
        raise InputError(f"{mpath}: no such file; not a leaktrace backup") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{mpath}: not a backup manifest ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"{mpath}: not a {FORMAT} manifest")
    problems = []
    for name, meta in sorted(manifest.get("tables", {}).items()):
        p = path / "db" / f"{name}.jsonl"
        if not p.is_file():
            problems.append(f"db/{name}.jsonl: missing")
        elif _sha256(p) != meta.get("sha256"):
            problems.append(f"db/{name}.jsonl: SHA-256 differs from the manifest")
    for rel, meta in sorted(manifest.get("files", {}).items()):
        p = path / "files" / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            problems.append(f"files/{rel}: path leaves the backup")
        elif not p.is_file():
            problems.append(f"files/{rel}: missing")
        elif _sha256(p) != meta.get("sha256"):
            problems.append(f"files/{rel}: SHA-256 differs from the manifest")
    return BackupCheck(not problems, manifest, problems)


def restore(ctx: Context, principal: Principal, src: Path) -> BackupReport:
    """Load a verified backup into an empty store and data directory, then verify custody and audit."""
    require(principal, "users.manage")
    check = verify_backup(src)
    if not check.verified:
        raise IntegrityError(f"{src}: backup does not match its manifest: {check.problems[0]}"
                             + (f" (and {len(check.problems) - 1} more)" if len(check.problems) > 1 else ""))
    manifest = check.manifest
    revision = current(ctx.engine)
    if manifest.get("revision") != revision:
        raise InputError(f"{src}: backup is of store revision {manifest.get('revision')}, this store is at "
                         f"{revision}; restore with the leaktrace version that wrote it, then upgrade")
    data_dir = ctx.data_dir.resolve()
    clash = [rel for rel in manifest["files"] if (data_dir / rel).exists()]
    with ctx.session() as s:
        busy = [t.name for t in Base.metadata.sorted_tables
                if t.name != "alembic_version" and s.scalar(select(func.count()).select_from(t))]
    if busy:
        raise InputError(f"store is not empty (table {busy[0]} has rows): restore into a new, empty store")
    if clash:
        raise InputError(f"{data_dir / clash[0]}: exists; restore into an empty data directory")
    report = BackupReport(str(src), revision)
    with ctx.session() as s:
        for table in Base.metadata.sorted_tables:
            if table.name not in manifest["tables"]:
                continue
            report.tables[table.name] = _load(s, table, Path(src) / "db" / f"{table.name}.jsonl")
        if ctx.engine.dialect.name == "postgresql":
            reset_sequences(s, Base.metadata.sorted_tables)  # explicit ids were inserted
        s.commit()
    placed: list[Path] = []
    try:
        for rel in sorted(manifest["files"]):
            target = data_dir / rel
            private_dir(target.parent)
            part = target.with_name(target.name + ".restoring")
            shutil.copyfile(Path(src) / "files" / rel, part)
            os.chmod(part, 0o600)
            os.replace(part, target)
            placed.append(target)
            report.files += 1
            report.bytes += target.stat().st_size
    except BaseException:
        for p in placed:
            p.unlink(missing_ok=True)
        raise
    ev = ctx.evidence.verify(check_blobs=True)
    au = audit.verify(ctx)
    report.custody_entries, report.audit_entries = ev.entries, au.entries
    report.problems = [f"custody: {p.message}" for p in ev.problems]
    if not au.ok:
        report.problems.append(f"audit: entry {au.first_bad_seq}: {au.problem}")
    report.verified = not report.problems
    audit.record(ctx, principal, "ops.restore", f"backup:{Path(src).name}",
                 detail={"tables": sum(report.tables.values()), "files": report.files, "verified": report.verified})
    return report


def _load(s: Any, table: Table, path: Path) -> int:
    dt_cols = {c.name for c in table.columns if isinstance(c.type, UTCDateTime)}
    n = 0
    batch: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{line_no}: not JSON ({exc.msg})") from None
            for c in dt_cols:
                if row.get(c) is not None:
                    row[c] = datetime.fromisoformat(row[c])
            batch.append(row)
            if len(batch) >= BATCH:
                s.execute(insert(table), batch)
                n += len(batch)
                batch = []
    if batch:
        s.execute(insert(table), batch)
        n += len(batch)
    return n


