"""`leaktrace intel train|eval LABELS.csv`: retrain the trafficking model, measure it on labelled posts.

LABELS.csv needs `title` and a 0/1 label column (`pii_trafficking`,
`trafficking` or `label`); `body`, `category` and `records` are used when
present. `train` mixes the user's rows with the generated set (unless
`--no-synthetic`) and writes `<data dir>/intel/model.npz`, which
`classify` then uses; `eval` prints P/R/F1 with a bootstrap 95 % interval,
the confusion table, per-category accuracy and confusion, record-count exact
match, a reliability table with the expected calibration error, and the
figure against the market's own labels where the file keeps them.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from leaktrace.cli.context import cli_context
from leaktrace.core.errors import InputError
from leaktrace.intel.evaluate import evaluate, read_labels

DEFAULT_SYNTHETIC = 30000  # as intel.train.DEFAULT_SYNTHETIC, kept here so --help needs no scikit-learn

intel_app = typer.Typer(help="Listing intelligence: train and evaluate the trafficking classifier.",
                        no_args_is_help=True)


@intel_app.command("train")
def train_cmd(
    labels: str = typer.Argument(..., help="Labelled CSV (title, pii_trafficking|trafficking|label, [body, category])."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Model file (default: <data dir>/intel/model.npz)."),
    synthetic: int = typer.Option(DEFAULT_SYNTHETIC, "--synthetic", min=0, help="Generated posts mixed in (0: only your rows)."),
    weight: float = typer.Option(3.0, "--weight", min=0.1, help="Weight of each of your rows against a generated one."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Train the classifier on your labelled posts plus the generated set."""
    from leaktrace.intel.model import user_model_path
    from leaktrace.intel.train import synthetic_posts, train

    rows = [replace(r.post, weight=weight) for r in read_labels(labels)]
    if not rows:
        raise InputError(f"{labels}: no labelled rows")
    posts = rows + (synthetic_posts(synthetic, seed) if synthetic else [])
    ctx = cli_context()
    try:
        model = train(posts, seed=seed, lexicon=ctx.lexicon())
    except ValueError as exc:
        raise InputError(f"{labels}: {exc}") from exc
    model.meta["user_rows"] = len(rows)
    path = out or user_model_path(ctx.data_dir)
    model.save(path)
    typer.echo(f"trained on {len(rows)} labelled + {len(posts) - len(rows)} generated posts, "
               f"{len(model.buckets)} features -> {path}")


@intel_app.command("eval")
def eval_cmd(
    labels: str = typer.Argument(..., help="Labelled CSV (title, pii_trafficking|trafficking|label, [category, records])."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
    confidence: str = typer.Option("high", "--confidence",
                                   help="Rows whose `confidence` column says this (high, low), or 'all'. "
                                        "Files without the column keep every row."),
) -> None:
    """Precision, recall, F1 (95 % CI), confusion, categories, record counts, calibration."""
    conf = None if confidence.strip().lower() in ("", "all", "any") else confidence.strip().lower()
    ctx = cli_context()
    rep = evaluate(read_labels(labels, confidence=conf), model=ctx.intel_model(), lexicon=ctx.lexicon()).to_dict()
    rep["confidence"] = conf or "all"
    if json_out:
        typer.echo(json.dumps(rep, ensure_ascii=False))
        return
    con = Console(highlight=False)
    lo, hi = rep["f1_ci95"]
    con.print(f"rows {rep['rows']} (confidence: {rep['confidence']}), positives {rep['positives']}  "
              f"precision {rep['precision']:.3f}  recall {rep['recall']:.3f}  "
              f"F1 {rep['f1']:.3f} (95% CI {lo:.3f}-{hi:.3f}, bootstrap)  Brier {rep['brier']}  ECE {rep['ece']}",
              markup=False)
    if rep["proxy"]:
        px = rep["proxy"]
        con.print(f"against the market's own labels (proxy_label, reference only): precision {px['precision']:.3f}  "
                  f"recall {px['recall']:.3f}  F1 {px['f1']:.3f} ({px['positives']} positives)", markup=False)
    cm = rep["confusion"]
    t = Table(title="trafficking confusion")
    t.add_column("")
    t.add_column("predicted yes", justify="right")
    t.add_column("predicted no", justify="right")
    t.add_row("labelled yes", str(cm["tp"]), str(cm["fn"]))
    t.add_row("labelled no", str(cm["fp"]), str(cm["tn"]))
    con.print(t)
    if rep["category_accuracy"]:
        ct = Table(title=f"category accuracy on true positives: {rep['category_accuracy_all']} "
                         f"of {rep['category_true_positives']}")
        ct.add_column("labelled category")
        ct.add_column("n", justify="right")
        ct.add_column("accuracy", justify="right")
        ct.add_column("predicted instead", justify="left")
        confusion: dict[str, list[str]] = {}
        totals: dict[str, int] = {}
        for cell in rep["category_confusion"]:
            totals[cell["labelled"]] = totals.get(cell["labelled"], 0) + cell["n"]
            if cell["labelled"] != cell["predicted"]:
                confusion.setdefault(cell["labelled"], []).append(f"{cell['predicted']} {cell['n']}")
        for c, a in rep["category_accuracy"].items():
            ct.add_row(c, str(totals.get(c, 0)), f"{a:.3f}", ", ".join(confusion.get(c, [])) or "-")
        con.print(ct)
    if rep["records_exact_match"] is not None:
        con.print(f"record count exact match: {rep['records_exact_match']:.3f} of {rep['records_stated']} "
                  f"stated; claimed where none stated: {rep['records_claimed_where_none']}", markup=False)
    rt = Table(title=f"reliability (score bin: mean score vs observed rate); ECE {rep['ece']}")
    for col in ("bin", "n", "mean score", "observed"):
        rt.add_column(col, justify="right")
    for b in rep["reliability"]:
        if b["n"]:
            rt.add_row(b["bin"], str(b["n"]), f"{b['mean_score']:.3f}", f"{b['observed']:.3f}")
    con.print(rt)


def register(app: typer.Typer) -> None:
    """`intel train|eval` and, as the same stage's face, `classify` (one COMMAND_MODULES entry)."""
    from leaktrace.cli import classify

    app.add_typer(intel_app, name="intel")
    classify.register(app)
