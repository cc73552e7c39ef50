"""Export a case as a bundle a court can check alone: originals, custody, key, report, exports.

Layout (a folder, or the same folder zipped)::

    manifest.json        every file with size and SHA-256, the case, the key fingerprint
    manifest.sig         Ed25519 signature of manifest.json's bytes (custody key)
    custody/             custody.jsonl, custody.head, signing.pub (the whole chain: each
                         entry links to the one before, so a verifier needs them all; an
                         entry of evidence outside the case is there as its hash only)
    blobs/<sha256>.<ext> the original bytes of every capture, its screenshot (PNG) when one was
                         taken, and, if asked, the dumps
    report/              the HTML report(s)
    exports/             STIX bundle, MISP event, CSV tables, and the captures as a WACZ
                         (each archive/<sha256>.warc.gz listed under its evidence SHA-256)

Each blob's export is itself a custody event, appended before the log is
copied, so the bundle's log records that the bundle was made. The bundle is
built in a temporary folder beside the destination and renamed into place:
a failed export leaves nothing half-written. `leaktrace evidence
verify-bundle` (evidence/bundle.py) checks it without the platform.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding

from leaktrace.cases import misp, stix, tables
from leaktrace.cases.custody import check_captures
from leaktrace.cases.model import CaseContent
from leaktrace.cases.report import render_html
from leaktrace.core import signing
from leaktrace.core.errors import InputError, IntegrityError
from leaktrace.core.private_files import FILE_MODE, make_private
from leaktrace.evidence import EvidenceStore, timestamp
from leaktrace.evidence.bundle import (
    BUNDLE_FORMAT,
    CUSTODY_HEAD,
    CUSTODY_LOG,
    MANIFEST,
    MANIFEST_SIG,
    PUBLIC_KEY,
    TSA_ROOTS,
)
from leaktrace.evidence.custody import HEAD_NAME, LOG_NAME, omitted_line, parse_line, utc_now
from leaktrace.evidence.export import _suffix
from leaktrace.evidence.sheet import linked_screenshots
from leaktrace.evidence.wacz_export import capture_shas, write_wacz

_CHUNK = 1 << 20


def _sha_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while piece := fh.read(_CHUNK):
            h.update(piece)
            size += len(piece)
    return h.hexdigest(), size


def _copy_blob(store: EvidenceStore, sha: str, dest: Path) -> int:
    h = hashlib.sha256()
    size = 0
    with store.open(sha) as blob, dest.open("wb") as out:
        for piece in blob.iter_chunks():
            h.update(piece)
            size += len(piece)
            out.write(piece)
    if h.hexdigest() != sha:
        raise IntegrityError(f"blob {sha} holds other bytes (SHA-256 {h.hexdigest()}); bundle not written")
    return size


def _copy_log(src: Path, dest: Path, keep: set[str]) -> None:
    """The custody log with every entry not about `keep`'s blobs replaced by its hash only.

    Other cases' onion URLs, dump names and collectors stay out of the bundle; the
    chain still verifies, since the next kept entry's signed `prev` names the hash.
    """
    with src.open("rb") as fh, dest.open("wb") as out:
        for lineno, raw in enumerate(fh, start=1):
            try:
                entry, error = parse_line(raw)
            except (ValueError, KeyError, TypeError) as exc:
                raise IntegrityError(f"{src}: line {lineno}: unreadable entry ({exc}); bundle not written") from exc
            if error or not raw.endswith(b"\n"):
                raise IntegrityError(f"{src}: line {lineno}: {error or 'partial line'}; bundle not written")
            # Timestamp entries name only an entry hash and the TSA's token: kept, so the bundle's
            # verifier can check what a third party dated.
            kept = entry.sha256 in keep or entry.action in timestamp.ACTIONS
            out.write(raw if kept else omitted_line(entry.hash))


def screenshots_of(store: EvidenceStore, captures: list[str]) -> list[str]:
    """The latest screenshot of each capture (collect.screenshots), in capture order."""
    if not store.custody.path.exists():
        return []
    wanted = set(captures)
    latest = {c: str(e.sha256) for c, e in linked_screenshots(list(store.entries()), captures).items()}
    return [latest[c] for c in captures if c in latest and latest[c] not in wanted]


def export_bundle(
    content: CaseContent,
    dest: Path,
    *,
    store: EvidenceStore,
    collector: str,
    langs: tuple[str, ...] = ("zh", "en"),
    include_dumps: bool = False,
    as_zip: bool = False,
) -> Path:
    """Write the bundle to `dest` (a new folder, or `dest` as a .zip); returns the path written."""
    final = dest.with_suffix(".zip") if as_zip and dest.suffix != ".zip" else dest
    if final.exists():
        raise InputError(f"{final}: already exists; choose another destination")
    final.parent.mkdir(parents=True, exist_ok=True)
    shas = [c.sha256 for c in content.captures]
    if include_dumps:
        shas += [d.sha256 for d in content.dumps if d.sha256]
    shas = list(dict.fromkeys(shas))
    shas += screenshots_of(store, shas)  # the pictures of the captured pages travel with them
    intake = {s["sha256"]: s for s in store.summaries()} if store.custody.path.exists() else {}
    missing = [s for s in shas if s not in intake or not store.has(s)]
    if missing:
        raise InputError(f"case {content.info.ref}: capture {missing[0]} is not in the evidence store")
    work = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}."))
    try:
        root = work / final.stem if as_zip else work / "bundle"
        for sub in ("blobs", "custody", "report", "exports"):
            (root / sub).mkdir(parents=True)
        blobs: list[dict[str, Any]] = []
        for sha in shas:
            info = intake[sha]
            name = f"blobs/{sha}{_suffix(info.get('media_type'), info.get('filename'))}"
            size = _copy_blob(store, sha, root / name)
            store.custody.append("export", collector=collector, sha256=sha, size=size,
                                 source_url=info.get("source_url"), media_type=info.get("media_type"),
                                 contains_pii=bool(info.get("contains_pii", True)),
                                 meta={"case": content.info.ref, "bundle": final.name})
            blobs.append({"path": name, "sha256": sha, "size": size, "media_type": info.get("media_type"),
                          "source_url": info.get("source_url"), "intake_time": info.get("intake_time")})
        key = store.custody.signing_key()
        with store.custody.locked():
            _copy_log(store.root / LOG_NAME, root / CUSTODY_LOG, set(shas))
            shutil.copyfile(store.root / HEAD_NAME, root / CUSTODY_HEAD)
        (root / PUBLIC_KEY).write_text(signing.public_to_text(key.public) + "\n")
        if store.tsa is not None:
            (root / TSA_ROOTS).write_bytes(b"".join(c.public_bytes(Encoding.PEM) for c in store.tsa.roots))
        custody = check_captures(content.captures, store)
        for lang in langs:
            html = render_html(content, lang, custody)
            (root / f"report/{content.info.ref}.{lang}.html").write_text(html, "utf-8")
        (root / f"exports/{content.info.ref}.stix.json").write_text(stix.to_json(content), "utf-8")
        (root / f"exports/{content.info.ref}.misp.json").write_text(misp.to_json(content), "utf-8")
        for name, text in tables.build_tables(content).items():
            (root / f"exports/{content.info.ref}.{name}.csv").write_text(text, "utf-8")
        warcs = capture_shas(list(intake.values()), shas)
        wacz_name = f"exports/{content.info.ref}.wacz"
        if warcs:  # the captures as one web archive package, for replay tools
            write_wacz(store, warcs, root / wacz_name, title=f"{content.info.ref} {content.info.title}")
        blob_paths = {b["path"] for b in blobs}
        files = []
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = path.relative_to(root).as_posix()
            if rel in blob_paths:
                continue
            digest, size = _sha_file(path)
            files.append({"path": rel, "sha256": digest, "size": size})
        manifest: dict[str, Any] = {
            "format": BUNDLE_FORMAT,
            "case": content.info.ref,
            "title": content.info.title,
            "tlp": content.info.tlp,
            "created_at": utc_now(),
            "created_by": collector,
            "key_fingerprint": key.fingerprint,
            "files": files,
            "blobs": blobs,
        }
        wacz_entry = next((f for f in files if f["path"] == wacz_name), None)
        if wacz_entry is not None:
            manifest["wacz"] = {"path": wacz_name, "sha256": wacz_entry["sha256"], "captures": len(warcs)}
        raw = (json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()
        (root / MANIFEST).write_bytes(raw)
        (root / MANIFEST_SIG).write_text(base64.b64encode(key.sign(raw)).decode() + "\n")
        make_private(root)
        if as_zip:
            tmp_zip = work / "bundle.zip"
            with zipfile.ZipFile(tmp_zip, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                for path in sorted(root.rglob("*")):
                    if path.is_file():
                        zf.write(path, path.relative_to(work).as_posix())
            os.chmod(tmp_zip, FILE_MODE)
            os.replace(tmp_zip, final)
        else:
            os.replace(root, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final
