"""`leaktrace search reindex`: rebuild the console's full-text index (masked text, CJK bigrams) over every post.

The intel stage indexes each post it analyses; this catches up on posts
stored another way (a bulk load) and rebuilds after a change to the
masking detectors (`--full` drops the index first).
"""

from __future__ import annotations

import json

import typer

from leaktrace.cli.context import cli_context

search_app = typer.Typer(help="The console's full-text search index.", no_args_is_help=True)


@search_app.command("reindex")
def reindex_cmd(
    full: bool = typer.Option(False, "--full", help="Drop the index and rebuild every post (else only changed posts)."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Index every stored post's masked text (posts whose masked text is unchanged are skipped)."""
    from sqlalchemy import func, select

    from leaktrace.pipeline.search_index import reindex
    from leaktrace.store.models import Post

    ctx = cli_context()
    written = reindex(ctx, full=full)
    with ctx.session() as s:
        total = int(s.scalar(select(func.count()).select_from(Post)) or 0)
    if json_out:
        typer.echo(json.dumps({"posts": total, "reindexed": written}))
    else:
        typer.echo(f"{total} posts; {written} (re)indexed")


def register(app: typer.Typer) -> None:
    app.add_typer(search_app, name="search")
