"""`generate_world`: the leak, the earlier dump, the organisations and truth.json, atomically.

Everything is written into a hidden sibling directory and moved into place
at the end, so an interrupted run leaves OUTDIR as it was. Memory is flat in
the scale: the leak is produced and written one block at a time, and truth
is accumulated as counters while the blocks go by.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from leaktrace.core.errors import InputError
from leaktrace.simulate.formats import FIELDS, FORMATS, HEADER_ZH, DumpWriter, parse_formats
from leaktrace.simulate.keyed import Keyed
from leaktrace.simulate.labels import LabelWriter, TruthCounter
from leaktrace.simulate.leak import Block, LeakBuilder
from leaktrace.simulate.orgs import CANARIES_PER_COPY, Org, leaking_partner, make_orgs
from leaktrace.simulate.parties import write_earlier_dump, write_orgs
from leaktrace.simulate.people import PersonSpace
from leaktrace.simulate.plan import Plan, make_plan
from leaktrace.simulate.render import order_strings, person_strings

SCHEMA = "leaktrace-simulate/1"
DEFAULT_ORGS = 8
SMALL_SCALE = 1_000_000  # default formats: all of them up to here, CSV alone beyond
SOCIAL_SAMPLES = 20


def default_formats(rows: int) -> list[str]:
    return list(FORMATS) if rows <= SMALL_SCALE else ["csv"]


def block_columns(block: Block) -> list[pa.Array]:
    cols = {**person_strings(block.people), **order_strings(block.order_key, block.created, block.product, block.cents)}
    return [cols[f] for f in FIELDS]


def prepare_outdir(out: Path, force: bool) -> Path:
    """Refuse a non-empty OUTDIR unless forced; return the staging directory beside it."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise InputError(f"{out}: directory is not empty (use --force to overwrite)")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise InputError(f"{parent}: parent directory does not exist")
    stage = parent / f".{out.name}.partial-{os.getpid()}"
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir()
    return stage


def publish(stage: Path, out: Path) -> None:
    """Move the staged files into OUTDIR, replacing same-named entries only."""
    out.mkdir(exist_ok=True)
    for entry in sorted(stage.iterdir()):
        target = out / entry.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        entry.rename(target)
    stage.rmdir()


def generate_world(
    out: Path, *, scale: int, seed: int = 0, orgs: int = DEFAULT_ORGS, formats: list[str] | None = None,
    force: bool = False, progress: bool = False, social: bool = True, block_rows: int | None = None,
    pictures: int = 0, font: Path | None = None,
) -> dict[str, Any]:
    """Write the synthetic world under `out` and return its truth (also in out/truth.json).

    `pictures` > 0 with a CJK `font` adds sample pictures to the social half.
    """
    plan = make_plan(scale, seed, orgs, **({"block_rows": block_rows} if block_rows else {}))
    fmts = parse_formats(",".join(formats)) if formats else default_formats(scale)
    stage = prepare_outdir(out, force)
    try:
        truth = _generate(stage, plan, fmts, progress, social, pictures, font)
        (stage / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2, sort_keys=True) + "\n", "utf-8")
        publish(stage, out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return truth


def _generate(stage: Path, plan: Plan, fmts: list[str], progress: bool, social: bool, pictures: int = 0,
              font: Path | None = None) -> dict[str, Any]:
    keyed = Keyed(plan.seed)
    space = PersonSpace(keyed)
    org_list = make_orgs(plan, keyed)
    victim = org_list[0]
    partner = leaking_partner(victim, keyed)
    canaries = [victim.canary_index(partner, k) for k in range(CANARIES_PER_COPY)]
    (stage / "leak").mkdir()
    earlier = write_earlier_dump(stage / "earlier", plan, keyed, space)
    builder = LeakBuilder(plan, keyed, space, canaries)
    writers = {f: DumpWriter(FORMATS[f], stage / "leak" / FORMATS[f].filename) for f in fmts}
    labels = LabelWriter(stage / "leak" / "truth_rows.parquet")
    counter = TruthCounter()
    samples: list[dict[str, str]] = []
    bar = _progress(plan) if progress else nullcontext(None)
    try:
        with bar as prog:
            task = prog.add_task("leak rows", total=plan.rows) if prog else None
            for b in range(plan.blocks):
                block = builder.block(b)
                cols = block_columns(block)
                for w in writers.values():
                    w.write(cols)
                labels.write(block)
                counter.add(block)
                if len(samples) < SOCIAL_SAMPLES:
                    samples.extend(_samples(block, cols, SOCIAL_SAMPLES - len(samples)))
                if prog is not None and task is not None:
                    prog.advance(task, len(block))
    finally:
        for w in writers.values():
            w.close()
        labels.close()
    org_truth = write_orgs(stage / "orgs", plan, keyed, space, org_list)
    canary_rows = _canary_rows(counter, victim, partner)
    truth: dict[str, Any] = {
        "schema": SCHEMA,
        "seed": plan.seed,
        "scale": plan.rows,
        "plan": {
            "victim_customers": plan.victim_customers, "population": plan.population,
            "earlier_dump_rows": plan.old_rows, "orgs": plan.orgs, "block_rows": plan.block_rows,
        },
        "leak": {
            "files": {f: f"leak/{FORMATS[f].filename}" for f in fmts},
            "formats": {f: FORMATS[f].description for f in fmts},
            "columns": dict(zip(FIELDS, HEADER_ZH, strict=True)),
            "row_labels": "leak/truth_rows.parquet",
            "claimed_records": plan.claimed_records,
            **counter.summary(),
            "canary_rows": canary_rows,
        },
        "earlier_dump": earlier,
        "attribution": {
            "victim_org": victim.org_id, "victim_name": victim.name, "leaking_partner": partner,
            "canaries_in_leak": sorted({c["canary"] for c in canary_rows}),
        },
        "orgs": org_truth,
    }
    if social:
        truth["social"] = _social(stage, plan, samples, victim, pictures, font)
    return truth


def _samples(block: Block, cols: list[pa.Array], n: int) -> list[dict[str, str]]:
    real = np.flatnonzero(block.kind == 0)[:n]
    keep = {"订单编号", "收货人", "身份证号", "联系电话"}
    return [{h: cols[i][int(r)].as_py() for i, h in enumerate(HEADER_ZH) if h in keep} for r in real]


def _canary_rows(counter: TruthCounter, victim: Org, partner: str) -> list[dict[str, Any]]:
    by_slot = {victim.canary_index(partner, k): k for k in range(CANARIES_PER_COPY)}
    return [
        {"row": row, "org": victim.org_id, "partner": partner, "canary": f"{victim.org_id}/{partner}/{by_slot[slot]}"}
        for row, slot in sorted(counter.canary_rows)
    ]


def _social(stage: Path, plan: Plan, samples: list[dict[str, str]], victim: Org, pictures: int,
            font: Path | None) -> dict[str, Any]:
    try:
        from leaktrace.simulate.social import generate_social
    except ImportError:
        return {"generated": False, "reason": "leaktrace.simulate.social is not installed"}
    return dict(generate_social(
        stage, seed=plan.seed, scale=plan.rows, sample_rows=samples, victim_org=victim.name,
        claimed_records=plan.claimed_records, pictures=pictures, font=font,
    ))


def _progress(plan: Plan):  # type: ignore[no-untyped-def]
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=Console(stderr=True), transient=True)

