"""Uploads through the console: a simulated WARC, Telegram export and dump, through the page and the API.

Each upload must end in sealed evidence plus the CLI's import (posts) or
dump analysis (report), audited; an oversize or damaged file must be
refused with one line naming it and leave no blob, staged file, post or
dump folder behind; partners and auditors are refused before a byte is read.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from console_world import PASSWORD, ConsoleWorld
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from leaktrace.service import audit
from leaktrace.service.tokens import issue_token
from leaktrace.store.models import Post
from leaktrace.web.app import create_app

SOURCE = {"source": "console-upload", "legal_basis": "inspection order 2026-17", "owner": "analyst1"}


def simulated_warc(world_root: Path, tag: str, n: int = 3) -> bytes:
    """A gzipped WARC of `n` listing pages of the simulated social world (as a crawl of the markets writes one)."""
    listings = [json.loads(line) for line in (world_root / "world" / "social" / "listings.jsonl")
                .read_text("utf-8").splitlines()[:n]]
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    for i, item in enumerate(listings):
        html = (f"<html><head><title>{tag} {item['title']}</title></head><body><h1>{tag} {item['title']}</h1>"
                f"<div>{item['body']}</div></body></html>").encode()
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        rec = writer.create_warc_record(f"http://market{item['market']}.example.onion/{tag}/listing/{i}", "response",
                                        payload=io.BytesIO(html), http_headers=http,
                                        warc_headers_dict={"WARC-Date": "2026-11-30T08:00:00Z"})
        writer.write_record(rec)
    return out.getvalue()


def login(c: TestClient, username: str, code: str | None = None) -> str:
    page = c.get("/login")
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert token is not None
    data = {"csrf": token.group(1), "username": username, "password": PASSWORD}
    if code:
        data["totp"] = code
    r = c.post("/login", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return csrf_of(c.get("/upload").text) if username.startswith(("analyst", "admin", "super")) else ""


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert m is not None
    return m.group(1)


def blobs(ctx: object) -> set[str]:
    root = ctx.evidence.blob_dir  # type: ignore[attr-defined]
    return {p.parent.name + p.name for p in root.glob("??/*")} if root.exists() else set()


def staged(ctx: object) -> list[Path]:
    tmp = ctx.evidence.root / "tmp"  # type: ignore[attr-defined]
    return list(tmp.iterdir()) if tmp.exists() else []


def posts_titled(ctx: object, tag: str) -> int:
    with ctx.session() as s:  # type: ignore[attr-defined]
        return int(s.scalar(select(func.count()).select_from(Post).where(Post.title.contains(tag))) or 0)


@pytest.fixture(scope="module")
def app(console_world: ConsoleWorld) -> object:
    return create_app(console_world.ctx)


@pytest.fixture
def analyst(app: object) -> Iterator[tuple[TestClient, str]]:
    with TestClient(app) as c:  # type: ignore[arg-type]
        csrf = login(c, "analyst1")
        yield c, csrf


def test_page_upload_of_a_simulated_warc_is_sealed_imported_and_audited(
        analyst: tuple[TestClient, str], console_world: ConsoleWorld) -> None:
    c, csrf = analyst
    ctx = console_world.ctx
    data = simulated_warc(console_world.root, "UPWARC")
    r = c.post("/upload", data={"csrf": csrf, "kind": "warc", **SOURCE},
               files={"file": ("crawl-market.warc.gz", data, "application/warc")})
    assert r.status_code == 200, r.text[-800:]
    sha = hashlib.sha256(data).hexdigest()
    assert sha in r.text and 'id="upload-result"' in r.text
    assert ctx.evidence.has(sha) and ctx.evidence.read_bytes(sha) == data  # sealed, and opens to the same bytes
    assert not (ctx.evidence.blob_path(sha).read_bytes().find(b"UPWARC") >= 0)  # never in clear at rest
    intake = [e for e in ctx.evidence.entries() if e.sha256 == sha]
    assert intake and intake[-1].meta["uploaded_by"] == "analyst1" and intake[-1].meta["filename"] == \
        "crawl-market.warc.gz"
    assert posts_titled(ctx, "UPWARC") == 3  # the importer read the pages into posts (as `import warc` does)
    entry = audit.query(ctx, action="import.upload", target=f"evidence:{sha}")
    assert entry and entry[0].actor == "analyst1" and entry[0].detail["kind"] == "warc"
    assert not staged(ctx)


def test_api_upload_of_the_simulated_telegram_export(app: object, console_world: ConsoleWorld) -> None:
    ctx = console_world.ctx
    p = console_world.accounts.principals["analyst2"]
    token = issue_token(ctx, p, p.user_id, ["import"])
    export = console_world.root / "world" / "social" / "telegram" / "result.json"
    data = export.read_bytes()
    with TestClient(app) as c:  # type: ignore[arg-type]
        r = c.post("/api/v1/uploads/telegram", params={"filename": "result.json", **SOURCE},
                   content=data, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["sha256"] == hashlib.sha256(data).hexdigest() and body["summary"]["documents"] == 1
    assert sum(body["summary"]["posts"].values()) > 0  # every message read (new or already loaded)
    assert audit.query(ctx, action="import.upload", target=f"evidence:{body['sha256']}")


def test_page_upload_of_a_simulated_dump_runs_the_dump_analysis(
        analyst: tuple[TestClient, str], console_world: ConsoleWorld, tmp_path: Path) -> None:
    from leaktrace.simulate.world import generate_world

    generate_world(tmp_path / "w", scale=300, seed=11, orgs=2, formats=["csv"], social=False)
    dump = next((tmp_path / "w").rglob("*.csv"))
    data = dump.read_bytes()
    c, csrf = analyst
    r = c.post("/upload", data={"csrf": csrf, "kind": "dump"}, files={"file": (dump.name, data, "text/csv")})
    assert r.status_code == 200, r.text[-800:]
    sha = hashlib.sha256(data).hexdigest()
    report = console_world.ctx.data_dir / "dumps" / sha / "report.json"
    assert report.is_file()  # the same folder `leaktrace dump analyze` writes
    rows = json.loads(report.read_text("utf-8"))["report"]["rows"]
    assert rows > 0 and f">{rows:,}<" in r.text
    assert console_world.ctx.evidence.has(sha)


def test_oversize_upload_is_refused_with_413_and_nothing_kept(
        app: object, analyst: tuple[TestClient, str], console_world: ConsoleWorld,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = console_world.ctx
    monkeypatch.setattr(ctx.settings, "console_upload_max_bytes", 70_000)
    before = blobs(ctx)
    big = b"a,b\n" + b"1,2\n" * 40_000  # 160 kB
    c, csrf = analyst
    r = c.post("/upload", data={"csrf": csrf, "kind": "dump"}, files={"file": ("big.csv", big, "text/csv")})
    assert r.status_code == 413 and "upload limit of 70,000 bytes" in r.text
    p = console_world.accounts.principals["analyst1"]
    token = issue_token(ctx, p, p.user_id, ["import"])

    def chunks() -> Iterator[bytes]:  # no Content-Length: refused while it streams in
        for i in range(0, len(big), 8192):
            yield big[i:i + 8192]

    r = c.post("/api/v1/uploads/dump", params={"filename": "big.csv"}, content=chunks(),
               headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 413 and "big.csv: larger than the console's upload limit" in r.json()["error"]
    assert blobs(ctx) == before and not staged(ctx)


def test_truncated_warc_and_bad_export_are_refused_with_nothing_left_behind(
        analyst: tuple[TestClient, str], console_world: ConsoleWorld) -> None:
    ctx = console_world.ctx
    before = blobs(ctx)
    data = simulated_warc(console_world.root, "CUTWARC", n=3)
    c, csrf = analyst
    for short in (37, 200):  # inside the last gzip member (warcio reads that without complaint), and deeper
        r = c.post("/upload", data={"csrf": csrf, "kind": "warc", **SOURCE},
                   files={"file": ("cut.warc.gz", data[:-short], "application/warc")})
        assert r.status_code == 400, short
        line = re.search(r'id="upload-error">([^<]*)<', r.text)
        assert line is not None and line.group(1).startswith("cut.warc.gz: truncated") and "\n" not in line.group(1)
    assert posts_titled(ctx, "CUTWARC") == 0  # the good records before the damage were not imported either
    p = console_world.accounts.principals["analyst1"]
    token = issue_token(ctx, p, p.user_id, ["import"])
    r = c.post("/api/v1/uploads/warc", params={"filename": "cut.warc.gz", **SOURCE}, content=data[:-37],
               headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 400 and r.json()["error"].startswith("cut.warc.gz: truncated")
    r = c.post("/upload", data={"csrf": csrf, "kind": "telegram", **SOURCE},
               files={"file": ("result.json", b'{"name": "x", "messages": [', "application/json")})
    assert r.status_code == 400 and "result.json: line 1: not valid JSON" in r.text
    r = c.post("/upload", data={"csrf": csrf, "kind": "dump"},
               files={"file": ("garbage.bin", bytes(range(256)) * 64, "application/octet-stream")})
    assert r.status_code == 400 and "garbage.bin" in r.text
    assert blobs(ctx) == before and not staged(ctx)
    refused = audit.query(ctx, action="import.refused", limit=10)
    assert {e.detail["filename"] for e in refused} >= {"cut.warc.gz", "result.json", "garbage.bin"}


def test_a_refused_upload_leaves_no_new_source_registered(
        analyst: tuple[TestClient, str], console_world: ConsoleWorld) -> None:
    from leaktrace.store.models import Source

    c, csrf = analyst
    bad = ("result.json", b"[1, 2", "application/json")
    r = c.post("/upload", data={"csrf": csrf, "kind": "telegram", "source": "brand-new-src"}, files={"file": bad})
    assert r.status_code == 400 and "source &#39;brand-new-src&#39;: no such source" in r.text
    r = c.post("/upload", data={"csrf": csrf, "kind": "telegram", "source": "brand-new-src", "legal_basis": "order 7",
                                "owner": "analyst1"}, files={"file": bad})
    assert r.status_code == 400 and "result.json: " in r.text and "was not registered" in r.text
    with console_world.ctx.session() as s:
        assert s.scalar(select(Source.id).where(Source.name == "brand-new-src")) is None


def test_upload_without_csrf_token_is_refused_before_the_file_is_read(
        analyst: tuple[TestClient, str], console_world: ConsoleWorld) -> None:
    c, _ = analyst
    before = blobs(console_world.ctx)
    r = c.post("/upload", data={"csrf": "0" * 64, "kind": "dump"}, files={"file": ("x.csv", b"a\n1\n", "text/csv")})
    assert r.status_code == 403 and blobs(console_world.ctx) == before


@pytest.mark.parametrize("who", ["partner1", "auditor1"])
def test_partner_and_auditor_are_refused_naming_the_roles(app: object, console_world: ConsoleWorld, who: str) -> None:
    ctx = console_world.ctx
    p = console_world.accounts.principals[who]
    with TestClient(app) as c:  # type: ignore[arg-type]
        login(c, who)
        page = c.get("/upload")
        assert page.status_code == 403 and 'id="needed-role"' in page.text
        assert "analyst" in page.text and "import.upload" in page.text
        form_csrf = csrf_of(c.get("/sessions").text)
        r = c.post("/upload", data={"csrf": form_csrf, "kind": "dump"}, files={"file": ("x.csv", b"a\n1\n")})
        assert r.status_code == 403
        token = issue_token(ctx, p, p.user_id, ["import"])
        r = c.post("/api/v1/uploads/dump", params={"filename": "x.csv"}, content=b"a\n1\n",
                   headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 403 and "analyst" in r.json()["needed_roles"]


def test_service_upload_names_and_dates_the_file_safely(console_world: ConsoleWorld) -> None:
    """The service takes pieces, no path: the file name loses its folders and personal values (it is recorded in
    custody and audit), and the custody entry is dated at the upload."""
    from leaktrace.service.uploads import UploadOptions, upload

    ctx = console_world.ctx
    p = console_world.accounts.principals["analyst1"]
    data = simulated_warc(console_world.root, "SVCWARC", n=1)
    t0 = datetime.now(UTC)
    res = upload(ctx, p, "warc", "../../etc/svc-13912345678.warc.gz", iter([data[:100], data[100:]]),
                 UploadOptions(**SOURCE))
    assert res.filename.startswith("svc-13") and "13912345678" not in res.filename and res.summary["documents"] == 1
    assert "13912345678" not in str(audit.query(ctx, action="import.upload", target=f"evidence:{res.sha256}")[0].detail)
    assert gzip.decompress(ctx.evidence.read_bytes(res.sha256))[:4] == b"WARC"
    assert [e for e in ctx.evidence.entries() if e.sha256 == res.sha256][-1].time >= t0.isoformat()[:19]


def test_gb18030_dump_upload_is_transcoded_from_the_memory_copy(console_world: ConsoleWorld, tmp_path: Path) -> None:
    """The GB18030 stream reads the file again by its path (the compiled decoder, or an iconv child): it must open the in-memory copy too."""
    from leaktrace.service.uploads import upload
    from leaktrace.simulate.world import generate_world

    generate_world(tmp_path / "w", scale=300, seed=3, orgs=2, formats=["csv-gb18030"], social=False)
    truth = json.loads((tmp_path / "w" / "truth.json").read_text("utf-8"))
    dump = tmp_path / "w" / truth["leak"]["files"]["csv-gb18030"]
    res = upload(console_world.ctx, console_world.accounts.principals["analyst2"], "dump", dump.name,
                 iter([dump.read_bytes()]))
    assert res.summary["encoding"] == "gb18030" and res.summary["rows"] == 300
    assert res.summary["distinct_valid_ids"] > 0
