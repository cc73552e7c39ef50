"""A listing's claims assembled into one `Facts`: volume, price, freshness, places, terms.

Each claim has its own module (volumes, prices) or comes from the lexicon
(first-hand, real-time, samples, delivery, nationwide are categories of
terms, so users extend them as data). Dates are read here: the newest
year/month a post names is how fresh the seller says the data is.
Province names come from `pii`'s one table of spellings, so a listing's
regions compare equal to the provinces of the IDs in its samples.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from leaktrace.core.intel_types import Facts, Freshness
from leaktrace.intel.lexicon import Lexicon, default_lexicon
from leaktrace.intel.prices import find_prices
from leaktrace.intel.volumes import find_volumes
from leaktrace.pii.detectors._geo import province_alternation, province_forms
from leaktrace.pii.regions import PROVINCES

# Patterns start with a digit, not a look-behind, so `re` can skip ahead to
# digits; the "no digit before" check is done on the match instead.
_YEAR_MONTH = re.compile(
    r"(20[0-4][0-9]|199[0-9])\s?(?:年|[.\-/])\s?(1[0-2]|0?[1-9])(?![0-9])(?!\s?(?:条|万|w|元))"
)
_YEAR = re.compile(r"(20[0-4][0-9]|199[0-9])\s?年|([0-4][0-9])年(?!龄|纪)")
_MONTH = re.compile(r"(1[0-2]|0?[1-9])\s?月(?:份)?")


def _free_start(text: str, m: re.Match[str]) -> bool:
    """No digit or decimal point right before the match."""
    return m.start() == 0 or text[m.start() - 1] not in "0123456789."
DELIVERY_CATEGORIES = {"delivery.auto": "auto", "delivery.escrow": "escrow", "delivery.manual": "manual"}


@lru_cache(maxsize=1)
def _province_re() -> re.Pattern[str]:
    return re.compile(province_alternation())


def find_freshness(text: str, terms: dict[str, list[str]], today: date | None = None) -> Freshness:
    """Newest year/month named, first- or second-hand, real-time."""
    this_year = (today or date.today()).year
    best: tuple[int, int] | None = None
    for m in _YEAR_MONTH.finditer(text):
        if not _free_start(text, m):
            continue
        ym = (int(m.group(1)), int(m.group(2)))
        if ym[0] <= this_year + 1 and (best is None or ym > best):
            best = ym
    year = best[0] if best else None
    month = best[1] if best else None
    # _YEAR needs a 年 and _MONTH a 月: posts without them (most contact-heavy ones) skip
    # those digit-led scans, which try every digit of every QQ number and wallet.
    for m in _YEAR.finditer(text) if "年" in text else ():
        if not _free_start(text, m):
            continue
        y = int(m.group(1)) if m.group(1) else 2000 + int(m.group(2))
        if y <= this_year + 1 and (year is None or y > year):
            year, month = y, None
    if year is None and "月" in text:
        month = next((int(m.group(1)) for m in _MONTH.finditer(text) if _free_start(text, m)), None)
    hand = None
    first, second = terms.get("freshness.first"), terms.get("freshness.second")
    if first and not second:
        hand = "first"
    elif second and not first:
        hand = "second"
    return Freshness(year=year, month=month, hand=hand, realtime=bool(terms.get("freshness.realtime")))


def find_regions(text: str) -> list[str]:
    """Canonical province names in order of first mention."""
    forms = province_forms()
    out: list[str] = []
    for m in _province_re().finditer(text):
        name = PROVINCES[forms[m.group()]]
        if name not in out:
            out.append(name)
    return out


def extract_facts(text: str, lexicon: Lexicon | None = None, truncated: bool = False,
                  today: date | None = None) -> Facts:
    """Facts of an already cleaned text (see `intel.text_hygiene.clean`)."""
    lex = lexicon or default_lexicon()
    terms = lex.categorise(text)
    counts = [v.value for v in find_volumes(text)]
    prices = find_prices(text)
    delivery = [v for k, v in DELIVERY_CATEGORIES.items() if k in terms]
    return Facts(
        records=max(counts) if counts else None,
        record_counts=counts,
        price=prices[0] if prices else None,
        prices=prices,
        freshness=find_freshness(text, terms, today),
        regions=find_regions(text),
        nationwide="region.nationwide" in terms,
        sample="sample" in terms,
        delivery=delivery,
        terms=terms,
        truncated=truncated,
    )
