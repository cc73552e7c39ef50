"""What `--scale N` means: every size in the world, derived from N and nothing else.

N is the number of rows in the main leaked dump. The victim's customer base,
the wider population, the earlier dump and the decoy organisations are sized
from it, and the person index space is cut into one range per role:

    [0, victim)                     victim customers (the first `victim_customers`)
    [victim, population)            everyone else who shops; the old leak is the
                                    first `old_rows` of them
    [canary_base, +CANARY_SLOTS)    canary persons planted by organisations
    [fake_base, +N)                 fabricated persons (one per fabricated row)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from leaktrace.core.errors import InputError

MAX_SCALE = 10**10  # ~1.1 TB of CSV: beyond it a typo is likelier than a plan
MAX_ORGS = 1000
CANARY_SLOTS = 100_000
BLOCK_ROWS = 100_000  # cache-friendly (10^6 is 2x slower here); a multiple of SQL_INSERT_ROWS

# Composition of the leak, in rows per thousand; real rows take the rest.
PER_MILLE = {"duplicate": 80, "fabricated_invalid": 70, "fabricated_valid": 80, "recycled": 150}
MEAN_ORDERS = 2.055  # 1 + floor(Exp(mean 1.5)): see orders.orders_per_customer
COPY_SHARE = 0.9  # share of the victim's customers present in a partner copy
LEAK_SHARE = 0.8  # share of the partner copy's customers the seller resells
VICTIM_SHARE = 0.35  # victim customers / population
OLD_PER_MILLE = 300  # earlier dump rows per thousand leak rows
CLAIM_INFLATION = 3.7  # the seller's claim against the true row count


@dataclass(frozen=True)
class Plan:
    rows: int
    seed: int
    orgs: int
    victim_customers: int
    population: int
    old_rows: int
    canary_base: int
    fake_base: int
    block_rows: int
    claimed_records: int

    @property
    def blocks(self) -> int:
        return max(1, math.ceil(self.rows / self.block_rows))


def nice_ceil(x: float) -> int:
    """Round up to one significant digit, as sellers do (3,712,000 -> 4,000,000)."""
    if x <= 0:
        return 0
    mag = 10 ** math.floor(math.log10(x))
    return int(math.ceil(x / mag) * mag)


def parse_scale(raw: str | int) -> int:
    """`--scale` as given (digits, `1e6`, `10_000`, `1,000,000`) -> a positive row count."""
    text = str(raw).strip().replace("_", "").replace(",", "")
    try:
        value = float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        raise InputError(f"--scale: {raw!r} is not a whole number of rows") from None
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise InputError(f"--scale: {raw!r} is not a whole number of rows")
        value = int(value)
    if value <= 0:
        raise InputError(f"--scale: {raw!r} must be at least 1 row")
    if value > MAX_SCALE:
        raise InputError(f"--scale: {raw!r} is absurd (the limit is {MAX_SCALE:.0e} rows)")
    return value


def make_plan(rows: int, seed: int, orgs: int, block_rows: int = BLOCK_ROWS) -> Plan:
    if not 1 <= orgs <= MAX_ORGS:
        raise InputError(f"--orgs: {orgs} must be between 1 (the victim alone) and {MAX_ORGS}")
    if seed < 0 or seed >= 2**63:
        raise InputError(f"--seed: {seed} must be between 0 and 2**63-1")
    real = rows * (1000 - sum(PER_MILLE.values())) / 1000
    victim = math.ceil(real / (COPY_SHARE * MEAN_ORDERS) / LEAK_SHARE) + 100
    old = max(50, rows * OLD_PER_MILLE // 1000)
    population = max(math.ceil(victim / VICTIM_SHARE), victim + old)
    return Plan(
        rows=rows, seed=seed, orgs=orgs, victim_customers=victim, population=population,
        old_rows=old, canary_base=population, fake_base=population + CANARY_SLOTS,
        block_rows=block_rows, claimed_records=nice_ceil(rows * CLAIM_INFLATION),
    )
