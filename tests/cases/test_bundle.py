"""The case bundle verifies stand-alone, and every kind of tampering is caught and named."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from leaktrace.cases.bundle import export_bundle
from leaktrace.cases.model import CaseContent
from leaktrace.cli.app import main
from leaktrace.core.errors import InputError
from leaktrace.core.settings import get_settings
from leaktrace.evidence import EvidenceStore
from leaktrace.evidence.bundle import verify_bundle


@pytest.fixture(scope="module")
def made(shared_case: tuple[EvidenceStore, CaseContent], tmp_path_factory: pytest.TempPathFactory) -> Path:
    store, content = shared_case
    return export_bundle(content, tmp_path_factory.mktemp("bundles") / "b", store=store, collector="tester", langs=("en",))


@pytest.fixture
def bundle(made: Path, tmp_path: Path) -> Path:
    """A fresh copy of the module's bundle, for a test to tamper with."""
    return Path(shutil.copytree(made, tmp_path / "b"))


def test_bundle_verifies(bundle: Path, shared_case: tuple[EvidenceStore, CaseContent]) -> None:
    store, content = shared_case
    report = verify_bundle(bundle)
    assert report.ok, report.problems
    assert report.case == content.info.ref
    assert report.blobs_checked == len(content.captures)
    assert report.files_checked == len(content.captures) + 10  # blobs + custody 3, report 1, exports 6
    blobs = sorted(p.name.split(".")[0] for p in (bundle / "blobs").iterdir())
    assert blobs == sorted(c.sha256 for c in content.captures)
    # making the bundle is itself recorded in custody, and the store still verifies
    exports = [e for e in store.entries() if e.action == "export" and e.meta.get("case") == content.info.ref]
    assert len(exports) == len(content.captures)
    assert store.verify().ok
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["key_fingerprint"] == report.key_fingerprint
    assert (bundle / f"exports/{content.info.ref}.stix.json").exists()


def test_bundle_is_owner_only(made: Path, content: CaseContent, store: EvidenceStore, tmp_path: Path) -> None:
    """The bundle holds the captured pages themselves: no group or other access, whatever the umask."""
    old = os.umask(0o002)
    try:
        zipped = export_bundle(content, tmp_path / "z", store=store, collector="t", langs=("en",), as_zip=True)
    finally:
        os.umask(old)
    for path in [made, *made.rglob("*"), zipped]:
        assert path.stat().st_mode & 0o077 == 0, path


def _problems(path: Path, **kw: str) -> str:
    report = verify_bundle(path, **kw)
    assert not report.ok
    return "\n".join(report.problems)


def test_altered_blob(bundle: Path) -> None:
    blob = next((bundle / "blobs").iterdir())
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x20
    blob.write_bytes(bytes(data))
    assert f"blobs/{blob.name}: SHA-256" in _problems(bundle)


def test_altered_report_and_added_file(bundle: Path) -> None:
    page = next((bundle / "report").iterdir())
    page.write_text(page.read_text().replace("TLP:AMBER", "TLP:CLEAR"))
    (bundle / "exports" / "extra.csv").write_text("smuggled\n")
    text = _problems(bundle)
    assert f"report/{page.name}: SHA-256" in text
    assert "exports/extra.csv: in the bundle but not in the manifest" in text


def test_manifest_edit_breaks_signature(bundle: Path) -> None:
    path = bundle / "manifest.json"
    doc = json.loads(path.read_text())
    doc["title"] = "something else"
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    assert "manifest.json: signature does not verify" in _problems(bundle)


def test_custody_entry_deleted_or_log_truncated(bundle: Path, tmp_path: Path) -> None:
    other = tmp_path / "copy"
    shutil.copytree(bundle, other)
    log = bundle / "custody" / "custody.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:2] + lines[3:]))
    assert "chain broken" in _problems(bundle)
    log2 = other / "custody" / "custody.jsonl"
    log2.write_bytes(b"".join(log2.read_bytes().splitlines(keepends=True)[:-2]))
    assert "were deleted" in _problems(other)


