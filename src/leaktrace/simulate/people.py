"""People as arrays: person index -> ID number, name, mobile, address, all vectorised.

A person index goes through a keyed bijection onto (county-year pair, day of
year, sequence number), so two people never share an ID number at any scale,
every ID is valid in strict mode (county code valid in the birth year), and
the province a person lives in is the one their ID names. Each index range
of the person space has one role (victim customers, other shoppers, the old
leak, canaries, fakes), so truth counts are sums, not set operations.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from leaktrace.core.cn_id_rule import CHECK_CHARS, WEIGHTS
from leaktrace.simulate.geo import DOY_DAY, DOY_MONTH, MAINLAND, county_years, mobile_prefixes
from leaktrace.simulate.keyed import Feistel, Keyed
from leaktrace.simulate.vocab import vocab

I64 = NDArray[np.int64]
# Check code per (weighted sum mod 11); 10 stands for 'X'.
CHECK_CODE = np.array([10 if c == "X" else int(c) for c in CHECK_CHARS], dtype=np.int64)
CHECK_TEXT = [str(i) for i in range(10)] + ["X"]
_W = np.array(WEIGHTS, dtype=np.int64)
MOBILE_SAME_PROVINCE = 0.9  # share of people whose mobile was issued in their home province


def check_codes(body17: I64) -> I64:
    """Vectorised GB 11643 check code (0-9, 10 = X) for 17-digit bodies."""
    total = np.zeros(body17.shape, dtype=np.int64)
    rest = body17.copy()
    for i in range(16, -1, -1):
        total += (rest % 10) * _W[i]
        rest //= 10
    return CHECK_CODE[total % 11]


@dataclass
class People:
    """One row per person; every array has the same length."""

    idx: I64
    prov: I64  # province of the ID (index into geo.MAINLAND)
    year: I64
    month: I64
    day: I64
    male: NDArray[np.bool_]
    id_body: I64  # 17-digit body
    id_check: I64  # 0-9, 10 = X
    surname: I64
    given: I64  # into vocab.given_male or given_female by `male`
    addr_prov: I64
    city: I64
    district: I64
    street: I64
    house: I64
    building: I64
    room: I64
    mob_prov: I64
    mobile: I64

    def __len__(self) -> int:
        return len(self.idx)

    def take(self, sel: NDArray[np.integer] | NDArray[np.bool_]) -> People:
        return People(**{f.name: getattr(self, f.name)[sel] for f in fields(self)})

    @staticmethod
    def concat(parts: list[People]) -> People:
        return People(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(People)})


class PersonSpace:
    """Maps person indices to people; the same index always gives the same person."""

    def __init__(self, keyed: Keyed) -> None:
        self.keyed = keyed
        self.pairs = county_years()
        self.size = len(self.pairs.code) * 365 * 1000
        self.perm = Feistel(keyed, "person-id", self.size)

    def people(self, idx: I64) -> People:
        k, pairs, voc = self.keyed, self.pairs, vocab()
        q = self.perm(idx)
        pair = q // 365_000
        doy = (q // 1000) % 365
        seq = q % 1000
        year = pairs.year[pair]
        month, day = DOY_MONTH[doy], DOY_DAY[doy]
        body = pairs.code[pair] * 10**11 + (year * 10_000 + month * 100 + day) * 1000 + seq
        male = (seq % 2) == 1
        prov = pairs.province[pair]
        n_prov = len(MAINLAND)
        other = (prov + 1 + k.below("mob-other", idx, n_prov - 1)) % n_prov
        mob_prov = np.where(k.u("mob-same", idx) < MOBILE_SAME_PROVINCE, prov, other)
        surname = np.searchsorted(voc.surname_cdf, k.u("surname", idx), side="right")
        surname = np.minimum(surname, len(voc.surnames) - 1)
        given = np.where(
            male, k.below("given", idx, len(voc.given_male)), k.below("given", idx, len(voc.given_female))
        )
        ppl = People(
            idx=idx, prov=prov, year=year, month=month, day=day, male=male,
            id_body=body, id_check=check_codes(body), surname=surname.astype(np.int64), given=given,
            addr_prov=prov.copy(), city=np.zeros_like(idx), district=k.below("district", idx, len(voc.districts)),
            street=k.below("street", idx, len(voc.streets)), house=1 + k.below("house", idx, 399),
            building=1 + k.below("building", idx, 30), room=101 + k.below("room", idx, 2400),
            mob_prov=mob_prov, mobile=np.zeros_like(idx),
        )
        self.place(ppl, "home")
        return ppl

    def place(self, ppl: People, stream: str) -> None:
        """(Re)draw city and mobile from the current addr_prov / mob_prov."""
        mp = mobile_prefixes()
        n_cities = np.array([len(c) for c in mp.cities], dtype=np.int64)
        ppl.city = self.keyed.below(f"city/{stream}", ppl.idx, n_cities[ppl.addr_prov])
        pre = mp.prefixes[mp.offset[ppl.mob_prov] + self.keyed.below(f"prefix/{stream}", ppl.idx, mp.count[ppl.mob_prov])]
        ppl.mobile = pre * 10_000 + self.keyed.below(f"line/{stream}", ppl.idx, 10_000)
