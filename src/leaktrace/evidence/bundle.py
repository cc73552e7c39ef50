"""Verify an exported case bundle with nothing but files: no database, no settings, no keyring.

A court or the defence gets a folder (or a zip of it) and runs
`leaktrace evidence verify-bundle BUNDLE`. What it checks:

* the manifest's Ed25519 signature, with the custody public key shipped in
  the bundle (its fingerprint is printed, to compare with the one the
  investigating unit declared: a bundle can only prove it is consistent
  with a key, not whose key it is; `--expect-key` pins it);
* every listed file: present, of the listed size and SHA-256, and no file
  that is not listed;
* every evidence blob: its bytes hash to its name, and the custody log
  records it;
* the custody log: every entry's hash, link, sequence and signature, and the
  signed head (the same walk as `leaktrace evidence verify`). Entries of
  evidence outside the case are shown by their entry hash only
  (`{"omitted": "<hash>"}`): they hold the chain together and reveal nothing.

The manifest format is written by `leaktrace.cases.bundle`; both sides share
the constants here. Zips are read member by member with size limits and no
extraction to disk, so a hostile archive cannot write outside anything. A
zip is refused whole when it holds what the verifier would not itself read:
two members of one name (unzip extracts the first, a reader the last), a
member whose local header names another file than the central directory,
directory entries with data, members outside the bundle folder, bytes that
belong to no member (before, between or after them: a streaming extractor
reads those) and a zip comment. A damaged
member (bad CRC, broken deflate stream) is an integrity problem, not a crash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from leaktrace.core import signing
from leaktrace.core.errors import InputError, IntegrityError
from leaktrace.evidence.custody import loads_strict
from leaktrace.evidence.verify import verify_log

BUNDLE_FORMAT = "leaktrace-case-bundle-v1"
MANIFEST = "manifest.json"
MANIFEST_SIG = "manifest.sig"
CUSTODY_LOG = "custody/custody.jsonl"
CUSTODY_HEAD = "custody/custody.head"
PUBLIC_KEY = "custody/signing.pub"
MAX_MANIFEST = 64 << 20
_CHUNK = 1 << 20
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


class DamagedMember(Exception):
    """A zip member that cannot be read back as stored (bad CRC, broken stream, bad header)."""


@dataclass
class BundleReport:
    ok: bool = True
    case: str | None = None
    key_fingerprint: str | None = None
    files_checked: int = 0
    blobs_checked: int = 0
    custody_entries: int = 0
    custody_omitted: int = 0  # entries of evidence outside the case, shown by their hash only
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        self.ok = False
        self.problems.append(text)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class _Source:
    """A bundle as a folder or a zip: list member paths, open one, hash one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        self.prefix = ""
        if path.is_file():
            try:
                self.zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                with path.open("rb") as fh:
                    starts_as_zip = fh.read(4) == b"PK\x03\x04"
                if starts_as_zip:  # a zip cut short or with a broken directory: a damaged bundle
                    raise IntegrityError(f"{path}: damaged zip ({exc})") from exc
                raise InputError(f"{path}: not a bundle folder or zip ({exc})") from exc
            names = [n for n in self.zip.namelist() if not n.endswith("/")]
            # A zip of the folder holds `<name>/manifest.json`; accept that or a flat zip.
            tops = {n.split("/", 1)[0] for n in names}
            if MANIFEST not in names and len(tops) == 1:
                self.prefix = next(iter(tops)) + "/"
            self.zip_problems = self._check_zip(path, self.zip, self.prefix)
        elif not path.is_dir():
            raise InputError(f"{path}: no such bundle (want a folder or a .zip)")
        else:
            self.zip_problems = []

    @staticmethod
    def _check_zip(path: Path, zf: zipfile.ZipFile, prefix: str) -> list[str]:
        """What in the archive the verifier would not read itself, or reads ambiguously."""
        problems: list[str] = []
        seen: set[str] = set()
        for info in zf.infolist():
            name = info.filename
            shown = name[len(prefix):] if name.startswith(prefix) else name
            if name in seen:
                problems.append(f"{shown}: duplicate zip member (two files of one name; refused)")
            seen.add(name)
            if not name.startswith(prefix):
                problems.append(f"{name}: zip member outside the bundle folder {prefix!r}")
            if info.is_dir() and info.file_size:
                problems.append(f"{shown}: directory entry holding {info.file_size} bytes")
        if zf.comment:
            problems.append(f"zip comment of {len(zf.comment)} bytes (not part of a bundle; refused)")
        pos = 0  # the members must tile the file up to the central directory: no hidden bytes
        with path.open("rb") as fh:
            for info in sorted(zf.infolist(), key=lambda i: i.header_offset):
                if info.header_offset < 0:  # the central directory's offsets point before the file starts
                    problems.append(f"{info.filename}: no local header where the central directory points")
                    continue
                if info.header_offset != pos:
                    problems.append(_gap(pos, info.header_offset))
                fh.seek(info.header_offset)
                raw = fh.read(_LOCAL_HEADER.size)
                if len(raw) != _LOCAL_HEADER.size or raw[:4] != b"PK\x03\x04":
                    problems.append(f"{info.filename}: no local header where the central directory points")
                    pos = info.header_offset
                    continue
                fields = _LOCAL_HEADER.unpack(raw)
                local = fh.read(fields[10])
                if local != info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437"):
                    problems.append(
                        f"{info.filename}: local header names {local.decode('utf-8', 'replace')!r}, "
                        "the central directory another name (refused)"
                    )
                pos = info.header_offset + _LOCAL_HEADER.size + fields[10] + fields[11] + info.compress_size
                if info.flag_bits & 0x08:  # a data descriptor follows the data
                    fh.seek(pos)
                    pos += 4 if fh.read(4) == b"PK\x07\x08" else 0
                    pos += 20 if max(info.compress_size, info.file_size) >= 0xFFFFFFFF else 12
        start_dir = getattr(zf, "start_dir", None)
        if isinstance(start_dir, int) and start_dir != pos:
            problems.append(_gap(pos, start_dir))
        return problems

    def names(self) -> list[str]:
        if self.zip is not None:
            out = []
            for info in self.zip.infolist():
                if info.is_dir() or not info.filename.startswith(self.prefix):
                    continue
                out.append(info.filename[len(self.prefix):])
            return sorted(out)
        return sorted(
            p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file() or p.is_symlink()
        )

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        if not _safe(name):
            raise InputError(f"{name!r}: unsafe path in bundle")
        if self.zip is not None:
            try:
                with self.zip.open(self.prefix + name) as fh:
                    yield fh
            except KeyError as exc:
                raise FileNotFoundError(name) from exc
            except _ZIP_ERRORS as exc:
                raise DamagedMember(f"{name}: damaged zip member ({exc})") from exc
            return
        target = self.path / name
        if target.is_symlink():
            raise InputError(f"{name}: is a symbolic link (bundles hold plain files only)")
        with target.open("rb") as fh:
            yield fh

    def read(self, name: str, limit: int = MAX_MANIFEST) -> bytes:
        with self.open(name) as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise InputError(f"{name}: larger than {limit} bytes")
        return data

    def digest(self, name: str, limit: int) -> tuple[str, int]:
        """SHA-256 and size, reading at most `limit` + 1 bytes (a zip member may lie about its size)."""
        h = hashlib.sha256()
        size = 0
        with self.open(name) as fh:
            while piece := fh.read(_CHUNK):
                size += len(piece)
                if size > limit:
                    break
                h.update(piece)
        return h.hexdigest(), size

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _gap(start: int, end: int) -> str:
    if end > start:
        return f"zip bytes {start}..{end} belong to no member (hidden data a streaming unzip may extract; refused)"
    return f"zip members overlap at byte {end} (refused)"


