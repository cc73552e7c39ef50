"""Hostile files for every parser that reads outside material: they finish, or fail with one leaktrace error.

Each test takes a valid sample, damages it the ways attackers and broken
tools do (flipped and inserted bytes, truncation, stray quotes, deep
nesting, NULs, GB18030 and UTF-16 fragments), and requires the parser to
either read it or raise a LeaktraceError (one clear line, an exit code) —
never another exception, which the CLI would show as a traceback.

CI runs a bounded number of examples (the `ci` profile). For a long run:
`LEAKTRACE_FUZZ=long make test ARGS=tests/fuzz` (2,000 examples per parser;
docs/security.md).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leaktrace.core.errors import LeaktraceError

settings.register_profile("fuzz-ci", max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("fuzz-long", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
PROFILE = "fuzz-long" if os.environ.get("LEAKTRACE_FUZZ") == "long" else "fuzz-ci"

NASTY = [b'"', b"\x00", b"\r", b"\n", b",", b"\t", b"\\", b"{", b"[", b"]" * 3, b"\xef\xbb\xbf", b"\xff\xfe",
         "身份证".encode("gb18030"), "张三".encode("utf-16-le"), b"\xe4\xb8", b"9" * 40, b"[" * 5000, b"\x1b[31m"]


@st.composite
def damaged(draw: st.DrawFn, sample: bytes) -> bytes:
    """`sample` with a few edits: flips, insertions of nasty fragments, deletions, a cut."""
    data = bytearray(sample)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "cut", "repeat"]))
        pos = draw(st.integers(0, max(0, len(data) - 1))) if data else 0
        if op == "flip" and data:
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.one_of(st.sampled_from(NASTY), st.binary(min_size=1, max_size=16)))
        elif op == "delete" and data:
            del data[pos:pos + draw(st.integers(1, 32))]
        elif op == "cut":
            del data[pos:]
        elif op == "repeat" and data:
            chunk = bytes(data[pos:pos + draw(st.integers(1, 64))])
            data[pos:pos] = chunk * draw(st.integers(2, 50))
    return bytes(data)


def _consume(docs: Iterator[object]) -> None:
    for d in docs:
        items = getattr(d, "items", None)
        if items is not None and not isinstance(items, tuple | list):
            for _ in items:
                pass


def _survives(run: Callable[[], object]) -> None:
    with contextlib.suppress(LeaktraceError):  # a clear, one-line refusal is the right answer to a broken file
        run()


CSV = ("title,body,price,seller\n"
       '出售 快递数据 100万条,"样本 张** 138****5678, 联系 tg @seller",100U,seller1\n'
       'fullz x50,"fresh, with ssn",$40,vendor2\n'
       '"quoted ""title""",body,3元/条,v3\n').encode()


@settings(parent=settings.get_profile(PROFILE))
@given(data=damaged(CSV))
def test_listing_csv(tmp_path: Path, data: bytes) -> None:
    from leaktrace.collect.importers.csv_listings import CsvOptions, iter_csv

    p = tmp_path / "l.csv"
    p.write_bytes(data)
    opts = CsvOptions(site="x", mapping={"title": "title", "body": "body", "price": "price", "author": "seller"})
    _survives(lambda: _consume(iter_csv(p, opts)))


def _telegram_sample() -> bytes:
    msgs = [{"id": i, "type": "message", "date": "2026-01-02T03:04:05", "date_unixtime": str(1767300000 + i),
             "from": "s", "from_id": f"user{i % 3}",
             "text": ["出售 数据 ", {"type": "mention", "text": "@seller"}, " 10w条"] if i % 2 else "cvv fullz"}
            for i in range(1, 6)]
    return json.dumps({"name": "c", "type": "public_channel", "id": 42, "messages": msgs},
                      ensure_ascii=False).encode()


@settings(parent=settings.get_profile(PROFILE))
@given(data=damaged(_telegram_sample()))
def test_telegram_export(tmp_path: Path, data: bytes) -> None:
    from leaktrace.collect.importers.telegram import iter_export

    p = tmp_path / "result.json"
    p.write_bytes(data)
    _survives(lambda: _consume(iter_export(p, site="telegram")))


def test_telegram_export_deeply_nested(tmp_path: Path) -> None:
    from leaktrace.collect.importers.telegram import iter_export

    p = tmp_path / "result.json"
    p.write_bytes(b'{"messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    _survives(lambda: _consume(iter_export(p, site="telegram")))


def _warc_sample() -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=False)
    for i in range(2):
        body = f"<html><title>出售 数据 {i}</title><body>联系 tg @seller{i}</body></html>".encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(f"http://x{i}.onion/item/{i}", "response",
                                                      payload=io.BytesIO(body), http_headers=headers))
    return buf.getvalue()


@settings(parent=settings.get_profile(PROFILE))
@given(data=damaged(_warc_sample()))
def test_warc(tmp_path: Path, data: bytes) -> None:
    from leaktrace.collect.importers.warc import iter_warc_file

    p = tmp_path / "a.warc"
    p.write_bytes(data)
    _survives(lambda: _consume(iter_warc_file(p, site="x")))


def _zip_sample() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("LT-1-bundle/manifest.json", json.dumps({"format": "leaktrace-bundle/1", "files": {}}))
        z.writestr("LT-1-bundle/manifest.sig", "00")
        z.writestr("LT-1-bundle/custody/custody.jsonl", '{"seq": 1}\n')
        z.writestr("LT-1-bundle/blobs/" + "a" * 64 + ".bin", b"x" * 200)
    return buf.getvalue()


@settings(parent=settings.get_profile(PROFILE))
@given(data=damaged(_zip_sample()))
def test_bundle_zip(tmp_path: Path, data: bytes) -> None:
    from leaktrace.evidence.bundle import verify_bundle

    p = tmp_path / "b.zip"
    p.write_bytes(data)

    def run() -> None:
        report = verify_bundle(p)
        assert not report.ok  # nothing here is signed: it can never verify

    _survives(run)


DUMP = ("姓名,身份证号,手机号,地址\n"
        "张三,11010519491231002X,13812345678,北京市朝阳区建国路88号\n"
        "李四,440524188001010014,15912345678,广东省汕头市\n").encode()


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".sql"])
@settings(parent=settings.get_profile("fuzz-ci"), max_examples=6 if PROFILE == "fuzz-ci" else 300)
@given(data=damaged(DUMP))
def test_dump_files(tmp_path_factory: pytest.TempPathFactory, suffix: str, data: bytes) -> None:
    from leaktrace.core.keyring import Keyring
    from leaktrace.dumps.analyze import AnalyzeOptions, analyze_dump

    work = tmp_path_factory.mktemp("dump")
    if suffix == ".jsonl":
        data = b'{"name": "' + data.replace(b"\n", b'"}\n{"name": "') + b'"}\n'
    elif suffix == ".sql":
        data = b"INSERT INTO `t` VALUES ('" + data.replace(b"\n", b"'),('") + b"');\n"
    p = work / f"d{suffix}"
    p.write_bytes(data)
    _survives(lambda: analyze_dump(p, AnalyzeOptions(memory_limit="500MB", threads=1), data_dir=work / "data",
                                   keys=Keyring.generate()))


@settings(parent=settings.get_profile(PROFILE))
@given(text=st.text(max_size=2000) | st.binary(max_size=2000).map(lambda b: b.decode("gb18030", "replace")))
def test_classify_any_text(text: str) -> None:
    from leaktrace.intel.classify import classify_post

    res = classify_post(text[:100], text)
    assert 0.0 <= res.score <= 1.0
