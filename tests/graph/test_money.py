"""Revenue estimates and transfer CSV parsing."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphstore import Builder

from leaktrace.core.errors import InputError
from leaktrace.graph.build import build_graph
from leaktrace.graph.money import USD_PER, chain_of, parse_transfers
from leaktrace.store.repo import record_intel


def test_revenue_is_price_times_sold_in_usd(store: Builder) -> None:
    sales = [(100.0, "USDT", 3), (700.0, "CNY", 2), (0.01, "BTC", 1)]
    for n, (price, cur, sold) in enumerate(sales):
        pid = store.post("m1", "seller", f"offer {n}", price=price, currency=cur, volume=1000)
        with store.sessions.begin() as s:
            record_intel(s, pid, "t", trafficking=True, score=0.9, facts={"sold": sold})
    pid = store.post("m1", "seller", "per record", price=0.5, currency="CNY", volume=1000)
    with store.sessions.begin() as s:
        record_intel(s, pid, "t", trafficking=True, score=0.9, facts={"sold": 9, "price": {"per": "条"}})
    with store.sessions() as s:
        g = build_graph(s, store.hasher)
    actor = g.actors[0]
    expected = sum(p * USD_PER[c] * n for p, c, n in sales)
    assert actor.revenue_usd_estimate == pytest.approx(expected)
    assert actor.revenue_posts == 3  # the per-record price is left out


def test_transfer_csv_by_header_names_and_datetime(tmp_path: Path) -> None:
    f = tmp_path / "tx.csv"
    f.write_text("\ufeffTxID,Date,From,To,Amount,Symbol\n"
                 "abc,2024-02-01T10:00:00Z,TYuAEBuK5sG5GCxbHrwSSTs7SG4UXcprrq,"
                 "0x52908400098527886E0F7030069857D2E4169EE7,\"1,250.5\",USDT\n", encoding="utf-8")
    (t,) = list(parse_transfers(f))
    assert t.amount == 1250.5 and t.sent_at.year == 2024 and t.chain == "tron" and t.token == "USDT"
    assert chain_of("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq") == "btc" and chain_of("hello") is None


@pytest.mark.parametrize("body, needle", [
    ("From,To,Amount,TxID\n", "timestamp"),
    ("TxID,Date,From,To,Amount\nx,2024-01-01,TYuAEBuK5sG5GCxbHrwSSTs7SG4UXcprrq,"
     "TYuAEBuK5sG5GCxbHrwSSTs7SG4UXcprrq,-5\n", "line 2"),
    ("TxID,Date,From,To,Amount\nx,yesterday,TYuAEBuK5sG5GCxbHrwSSTs7SG4UXcprrq,"
     "TYuAEBuK5sG5GCxbHrwSSTs7SG4UXcprrq,5\n", "line 2"),
])
def test_bad_transfer_csv_names_the_problem(tmp_path: Path, body: str, needle: str) -> None:
    f = tmp_path / "tx.csv"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(InputError, match=needle):
        list(parse_transfers(f))


def test_non_utf8_transfer_csv(tmp_path: Path) -> None:
    f = tmp_path / "tx.csv"
    f.write_bytes("交易,时间\n".encode("gb18030"))
    with pytest.raises(InputError, match="not UTF-8"):
        list(parse_transfers(f))


def test_eip55_matches_the_intel_stage() -> None:
    from leaktrace.graph.money import eip55
    from leaktrace.intel.crypto_addresses import eip55 as intel_eip55

    for addr in ("0x52908400098527886e0f7030069857d2e4169ee7", "0xde709f2102306220921060314715629080e2fb77",
                 "0x" + "ab" * 20):
        assert eip55(addr) == intel_eip55(addr) and eip55(addr.upper().replace("0X", "0x")) == intel_eip55(addr)
