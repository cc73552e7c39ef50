"""RFC 3161 timestamps on the custody chain, against a local OpenSSL TSA."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from leaktrace.core.keyring import Keyring
from leaktrace.evidence import EvidenceStore
from leaktrace.evidence.timestamp import REFUSED, STAMP, TsaConfig, load_roots
from local_tsa import LocalTsa


@pytest.fixture
def tsa(local_tsa: LocalTsa) -> LocalTsa:
    return local_tsa


@pytest.fixture(autouse=True)
def _tsa_mode(tsa: LocalTsa) -> Iterator[None]:
    tsa.mode = "ok"
    yield
    tsa.mode = "ok"


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"


def _store(tmp_path: Path, ring: Keyring, url: str, roots: Path, every: int = 3) -> EvidenceStore:
    config = TsaConfig(url, load_roots(roots), every=every, interval_s=1e9, timeout_s=5)
    return EvidenceStore(tmp_path / "data", keys=ring, tsa=config)


def _fill(store: EvidenceStore, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        store.put_bytes(f"listing page {i}".encode() * 20, source_url=f"http://m.onion/{i}", collector="c")


def test_batches_stamp_the_head_and_verify(tmp_path: Path, ring: Keyring, tsa: LocalTsa) -> None:
    store = _store(tmp_path, ring, tsa.url, tsa.roots)
    _fill(store, 7)
    entries = list(store.entries())
    stamps = [e for e in entries if e.action == STAMP]
    # every 3 entries: after capture 3 (seq 3) and after capture 6 (seq 7, the stamp took seq 4)
    assert [e.meta["stamped_seq"] for e in stamps] == [3, 7]
    assert all(e.meta["stamped_hash"] == entries[e.meta["stamped_seq"] - 1].hash for e in stamps)
    report = store.verify()
    assert report.ok, report.problems
    assert report.stamps.stamps == 2 and report.stamps.stamped_through == 7
    assert report.stamps.unstamped_ranges() == "9"  # the 7th capture came after the last stamp
    assert "entries 1..7 existed by" in report.stamps.describe()


def test_tsa_down_chain_grows_and_stamps_catch_up(tmp_path: Path, ring: Keyring, tsa: LocalTsa) -> None:
    down = _store(tmp_path, ring, _dead_url(), tsa.roots, every=2)
    _fill(down, 5)
    assert [e.action for e in down.entries()] == ["capture"] * 5
    report = down.verify()
    assert report.ok and report.stamps.stamps == 0 and report.stamps.unstamped_ranges() == "1..5"
    outcome = down.stamper.stamp() if down.stamper else None
    assert outcome is not None and outcome.status == "unavailable"

    up = _store(tmp_path, ring, tsa.url, tsa.roots, every=2)
    outcome = up.stamper.stamp() if up.stamper else None
    assert outcome is not None and outcome.status == "stamped" and outcome.stamped_seq == 5
    report = up.verify()
    assert report.ok and report.stamps.stamped_through == 5 and report.stamps.unstamped == []


@pytest.mark.parametrize(("mode", "reason"), [("wrong-hash", "another digest"), ("rogue", "trusted TSA root")])
def test_bad_token_refused_and_recorded(
    tmp_path: Path, ring: Keyring, tsa: LocalTsa, mode: str, reason: str
) -> None:
    store = _store(tmp_path, ring, tsa.url, tsa.roots, every=2)
    tsa.mode = mode
    _fill(store, 2)
    entries = list(store.entries())
    assert entries[-1].action == REFUSED and reason in entries[-1].meta["reason"]
    assert not any(e.action == STAMP for e in entries)
    report = store.verify()
    assert report.ok  # a refusal is recorded, not a break in the chain
    assert report.stamps.refused == 1 and report.stamps.stamps == 0
    assert report.stamps.unstamped_ranges() == "1..2"
    assert any(reason in w.message for w in report.warnings)


def test_tokens_are_checked_against_the_roots_at_verify(tmp_path: Path, ring: Keyring, tsa: LocalTsa) -> None:
    store = _store(tmp_path, ring, tsa.url, tsa.roots, every=2)
    _fill(store, 2)
    assert store.verify().ok
    other = load_roots(tsa.rogue_dir / "ca.pem")
    report = store.verify(tsa_roots=other)
    assert not report.ok and report.first is not None and report.first.kind == "timestamp"
    assert report.first.line == 3


def test_unchecked_tokens_are_said_to_be_unchecked(tmp_path: Path, ring: Keyring, tsa: LocalTsa) -> None:
    _fill(_store(tmp_path, ring, tsa.url, tsa.roots, every=2), 2)
    plain = EvidenceStore(tmp_path / "data", keys=ring)
    report = plain.verify()
    assert report.ok and not report.stamps.checked
    assert any("not checked" in w.message for w in report.warnings)


def test_interval_triggers_a_stamp(tmp_path: Path, ring: Keyring, tsa: LocalTsa) -> None:
    config = TsaConfig(tsa.url, load_roots(tsa.roots), every=1000, interval_s=0.3, timeout_s=5)
    store = EvidenceStore(tmp_path / "data", keys=ring, tsa=config)
    _fill(store, 1)
    assert [e.action for e in store.entries()] == ["capture"]
    time.sleep(0.4)
    _fill(store, 1, start=1)
    assert [e.action for e in store.entries()] == ["capture", "capture", STAMP]


def test_cli_verify_names_unstamped_and_stamp_catches_up(
    tmp_path: Path, ring: Keyring, tsa: LocalTsa, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from leaktrace.cli.app import main
    from leaktrace.core.settings import get_settings

    monkeypatch.setenv("LEAKTRACE_TSA_URL", _dead_url())
    monkeypatch.setenv("LEAKTRACE_TSA_ROOTS", str(tsa.roots))
    monkeypatch.setenv("LEAKTRACE_TSA_EVERY", "2")
    get_settings.cache_clear()
    page = tmp_path / "page.html"
    for i in range(3):
        page.write_text(f"<p>listing {i}</p>")
        assert main(["evidence", "add", str(page)]) == 0
    assert main(["evidence", "stamp"]) == 5  # TSA down: a remote service failed
    capsys.readouterr()
    assert main(["evidence", "verify"]) == 0
    assert "timestamps: none" in capsys.readouterr().out
    monkeypatch.setenv("LEAKTRACE_TSA_URL", tsa.url)
    get_settings.cache_clear()
    assert main(["evidence", "stamp"]) == 0
    assert "entry 3 stamped" in capsys.readouterr().out
    page.write_text("<p>late listing</p>")
    monkeypatch.setenv("LEAKTRACE_TSA_EVERY", "100")
    get_settings.cache_clear()
    assert main(["evidence", "add", str(page)]) == 0
    capsys.readouterr()
    assert main(["evidence", "verify"]) == 0
    out = capsys.readouterr().out
    assert "entries 1..3 existed by" in out and "not yet stamped: 5" in out


def test_parallel_intakes_stamp_without_breaking_the_chain(tmp_path: Path, ring: Keyring, tsa: LocalTsa) -> None:
    from concurrent.futures import ThreadPoolExecutor

    store = _store(tmp_path, ring, tsa.url, tsa.roots, every=5)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda k: _fill(store, 8, start=k * 100), range(4)))
    report = store.verify()
    assert report.ok, report.problems
    assert report.stamps.stamps >= 1 and report.stamps.refused == 0  # triggers during a stamp are skipped
    assert sum(e.action == "capture" for e in store.entries()) == 32
