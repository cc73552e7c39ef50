"""Analysed dumps as the console shows them: the list, and one dump's page (map, ages, padding, novelty, attribution).

Staff see every dump. A partner sees a dump only when it is attributed to
its own organisation (the kept attribution's lead, or a case's attribution
item naming it), and then only aggregates and its own organisation's line
of the ranking: never the malformed-row samples (masked fragments of
victims' rows), the column names, the file path or the hash sets.

Reports are read leniently (`pipeline.dump_records`): a report written by an
older version shows the sections it has, and `missing` names the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.dump_records import (
    DumpRecord,
    headlines,
    load_record,
    resolve_sha,
)
from leaktrace.pipeline.text_view import display_text
from leaktrace.service.access import ACTIONS, Principal, Role, require
from leaktrace.service.errors import PermissionDenied
from leaktrace.store.models import CaseItem

ACTION = "dump.view"
AGE_ORDER = ("<18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
MAX_DUMPS_LISTED = 2000  # the newest; older ones are reached by their id
PER_PAGE = 100  # rows a page of the list draws (a page of 500 rows cost more to draw than to find)
TOP_CITIES = 30
MAX_RANKED = 5  # the organisations printed with their evidence; the rest are far from a lead


@dataclass(frozen=True)
class DumpRow:
    sha256: str
    dump_id: str
    name: str
    rows: int | None
    distinct_persons: int | None
    padding: int | None
    attributed_to: str | None


@dataclass
class DumpPage:
    """Everything the dump page draws; each chart's numbers are also its table."""

    sha256: str
    dump_id: str
    name: str
    schema: str
    partner_view: bool
    figures: dict[str, Any]
    persons_by: str
    provinces: list[dict[str, Any]]
    cities: list[dict[str, Any]]
    ages: list[dict[str, Any]]
    age_reference_date: str | None
    gender: list[dict[str, Any]]
    padding: dict[str, Any] | None
    novelty: dict[str, Any] | None
    attribution: dict[str, Any] | None
    case_attributions: list[dict[str, Any]]
    malformed_samples: list[dict[str, Any]] = field(default_factory=list)
    columns: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def chart_data(self) -> dict[str, Any]:
        """What the page's script draws (province codes keyed to the shipped outline's `code` property)."""
        return {
            "provinces": [{"name": p["code"], "label": p["name"], "value": p["persons"]} for p in self.provinces],
            "max": max((p["persons"] for p in self.provinces), default=0),
            "ages": {"labels": [a["bucket"] for a in self.ages], "values": [a["persons"] for a in self.ages]},
            "gender": [{"name": g["label"], "value": g["persons"]} for g in self.gender],
            "padding": {"values": [self.padding.get(k) or 0 for k in ("low", "estimate", "high")]}
            if self.padding else {},
        }


def _int(v: Any) -> int | None:
    return int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _places(raw: Any) -> list[dict[str, Any]]:
    out = []
    for p in raw if isinstance(raw, list) else []:
        if isinstance(p, dict) and isinstance(p.get("code"), str) and _int(p.get("persons")) is not None:
            out.append({"code": p["code"][:8], "name": display_text(str(p.get("name") or p["code"]), 40, masked=False),
                        "persons": _int(p["persons"])})
    return sorted(out, key=lambda p: (-p["persons"], p["code"]))


def _dump_name(rec: DumpRecord) -> str:
    path = str(rec.report.get("path") or "")
    return display_text(path.replace("\\", "/").rsplit("/", 1)[-1], 200, masked=False) or rec.sha256[:16]


def _case_attributions(ctx: Context, sha: str) -> list[dict[str, Any]]:
    """Attribution items of cases about this dump (org, confidence, evidence lines), whichever case holds them.

    Found by their id, `att-dump-<hex>`: the id `case build` and `case add` give
    an attribution of dump `dump-<hex>` (`pipeline.case_build.attribution_item`).
    """
    did = f"dump-{sha[:16]}"
    with ctx.session() as s:
        rows = s.scalars(select(CaseItem.payload).where(CaseItem.kind == "attribution",
                                                        CaseItem.key == f"att-{did}").limit(200)).all()
    out = []
    for p in rows:
        p = p or {}
        if p.get("dump_id") == did:
            out.append({"org": str(p.get("org_name") or ""), "org_id": p.get("org_id"),
                        "confidence": p.get("confidence"), "partner": p.get("partner"),
                        "evidence": [display_text(str(e), 500, masked=False) for e in (p.get("evidence") or [])][:20]})
    return out


def _orgs_of(rec: DumpRecord, case_atts: list[dict[str, Any]]) -> set[str]:
    """Organisations the dump is attributed to (leads only)."""
    orgs = {str(a["org"]) for a in case_atts if a.get("org")} | {str(a["org_id"]) for a in case_atts if a.get("org_id")}
    att = rec.attribution or {}
    if att.get("verdict") == "lead" and att.get("org"):
        orgs.add(str(att["org"]))
    return orgs


