"""The served world: `social/` files loaded once and indexed for page rendering."""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass, field, replace
from pathlib import Path

from leaktrace.core.errors import InputError


@dataclass
class Market:
    """One site: its settings from markets.json and its listings, newest first per category."""

    id: str
    name: str
    kind: str
    lang: str
    encoding: str
    onion: str
    page_size: int
    categories: list[dict[str, str]]
    credentials: dict[str, str]
    by_category: dict[str, list[dict]] = field(default_factory=dict)
    by_id: dict[int, dict] = field(default_factory=dict)
    vendors: dict[str, dict] = field(default_factory=dict)
    by_seller: dict[str, list[dict]] = field(default_factory=dict)
    images: dict[str, Path] = field(default_factory=dict)  # file name -> path, only those its listings show
    down: bool = False  # live mode: the site answers 503 to everything
    mirrors: list[str] = field(default_factory=list)  # live mode: mirror addresses the home page announces
    served: dict[int, float] = field(default_factory=dict)  # live mode: listing id -> when its page was last served


def social_dir(outdir: Path) -> Path:
    """Accept the world's OUTDIR or its social/ folder."""
    for cand in (outdir / "social", outdir):
        if (cand / "markets.json").is_file():
            return cand
    raise InputError(f"{outdir}: no social/markets.json here; run `leaktrace simulate OUTDIR` first")


def _jsonl(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: line {n}: not JSON ({exc.msg})") from None
    return rows


def load_world(outdir: Path) -> dict[str, Market]:
    """onion hostname -> Market, with listings and vendor profiles attached."""
    base = social_dir(outdir)
    try:
        specs = json.loads((base / "markets.json").read_text(encoding="utf-8"))
        markets = {s["id"]: Market(**{k: s[k] for k in Market.__dataclass_fields__ if k in s}) for s in specs}
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputError(f"{base / 'markets.json'}: malformed market list ({exc})") from None
    for row in _jsonl(base / "listings.jsonl"):
        m = markets.get(row.get("market", ""))
        if m is None:
            raise InputError(f"{base / 'listings.jsonl'}: listing {row.get('id')}: unknown market")
        m.by_id[int(row["id"])] = row
        m.by_category.setdefault(row["category"], []).append(row)
        m.by_seller.setdefault(row["seller"], []).append(row)
        for rel in row.get("images") or []:
            path = base / "images" / Path(str(rel)).name  # a bare name under images/: nothing else is served
            if path.is_file():
                m.images[path.name] = path
    for rows in (r for m in markets.values() for d in (m.by_category, m.by_seller) for r in d.values()):
        rows.sort(key=lambda r: -int(r["id"]))
    for row in _jsonl(base / "vendors.jsonl"):
        if row.get("market") in markets:
            markets[row["market"]].vendors[row["handle"]] = row
    return {m.onion: m for m in markets.values()}


def widen(world: dict[str, Market], n: int, seed: int = 0) -> dict[str, Market]:
    """`world` grown to `n` markets: m4, m5, ... are copies of m1, m2, m3 in turn under new onion names.

    A soak of ten sources needs ten sites that change apart from each other:
    each copy has its own listings (deep copies, so an edit on one is not an
    edit on another), its own onion (seeded) and the same login. Fewer than
    the world's markets keeps the first `n`, by id.
    """
    from leaktrace.simulate.social.identifiers import onion_v3

    base = sorted(world.values(), key=lambda m: (len(m.id), m.id))
    if n < 1:
        raise InputError(f"markets: {n}: give at least 1")
    if n <= len(base):
        return {m.onion: m for m in base[:n]}
    rng = random.Random(f"widen|{seed}")
    out = {m.onion: m for m in base}
    for k in range(len(base), n):
        src = base[k % len(base)]
        rows = copy.deepcopy(src.by_id)
        m = replace(src, id=f"m{k + 1}", name=f"{src.name} {k + 1}", onion=onion_v3(rng), by_id=rows,
                    by_category={}, by_seller={}, vendors=dict(src.vendors), images=dict(src.images), mirrors=[], served={},
                    credentials=dict(src.credentials))
        for row in sorted(rows.values(), key=lambda r: -int(r["id"])):
            row["market"] = m.id
            m.by_category.setdefault(row["category"], []).append(row)
            m.by_seller.setdefault(row["seller"], []).append(row)
        out[m.onion] = m
    return out
