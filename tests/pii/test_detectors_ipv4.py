"""ipv4: octet range, dotted-run and digit boundaries, scope."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.pii.detectors.ipv4 import Ipv4Detector
from leaktrace.pii.registry import Registry
from leaktrace.pii.scanner import Scanner

SCAN = Scanner(Registry([Ipv4Detector()]))


def found(text: str) -> list[str]:
    return [text[h.start : h.end] for h in SCAN.scan(text)]


@pytest.mark.parametrize(
    ("text", "value", "scope"),
    [
        ("服务器IP 8.8.8.8，", "8.8.8.8", "global"),
        ("login from 192.168.1.10.", "192.168.1.10", "private"),
        ("host=127.0.0.1:8080", "127.0.0.1", "loopback"),
        ("ip：１．２．３．４", "１．２．３．４", "global"),
    ],
)
def test_positives(text: str, value: str, scope: str) -> None:
    hits = SCAN.scan(text)
    assert [text[h.start : h.end] for h in hits] == [value]
    assert hits[0].attrs["scope"] == scope


@pytest.mark.parametrize(
    "text",
    ["1.2.3.4.5", "version 1.2.3.4.5 released", "v1.2.3.4", "256.1.1.1", "1.2.3.04", "11.2.3.4567", "12345678", "1.2.3"],
)
def test_near_misses(text: str) -> None:
    assert found(text) == []


def test_sentence_final_dot_is_not_a_fifth_part() -> None:
    assert found("from 91.2.3.4.") == ["91.2.3.4"]


def test_version_context_lowers_score() -> None:
    plain = SCAN.scan("地址 10.1.2.3")[0].score
    version = SCAN.scan("version 10.1.2.3")[0].score
    assert version < plain


@settings(max_examples=150, deadline=None)
@given(addr=st.ip_addresses(v=4), tail=st.sampled_from(["", " ", "，", ":80", "/24"]))
def test_property_addresses_found(addr: ipaddress.IPv4Address, tail: str) -> None:
    text = f"ip {addr}{tail}"
    hits = SCAN.scan(text)
    assert [text[h.start : h.end] for h in hits] == [str(addr)]


@settings(max_examples=80, deadline=None)
@given(addr=st.ip_addresses(v=4), extra=st.integers(0, 255))
def test_property_longer_dotted_runs_never_hit(addr: ipaddress.IPv4Address, extra: int) -> None:
    assert found(f"build {addr}.{extra} ok") == []
    assert found(f"build {extra}.{addr} ok") == []
