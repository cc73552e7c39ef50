"""Which listing shows which picture: originals on trafficking listings, reposts under other aliases.

About two thirds of the pictures are originals (tables of the leak's own
sample rows on the gang's story listings, of synthetic people elsewhere;
specimen cards), half of them photographed rather than screenshotted; the
rest are copies of an original posted by a different seller, the way the
gang's agents repost the supplier's sample.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image

from leaktrace.simulate.social.pictures import Painter, Picture, photographed, reposted, save
from leaktrace.simulate.social.samples import synthetic_row

DEFAULT_PICTURES = 6
MAX_PICTURES = 2000


def make_album(rng: random.Random, items: list[dict[str, object]], samples: list[dict[str, str]], count: int,
               font: Path, outdir: Path) -> tuple[dict[str, list[str]], dict[str, dict[str, object]]]:
    """Write `count` pictures under `outdir`; return listing id -> file names, and file name -> truth."""
    offers = [i for i in items if i["truth"]["trafficking"]]  # type: ignore[index]
    story = [i for i in offers if i["truth"].get("story")]  # type: ignore[attr-defined]
    others = [i for i in offers if not i["truth"].get("story")]  # type: ignore[attr-defined]
    if not offers:
        return {}, {}
    outdir.mkdir(parents=True, exist_ok=True)
    painter = Painter(font)
    people = [_person(r) for r in samples] or [_person(synthetic_row(rng, None, "orders")) for _ in range(8)]
    n_orig = max(1, (2 * count + 2) // 3)
    shown: dict[str, list[str]] = {}
    truth: dict[str, dict[str, object]] = {}
    originals: list[tuple[Picture, dict[str, object], Path]] = []
    used: set[tuple[str, ...]] = set()  # no two originals show the same thing: a second one would be a repost
    for k in range(n_orig):
        pool = story if story and k % 2 == 0 else (others or story)
        item = pool[(k // 2) % len(pool)] if pool is story else pool[rng.randrange(len(pool))]
        on_story = bool(item["truth"].get("story"))  # type: ignore[attr-defined]
        who = people if on_story else [_person(synthetic_row(rng, None, "orders")) for _ in range(6)]
        if k % 3 == 2:
            fresh = [p for p in who if ("card", p["id"]) not in used]
            p = rng.choice(fresh) if fresh else _person(synthetic_row(rng, None, "orders"))
            used.add(("card", p["id"]))
            img, lines = painter.card(p["name"], p["id"], p["mobile"])
            pic = Picture("", "card", [p["id"]], [p["mobile"]], lines)
        else:
            rows = rng.sample(who, k=min(len(who), rng.randint(3, 6)))
            while ("orders", *sorted(r["id"] for r in rows)) in used:
                rows = [_person(synthetic_row(rng, None, "orders")) for _ in range(len(rows))]
            used.add(("orders", *sorted(r["id"] for r in rows)))
            img, lines = painter.table([{"订单编号": r["order"], "收货人": r["name"], "身份证号": r["id"],
                                         "联系电话": r["mobile"]} for r in rows])
            pic = Picture("", "orders", [r["id"] for r in rows], [r["mobile"] for r in rows], lines)
        quality = None
        if k % 2 == 1:
            img, pic.degraded, quality = photographed(rng, img)
        pic.name = f"p{k + 1:04d}.{'png' if quality is None else 'jpg'}"
        save(img, outdir / pic.name, quality)
        originals.append((pic, item, outdir / pic.name))
        _record(shown, truth, item, pic)
    for k in range(count - n_orig):
        pic0, item0, path0 = originals[k % len(originals)]
        seller = item0["acc"].key  # type: ignore[attr-defined]
        candidates = [i for i in (story + others) if i["acc"].key != seller]  # type: ignore[attr-defined]
        if not candidates:
            break
        item = candidates[rng.randrange(len(candidates))]
        with Image.open(path0) as src:
            img, steps, quality = reposted(rng, src.convert("RGB"))
        pic = Picture(f"r{k + 1:04d}.jpg", pic0.kind, pic0.ids, pic0.mobiles, pic0.lines, steps, pic0.name)
        save(img, outdir / pic.name, quality)
        _record(shown, truth, item, pic)
    return shown, truth


def _person(row: dict[str, str]) -> dict[str, str]:
    """The leak's sample columns or a synthetic row, under one set of keys."""
    return {"name": row.get("收货人") or row.get("姓名", ""), "id": row.get("身份证号") or row.get("身份证", ""),
            "mobile": row.get("联系电话") or row.get("手机", ""), "order": row.get("订单编号") or row.get("订单号", "")}


def _record(shown: dict[str, list[str]], truth: dict[str, dict[str, object]], item: dict[str, object],
            pic: Picture) -> None:
    shown.setdefault(str(item["id"]), []).append(pic.name)
    truth[pic.name] = {**pic.truth(), "listing": item["id"], "seller": item["acc"].key}  # type: ignore[attr-defined]
