"""The report's opening summary: who, what, how many, where, when and which company, from the case's items.

Why a module of its own: the summary is the part an investigator reads
first and quotes, so every sentence is built from the items alone (no
stage's tables) and each figure is traceable to a section further down.
Sentences are plain text; the template escapes them, since names, aliases
and categories come from hostile pages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC

from leaktrace.cases import provinces
from leaktrace.cases.i18n import code_label, role_label, texts
from leaktrace.cases.model import CaseContent, DumpSummary

SHOW_NAMES = 6
SHOW_PROVINCES = 5
SHOW_CATEGORIES = 5


@dataclass(frozen=True)
class SummaryLine:
    key: str  # who, what, how_many, where, when, company
    label: str
    text: str


def _num(n: int | float) -> str:
    return f"{n:,}" if isinstance(n, int) else f"{n:,.1f}"


def _list(items: list[str], lang: str, more: int = 0) -> str:
    sep = "、" if lang == "zh" else ", "
    text = sep.join(items)
    if more > 0:
        text += f" {texts(lang)['sum_more'].format(n=more)}"
    return text


def _main_dump(content: CaseContent) -> DumpSummary | None:
    return max(content.dumps, key=lambda d: d.distinct_victims, default=None)


def _who(content: CaseContent, lang: str) -> str:
    t = texts(lang)
    if content.groups:
        parts = []
        by_id = {a.id: a for a in content.actors}
        for g in content.groups:
            members = [by_id[m] for m in g.members if m in by_id]
            roles = Counter(role_label(m.role, lang).split("（")[0].split(" (")[0] for m in members if m.role)
            names = [m.name or m.id for m in members][:SHOW_NAMES]
            accounts = sum(len(m.aliases) for m in members)
            parts.append(t["sum_group"].format(
                group=g.name or g.id, n=len(g.members), accounts=accounts,
                roles=_list([f"{r} × {c}" for r, c in roles.most_common()], lang) or t["none"],
                names=_list(names, lang, len(members) - len(names))))
        return " ".join(parts)
    sellers = Counter(x.seller for x in content.listings if x.seller)
    if sellers:
        top = [s for s, _ in sellers.most_common(SHOW_NAMES)]
        return t["sum_sellers"].format(n=len(sellers), names=_list(top, lang, len(sellers) - len(top)))
    return t["sum_unknown"]


def _what(content: CaseContent, lang: str) -> str:
    t = texts(lang)
    if not content.listings:
        return t["sum_no_listings"]
    cats = Counter(code_label(x.category, lang) for x in content.listings if x.category)
    markets = {x.market for x in content.listings if x.market}
    top = [f"{c} ({n})" for c, n in cats.most_common(SHOW_CATEGORIES)]
    return t["sum_what"].format(n=len(content.listings), markets=len(markets),
                                categories=_list(top, lang, len(cats) - len(top)) or t["none"])


def _how_many(content: CaseContent, lang: str) -> str:
    """What the dump's sellers claimed against the distinct victims the dump verifiably holds.

    The claim compared is the dump's own (`claimed_records`), else the largest
    of the listings the dump is tied to; the largest claim of any listing is
    named beside it, since one case may hold listings of other data sets.
    """
    t = texts(lang)
    listed = max((x.claimed_records for x in content.listings if x.claimed_records), default=None)
    dump = _main_dump(content)
    if dump is None:
        claimed = t["sum_claimed"].format(n=_num(listed)) if listed else t["sum_no_claim"]
        return f"{claimed} {t['sum_no_dump']}"
    tied = {x.id: x.claimed_records for x in content.listings if x.claimed_records}
    claim = dump.claimed_records or max((tied[i] for i in dump.listing_ids if i in tied), default=None)
    parts = [t["sum_dump_claim"].format(n=_num(claim)) if claim else t["sum_no_claim"],
             t["sum_verified"].format(n=_num(dump.distinct_victims), dump=dump.name or dump.id,
                                      rows=_num(dump.rows))]
    if claim and dump.distinct_victims:
        parts.append(t["sum_ratio"].format(x=_num(round(claim / dump.distinct_victims, 1))))
    if listed and listed != claim:
        parts.append(t["sum_claimed"].format(n=_num(listed)))
    return " ".join(parts)


def _where(content: CaseContent, lang: str) -> str:
    t = texts(lang)
    parts = []
    dump = _main_dump(content)
    if dump is not None and dump.by_province:
        folded = provinces.fold(dump.by_province)
        total = sum(folded.values()) or 1
        top = sorted(folded.items(), key=lambda kv: (-kv[1], kv[0]))[:SHOW_PROVINCES]
        shown = [f"{provinces.name(code, lang)} {100 * n / total:.1f}%" for code, n in top]
        parts.append(t["sum_victims_in"].format(n=len(folded),
                                                top=_list(shown, lang, len(folded) - len(shown))))
    homes = sorted({a.province_code for a in content.actors if a.province_code})
    if homes:
        parts.append(t["sum_members_in"].format(places=_list([provinces.name(c, lang) for c in homes], lang)))
    return " ".join(parts) or t["sum_no_where"]


def _when(content: CaseContent, lang: str) -> str:
    t = texts(lang)
    dated = [x.first_seen for x in content.listings if x.first_seen]
    dated += [c.fetched_at for c in content.captures if c.fetched_at]
    dated += [e.at for e in content.timeline if e.kind != "item"]
    if not dated:
        return t["sum_no_when"]
    first, last = min(dated).astimezone(UTC), max(dated).astimezone(UTC)
    return t["sum_when"].format(first=f"{first:%Y-%m-%d}", last=f"{last:%Y-%m-%d}", days=(last - first).days + 1)


def _company(content: CaseContent, lang: str) -> str:
    t = texts(lang)
    if not content.attributions:
        return t["sum_no_company"]
    best = max(content.attributions, key=lambda a: a.confidence)
    text = t["sum_company"].format(org=best.org_name, conf=f"{100 * best.confidence:.0f}%",
                                   method=best.method or "—")
    if best.partner:
        text += " " + t["sum_partner"].format(partner=best.partner)
    return text


def summary(content: CaseContent, lang: str) -> list[SummaryLine]:
    """The six lines of the opening summary, in the report's language."""
    t = texts(lang)
    lines = (("who", _who), ("what", _what), ("how_many", _how_many), ("where", _where), ("when", _when),
             ("company", _company))
    return [SummaryLine(key, t[f"sum_{key}_label"], build(content, lang)) for key, build in lines]