def _partner_dumps(ctx: Context, org: str) -> set[str]:
    """Dump ids (`dump-<hex>`) a case attributes to organisation `org` (by its name or id)."""
    with ctx.session() as s:
        payloads = s.scalars(select(CaseItem.payload).where(CaseItem.kind == "attribution")).all()
    return {str(p.get("dump_id")) for p in payloads
            if isinstance(p, dict) and p.get("dump_id") and org in (p.get("org_name"), p.get("org_id"))}


def _partner_may_see(principal: Principal, orgs: set[str]) -> bool:
    return principal.org_id is not None and principal.org_id in orgs


def _evidence_line(kind: str, e: dict[str, Any]) -> str:
    """One key kind's containment against chance, as a line: 'cn_id 217/414 held (52.4%; chance 27.5%), log10 p -9.3'."""
    def num(key: str) -> float:
        v = e.get(key)
        return float(v) if isinstance(v, (int, float)) else float("nan")

    return (f"{kind[:30]} {int(num('hits')) if e.get('hits') is not None else '?'}/"
            f"{int(num('sampled')) if e.get('sampled') is not None else '?'} held ({num('containment'):.1%}; "
            f"chance {num('chance_containment'):.1%}), log10 p {num('log10_p'):.1f}")


def _attribution(rec: DumpRecord, principal: Principal) -> dict[str, Any] | None:
    att = rec.attribution
    if not att:
        return None
    ranking = []
    for r in att.get("ranking") or []:
        if not isinstance(r, dict):
            continue
        if principal.is_partner and r.get("org") != principal.org_id:
            continue  # another organisation's evidence is not this partner's to see
        ev = r.get("evidence") or {}
        ranking.append({
            "org": display_text(str(r.get("org") or ""), 200, masked=False), "lead": bool(r.get("lead")),
            "p_value": r.get("p_value"), "false_attribution_probability": r.get("false_attribution_probability"),
            "canary_hits": len(r.get("canary_hits") or []),
            "partners": sorted({str(h.get("partner")) for h in r.get("canary_hits") or [] if isinstance(h, dict)}),
            "evidence": [_evidence_line(str(k), v) for k, v in sorted(ev.items()) if isinstance(v, dict)]
            if isinstance(ev, dict) else [],
        })
        if len(ranking) >= MAX_RANKED:
            break
    return {"verdict": att.get("verdict"), "org": att.get("org"), "partner": att.get("partner"),
            "confidence": att.get("confidence"),
            "false_attribution_probability": att.get("false_attribution_probability"),
            "summary": display_text(str(att.get("summary") or ""), 1000, masked=False), "ranking": ranking}


@dataclass(frozen=True)
class DumpList:
    """One page of the dump list, newest first."""

    rows: list[DumpRow]
    page: int
    more: bool
    total: int  # dumps this reader may see (of the newest MAX_DUMPS_LISTED)


def list_dumps(ctx: Context, principal: Principal, *, page: int = 0) -> DumpList:
    """Dumps with a stored report, newest first, PER_PAGE a page; a partner's list holds only its organisation's."""
    require(principal, ACTION)
    if not 0 <= page <= MAX_DUMPS_LISTED // PER_PAGE:
        raise InputError(f"field 'page': {page} is not a page number (0-{MAX_DUMPS_LISTED // PER_PAGE})")
    mine = _partner_dumps(ctx, principal.org_id) if principal.is_partner and principal.org_id else set()
    seen = [h for h in headlines(ctx.data_dir, MAX_DUMPS_LISTED)
            if not principal.is_partner or (principal.org_id and (h.lead == principal.org_id
                                                                  or f"dump-{h.sha256[:16]}" in mine))]
    shown = seen[page * PER_PAGE:(page + 1) * PER_PAGE]
    rows = [DumpRow(h.sha256, f"dump-{h.sha256[:16]}", "" if principal.is_partner else display_text(h.name, 200, masked=False),
                    h.rows, h.distinct_persons, h.padding, h.lead) for h in shown]
    return DumpList(rows, page, (page + 1) * PER_PAGE < len(seen), len(seen))


def _figures(r: dict[str, Any], partner: bool) -> dict[str, Any]:
    malformed = r.get("malformed") if isinstance(r.get("malformed"), dict) else {}
    keys = ("rows", "distinct_persons", "distinct_valid_ids", "distinct_valid_mobiles", "duplicate_rows",
            "distinct_rows")
    figs: dict[str, Any] = {k: _int(r.get(k)) for k in keys}
    figs["malformed_rows"] = _int(malformed.get("rows"))
    figs["order_time_min"] = r.get("order_time_min") if isinstance(r.get("order_time_min"), str) else None
    figs["order_time_max"] = r.get("order_time_max") if isinstance(r.get("order_time_max"), str) else None
    if not partner:
        figs["format"] = display_text(str(r.get("format") or ""), 40, masked=False)
        figs["encoding"] = display_text(str(r.get("encoding") or ""), 40, masked=False)
        figs["engine"] = display_text(str(r.get("engine") or ""), 40, masked=False)
    return figs