def test_resigned_with_another_key_needs_expect_key(bundle: Path) -> None:
    """A forger who re-signs everything makes a consistent bundle: only the pinned key tells."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from leaktrace.core import signing

    good = verify_bundle(bundle).key_fingerprint
    assert good is not None
    forged = Ed25519PrivateKey.generate()
    manifest = json.loads((bundle / "manifest.json").read_text())
    (bundle / "custody" / "signing.pub").write_text(signing.public_to_text(forged.public_key()) + "\n")
    manifest["key_fingerprint"] = signing.fingerprint(forged.public_key())
    for f in manifest["files"]:
        if f["path"] == "custody/signing.pub":
            data = (bundle / f["path"]).read_bytes()
            import hashlib

            f["sha256"], f["size"] = hashlib.sha256(data).hexdigest(), len(data)
    raw = (json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()
    (bundle / "manifest.json").write_bytes(raw)
    (bundle / "manifest.sig").write_text(base64.b64encode(forged.sign(raw)).decode())
    text = _problems(bundle)
    assert "signed by unknown key" in text  # the custody entries still carry the real key
    assert f"not the expected key {good}" in _problems(bundle, expect_key=good)


def test_zip_bundle_and_hostile_member(content: CaseContent, store: EvidenceStore, tmp_path: Path) -> None:
    path = export_bundle(content, tmp_path / "z", store=store, collector="t", langs=("zh",), as_zip=True)
    assert path.suffix == ".zip" and not (tmp_path / "z").exists()
    assert verify_bundle(path).ok
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("z/../../evil.txt", "x")
    assert "not in the manifest" in _problems(path)
    with pytest.raises(InputError, match="already exists"):
        export_bundle(content, tmp_path / "z", store=store, collector="t", as_zip=True)


def test_missing_capture_refused(content: CaseContent, store: EvidenceStore, tmp_path: Path) -> None:
    ghost = content.model_copy(update={"captures": [content.captures[0].model_copy(update={"sha256": "ab" * 32})]})
    with pytest.raises(InputError, match="not in the evidence store"):
        export_bundle(ghost, tmp_path / "g", store=store, collector="t")
    assert not list(tmp_path.iterdir())


def test_cli_verify_bundle_without_platform(bundle: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.delenv("LEAKTRACE_KEYRING")
    monkeypatch.setenv("LEAKTRACE_DATA_DIR", str(tmp_path / "nothing-here"))
    get_settings.cache_clear()
    assert main(["evidence", "verify-bundle", str(bundle)]) == 0
    assert capsys.readouterr().out.startswith("ok: case ")
    next((bundle / "blobs").iterdir()).write_bytes(b"replaced")
    assert main(["evidence", "verify-bundle", str(bundle), "--json"]) == 4
    out = json.loads(capsys.readouterr().out.splitlines()[0])
    assert out["ok"] is False and out["problems"]
    assert main(["evidence", "verify-bundle", str(tmp_path / "nope")]) == 2


def test_verifier_imports_only_evidence_and_core() -> None:
    code = (
        "import sys, leaktrace.evidence.bundle\n"
        "bad = [m for m in sys.modules if m.startswith(('leaktrace.store', 'leaktrace.cases', 'sqlalchemy', "
        "'leaktrace.pii', 'leaktrace.intel'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_symlinked_file_refused(bundle: Path, tmp_path: Path) -> None:
    """Even a link to identical bytes is refused: a bundle holds plain files only."""
    blob = next((bundle / "blobs").iterdir())
    outside = tmp_path / "outside"
    outside.write_bytes(blob.read_bytes())
    blob.unlink()
    blob.symlink_to(outside)
    assert "symbolic link" in _problems(bundle)


@pytest.fixture(scope="module")
def made_zip(shared_case: tuple[EvidenceStore, CaseContent], tmp_path_factory: pytest.TempPathFactory) -> Path:
    store, content = shared_case
    return export_bundle(content, tmp_path_factory.mktemp("zips") / "z", store=store, collector="tester",
                         langs=("en",), as_zip=True)


def _rezip(src: Path, dest: Path, before: dict[str, bytes]) -> Path:
    """Copy a zip, writing `before[name]` as an extra member of the same name ahead of the real one."""
    import warnings

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name, and writes it anyway
        for info in zin.infolist():
            if info.filename in before:
                zout.writestr(info.filename, before[info.filename])
            zout.writestr(info, zin.read(info))
    return dest


def test_zip_duplicate_member_refused(made_zip: Path, tmp_path: Path) -> None:
    """Issue 16 item 7: a forged report or blob ahead of the real one (what unzip extracts) is refused."""
    with zipfile.ZipFile(made_zip) as zf:
        report = next(n for n in zf.namelist() if "/report/" in n)
        blob = next(n for n in zf.namelist() if "/blobs/" in n)
    for name in (report, blob):
        forged = _rezip(made_zip, tmp_path / f"forged-{name.count('blobs')}.zip", {name: b"<p>forged</p>"})
        text = _problems(forged)
        assert "duplicate" in text and name.split("/", 1)[1] in text


def test_zip_local_name_differs_from_central(made_zip: Path, tmp_path: Path) -> None:
    """Issue 16 item 7: a member whose local header names another file than the directory is refused."""
    data = bytearray(made_zip.read_bytes())
    with zipfile.ZipFile(made_zip) as zf:
        info = next(i for i in zf.infolist() if "/report/" in i.filename)
    start = info.header_offset + 30
    assert data[start:start + len(info.filename)] == info.filename.encode()
    data[start + len(info.filename) - 1] ^= 0x01  # 'x.html' -> 'x.htmm' in the local header only
    bad = tmp_path / "names.zip"
    bad.write_bytes(bytes(data))
    assert "local header" in _problems(bad)


def test_zip_damaged_member_is_integrity_failure(made_zip: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 16 item 8: a damaged member is a reported integrity failure (exit 4), not a crash."""
    data = bytearray(made_zip.read_bytes())
    with zipfile.ZipFile(made_zip) as zf:
        info = next(i for i in zf.infolist() if "/report/" in i.filename)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0x55
    bad = tmp_path / "damaged.zip"
    bad.write_bytes(bytes(data))
    assert info.filename.split("/", 1)[1] in _problems(bad)
    assert main(["evidence", "verify-bundle", str(bad)]) == 4
    err = capsys.readouterr().err
    assert "Traceback" not in err and "damaged" in err


