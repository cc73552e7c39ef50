"""`leaktrace analyze` and `leaktrace posts list|show|search`: the stored posts and their verdicts.

What was crawled or imported is read back here without touching the
database by hand. Post text is shown with every personal value the
detectors find masked (the same rule as reports and exports): a listing's
sample rows are victims' data.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from leaktrace.cli.context import cli_context
from leaktrace.core.errors import InputError

posts_app = typer.Typer(help="Stored posts and listings: list, search, show (with their verdicts).",
                        no_args_is_help=True)

SOURCE = typer.Option(None, "--source", help="Only posts of this source (its name).")
SINCE = typer.Option(None, "--since", help="Only posts last seen at or after this time (ISO 8601; UTC if no zone).")
UNTIL = typer.Option(None, "--until", help="Only posts last seen before this time (ISO 8601; UTC if no zone).")
SELLER = typer.Option(None, "--seller", help="Only posts of this seller handle.")
MIN_SCORE = typer.Option(None, "--min-score", help="Only posts whose trafficking score is at least this (0..1).")
CATEGORY = typer.Option(None, "--category", help="Only posts of this data category (e.g. pii.identity).")
TRAFFICKING = typer.Option(None, "--trafficking/--not-trafficking", help="Only posts judged (not) trafficking.")
LIMIT = typer.Option(50, "--limit", help="At most this many posts.")
JSON_OUT = typer.Option(False, "--json", help="One JSON object per post.")


def _time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        t = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InputError(f"{option} {value!r}: not an ISO 8601 date or time (e.g. 2026-11-30 or 2026-11-30T08:00+08:00)") from exc
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def _filter(source: str | None = None, seller: str | None = None, min_score: float | None = None,
            category: str | None = None, trafficking: bool | None = None, since: str | None = None,
            until: str | None = None, text: str | None = None) -> Any:
    from leaktrace.store.repo.post_queries import PostFilter

    return PostFilter(source=source, seller=seller, min_score=min_score, category=category, trafficking=trafficking,
                      since=_time(since, "--since"), until=_time(until, "--until"), text=text)


def _masked(text: str | None, limit: int | None = None) -> str:
    from leaktrace.pii.redact import masked_text

    if not text:
        return ""
    text = text if limit is None else text[: limit * 4]
    out = masked_text(text)
    return out if limit is None or len(out) <= limit else out[: limit - 1] + "…"


def _doc(row: Any, *, full: bool = False) -> dict[str, Any]:
    p, v = row.post, row.verdict
    doc: dict[str, Any] = {
        "id": p.id, "source": row.source, "site": p.site, "url": p.url, "seller": p.author_handle,
        "title": _masked(p.title, None if full else 200),
        "posted_at": p.posted_at.isoformat() if p.posted_at else None,
        "first_seen_at": p.first_seen_at.isoformat() if p.first_seen_at else None,
        "last_seen_at": p.last_seen_at.isoformat() if p.last_seen_at else None,
        "price": {"amount": p.price_amount, "currency": p.price_currency} if p.price_amount is not None else None,
        "records": p.volume_records, "status": p.status, "capture_id": p.capture_id,
        "analysed": v is not None,
        "trafficking": v.trafficking if v is not None else None,
        "score": round(v.score, 4) if v is not None else None,
        "categories": list(v.categories or []) if v is not None else [],
    }
    if full:
        doc["body"] = _masked(p.body)
        doc["facts"] = v.facts if v is not None else None
    return doc


def _print_rows(rows: list[Any], json_out: bool) -> None:
    docs = [_doc(r) for r in rows]
    if json_out:
        for d in docs:
            typer.echo(json.dumps(d, ensure_ascii=False))
        return
    if not docs:
        typer.echo("no posts match")
        return
    table = Table("id", "source", "seller", "last seen", "score", "categories", "title", title_justify="left")
    for d in docs:
        score = "—" if d["score"] is None else f"{d['score']:.2f}{' ✓' if d['trafficking'] else ''}"
        table.add_row(str(d["id"]), escape(d["source"] or d["site"]), escape(d["seller"] or "?"),
                      (d["last_seen_at"] or "")[:16], score, escape(", ".join(d["categories"])), escape(d["title"]))
    Console(highlight=False, soft_wrap=False).print(table)


def _version() -> str:
    from leaktrace.pipeline.intel_stage import model_version

    return model_version(cli_context().intel_model())


@posts_app.command("list")
def list_cmd(source: str | None = SOURCE, seller: str | None = SELLER, min_score: float | None = MIN_SCORE,
             category: str | None = CATEGORY, trafficking: bool | None = TRAFFICKING, since: str | None = SINCE,
             until: str | None = UNTIL, limit: int = LIMIT, offset: int = typer.Option(0, "--offset", min=0),
             json_out: bool = JSON_OUT) -> None:
    """Posts newest first, with their verdict under the model in use (score, categories)."""
    from leaktrace.store.repo.post_queries import find_posts

    f = _filter(source, seller, min_score, category, trafficking, since, until)
    with cli_context().session() as s:
        rows = find_posts(s, _version(), f, limit=limit, offset=offset)
        _print_rows(rows, json_out)


@posts_app.command("search")
def search_cmd(words: str = typer.Argument(..., help="Words that must all appear in the title or body."),
               source: str | None = SOURCE, seller: str | None = SELLER, min_score: float | None = MIN_SCORE,
               category: str | None = CATEGORY, trafficking: bool | None = TRAFFICKING, since: str | None = SINCE,
               until: str | None = UNTIL, limit: int = LIMIT, json_out: bool = JSON_OUT) -> None:
    """Posts whose title or body holds every word (case-insensitive), with the same filters as list."""
    from leaktrace.store.repo.post_queries import find_posts

    if not words.strip():
        raise InputError("search: give at least one word")
    f = _filter(source, seller, min_score, category, trafficking, since, until, words)
    with cli_context().session() as s:
        _print_rows(find_posts(s, _version(), f, limit=limit), json_out)


@posts_app.command("show")
def show_cmd(post_id: int = typer.Argument(..., help="The post's id (from list or search)."),
             json_out: bool = JSON_OUT) -> None:
    """One post: its text (personal values masked), verdict, facts and where it was captured."""
    from leaktrace.store.repo.post_queries import get_post

    with cli_context().session() as s:
        doc = _doc(get_post(s, post_id, _version()), full=True)
    if json_out:
        typer.echo(json.dumps(doc, ensure_ascii=False))
        return
    out = Console(highlight=False, soft_wrap=True)
    out.print(f"post {doc['id']} · {doc['source'] or doc['site']} · seller {doc['seller'] or '?'}", markup=False)
    out.print(f"url: {doc['url']}", markup=False)
    out.print(f"seen {doc['first_seen_at']} .. {doc['last_seen_at']}; capture {doc['capture_id']}", markup=False)
    if doc["analysed"]:
        out.print(f"trafficking: {doc['trafficking']} (score {doc['score']:.2f}); categories: "
                  f"{', '.join(doc['categories']) or '—'}", markup=False)
    else:
        out.print("not analysed yet: run 'leaktrace analyze'", markup=False)
    out.print(f"\n{doc['title']}\n\n{doc['body']}", markup=False)
    if doc.get("facts"):
        out.print("\nfacts: " + json.dumps(doc["facts"], ensure_ascii=False), markup=False)


def analyze_cmd(
    source: str | None = SOURCE,
    since: str | None = SINCE,
    redo: bool = typer.Option(False, "--redo", help="Analyse again posts that already have a verdict of this model."),
    json_out: bool = typer.Option(False, "--json", help="Print the counts as JSON."),
) -> None:
    """Run the intel stage over stored posts: verdicts, facts, contacts, wallets and sample rows.

    Crawls and imports analyse as they store; this catches up on what is missing (an
    interrupted run, a retrained model) and is safe to repeat: only posts without a
    verdict of the model in use are read, unless --redo.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from leaktrace.pipeline.intel_stage import analyse_stored

    f = _filter(source=source, since=since)
    cols = (TextColumn("analysing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*cols, console=Console(stderr=True), transient=True, disable=json_out) as bar:
        task = bar.add_task("analyse", total=None)
        report = analyse_stored(cli_context(), f, redo=redo, progress=lambda n: bar.advance(task, n),
                                on_total=lambda n: bar.update(task, total=n))
    d = report.as_dict()
    if json_out:
        typer.echo(json.dumps(d))
        return
    typer.echo(f"analysed {d['posts']} post(s): {d['trafficking']} trade personal data; {d['identifiers']} contacts, "
               f"wallets and keys; {d['sample_rows']} sample rows"
               + ("" if d["posts"] else " (every post already has a verdict of this model; --redo to run again)"))


def register(app: typer.Typer) -> None:
    app.add_typer(posts_app, name="posts")
    app.command("analyze")(analyze_cmd)
