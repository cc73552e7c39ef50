"""email: ASCII and IDN domains, public-suffix check, glued text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.pii.detectors.email import _LOCAL, EmailDetector, local_start
from leaktrace.pii.registry import Registry
from leaktrace.pii.scanner import Scanner

SCAN = Scanner(Registry([EmailDetector()]))


def found(text: str) -> list[str]:
    return [text[h.start : h.end] for h in SCAN.scan(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("邮箱zhang.san@qq.com获取样本", "zhang.san@qq.com"),
        ("mail: john_doe+x@mail.example.co.uk.", "john_doe+x@mail.example.co.uk"),
        ("联系 user@例子.中国。", "user@例子.中国"),
        ("Hans@münchen.de, bitte", "Hans@münchen.de"),
        ("（ａｂｃ＠１６３．ｃｏｍ）", "ａｂｃ＠１６３．ｃｏｍ"),
        ("<a-b_c@sub.domain.io>", "a-b_c@sub.domain.io"),
        ("mail zs@163.comThe seller", "zs@163.com"),
        ("邮箱ab@qq.com价格12元过程.下次再说.", "ab@qq.com"),
    ],
)
def test_positives(text: str, expected: str) -> None:
    assert found(text) == [expected]


def test_idn_domain_has_ascii_form() -> None:
    hit = SCAN.scan("user@例子.中国")[0]
    assert hit.attrs["domain_ascii"].startswith("xn--")


@pytest.mark.parametrize(
    "text",
    ["logo@2x.png", "a@b", "x@host.cnx", "x@host.comm", "@@", "foo@bar.comm", "a..b@x.com", "user@localhost", "价格@100元", "x@.com"],
)
def test_near_misses(text: str) -> None:
    assert found(text) == []


@settings(max_examples=120, deadline=None)
@given(
    local=st.from_regex(r"[a-z0-9]([a-z0-9._+\-]{0,20}[a-z0-9])?", fullmatch=True).filter(lambda s: ".." not in s),
    host=st.from_regex(r"[a-z0-9]([a-z0-9\-]{0,15}[a-z0-9])?", fullmatch=True),
    tld=st.sampled_from(["com", "cn", "net", "org", "com.cn", "io", "中国"]),
    left=st.sampled_from(["", "邮箱", "mail ", "，"]),
    right=st.sampled_from(["", "。", " ok", "，"]),
)
def test_property_addresses_found_exactly(local: str, host: str, tld: str, left: str, right: str) -> None:
    value = f"{local}@{host}.{tld}"
    assert found(f"{left}{value}{right}") == [value]


@given(st.text(alphabet="ab9._%+-@ 中", max_size=100), st.integers(0, 100))
def test_local_start_equals_the_local_part_regex(text: str, at: int) -> None:
    at = min(at, len(text))
    m = _LOCAL.search(text, max(0, at - 64), at)
    assert local_start(text, at) == (None if m is None else m.start())
