"""The gang's USDT-TRC20 transfers as a block-explorer CSV export.

Money follows roles: buyers pay the wallets posted in listings, the gang's
collection wallet is swept to members by share (the supplier takes most), and
agents pay the supplier for the subsets they resell. Columns follow the
token-transfer export explorers offer, so the importer meets a familiar file.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

from leaktrace.simulate.social import identifiers as ids
from leaktrace.simulate.social.gang import DAY, EPOCH

USDT_TRC20_CONTRACT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"  # the public USDT token contract on TRON
HEADER = ["Transaction Hash", "Blockno", "UnixTimestamp", "DateTime (UTC)", "From", "To",
          "TokenValue", "USDValueDayOfTx", "ContractAddress", "TokenName", "TokenSymbol"]


@dataclass(frozen=True)
class Transfer:
    """One token transfer; `kind` says why it happened (kept in truth, not in the CSV)."""

    unix: int
    sender: str
    receiver: str
    amount: float
    kind: str  # sale, sweep, wholesale


def sales(rng: random.Random, wallet: str, posted: int, sold: int, usdt: float) -> list[Transfer]:
    """Buyers paying the wallet a listing shows, some time after it was posted."""
    return [Transfer(posted + rng.randint(3600, 60 * DAY), ids.tron_address(rng), wallet,
                     round(usdt * rng.uniform(0.8, 1.0), 2), "sale") for _ in range(min(sold, 4))]


def sweeps(rng: random.Random, transfers: list[Transfer], gang_wallet: str,
           shares: list[tuple[str, float]]) -> list[Transfer]:
    """Every 30 days, the collection wallet's takings split among members' own wallets."""
    out: list[Transfer] = []
    income = sorted((t for t in transfers if t.receiver == gang_wallet), key=lambda t: t.unix)
    start = EPOCH
    while income and start <= income[-1].unix:
        end = start + 30 * DAY
        total = sum(t.amount for t in income if start <= t.unix < end)
        if total > 0:
            for wallet, share in shares:
                out.append(Transfer(end + rng.randint(0, DAY), gang_wallet, wallet, round(total * share, 2), "sweep"))
        start = end
    return out


def to_csv(rng: random.Random, transfers: list[Transfer]) -> str:
    """The export text, oldest first, every field quoted as explorers write it."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(HEADER)
    for t in sorted(transfers, key=lambda t: (t.unix, t.sender, t.receiver, t.amount)):
        stamp = _utc(t.unix)
        writer.writerow([rng.getrandbits(256).to_bytes(32, "big").hex(), 56_000_000 + (t.unix - EPOCH) // 3,
                         t.unix, stamp, t.sender, t.receiver, f"{t.amount:.2f}", f"{t.amount:.2f}",
                         USDT_TRC20_CONTRACT, "Tether USD", "USDT"])
    return buf.getvalue()


def _utc(unix: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(unix, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
