"""Fixed rough exchange rates to US dollars, for estimates only.

Revenue estimates (listed price × units sold) and the simulated worlds that
test them must convert with the same table, or an estimate could never equal
its truth; one table here, read by both. They are order-of-magnitude figures
for a lead, not accounting: a case that needs real amounts converts each
transfer at its own date's rate.
"""

from __future__ import annotations

USD_PER: dict[str, float] = {
    "USD": 1.0, "USDT": 1.0, "CNY": 0.14, "BTC": 60_000.0, "ETH": 3_000.0, "XMR": 150.0, "TRX": 0.12,
    "LTC": 80.0,
}
