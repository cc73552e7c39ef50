"""The leaked dump as a reseller assembles it, one block of rows at a time.

Real rows are the victim's orders as one partner copy holds them (with that
copy's canary rows), read customer by customer. The seller then pads the
block: exact duplicates, fabricated rows that any validator rejects
(bad checksum, impossible date, unknown region, repeated digits), fabricated
rows with valid IDs that only cross-checks expose (ID province vs. address
and phone province; an order placed before the buyer was born), and rows
recycled from an older, unrelated leak. The block is shuffled; every row
keeps its label for truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from leaktrace.simulate.geo import MAINLAND
from leaktrace.simulate.keyed import Feistel, Keyed
from leaktrace.simulate.people import I64, People, PersonSpace, check_codes
from leaktrace.simulate.plan import COPY_SHARE, PER_MILLE, Plan
from leaktrace.simulate.vocab import vocab

KINDS = ("real", "duplicate", "fabricated_invalid", "fabricated_valid", "recycled", "canary")
DETAILS = ("", "bad_checksum", "bad_date", "bad_region", "repeated_digits", "geo_mismatch", "order_before_birth")
K = {k: i for i, k in enumerate(KINDS)}
D = {d: i for i, d in enumerate(DETAILS)}
# Orders are placed in [2019-01-01, 2024-07-01) UTC; the old leak is 2016-2018.
ORDER_T0, ORDER_T1 = 1546300800, 1719792000
OLD_T0, OLD_T1 = 1451606400, 1546300800
MAX_ORDERS = 12


def orders_per_customer(keyed: Keyed, cust: I64) -> I64:
    k = 1 + np.floor(-np.log1p(-keyed.u("n-orders", cust)) * 1.5).astype(np.int64)
    return np.minimum(k, MAX_ORDERS)


def birth_seconds(p: People) -> I64:
    months = (p.year - 1970) * 12 + (p.month - 1)
    days = months.astype("datetime64[M]").astype("datetime64[D]") + (p.day - 1).astype("timedelta64[D]")
    return days.astype("datetime64[s]").astype(np.int64)


@dataclass
class Block:
    """Rows [start, start + len) of the dump, in file order, with their labels."""

    start: int
    people: People
    order_key: I64
    created: I64
    product: I64
    cents: I64
    kind: NDArray[np.uint8]
    detail: NDArray[np.uint8]
    order_no: I64  # j-th order of a real customer, else -1
    dup_of: I64  # row a duplicate copies, else -1
    canary: I64  # canary slot, else -1
    source_kind: NDArray[np.uint8]  # kind of the row a duplicate copies; own kind otherwise

    def __len__(self) -> int:
        return len(self.kind)


@dataclass
class _Part:
    people: People
    order_key: I64
    created: I64
    product: I64
    cents: I64
    kind: int
    detail: I64
    order_no: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    canary: I64 = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


class LeakBuilder:
    """Yields the dump's blocks in order; state (cursors) carries from block to block."""

    def __init__(self, plan: Plan, keyed: Keyed, space: PersonSpace, canaries: list[int]) -> None:
        self.plan, self.keyed, self.space = plan, keyed, space
        self.order_perm = Feistel(keyed, "order-id", 10**12)
        self.old_perm = Feistel(keyed, "old-pick", plan.old_rows)
        self.next_customer = 0
        self.carry = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        self.fake_counter = 0
        self.recycled_counter = 0
        self.canaries = canaries  # slots of the leaking copy's canaries
        self.n_products = len(vocab().products)

    # -- real rows -------------------------------------------------------
    def _real_orders(self, n: int) -> tuple[I64, I64]:
        custs, js = [self.carry[0]], [self.carry[1]]
        have = len(self.carry[0])
        while have < n:
            chunk = max(1024, int((n - have) / (COPY_SHARE * 2.0) * 1.2))
            c = np.arange(self.next_customer, self.next_customer + chunk, dtype=np.int64)
            self.next_customer += chunk
            k = orders_per_customer(self.keyed, c) * (self.keyed.u("in-copy", c) < COPY_SHARE)
            rows_c = np.repeat(c, k)
            first = np.repeat(np.cumsum(k) - k, k)
            custs.append(rows_c)
            js.append(np.arange(len(rows_c), dtype=np.int64) - first)
            have += len(rows_c)
        cust, j = np.concatenate(custs), np.concatenate(js)
        self.carry = (cust[n:], j[n:])
        if len(cust) and cust[:n].max(initial=-1) >= self.plan.victim_customers:
            raise RuntimeError("leak ran past the victim's customer base; plan sizes are wrong")
        return cust[:n], j[:n]

    def victim_orders(self, cust: I64, j: I64) -> tuple[I64, I64, I64, I64]:
        """(order key, created, product, cents) of order j of victim customer cust."""
        oid = cust * 16 + j
        created = ORDER_T0 + self.keyed.below("created", oid, ORDER_T1 - ORDER_T0)
        product = self.keyed.below("product", oid, self.n_products)
        qty = 1 + self.keyed.below("qty", oid, 3)
        factor = 0.85 + 0.25 * self.keyed.u("price", oid)
        cents = np.round(vocab().product_cents[product] * qty * factor).astype(np.int64)
        return self.order_perm(oid), created, product, cents

    def _made_up_orders(self, stream: str, idx: I64) -> tuple[I64, I64, I64, I64]:
        k = self.keyed
        product = k.below(f"{stream}/product", idx, self.n_products)
        cents = np.round(vocab().product_cents[product] * (0.5 + k.u(f"{stream}/price", idx))).astype(np.int64)
        created = ORDER_T0 + k.below(f"{stream}/created", idx, ORDER_T1 - ORDER_T0)
        return k.below(f"{stream}/order", idx, 10**12), created, product, cents

    # -- padding -----------------------------------------------------------
    def _fakes(self, n: int, valid: bool) -> _Part:
        idx = self.plan.fake_base + self.fake_counter + np.arange(n, dtype=np.int64)
        self.fake_counter += n
        p = self.space.people(idx)
        order = self._made_up_orders("fake", idx)
        k, n_prov = self.keyed, len(MAINLAND)
        if valid:
            late = k.u("fake-kind", idx) < 0.3
            detail = np.where(late, D["order_before_birth"], D["geo_mismatch"]).astype(np.int64)
            geo = ~late
            p.addr_prov = np.where(geo, (p.prov + 1 + k.below("fake-addr", idx, n_prov - 1)) % n_prov, p.prov)
            p.mob_prov = np.where(geo, (p.prov + 1 + k.below("fake-mob", idx, n_prov - 1)) % n_prov, p.mob_prov)
            self.space.place(p, "fake")
            before = (30 + k.below("fake-early", idx, 3 * 365)) * 86_400
            created = np.where(late, birth_seconds(p) - before + k.below("fake-sod", idx, 86_400), order[1])
            return _Part(p, order[0], created, order[2], order[3], K["fabricated_valid"], detail)
        detail = 1 + k.below("bad-kind", idx, 4)
        body, check = p.id_body.copy(), p.id_check.copy()
        bad_ck = detail == D["bad_checksum"]
        check[bad_ck] = (check[bad_ck] + 1 + k.below("bad-ck", idx[bad_ck], 10)) % 11
        bad_date = detail == D["bad_date"]
        month = (body // 100_000) % 100
        body[bad_date] += (13 + k.below("bad-month", idx[bad_date], 7) - month[bad_date]) * 100_000
        bad_reg = detail == D["bad_region"]
        body[bad_reg] = body[bad_reg] % 10**11 + (990_000 + (body[bad_reg] // 10**11) % 10_000) * 10**11
        rep = detail == D["repeated_digits"]
        digit = 1 + k.below("rep-digit", idx[rep], 9)
        body[rep] = digit * 11_111_111_111_111_111
        fix = bad_date | bad_reg
        check[fix] = check_codes(body[fix])
        check[rep] = digit
        p.id_body, p.id_check = body, check
        p.mobile[rep] = (130 + k.below("rep-seg", idx[rep], 10)) * 10**8 + digit * 11_111_111
        return _Part(p, *order, kind=K["fabricated_invalid"], detail=detail)

    def _recycled(self, n: int) -> _Part:
        t = self.recycled_counter + np.arange(n, dtype=np.int64)
        self.recycled_counter += n
        if self.recycled_counter > self.plan.old_rows:
            raise RuntimeError("more recycled rows than the old leak holds; plan sizes are wrong")
        p = self.space.people(self.plan.victim_customers + self.old_perm(t))
        return _Part(p, *self._made_up_orders("recycled", t), kind=K["recycled"], detail=np.zeros(n, np.int64))

    def _canary_part(self, slots: list[int]) -> _Part:
        idx = np.array(slots, dtype=np.int64)
        p = self.space.people(self.plan.canary_base + idx)
        return _Part(p, *self._made_up_orders("canary", idx), kind=K["canary"],
                     detail=np.zeros(len(idx), np.int64), canary=idx)

    # -- one block ---------------------------------------------------------
    def block(self, b: int) -> Block:
        plan = self.plan
        start = b * plan.block_rows
        n = min(plan.block_rows, plan.rows - start)
        counts = {kind: n * pm // 1000 for kind, pm in PER_MILLE.items()}
        slots = [s for i, s in enumerate(self.canaries) if i * plan.blocks // len(self.canaries) == b]
        slots = slots[: max(0, n - sum(counts.values()))]
        n_real = n - sum(counts.values()) - len(slots)
        cust, j = self._real_orders(n_real)
        parts = [
            _Part(self.space.people(cust), *self.victim_orders(cust, j), kind=K["real"],
                  detail=np.zeros(n_real, np.int64), order_no=j),
            self._fakes(counts["fabricated_invalid"], valid=False),
            self._fakes(counts["fabricated_valid"], valid=True),
            self._recycled(counts["recycled"]),
        ]
        if slots:
            parts.append(self._canary_part(slots))
        return self._assemble(start, n, parts, counts["duplicate"])

    def _assemble(self, start: int, n: int, parts: list[_Part], n_dup: int) -> Block:
        def cat(attr: str) -> I64:
            return np.concatenate([getattr(p, attr) for p in parts])

        def filled(attr: str) -> I64:
            return np.concatenate([getattr(p, attr) if len(getattr(p, attr)) else np.full(len(p.people), -1)
                                   for p in parts])

        people = People.concat([p.people for p in parts])
        m = len(people)
        rowid = start + np.arange(n, dtype=np.int64)
        src = self.keyed.below("dup-src", rowid[:n_dup], m) if m else np.zeros(0, np.int64)
        pick = np.concatenate([np.arange(m, dtype=np.int64), src])
        order = np.argsort(self.keyed.bits("shuffle", rowid), kind="stable")
        sel = pick[order]
        inv = np.empty(n, dtype=np.int64)
        inv[order] = np.arange(n, dtype=np.int64)
        base = np.concatenate([np.full(len(p.people), p.kind, dtype=np.uint8) for p in parts])
        kind = np.concatenate([base, np.full(n_dup, K["duplicate"], np.uint8)])[order]
        dup_of = np.full(n, -1, dtype=np.int64)
        dup_pos = inv[m:]  # where each duplicate landed; its source landed at inv[src]
        dup_of[dup_pos] = start + inv[src]
        return Block(
            start=start, people=people.take(sel), order_key=cat("order_key")[sel], created=cat("created")[sel],
            product=cat("product")[sel], cents=cat("cents")[sel], kind=kind,
            detail=np.concatenate([cat("detail"), np.zeros(n_dup, np.int64)])[order].astype(np.uint8),
            order_no=filled("order_no")[sel], dup_of=dup_of, canary=filled("canary")[sel], source_kind=base[sel],
        )
