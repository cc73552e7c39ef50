"""Hostile posts: arbitrary text, HTML, bytes in other encodings, huge posts; never a crash."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leaktrace.intel.extract import analyse_post
from leaktrace.intel.text_hygiene import MAX_POST_CHARS, clean

ALPHABET = st.sampled_from([*"0123456789abcdefxyzQTB@.:/-_ w万亿条元$¥：\u200b\ufeff\n<>&", "qq", "微信",
                            "t.me/", "BTC", ".onion", "-----BEGIN PGP PUBLIC KEY BLOCK-----"])


@given(st.text(max_size=400))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_arbitrary_text_never_raises(text: str) -> None:
    a = analyse_post(text, text[::-1])
    assert a.facts.records is None or a.facts.records >= 1
    for i in a.identifiers:
        assert 0 <= i.start <= i.end <= len(a.clean.text)


@given(st.lists(ALPHABET, max_size=120).map("".join))
@settings(max_examples=150, deadline=None)
def test_trade_shaped_noise_never_raises(text: str) -> None:
    analyse_post(text)


@given(st.binary(max_size=300))
@settings(max_examples=100, deadline=None)
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    analyse_post(data)


def test_gb18030_bytes_and_empty() -> None:
    assert analyse_post("出售数据 1500w条".encode("gb18030")).facts.records == 15_000_000
    assert analyse_post("").identifiers == [] and analyse_post(None).facts.records is None


def test_five_megabyte_post_is_capped_quickly() -> None:
    post = ("出售全国快递数据 1500w条 联系QQ:12345678 " * 200_000)[: 5 * 1024 * 1024]
    t0 = time.perf_counter()
    a = analyse_post(post)
    assert time.perf_counter() - t0 < 20
    assert a.clean.truncated and a.facts.truncated
    assert len(a.clean.text) < MAX_POST_CHARS + 200
    assert a.facts.records == 15_000_000


def test_html_is_reduced_to_text() -> None:
    c = clean("<html><body><script>var x='QQ:99999999'</script><p>出售&nbsp;数据</p></body></html>")
    assert c.was_html and "var x" not in c.text and "出售" in c.text


def test_huge_post_full_of_counts_and_prices_stays_linear() -> None:
    """200,000 counts and prices in one post: overlap checks must not be quadratic (this took minutes).

    CPU time of this process (~2.5 s alone), so other jobs on the machine do not count."""
    post = "7000 FULL USA CVVS (USED) balance $5k 2.500.000+ x50 " * 100_000
    t0 = time.process_time()
    a = analyse_post(post)
    assert time.process_time() - t0 < 20
    assert a.facts.records == 2_500_000 and a.facts.price is not None
