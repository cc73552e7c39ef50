"""The graph stage as the console and the service layer reach it: the last snapshot, a rebuild, verdicts, GraphML.

`service` may not import the stages (ARCHITECTURE.md); the pipeline joins
them, so the actor and group pages, the link review and the CLI all read the
snapshot and write verdicts through these few functions. The snapshot is
read once per change of the file (size and modification time), not once per
request: a page and its chart's JSON ask for it together.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from sqlalchemy.orm import Session

from leaktrace.core.graph_types import GraphResult
from leaktrace.pipeline.context import Context

_CACHE: dict[Path, tuple[tuple[int, int], GraphResult]] = {}
_LOCK = threading.Lock()


def snapshot(ctx: Context) -> GraphResult:
    """The last `leaktrace graph build` of `ctx`'s data directory (InputError naming the fix when none)."""
    from leaktrace.graph.build import load_snapshot, snapshot_path

    path = snapshot_path(ctx.data_dir)
    try:
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = (0, 0)
    with _LOCK:
        hit = _CACHE.get(path)
        if hit is not None and hit[0] == stamp and stamp != (0, 0):
            return hit[1]
    result = load_snapshot(ctx.data_dir)
    with _LOCK:
        _CACHE[path] = (stamp, result)
    return result


def rebuild(ctx: Context) -> GraphResult:
    """Build the graph from the store now (every stored verdict applied) and save it as the snapshot."""
    from leaktrace.graph.build import build_graph, save_snapshot

    with ctx.session() as s:
        result = build_graph(s, ctx.hasher)
    save_snapshot(result, ctx.data_dir)
    return result


def record_verdict(session: Session, a: str, b: str, decision: str, *, note: str | None,
                   decided_by: str) -> tuple[str, str, str | None]:
    """Store a person's verdict on two accounts (graph.feedback): (a, b, previous decision)."""
    from leaktrace.graph.feedback import record_verdict as _record

    return _record(session, a, b, decision, note=note, decided_by=decided_by)


def verdicts(session: Session) -> dict[tuple[str, str], tuple[str, str | None, str | None]]:
    """(account_a, account_b) -> (decision, note, decided_by) of every stored verdict."""
    from leaktrace.graph.feedback import load_verdicts

    return {k: (v.decision, v.note, v.decided_by) for k, v in load_verdicts(session).items()}


def graphml(result: GraphResult, accounts: set[str] | None = None) -> tuple[bytes, dict[str, int]]:
    """GraphML of the evidence-backed part of `result` (only `accounts` when given) and its node/edge counts."""
    from leaktrace.graph.export import write_graphml

    with tempfile.TemporaryDirectory(prefix="lt-graphml-") as d:
        path = Path(d) / "chart.graphml"
        counts = write_graphml(result, path, accounts)
        return path.read_bytes(), counts
