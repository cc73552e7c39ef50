"""`leaktrace images read|attribute FILE...`: what sample pictures show, and whose data it is."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from leaktrace.cli.context import cli_context

images_app = typer.Typer(help="Sample pictures: OCR, PII scan, attribution (docs/images.md).", no_args_is_help=True,
                         add_completion=False)


@images_app.command("read")
def read_cmd(
    files: list[Path] = typer.Argument(..., help="Picture files (PNG, JPEG, GIF, WebP, BMP)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON record per line (masked)."),
) -> None:
    """OCR each picture and scan the text; prints masked records only (raw text is evidence, never printed)."""
    from leaktrace.pipeline.pictures import read_pictures

    ctx = cli_context()
    for r in read_pictures(files, ctx.registry):
        rec = r.record()
        if as_json:
            typer.echo(json.dumps(rec, ensure_ascii=False))
            continue
        s = rec["sample"]
        state = rec["problem"] or f"confidence {rec['confidence']:.2f}; sample: {s['rows']} rows, " \
                                   f"{s['valid_ids']} valid IDs, {s['provinces']} provinces"
        notes = f" ({'; '.join(rec['notes'])})" if rec["notes"] else ""
        typer.echo(f"{r.path}: {state}{notes}")


@images_app.command("attribute")
def attribute_cmd(
    files: list[Path] = typer.Argument(..., help="Picture files showing sample rows."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Attribute the IDs and mobiles the pictures show, like a dump sample (leads to confirm, or 'unknown')."""
    from leaktrace.attribution.oprf import FINGERPRINT, ServerKey
    from leaktrace.pipeline.pictures import attribute_pictures, read_pictures

    ctx = cli_context()
    readings = read_pictures(files, ctx.registry)
    att = attribute_pictures(readings, ctx.data_dir, ServerKey.from_keyring(ctx.keyring, purpose=FINGERPRINT))
    if as_json:
        typer.echo(json.dumps(att.to_json(), ensure_ascii=False))
        return
    typer.echo(att.summary)


def register(app: typer.Typer) -> None:
    app.add_typer(images_app, name="images")
