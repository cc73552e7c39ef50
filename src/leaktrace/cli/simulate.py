"""`leaktrace simulate OUTDIR` (the synthetic world) and `leaktrace simulate serve OUTDIR` (its market server).

The contract is `leaktrace simulate OUTDIR [--scale N] [--seed S]`, so the
world generator is the group's default command: any first token that is not
a subcommand name is taken as OUTDIR. `serve` lives with the social half of
the simulation and is imported only when asked for, so generating a world
never pays for (or breaks on) the server's dependencies.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import typer
from typer.core import TyperGroup

from leaktrace.core.errors import ConfigError, InputError

DEFAULT_COMMAND = "generate"
LAZY_COMMANDS = {"serve": ("leaktrace.simulate.serve.cli", "serve_command")}


class SimulateGroup(TyperGroup):
    """A group whose unknown first token means `generate <token>`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            self.add_command(_load_lazy(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in ("--help", "-h") and args[0] not in self.list_commands(ctx):
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


def _load_lazy(name: str) -> click.Command:
    import importlib

    module_name, attr = LAZY_COMMANDS[name]
    try:
        func = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"simulate {name}: not available in this installation ({exc})") from None
    if isinstance(func, click.Command):
        return func
    single = typer.Typer(add_completion=False)
    single.command(name=name)(func)
    return typer.main.get_command(single)


simulate_app = typer.Typer(
    cls=SimulateGroup,
    help="Generate a synthetic world with known truth (OUTDIR), or serve one (serve OUTDIR).",
    no_args_is_help=True,
    add_completion=False,
)


@simulate_app.command(DEFAULT_COMMAND)
def generate(
    outdir: Path = typer.Argument(..., help="Directory to write the world into (must be empty unless --force)."),
    scale: str = typer.Option("10000", "--scale", help="Rows in the main leaked dump; sizes everything else (docs/simulate.md)."),
    seed: int = typer.Option(0, "--seed", help="Same seed, same bytes."),
    orgs: int = typer.Option(8, "--orgs", help="Organisations including the victim (1-1000)."),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty OUTDIR, replacing files of the same name."),
    formats: str | None = typer.Option(
        None, "--formats",
        help="Comma-separated dump formats (csv, csv-gb18030, tsv, txt, psv, jsonl, sql, xlsx, csv.gz, zip) or all; "
        "default: all up to 1,000,000 rows, csv beyond.",
    ),
    no_social: bool = typer.Option(False, "--no-social", help="Skip markets, sellers and listings."),
    pictures: int = typer.Option(6, "--pictures", help="Sample pictures for listings (0-2000; needs a CJK font)."),
    font: Path | None = typer.Option(None, "--font", help="CJK font file for the pictures (default: found by fontconfig, "
                                      "then the report's font)."),
    json_out: bool = typer.Option(False, "--json", help="Print the leak's truth summary as JSON."),
) -> None:
    """Write a synthetic world (leaked orders in seized formats, an earlier dump, organisations, truth.json).

    Every person in it is generated from the seed; see docs/simulate.md.
    """
    from leaktrace.simulate.formats import parse_formats
    from leaktrace.simulate.plan import parse_scale
    from leaktrace.simulate.world import generate_world

    rows = parse_scale(scale)
    fmts = parse_formats(formats) if formats is not None else None
    if not 0 <= pictures <= 2000:
        raise InputError(f"--pictures: {pictures} is outside 0..2000")
    font_path = _picture_font(font) if pictures and not no_social else None
    truth = generate_world(outdir, scale=rows, seed=seed, orgs=orgs, formats=fmts, force=force,
                           progress=rows >= 1_000_000, social=not no_social, pictures=pictures, font=font_path)
    leak: dict[str, Any] = truth["leak"]
    if json_out:
        summary = {k: v for k, v in leak.items() if not k.endswith("_by_province") and k != "formats"}
        typer.echo(json.dumps({"outdir": str(outdir), "truth": str(outdir / "truth.json"), **summary}, ensure_ascii=False))
        return
    kinds = ", ".join(f"{k} {v:,}" for k, v in leak["rows_by_kind"].items())
    typer.echo(f"{outdir}: {leak['rows']:,} leak rows ({kinds}) in {len(leak['files'])} format(s); "
               f"{leak['distinct_valid_ids']:,} distinct valid IDs; truth in {outdir / 'truth.json'}")


def _picture_font(font: Path | None) -> Path | None:
    """--font if it draws Chinese (else a one-line error), or a system CJK font, or the report's shipped font."""
    from leaktrace.simulate.fonts import draws_chinese, find_cjk_font

    if font is not None:
        if not font.is_file() or not draws_chinese(font):
            raise InputError(f"--font: {font} is not a font file that draws Chinese")
        return font
    from importlib import resources

    from leaktrace.cases.report_fonts import CJK_FILE

    shipped = Path(str(resources.files("leaktrace.cases").joinpath("fonts", CJK_FILE)))
    return find_cjk_font([]) or (shipped if draws_chinese(shipped) else None)


def register(app: typer.Typer) -> None:
    app.add_typer(simulate_app, name="simulate")
