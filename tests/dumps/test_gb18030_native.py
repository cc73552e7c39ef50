"""`gb18030_native`: the compiled GB18030 decoder against Python's codec, and its newline counts against `LongLines`.

The decoder's tables come from Python's codec, but the loop (ASCII runs,
2- and 4-byte forms, the supplementary planes by arithmetic, where a
sequence is incomplete or invalid, chunk boundaries) is its own: these
tests give it valid text of every range, broken bytes and random cuts and
want exactly what `bytes.decode("gb18030")` gives, the same offset on
failure included.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.core.errors import InputError
from leaktrace.dumps import gb18030_native
from leaktrace.dumps.streams import LongLines, PipeFeeder

if not gb18030_native.available() and os.environ.get("CI") == "true":
    raise RuntimeError("leaktrace.dumps._gb18030 was not built: CI must build it (gcc)")
pytestmark = pytest.mark.skipif(not gb18030_native.available(), reason="the compiled GB18030 decoder was not built")

# Code points from every part of the mapping: ASCII, 2-byte GBK (CJK, symbols), 4-byte BMP, supplementary.
chars = st.one_of(
    st.characters(min_codepoint=0, max_codepoint=0x7F),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
    st.characters(min_codepoint=0x80, max_codepoint=0xFFFF, blacklist_categories=("Cs",)),
    st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
    st.sampled_from("\n,\"张三北京市朝阳区１２３€"),
)


def _cut(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


def native(data: bytes, cuts: list[int]) -> tuple[bytes, int | None]:
    """(UTF-8 so far, offset of the first error or None), feeding `data` in pieces cut at `cuts`."""
    dec = gb18030_native.Decoder()
    out = b""
    try:
        for piece in _cut(data, cuts):
            out += bytes(dec.decode(piece).text)
        out += bytes(dec.decode(b"", final=True).text)
    except UnicodeDecodeError as exc:
        return out, exc.start
    return out, None


def python(data: bytes) -> tuple[bytes | None, int | None]:
    try:
        return data.decode("gb18030").encode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, exc.start


@settings(max_examples=400, deadline=None)
@given(st.text(chars, max_size=200), st.lists(st.integers(0, 1000), max_size=6))
def test_valid_text_decodes_as_python_does_however_it_is_cut(text: str, cuts: list[int]) -> None:
    data = text.encode("gb18030")
    assert native(data, cuts) == (text.encode("utf-8"), None)


@settings(max_examples=600, deadline=None)
@given(st.text(chars, max_size=60), st.lists(st.tuples(st.integers(0, 400), st.binary(min_size=1, max_size=4)),
                                             max_size=3),
       st.lists(st.integers(0, 400), max_size=4))
def test_broken_bytes_fail_at_the_offset_python_names(text: str, edits: list[tuple[int, bytes]],
                                                        cuts: list[int]) -> None:
    data = bytearray(text.encode("gb18030"))
    for at, junk in edits:
        i = at % (len(data) + 1)
        data[i:i] = junk
    want_text, want_err = python(bytes(data))
    got_text, got_err = native(bytes(data), cuts)
    assert got_err == want_err
    if want_err is None:
        assert got_text == want_text


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes_agree_with_python(data: bytes) -> None:
    want_text, want_err = python(data)
    got_text, got_err = native(data, [])
    assert (got_err, got_text if want_err is None else None) == (want_err, want_text)


def test_every_two_and_four_byte_form_of_the_tables_round_trips() -> None:
    """Each sequence the tables hold decodes to what Python says, alone and between ASCII."""
    two, four = gb18030_native.tables()
    assert sum(1 for i in range(0, len(two), 2) if two[i:i + 2] != b"\0\0") > 20000  # GBK's ~21,900 plus the rest
    assert sum(1 for i in range(0, len(four), 2) if four[i:i + 2] != b"\0\0") > 39000  # the rest of the BMP
    for cp in (0x80, 0xA4, 0x4E00, 0x9FA5, 0xE5E5, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF, 0x20AC):
        seq = chr(cp).encode("gb18030")
        assert native(b"a" + seq + b"b", [1, 2]) == (("a" + chr(cp) + "b").encode("utf-8"), None)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(chars.filter(lambda c: c != "\n"), max_size=12), max_size=25), st.booleans(),
       st.lists(st.integers(0, 600), max_size=6), st.sampled_from([3, 8, 20, 64]))
def test_counted_feed_passes_on_what_feed_does(lines: list[str], end_nl: bool, cuts: list[int], limit: int) -> None:
    """`LongLines.feed_counted` over the decoder's counts == `feed` over the same UTF-8."""
    data = ("\n".join(lines) + ("\n" if end_nl else "")).encode("gb18030")
    counted, plain, dec = LongLines(limit), LongLines(limit), gb18030_native.Decoder()
    got, want = b"", b""
    for piece in _cut(data, cuts):
        d = dec.decode(piece)
        want += plain.feed(bytes(d.text))
        got += b"".join(bytes(p) for p in counted.feed_counted(d))
    got += counted.finish()
    want += plain.finish()
    assert (got, counted.count, counted.samples) == (want, plain.count, plain.samples)


def _stream(path: Path) -> tuple[bytes, list[str], InputError | None]:
    with PipeFeeder(path, "plain", None, "gb18030", 0, line_limit=64) as f, open(f.fifo, "rb") as fh:
        data = fh.read()
    f._thread.join()
    return data, f.notes, f.error


def test_the_pipe_gives_the_same_bytes_as_python_codec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "订单号,姓名,地址\n" + "".join(f"{i},张三{i},北京市朝阳区{'𠀀' * (i % 3)}路{i}号\n" for i in range(20000))
    text += "x" * 100 + "\n" + "尾行"  # an over-long line and an unfinished last line
    p = tmp_path / "d.csv"
    p.write_bytes(text.encode("gb18030") + b"\x81")  # an incomplete character at the very end
    fast = _stream(p)
    monkeypatch.setattr(gb18030_native, "available", lambda: False)
    monkeypatch.setattr("shutil.which", lambda _: None)  # no iconv: Python's codec
    slow = _stream(p)
    assert fast[0] == slow[0] and fast[1] == slow[1] and fast[2] is None is slow[2]
    assert b"x" * 64 not in fast[0] and fast[0].endswith("尾行".encode())


def test_bad_bytes_name_the_same_offset_as_python_codec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = "".join(f"{i},王五,上海市\n" for i in range(100000)).encode("gb18030")
    p = tmp_path / "bad.csv"
    p.write_bytes(good + b"1,\x81\x20,x\n")
    fast = _stream(p)
    monkeypatch.setattr(gb18030_native, "available", lambda: False)
    monkeypatch.setattr("shutil.which", lambda _: None)
    slow = _stream(p)
    assert fast[2] is not None and slow[2] is not None
    assert str(fast[2]) == str(slow[2]) and f"at byte {len(good) + 2}" in str(fast[2])
