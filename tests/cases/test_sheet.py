"""`evidence sheet`: one item's screenshot, URL, time, hashes, verified timestamp and custody, as a PDF."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from leaktrace.cases.sheet import render_sheet_html, write_sheet
from leaktrace.cli.app import main
from leaktrace.collect.render import RenderResult
from leaktrace.collect.screenshots import store_render
from leaktrace.core.keyring import Keyring
from leaktrace.evidence import EvidenceStore
from leaktrace.evidence.sheet import gather
from leaktrace.evidence.timestamp import TsaConfig, load_roots
from local_tsa import LocalTsa

URL = "http://shopdata7xyz.onion/listing/42?<script>alert(1)</script>"


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (1280, 700), (240, 240, 240)).save(buf, "PNG")
    return buf.getvalue()


def _item(store: EvidenceStore) -> tuple[str, str]:
    body = "<html><h1>身份证 四要素 10万条</h1></html>".encode()
    ref = store.put_capture(url=URL, status=200, headers=[("Content-Type", "text/html")], body=body,
                            fetched_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC), collector="crawler")
    shot = store_render(store, RenderResult(URL, False, png=_png()), ref.sha256, collector="crawler",
                        rendered_at=datetime(2026, 12, 1, 8, 0, 5, tzinfo=UTC))
    assert shot is not None
    return ref.sha256, shot


def test_sheet_of_a_stamped_capture(local_tsa: LocalTsa, tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "data", keys=Keyring.generate(),
                          tsa=TsaConfig(local_tsa.url, load_roots(local_tsa.roots), every=1000, interval_s=1e9))
    capture, shot = _item(store)
    assert store.stamper is not None and store.stamper.stamp().status == "stamped"
    data = gather(store, shot)  # the screenshot's hash leads to its capture
    assert data.sha256 == capture and data.screenshot is not None and data.screenshot.sha256 == shot
    assert data.stamp is not None and data.stamp.verified and data.stamp.stamped_seq >= data.capture.seq
    assert data.chain_ok and all(v is None for v in data.blob_checks.values())
    assert data.payload_sha256 == hashlib.sha256("<html><h1>身份证 四要素 10万条</h1></html>".encode()).hexdigest()
    html = render_sheet_html(data)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html  # hostile URL escaped
    assert capture in html and shot in html and "token verifies" in html and data.stamp.gen_time in html
    assert "data:image/png;base64," in html
    assert [e.action for e in data.entries] == ["capture", "screenshot", "timestamp"]
    pdf = tmp_path / "sheet.pdf"
    write_sheet(store, capture, pdf)
    raw = pdf.read_bytes()
    assert raw.startswith(b"%PDF-") and b"/Image" in raw and pdf.stat().st_mode & 0o077 == 0
    # a root the token does not chain to: the sheet says the token does not verify
    rogue = gather(store, capture, tsa_roots=load_roots(local_tsa.rogue_dir / "ca.pem"))
    assert rogue.stamp is not None and not rogue.stamp.verified and "trusted TSA root" in str(rogue.stamp.problem)


def test_cli_sheet_of_an_unstamped_capture(store: EvidenceStore, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    capture, _ = _item(store)
    assert "Not yet stamped" in render_sheet_html(gather(store, capture))
    out = tmp_path / "s.pdf"
    assert main(["evidence", "sheet", capture, "-o", str(out)]) == 0
    assert "not yet stamped" in capsys.readouterr().out and out.read_bytes().startswith(b"%PDF-")
    assert main(["evidence", "sheet", "ab" * 32, "-o", str(tmp_path / "t.pdf")]) == 2
    assert not (tmp_path / "t.pdf").exists()
