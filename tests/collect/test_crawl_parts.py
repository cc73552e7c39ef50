"""The crawler's parts on their own: profiles, decoding, extraction, proxy rule, NEWNYM trigger, watch terms."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from leaktrace.cli.crawl import main as crawl_main
from leaktrace.collect import extract
from leaktrace.collect.decode import decode_page
from leaktrace.collect.profile import builtin_names, load_profile
from leaktrace.collect.proxy import resolve_proxy
from leaktrace.collect.tor import NewnymTrigger
from leaktrace.collect.watch import load_terms, matching_terms
from leaktrace.core.errors import ConfigError, InputError


def test_shipped_profiles_load_and_route_pages() -> None:
    assert {"generic-forum", "simulated-market"} <= set(builtin_names())
    sim = load_profile("simulated-market")
    assert sim.rule_for("/category/id?page=3").name == "index"  # type: ignore[union-attr]
    assert sim.rule_for("/listing/10001").name == "listing"  # type: ignore[union-attr]
    assert sim.rule_for("/logout") is None  # not in the profile: never fetched
    forum = load_profile("generic-forum")
    assert forum.rule_for("/thread-123-1.html").name == "thread"  # type: ignore[union-attr]


@pytest.mark.parametrize(("text", "message"), [
    ("name: x\npages: [{name: a, match: '('}]\n", "field 'pages.0.match'"),
    ("name: x\npages: []\npoliteness: {concurrency: 0}\n", "field 'politeness.concurrency'"),
    ("name: x\npages: []\nsurprise: 1\n", "field 'surprise'"),
    ("name: [unclosed\n", "line 2: not valid YAML"),
])
def test_bad_profiles_name_the_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message.replace("[", r"\[")):
        load_profile(path)
    with pytest.raises(ConfigError, match="not a file and not a shipped profile"):
        load_profile("no-such-market")


def test_gbk_pages_decode_without_any_declaration() -> None:
    body = "<html><body><h1>出售身份证四件套 实名</h1></body></html>".encode("gbk")
    text, enc = decode_page(body, "text/html", "t")
    assert enc == "gb18030" and "出售身份证四件套" in text
    meta = b'<meta http-equiv="Content-Type" content="text/html; charset=GB2312">' + "价格".encode("gbk")
    assert decode_page(meta, "text/html", "t")[0].endswith("价格")
    # a header naming an unknown charset falls back to the sniff instead of crashing
    assert "价格" in decode_page("价格".encode(), "text/html; charset=x-klingon", "t")[0]


def test_extraction_keeps_lines_and_drops_scripts() -> None:
    prof = load_profile("simulated-market")
    rule = prof.rule_for("/listing/1")
    html = ('<h1 class="title">Title</h1><div class="description">line one<br>line two'
            '<script>steal()</script></div><span class="price">0.5 BTC</span><span class="posted">2024-01-02 03:04'
            '</span><span class="sold">1,204</span><a class="vendor" href="/vendor/x">x</a>')
    item = extract.item(extract.parse_html(html), rule, "http://a.onion/listing/1", "a.onion", None)  # type: ignore[arg-type]
    assert item is not None and item.body == "line one\nline two" and item.price_text == "0.5 BTC"
    assert item.posted_at is not None and item.posted_at.isoformat() == "2024-01-02T03:04:00+00:00"
    assert item.extra["sold"] == 1204 and item.author_handle == "x"
    links = extract.links(extract.parse_html(html), rule, "http://a.onion/listing/1")  # type: ignore[arg-type]
    assert links == ["http://a.onion/vendor/x"]


def test_proxy_rule() -> None:
    assert resolve_proxy("socks5h://127.0.0.1:9050", False) == "socks5h://127.0.0.1:9050"
    assert resolve_proxy(None, True) is None
    assert resolve_proxy(None, False) == "socks5h://127.0.0.1:9050"  # Tor's port by default, then checked
    for bad in ("socks5://127.0.0.1:9050", "http://127.0.0.1:8118", "socks5h://127.0.0.1"):
        with pytest.raises(ConfigError):
            resolve_proxy(bad, False)
    with pytest.raises(ConfigError, match="contradict"):
        resolve_proxy("socks5h://127.0.0.1:9050", True)


def test_cli_refuses_without_proxy(capsys: pytest.CaptureFixture[str]) -> None:
    code = crawl_main(["simulated-market", "--url", "http://abc.onion/", "--source", "s", "--legal-basis", "b",
                       "--owner", "o", "--proxy", "socks5h://127.0.0.1:1"])
    assert code == 3 and "refusing to crawl without a proxy" in capsys.readouterr().err


def test_newnym_after_repeated_failures_at_most_every_interval() -> None:
    calls: list[int] = []
    trig = NewnymTrigger(lambda: calls.append(1), threshold=3, min_interval_s=3600)

    async def go() -> None:
        for _ in range(2):
            await trig.failure("a.onion")
        trig.success("a.onion")  # a success resets the count
        for _ in range(3):
            await trig.failure("a.onion")
        for _ in range(5):
            await trig.failure("a.onion")

    asyncio.run(go())
    assert calls == [1] and trig.signals == 1


def test_watch_terms_fold_width_and_case(tmp_path: Path) -> None:
    path = tmp_path / "terms.txt"
    path.write_text("# brands\nExample.COM\n优选商城\n\n", encoding="utf-8")
    terms = load_terms(["ＡＢＣ银行"], path)
    assert terms == ["abc银行", "example.com", "优选商城"]
    assert matching_terms(terms, "出 abc银行 客户数据", None) == ["abc银行"]
    assert matching_terms(terms, "EXAMPLE.com users", "优选商城") == ["example.com", "优选商城"]


def test_shipped_profile_selectors_are_valid_css() -> None:
    tree = extract.parse_html('<div class="post"><span class="author">a</span><div class="content">c</div></div>'
                              "<h1>Thread title</h1>")
    forum = load_profile("generic-forum")
    for name in builtin_names():
        prof = load_profile(name)
        for rule in prof.pages:  # lexbor raises on a selector it cannot parse
            extract.links(tree, rule, "http://a.onion/")
            extract.item(tree, rule, "http://a.onion/x", "a.onion", None)
    got = extract.item(tree, forum.rule_for("/thread-1-1.html"), "http://a.onion/x", "a.onion", None)  # type: ignore[arg-type]
    assert got is not None and (got.title, got.body, got.author_handle) == ("Thread title", "c", "a")


def test_host_gate_limits_concurrency_and_spaces_requests() -> None:
    import time

    from leaktrace.collect.politeness import HostGate

    gate = HostGate(concurrency=2, delay_s=0.05)
    inflight = {"now": 0, "max": 0}
    starts: list[float] = []

    async def request(host: str) -> None:
        async with gate.slot(host):
            starts.append(time.monotonic())
            inflight["now"] += 1
            inflight["max"] = max(inflight["max"], inflight["now"])
            await asyncio.sleep(0.02)
            inflight["now"] -= 1

    async def go() -> float:
        t0 = time.monotonic()
        await asyncio.gather(*(request("a.onion") for _ in range(6)))
        return time.monotonic() - t0

    elapsed = asyncio.run(go())
    assert inflight["max"] <= 2
    gaps = [b - a for a, b in zip(sorted(starts), sorted(starts)[1:], strict=False)]
    assert min(gaps) >= 0.045 and elapsed >= 0.25
    # another host is not held up by the first one's pacing (a long delay, so a loaded
    # machine's scheduling jitter cannot be mistaken for pacing)
    slow = HostGate(concurrency=1, delay_s=2.0)
    starts.clear()

    async def paced(host: str) -> None:
        async with slow.slot(host):
            starts.append(time.monotonic())

    async def two_hosts() -> None:
        await asyncio.gather(paced("b.onion"), paced("b.onion"), paced("c.onion"))

    asyncio.run(two_hosts())
    by_start = sorted(starts)
    assert by_start[1] - by_start[0] < 1.0  # b and c start together
    assert by_start[2] - by_start[0] >= 1.95  # b's second request waits for b's pacing


@pytest.mark.parametrize("ref", ["", "  ", "."])
def test_an_empty_profile_name_or_a_folder_is_one_clear_error(ref: str) -> None:
    """`load_profile("")` used to read the working folder as a file (IsADirectoryError, a traceback)."""
    with pytest.raises((ConfigError, InputError), match=r"empty name|is a folder"):
        load_profile(ref)
