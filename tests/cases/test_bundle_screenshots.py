"""A case bundle carries the screenshot of each capture that has one, and verify-bundle checks it."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from leaktrace.cases.bundle import export_bundle
from leaktrace.cases.model import CaseContent
from leaktrace.collect.render import RenderResult
from leaktrace.collect.screenshots import store_render
from leaktrace.evidence import EvidenceStore
from leaktrace.evidence.bundle import verify_bundle


def test_screenshot_travels_with_its_capture(store: EvidenceStore, content: CaseContent, tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (1280, 640), (250, 250, 250)).save(buf, "PNG")
    first = content.captures[0]
    shot = store_render(store, RenderResult(first.url or "", False, png=buf.getvalue()), first.sha256,
                        collector="t", rendered_at=datetime.now(UTC))
    assert shot is not None
    bundle = export_bundle(content, tmp_path / "b", store=store, collector="t", langs=("en",))
    png = bundle / "blobs" / f"{shot}.png"
    assert hashlib.sha256(png.read_bytes()).hexdigest() == shot
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert {b["sha256"] for b in manifest["blobs"]} == {c.sha256 for c in content.captures} | {shot}
    log = (bundle / "custody" / "custody.jsonl").read_text()
    assert f'"sha256":"{shot}"' in log and '"action":"screenshot"' in log  # its entry is shown, not omitted
    report = verify_bundle(bundle)
    assert report.ok, report.problems
    png.write_bytes(png.read_bytes()[:-1] + b"\0")
    assert not verify_bundle(bundle).ok