def _safe(name: str) -> bool:
    p = PurePosixPath(name)
    return bool(name) and not p.is_absolute() and ".." not in p.parts and "\\" not in name and "\x00" not in name


def verify_bundle(path: Path, *, expect_key: str | None = None) -> BundleReport:
    """Check a bundle folder or zip; the report lists every problem found."""
    src = _Source(path)
    report = BundleReport()
    try:
        for text in src.zip_problems:
            report.problem(text)
        _verify(src, report, expect_key)
    finally:
        src.close()
    return report


def _verify(src: _Source, report: BundleReport, expect_key: str | None) -> None:
    try:
        raw = src.read(MANIFEST)
        sig_text = src.read(MANIFEST_SIG, 4096)
        pub_text = src.read(PUBLIC_KEY, 4096)
    except FileNotFoundError as exc:
        report.problem(f"{exc.args[0] if exc.args else exc}: missing (not a complete case bundle)")
        return
    except (InputError, OSError, DamagedMember) as exc:
        report.problem(str(exc))
        return
    try:
        public = signing.public_from_text(pub_text.decode("ascii", "replace"), PUBLIC_KEY)
    except Exception as exc:  # IntegrityError, but never let a bad key crash the verifier
        report.problem(str(exc))
        return
    fpr = signing.fingerprint(public)
    report.key_fingerprint = fpr
    if expect_key and expect_key.strip().lower() not in (fpr, fpr.removeprefix("ed25519:")):
        report.problem(f"{PUBLIC_KEY}: key {fpr} is not the expected key {expect_key}")
    try:
        sig = base64.b64decode(sig_text.strip(), validate=True)
    except (binascii.Error, ValueError):
        sig = b""
    if not signing.check_signature(public, sig, raw):
        report.problem(f"{MANIFEST}: signature does not verify (manifest altered, or signed by another key)")
    try:
        manifest = json.loads(raw)
        if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
            raise ValueError(f"format is not {BUNDLE_FORMAT}")
        files = manifest["files"]
        blobs = manifest["blobs"]
        if not isinstance(files, list) or not isinstance(blobs, list):
            raise ValueError("'files' and 'blobs' must be lists")
    except (ValueError, KeyError, TypeError) as exc:
        report.problem(f"{MANIFEST}: unreadable ({exc})")
        return
    report.case = str(manifest.get("case"))
    if manifest.get("key_fingerprint") != fpr:
        report.problem(f"{MANIFEST}: names key {manifest.get('key_fingerprint')} but the bundle ships {fpr}")

    listed: dict[str, dict[str, Any]] = {}
    for entry in [*files, *blobs]:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str) or not _safe(entry["path"]):
            report.problem(f"{MANIFEST}: bad file entry {str(entry)[:120]}")
            continue
        listed[entry["path"]] = entry
    present = set(src.names())
    for name in sorted(present - set(listed) - {MANIFEST, MANIFEST_SIG}):
        report.problem(f"{name}: in the bundle but not in the manifest (added after signing)")
    for name, entry in sorted(listed.items()):
        if name not in present:
            report.problem(f"{name}: listed in the manifest but missing")
            continue
        size = entry.get("size")
        limit = size if isinstance(size, int) and size >= 0 else MAX_MANIFEST
        try:
            digest, got = src.digest(name, limit)
        except (InputError, DamagedMember) as exc:
            report.problem(str(exc))
            continue
        report.files_checked += 1
        if got != size:
            report.problem(f"{name}: {got if got <= limit else 'more than ' + str(limit)} bytes, manifest says {size}")
        elif digest != entry.get("sha256"):
            report.problem(f"{name}: SHA-256 {digest} differs from the manifest's {entry.get('sha256')} (file altered)")

    blob_shas: set[str] = set()
    for b in blobs:
        if not isinstance(b, dict):
            continue
        sha = str(b.get("sha256", ""))
        blob_shas.add(sha)
        name = str(b.get("path", ""))
        if name in present and PurePosixPath(name).name.split(".", 1)[0] != sha:
            report.problem(f"{name}: file name does not carry its SHA-256 {sha}")
        report.blobs_checked += 1
    log_size = listed.get(CUSTODY_LOG, {}).get("size")
    log_limit = log_size if isinstance(log_size, int) and log_size >= 0 else MAX_MANIFEST
    _verify_custody(src, report, public, fpr, blob_shas, log_limit)


