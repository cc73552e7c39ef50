"""`case export` writes the case's captures as a WACZ that passes `wacz validate`, listed under their evidence hashes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from leaktrace.cases.bundle import export_bundle
from leaktrace.cases.model import CaseContent
from leaktrace.evidence import EvidenceStore
from leaktrace.evidence.bundle import verify_bundle
from leaktrace.evidence.wacz_export import read_resources, validate_wacz


def test_bundle_holds_a_valid_wacz_of_its_captures(shared_case: tuple[EvidenceStore, CaseContent],
                                                   tmp_path: Path) -> None:
    store, content = shared_case
    bundle = export_bundle(content, tmp_path / "b", store=store, collector="t", langs=("en",))
    wacz = bundle / f"exports/{content.info.ref}.wacz"
    ok, text = validate_wacz(wacz)
    assert ok, text
    archives = {p: h for p, h in read_resources(wacz).items() if p.startswith("archive/")}
    assert archives == {f"archive/{c.sha256}.warc.gz": c.sha256 for c in content.captures}
    manifest = json.loads((bundle / "manifest.json").read_text())
    digest = hashlib.sha256(wacz.read_bytes()).hexdigest()
    assert manifest["wacz"] == {"path": f"exports/{content.info.ref}.wacz", "sha256": digest,
                                "captures": len(content.captures)}
    assert verify_bundle(bundle).ok
    data = bytearray(wacz.read_bytes())
    data[len(data) // 2] ^= 0xFF
    wacz.write_bytes(bytes(data))
    report = verify_bundle(bundle)
    assert not report.ok and any(f"{content.info.ref}.wacz" in p for p in report.problems)
