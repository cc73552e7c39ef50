"""Money: wallets per actor and group, transfers imported from explorer CSVs, revenue estimates.

Transfers come from block-explorer exports (Tronscan/Etherscan token-transfer
CSVs and similar): the importer finds its columns by header name, validates
every row and writes all or nothing. At build time each transfer address is
keyed-hashed the way the store hashes identifiers, so a wallet that appears
in posts is found whether or not the store keeps it in the clear.

Revenue is an estimate and says so: listed price x sold count, converted
to USD at fixed rough rates (below); per-record prices are left out.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from Crypto.Hash import keccak
from sqlalchemy import select
from sqlalchemy.orm import Session

from leaktrace.core.errors import InputError, location
from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.money import USD_PER
from leaktrace.core.normalize import normalize
from leaktrace.graph.corpus import Corpus
from leaktrace.store.models import WalletTransfer
from leaktrace.store.repo._common import insert_ignore

MAX_TX_FILE_BYTES = 2 << 30
MAX_FIELD_CHARS = 200
# The coin a chain's own transfers are counted in (wallet types as graph.identifiers names them).
NATIVE_COIN = {"btc": "BTC", "eth": "ETH", "tron": "TRX", "xmr": "XMR"}
_COLUMNS = {
    "tx_hash": ("transaction hash", "txhash", "tx hash", "hash", "txid", "transaction_id"),
    "unix": ("unixtimestamp", "unix timestamp", "timestamp", "block_timestamp", "time"),
    "datetime": ("datetime (utc)", "datetime", "date", "date(utc)"),
    "sender": ("from", "from_address", "sender"),
    "receiver": ("to", "to_address", "receiver"),
    "amount": ("tokenvalue", "value", "amount", "quantity", "value_in"),
    "token": ("tokensymbol", "token symbol", "symbol", "token", "currency"),
}


@dataclass(frozen=True)
class Transfer:
    chain: str
    tx_hash: str
    sent_at: datetime
    sender: str
    receiver: str
    amount: float
    token: str


def eip55(address: str) -> str:
    """EIP-55 checksummed form, as the intel stage stores ETH addresses (explorers export lower case).

    Same rule as `intel.crypto_addresses.eip55` (graph may not import intel); a test keeps them equal.
    """
    h = address[2:].lower()
    digest = keccak.new(digest_bits=256, data=h.encode("ascii")).hexdigest()
    return "0x" + "".join(c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(h))


def chain_of(address: str) -> str | None:
    """The chain (as the intel stage names wallet types) an address belongs to, by its shape."""
    if address.startswith("T") and len(address) == 34:
        return "tron"
    if address.lower().startswith("0x") and len(address) == 42:
        return "eth"
    if (address[:1] in ("1", "3") and 26 <= len(address) <= 35) or address.lower().startswith("bc1"):
        return "btc"
    return None


def _header_map(header: list[str], path: str) -> dict[str, int]:
    low = [h.strip().lower().lstrip("\ufeff") for h in header]
    out: dict[str, int] = {}
    for field, names in _COLUMNS.items():
        for n in names:
            if n in low:
                out[field] = low.index(n)
                break
    need = {"tx_hash", "sender", "receiver", "amount"} - set(out)
    if need or not ({"unix", "datetime"} & set(out)):
        missing = sorted(need) or ["timestamp"]
        raise InputError(f"{location(path, 1)}: no column for {', '.join(missing)} "
                         f"(header: {', '.join(h[:40] for h in header[:15])})")
    return out


def _when(row: list[str], cols: dict[str, int]) -> datetime:
    if "unix" in cols and row[cols["unix"]].strip():
        return datetime.fromtimestamp(int(float(row[cols["unix"]])), tz=UTC)
    text = row[cols["datetime"]].strip().replace("T", " ").rstrip("Z")
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def parse_transfers(path: Path) -> Iterator[Transfer]:
    """Rows of one explorer CSV; InputError naming file, line and field on the first bad one."""
    name = str(path)
    if not path.is_file():
        raise InputError(f"{name}: no such file")
    if path.stat().st_size > MAX_TX_FILE_BYTES:
        raise InputError(f"{name}: {path.stat().st_size} bytes exceeds the {MAX_TX_FILE_BYTES} byte limit")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (byte {exc.start}); explorers export UTF-8 CSV") from exc
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise InputError(f"{name}: empty file")
    cols = _header_map(header, name)
    for line, row in enumerate(reader, start=2):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) < len(header):
            raise InputError(f"{location(name, line)}: {len(row)} fields, header has {len(header)}")
        if any(len(c) > MAX_FIELD_CHARS for c in row):
            raise InputError(f"{location(name, line)}: a field is longer than {MAX_FIELD_CHARS} characters")
        sender, receiver = row[cols["sender"]].strip(), row[cols["receiver"]].strip()
        for field, addr in (("sender", sender), ("receiver", receiver)):
            if chain_of(addr) is None:
                raise InputError(f"{location(name, line, field)}: {addr[:60]!r} is not a BTC, ETH or TRON address")
        try:
            amount = float(row[cols["amount"]].replace(",", ""))
            when = _when(row, cols)
        except (ValueError, OverflowError, OSError) as exc:
            raise InputError(f"{location(name, line, 'amount/timestamp')}: {exc}") from exc
        if amount < 0 or amount != amount or amount == float("inf"):
            raise InputError(f"{location(name, line, 'amount')}: {amount} is not a transfer amount")
        token = row[cols["token"]].strip()[:16] if "token" in cols else ""
        yield Transfer(chain_of(sender) or "", row[cols["tx_hash"]].strip()[:128], when, sender, receiver, amount,
                       token or "?")


def import_transfers(session: Session, path: Path) -> tuple[int, int]:
    """Validate the whole file, then insert; returns (rows read, rows new)."""
    rows = list(parse_transfers(path))
    new = 0
    for t in rows:
        new += insert_ignore(session, WalletTransfer.__table__,  # type: ignore[arg-type]
                             {"chain": t.chain, "tx_hash": t.tx_hash, "sent_at": t.sent_at, "sender": t.sender,
                              "receiver": t.receiver, "amount": t.amount, "token": t.token,
                              "source_file": path.name},
                             ["chain", "tx_hash", "sender", "receiver"])
    session.flush()
    return len(rows), new


@dataclass
class WalletSummary:
    identifier: int
    type: str
    masked: str
    address: str | None  # clear only when the store or an imported transfer names it
    received: float = 0.0
    sent: float = 0.0
    n_in: int = 0
    n_out: int = 0
    counterparties: dict[str, float] | None = None
    tokens: set[str] | None = None  # what the transfers moved (USDT, BTC ...), as the explorer named it

    @property
    def currency(self) -> str | None:
        """The unit of `received` and `sent`: the transfers' token, or the chain's own coin without transfers.

        Why: a bare total is unreadable in a case file, and adding two tokens' amounts is meaningless,
        so a wallet that moved several tokens says so rather than naming one.
        """
        named = sorted(t for t in (self.tokens or set()) if t and t != "?")
        if len(named) == 1:
            return named[0][:12]
        if len(named) > 1:
            return "mixed"
        return NATIVE_COIN.get(self.type)


def wallet_summaries(session: Session, corpus: Corpus, hasher: KeyedHasher | None,
                     wallet_ids: set[int]) -> dict[int, WalletSummary]:
    """Per wallet identifier: totals in and out and the largest counterparties."""
    out: dict[int, WalletSummary] = {}
    for iid in wallet_ids:
        ident = corpus.identifiers[iid]
        out[iid] = WalletSummary(iid, ident.type, ident.masked, ident.clear)
    if hasher is None or not wallet_ids:
        return out
    by_hash = {(corpus.identifiers[i].type, corpus.identifiers[i].value_hash): i for i in wallet_ids}
    resolved: dict[str, int | None] = {}

    def ident_of(addr: str) -> int | None:
        if addr not in resolved:
            chain = chain_of(addr) or ""
            value = addr.lower() if chain == "btc" and addr.lower().startswith("bc1") else addr
            value = eip55(value) if chain == "eth" else value
            resolved[addr] = by_hash.get((chain, hasher.hash_normalised(chain, normalize(chain, value))))
        return resolved[addr]

    cps: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for sender, receiver, amount, token in session.execute(
            select(WalletTransfer.sender, WalletTransfer.receiver, WalletTransfer.amount, WalletTransfer.token)):
        s, r = ident_of(sender), ident_of(receiver)
        if s is not None:
            w = out[s]
            w.address, w.sent, w.n_out = sender, w.sent + amount, w.n_out + 1
            w.tokens = (w.tokens or set()) | {token.upper()}
            cps[s][receiver] += amount
        if r is not None:
            w = out[r]
            w.address, w.received, w.n_in = receiver, w.received + amount, w.n_in + 1
            w.tokens = (w.tokens or set()) | {token.upper()}
            cps[r][sender] += amount
    for iid, c in cps.items():
        out[iid].counterparties = dict(sorted(c.items(), key=lambda kv: -kv[1])[:10])
    return out


def revenue_usd(corpus: Corpus, accounts: list[str]) -> tuple[float, int]:
    """Listed price x sold count over trafficking posts, in USD; and how many posts it counts."""
    total, n = 0.0, 0
    for k in accounts:
        for p in corpus.accounts[k].posts:
            if (p.trafficking and p.sold and p.price_amount and p.price_currency in USD_PER
                    and not p.price_per_record):
                total += p.price_amount * USD_PER[p.price_currency] * p.sold
                n += 1
    return round(total, 2), n
