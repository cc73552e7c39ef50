"""Dumps and cases for the record pages: a small analysed dump attributed to org-a, a report of an older
schema (without padding, novelty, ages, gender and cities), and a case opened by a supervisor."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from leaktrace.core.match_types import Match, OrgMatch
from leaktrace.dumps.analyze import analyze_dump
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.dump_records import save_attribution

_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
REGIONS = ("110101", "110105", "440305", "440106", "310101", "330106", "510104", "650102")
OLD_SHA = "0" * 48 + "0123456789abcdef"


def cn_id(region: str, birth: str, seq: int) -> str:
    body = f"{region}{birth}{seq:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _W, strict=True)) % 11]


@dataclass
class Dumps:
    attributed: str  # sha256 of the analysed dump attributed to org-a
    old: str  # sha256 of the older-schema report


def write_dump(path: Path, rows: int = 400, seed: int = 3) -> None:
    rnd = random.Random(seed)
    lines = ["id,name,mobile"]
    for i in range(rows):
        region = rnd.choice(REGIONS)
        birth = f"{rnd.randint(1950, 2004)}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}"
        ident = cn_id(region, birth, i % 1000) if i % 17 else f"{region}{birth}{i % 1000:03d}0"  # some invalid
        lines.append(f"{ident},张{i},1{rnd.choice('3589')}{rnd.randint(0, 999_999_999):09d}")
    path.write_text("\n".join(lines) + "\n", "utf-8")


def add_dumps(ctx: Context, root: Path) -> Dumps:
    src = root / "orders.csv"
    write_dump(src)
    report = analyze_dump(src, ctx.dump_options(), data_dir=ctx.data_dir, keys=ctx.get_keyring)
    match = Match(verdict="lead", org="org-a", partner="courier-1", confidence=0.999,
                  false_attribution_probability=2e-9, summary="org-a leads: 3 canary rows of courier-1",
                  ranking=[OrgMatch(org="org-a", p_value=1e-10, false_attribution_probability=2e-9, lead=True),
                           OrgMatch(org="org-b", p_value=0.4, false_attribution_probability=1.0)])
    save_attribution(ctx.data_dir, report.sha256, match)
    old = ctx.data_dir / "dumps" / OLD_SHA
    old.mkdir(parents=True, exist_ok=True)
    (old / "report.json").write_text(json.dumps({"report": {
        "path": "/seized/old-leak.csv", "sha256": OLD_SHA, "format": "csv", "encoding": "utf-8", "engine": "duckdb",
        "rows": 1000, "distinct_persons": 900, "distinct_persons_by": "id_number", "duplicate_rows": 10,
        "provinces_by_id": [{"code": "11", "name": "北京市", "persons": 600}, {"code": "44", "name": "广东省",
                                                                               "persons": 300}]}}), "utf-8")
    return Dumps(report.sha256, OLD_SHA)
