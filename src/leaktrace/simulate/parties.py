"""The files other parties hold: the earlier dump, and each organisation's own records.

The earlier dump is an older, unrelated leak (a 2016-2018 hotel check-in
list) that resellers recycle rows from; it is shipped so novelty can be
measured. Each organisation's customer file and canary registry are what it
would hand to investigators for attribution.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from leaktrace.core.file_formats import CANARY_FILE_FORMAT
from leaktrace.simulate.formats import joined_lines
from leaktrace.simulate.geo import MAINLAND
from leaktrace.simulate.keyed import Keyed
from leaktrace.simulate.leak import OLD_T0, OLD_T1
from leaktrace.simulate.orgs import CANARIES_PER_COPY, Org, customer_persons
from leaktrace.simulate.people import PersonSpace
from leaktrace.simulate.plan import Plan
from leaktrace.simulate.render import person_strings, time_strings

EARLIER_HEADER = ("姓名", "证件号码", "手机", "地址", "入住时间")
EARLIER_FILE = "hotel_checkin_2018.csv"


def write_earlier_dump(folder: Path, plan: Plan, keyed: Keyed, space: PersonSpace) -> dict[str, Any]:
    """GB18030 CSV with a header; row i is person victim_customers + i (all distinct, all valid)."""
    folder.mkdir()
    by_prov = np.zeros(len(MAINLAND), dtype=np.int64)
    with open(folder / EARLIER_FILE, "wb") as fh:
        fh.write((",".join(EARLIER_HEADER) + "\n").encode("gb18030"))
        for start in range(0, plan.old_rows, plan.block_rows):
            i = np.arange(start, min(start + plan.block_rows, plan.old_rows), dtype=np.int64)
            p = space.people(plan.victim_customers + i)
            s = person_strings(p)
            when = time_strings(OLD_T0 + keyed.below("checkin", i, OLD_T1 - OLD_T0))
            fh.write(joined_lines([s["name"], s["id_number"], s["mobile"], s["address"], when], ",")
                     .decode("utf-8").encode("gb18030"))
            by_prov += np.bincount(p.prov, minlength=len(MAINLAND))
    return {
        "file": f"earlier/{EARLIER_FILE}", "encoding": "gb18030", "header": True, "columns": list(EARLIER_HEADER),
        "rows": plan.old_rows, "distinct_valid_ids": plan.old_rows,
        "distinct_valid_ids_by_province": {MAINLAND[i]: int(v) for i, v in enumerate(by_prov) if v},
    }


def write_orgs(folder: Path, plan: Plan, keyed: Keyed, space: PersonSpace, orgs: list[Org]) -> list[dict[str, Any]]:
    """orgs/<id>/customers.parquet per organisation, plus orgs/registry.json (partners, canaries)."""
    folder.mkdir()
    registry, truth = [], []
    for org in orgs:
        sub = folder / org.org_id
        sub.mkdir()
        overlap = 0
        schema = pa.schema([(c, pa.string()) for c in ("name", "id_number", "mobile", "address")])
        with pq.ParquetWriter(sub / "customers.parquet", schema, compression="zstd") as w:
            for start in range(0, org.customers, plan.block_rows):
                idx = customer_persons(org, plan, keyed, start, min(start + plan.block_rows, org.customers))
                overlap += int((idx < plan.victim_customers).sum())
                w.write_table(pa.table(person_strings(space.people(idx)), schema=schema))
        canaries: dict[str, list[dict[str, str]]] = {}
        for partner in org.partners:
            slots = np.array([org.canary_index(partner, k) for k in range(CANARIES_PER_COPY)], dtype=np.int64)
            cols = person_strings(space.people(plan.canary_base + slots))
            canaries[partner] = [{c: cols[c][k].as_py() for c in cols} for k in range(len(slots))]
        # What the organisation itself holds, as files an investigator's walkthrough reads with
        # commands alone (docs/walkthrough.md): its name, and each partner copy's canary records
        # in the documented canary file format (docs/attribution.md, `org canaries -o`).
        (sub / "name.txt").write_text(org.name + "\n", "utf-8")
        for partner, records in canaries.items():
            (sub / f"canaries.{partner}.json").write_text(json.dumps(
                {"format": CANARY_FILE_FORMAT, "org": org.name, "partner": partner, "records": records},
                ensure_ascii=False, indent=1) + "\n", "utf-8")
        registry.append({"org_id": org.org_id, "name": org.name, "customers_file": f"orgs/{org.org_id}/customers.parquet",
                         "partners": list(org.partners), "canaries": canaries})
        truth.append({"org_id": org.org_id, "name": org.name, "victim": org.index == 0, "customers": org.customers,
                      "customers_also_victim_customers": overlap, "partners": list(org.partners)})
    (folder / "registry.json").write_text(json.dumps(registry, ensure_ascii=False, indent=1) + "\n", "utf-8")
    return truth