def test_bundle_is_an_outside_anchor(made: Path, made_zip: Path, shared_case: tuple[EvidenceStore, CaseContent],
                                     tmp_path: Path) -> None:
    """Issue 16 item 10: a bundle's signed head anchors the store it came from."""
    from leaktrace.evidence.anchor import load_anchor

    store, _ = shared_case
    for path in (made, made_zip):
        anchor = load_anchor(str(path))
        report = store.verify(anchors=[anchor], check_blobs=False)
        assert report.ok and report.anchor == anchor
    from leaktrace.evidence.verify import verify_log

    newest = load_anchor(str(made_zip))
    cut = tmp_path / "custody.jsonl"  # the store's log cut back before the zip was made (a copy: the store is shared)
    cut.write_bytes(b"".join(store.custody.path.read_bytes().splitlines(keepends=True)[:newest.seq - 1]))
    report = verify_log(cut, store.trusted_keys(), None, None, [newest])
    assert any(p.kind == "anchor" and "roll-back" in p.message for p in report.problems)


def test_bundle_hides_custody_of_other_evidence(content: CaseContent, store: EvidenceStore, tmp_path: Path) -> None:
    """Issue 16 item 6: entries of evidence outside the case are in the bundle as their entry hash only."""
    store.put_bytes(b"another case's capture", source_url="http://unrelated-market.onion/t/9",
                    collector="other-unit-collector", meta={"filename": "other-dump.csv"})
    total = len(store.custody.path.read_bytes().splitlines())
    path = export_bundle(content, tmp_path / "b", store=store, collector="t", langs=("en",))
    for f in path.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            for secret in (b"unrelated-market.onion", b"other-unit-collector", b"other-dump.csv"):
                assert secret not in data, (f, secret)
    lines = [json.loads(x) for x in (path / "custody" / "custody.jsonl").read_bytes().splitlines()]
    exports = len(content.captures)
    assert len(lines) == total + exports
    omitted = [x for x in lines if set(x) == {"omitted"}]
    case_shas = {c.sha256 for c in content.captures}
    assert omitted and all(x.get("sha256") in case_shas for x in lines if "omitted" not in x)
    report = verify_bundle(path)
    assert report.ok, report.problems
    assert report.custody_entries == len(lines) and report.custody_omitted == len(omitted)
    # an omitted entry is no wildcard: changing its hash breaks the chain at the next entry
    i = lines.index(omitted[0])
    raw = (path / "custody" / "custody.jsonl").read_bytes().splitlines(keepends=True)
    raw[i] = json.dumps({"omitted": "ab" * 32}, separators=(",", ":")).encode() + b"\n"
    (path / "custody" / "custody.jsonl").write_bytes(b"".join(raw))
    assert "chain broken" in _problems(path) or "head" in _problems(path)


def test_truncated_zip_is_integrity_failure(made_zip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 16 item 8: a zip cut short (its directory gone) is a damaged bundle, exit 4, one line."""
    bad = tmp_path / "cut.zip"
    bad.write_bytes(made_zip.read_bytes()[: made_zip.stat().st_size // 2])
    assert main(["evidence", "verify-bundle", str(bad)]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "damaged zip" in err and "Traceback" not in err
    other = tmp_path / "text.zip"
    other.write_text("not a zip at all\n")
    assert main(["evidence", "verify-bundle", str(other)]) == 2


def test_zip_hidden_bytes_refused(made_zip: Path, tmp_path: Path) -> None:
    """Issue 16 item 7: a forged member hidden before the real archive (streaming unzip reads it) is refused."""
    with zipfile.ZipFile(made_zip) as zf:
        report = next(n for n in zf.namelist() if "/report/" in n)
    forged = tmp_path / "forged-only.zip"
    with zipfile.ZipFile(forged, "w") as zf:
        zf.writestr(report, "<p>forged</p>")
    with zipfile.ZipFile(forged) as zf:
        local_part = forged.read_bytes()[: zf.start_dir]  # the forged member, without its directory
    hidden = tmp_path / "hidden.zip"
    hidden.write_bytes(local_part + made_zip.read_bytes())
    assert "belong to no member" in _problems(hidden)
    commented = tmp_path / "commented.zip"
    shutil.copy(made_zip, commented)
    with zipfile.ZipFile(commented, "a") as zf:
        zf.comment = b"verified OK by the court"
    assert "zip comment" in _problems(commented)
