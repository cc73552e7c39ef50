"""`leaktrace classify FILE.jsonl`: trafficking, score, categories, facts and identifiers per post.

Input lines are `{"id", "title", "body"}`; each output line is the stable
contract of ARCHITECTURE.md. A line that is not a JSON object, or whose
title/body is not a string, stops the run with one line naming the file
and line (exit 2); `--skip-bad` reports such lines on stderr and goes on.
`--output` writes all or nothing (temp file, then rename). `--explain` adds
an `explanation` field to each line (the words, lexicon terms, facts and
identifiers behind the score, `intel.explain`) and a second line per post
to `--table`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from leaktrace.cli.context import cli_context
from leaktrace.core.errors import InputError, location
from leaktrace.intel.classify import classify_post
from leaktrace.intel.evaluate import iter_lines

MAX_LINE_CHARS = 8 << 20


def _posts(file: str, skip_bad: bool, err: Console) -> Iterator[tuple[object, str, str]]:
    label = "<stdin>" if file == "-" else file
    for n, line in enumerate(iter_lines(file), 1):
        if not line.strip():
            continue
        try:
            if len(line) > MAX_LINE_CHARS:
                raise ValueError(f"line longer than {MAX_LINE_CHARS} characters")
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
            title, body = obj.get("title") or "", obj.get("body") or ""
            if not isinstance(title, str) or not isinstance(body, str):
                raise ValueError("'title' and 'body' must be strings")
        except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError; deep nesting recurses
            msg = f"{location(label, n)}: {str(exc)[:120]}"
            if not skip_bad:
                raise InputError(msg) from exc
            err.print(f"leaktrace: skipped {msg}", markup=False)
            continue
        yield obj.get("id"), title, body


def classify(
    file: str = typer.Argument(..., help="JSON lines {id, title, body}, or - for standard input."),
    json_out: bool = typer.Option(True, "--json/--table", help="JSON lines (default, the stable contract) or a short table."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write JSON lines here, atomically."),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Report and skip malformed lines instead of stopping."),
    explain: bool = typer.Option(False, "--explain",
                                 help="Add which words, lexicon terms, facts and identifiers drove each decision."),
) -> None:
    """Classify posts: personal-data trafficking or not, categories, claimed counts, prices, contacts."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    ctx = cli_context()
    model, lexicon = ctx.intel_model(), ctx.lexicon()

    def one(pid: object, t: str, b: str) -> dict[str, Any]:
        res = classify_post(t, b, model=model, lexicon=lexicon)
        out = res.contract(pid)
        if explain:
            from leaktrace.intel.explain import explain_post

            out["explanation"] = explain_post(t, b, model=model, result=res, lexicon=lexicon).to_dict()
        return out

    results = (one(pid, t, b) for pid, t, b in _posts(file, skip_bad, err))
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                for r in results:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
            os.replace(tmp, output)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return
    if json_out:
        for r in results:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    out = Console(highlight=False)
    for r in results:
        mark = "TRAFFICKING" if r["trafficking"] else "-"
        facts = r["facts"]
        out.print(f"{r['id']!s:>10}  {mark:<11} {r['score']:.2f}  {','.join(r['categories']) or '-':<30} "
                  f"records={facts['records']} ids={len(r['identifiers'])}", markup=False)
        if explain:
            out.print(" " * 12 + _why(r["explanation"]), markup=False)


def _why(e: dict[str, Any], n: int = 5) -> str:
    up = ", ".join(f"{d['text']} {d['weight']:+.1f}" for d in e["towards"][:n]) or "-"
    down = ", ".join(f"{d['text']} {d['weight']:+.1f}" for d in e["against"][:n]) or "-"
    facts = " ".join(f"{k}={v}" for k, v in e["facts"].items()) or "-"
    ids = ", ".join(f"{i['type']}:{i['value']}" for i in e["identifiers"]) or "-"
    return f"why: up {up} | down {down} | facts {facts} | identifiers (not scored) {ids}"


def register(app: typer.Typer) -> None:
    app.command("classify")(classify)