def dump_page(ctx: Context, principal: Principal, ref: str, *, province: str | None = None) -> DumpPage:
    """One dump's page; `province` (2 digits) narrows the city table to that province."""
    require(principal, ACTION)
    sha = resolve_sha(ctx.data_dir, ref)
    rec = load_record(ctx.data_dir, sha)
    case_atts = _case_attributions(ctx, sha)
    partner = principal.is_partner
    if partner:
        if not _partner_may_see(principal, _orgs_of(rec, case_atts)):
            raise PermissionDenied(ACTION, ACTIONS[ACTION] - {Role.PARTNER},
                                   "this dump is not attributed to your organisation")
        case_atts = [a for a in case_atts if principal.org_id in (a.get("org"), a.get("org_id"))]
    r = rec.report
    by = str(r.get("distinct_persons_by") or ("id_number" if r.get("provinces_by_id") else "mobile"))
    provinces = _places(r.get("provinces_by_id") if by == "id_number" else r.get("provinces_by_mobile"))
    cities = _places(r.get("cities_by_id") if by == "id_number" else r.get("cities_by_mobile"))
    if province is not None:
        if not province.isdigit() or len(province) != 2:
            raise InputError(f"field 'province': {province[:10]!r} is not a 2-digit province code")
        cities = [c for c in cities if c["code"].startswith(province)]
    else:
        cities = cities[:TOP_CITIES]  # the largest; a province's own list is one click (or ?province=) away
    ages_raw = r.get("age_buckets") if isinstance(r.get("age_buckets"), dict) else {}
    ages = [{"bucket": b, "persons": _int(ages_raw[b]) or 0} for b in AGE_ORDER if b in ages_raw]
    ages += [{"bucket": str(b)[:10], "persons": _int(n) or 0} for b, n in ages_raw.items() if b not in AGE_ORDER]
    g_raw = r.get("gender") if isinstance(r.get("gender"), dict) else {}
    gender = [{"key": str(k)[:4], "label": {"M": "M", "F": "F"}.get(str(k), str(k)[:10]), "persons": _int(n) or 0}
              for k, n in sorted(g_raw.items())]
    pad = r.get("padding") if isinstance(r.get("padding"), dict) else None
    padding = None
    if pad is not None:
        padding = {k: _int(pad.get(k)) for k in ("estimate", "low", "high", "invalid_id_rows",
                                                  "impossible_history_rows", "geo_conflict_rows", "one_sided_geo_rows")}
        padding["method"] = display_text(str(pad.get("method") or ""), 1000, masked=False)
        rows = _int(r.get("rows"))
        padding["share"] = (padding["estimate"] or 0) / rows if rows else None
    nov = r.get("novelty") if isinstance(r.get("novelty"), dict) else None
    novelty = None
    if nov is not None:
        novelty = {k: _int(nov.get(k)) for k in ("earlier_dumps", "persons_seen_before", "persons_new")}
        seen, new = novelty["persons_seen_before"] or 0, novelty["persons_new"] or 0
        novelty["new_share"] = new / (seen + new) if seen + new else None
    page = DumpPage(
        sha256=sha, dump_id=f"dump-{sha[:16]}", name="" if partner else _dump_name(rec),
        schema=str(r.get("schema") or "unversioned")[:60], partner_view=partner, figures=_figures(r, partner),
        persons_by=by, provinces=provinces, cities=cities, ages=ages,
        age_reference_date=r.get("age_reference_date") if isinstance(r.get("age_reference_date"), str) else None,
        gender=gender, padding=padding, novelty=novelty, attribution=_attribution(rec, principal),
        case_attributions=case_atts, missing=rec.missing)
    if not partner:
        malformed = r.get("malformed") if isinstance(r.get("malformed"), dict) else {}
        page.malformed_samples = [
            {"line": m.get("line"), "problem": display_text(str(m.get("problem") or ""), 200, masked=False),
             "text": display_text(str(m.get("text_masked") or ""), 300)}
            for m in (malformed.get("samples") or [])[:20] if isinstance(m, dict)]
        page.columns = [{"index": c.get("index"), "name": display_text(str(c.get("name") or ""), 100),
                         "role": str(c.get("role") or "")[:20], "confidence": c.get("confidence")}
                        for c in (r.get("columns") or [])[:200] if isinstance(c, dict)]
    return page
