"""`leaktrace attribute DUMP`: which registered organisation (and which copy) a dump came from."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from leaktrace.cli.context import cli_context


def attribute_cmd(
    dump: Path = typer.Argument(..., help="The dump file."),
    sample_rows: int = typer.Option(20_000, "--sample-rows", help="Rows sampled for key containment."),
    seed: int = typer.Option(0, "--seed", help="Seed of the row sample."),
    alpha: float = typer.Option(1e-4, "--alpha", help="Largest false-attribution probability for a lead."),
    top: int = typer.Option(5, "--top"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Rank registered organisations by evidence; results are leads to confirm, or 'unknown'."""
    from leaktrace.attribution.attribute import attribute_file
    from leaktrace.attribution.oprf import FINGERPRINT, ServerKey
    from leaktrace.attribution.registry import Registry

    ctx = cli_context()
    ring = ctx.keyring
    att = attribute_file(dump, Registry(ctx.data_dir), ServerKey.from_keyring(ring, purpose=FINGERPRINT), ring,
                         sample_rows, seed, alpha)
    if as_json:
        typer.echo(json.dumps(att.to_json(top), ensure_ascii=False))
        return
    typer.echo(att.summary)
    if att.dump is not None:  # attribute_file always says what it read
        typer.echo(f"dump: {att.dump.rows} rows, {att.dump.sampled_rows} sampled; keys compared: "
                   f"{', '.join(att.dump.kinds_compared) or 'none'}")
    for r in att.ranking[:top]:
        ev = "; ".join(f"{k} {v.hits}/{v.sampled} (chance {v.chance_containment:.1%})"
                       for k, v in sorted(r.kinds.items()))
        can = f"canaries {len(r.canary_hits)} ({','.join(r.partners)}) " if r.canary_hits else ""
        typer.echo(f"  {'LEAD ' if r.lead else '     '}{r.org}: {can}{ev}; "
                   f"false-attribution p {r.false_attribution_probability:.1e}")


def register(app: typer.Typer) -> None:
    app.command("attribute")(attribute_cmd)