def _verify_custody(
    src: _Source, report: BundleReport, public: Any, fpr: str, blob_shas: set[str], log_limit: int
) -> None:
    import tempfile

    try:
        head_raw = src.read(CUSTODY_HEAD, 1 << 16)
        head = loads_strict(head_raw)
        if not isinstance(head, dict):
            raise ValueError("not an object")
    except (InputError, DamagedMember) as exc:
        report.problem(str(exc))
        head = None
    except FileNotFoundError:
        report.problem(f"{CUSTODY_HEAD}: missing")
        head = None
    except ValueError as exc:
        report.problem(f"{CUSTODY_HEAD}: unreadable ({exc})")
        head = None
    # verify_log reads a file path; copy the log out of a zip into a private temp file.
    with tempfile.TemporaryDirectory(prefix="lt-bundle-") as tmp:
        log_path = Path(tmp) / "custody.jsonl"
        # Copy no more than the manifest declares: a zip member can inflate without bound.
        copied = 0
        try:
            with src.open(CUSTODY_LOG) as fh, log_path.open("wb") as out:
                while copied <= log_limit and (piece := fh.read(_CHUNK)):
                    copied += len(piece)
                    out.write(piece)
        except FileNotFoundError:
            report.problem(f"{CUSTODY_LOG}: missing")
            return
        except (InputError, OSError, DamagedMember) as exc:
            report.problem(str(exc))
            return
        if copied > log_limit:
            return  # the size mismatch is already reported; do not walk an oversized log
        logged: set[str] = set()

        def note_blob(sha: str) -> None:
            logged.add(sha)
            return None

        result = verify_log(log_path, {fpr: public}, head, note_blob, allow_omitted=True)
    report.custody_entries = result.entries
    report.custody_omitted = result.omitted
    for p in result.problems:
        report.problem(p.describe(CUSTODY_LOG))
    for w in result.warnings:
        report.warnings.append(w.describe(CUSTODY_LOG))
    for sha in sorted(blob_shas - logged):
        report.problem(f"blob {sha}: not recorded in the custody log")
