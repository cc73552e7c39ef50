"""GraphML and JSON for Gephi, Maltego, i2-style tools: evidence only, never leads.

What leaves leaktrace is what the evidence shows or a person confirmed:
accounts, the identifiers they showed (masked form and keyed hash, each
edge with the capture SHA-256s that show it), alias links that are strong
(a personal identifier) or confirmed, and actors built from those alone.
Inferred links, Leiden groups and roles are leads; they stay in
`leaktrace graph actors|links` until a person confirms a link.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import igraph as ig

from leaktrace.core.graph_types import AccountIdentifier, GraphResult

EXPORTED_BASES = frozenset({"strong", "confirmed"})


def export_data(snapshot: GraphResult, accounts: set[str] | None = None) -> dict[str, Any]:
    """Nodes and edges safe to hand over; every edge names its evidence.

    `accounts`: only these accounts and what ties them (the console's chart of one actor), else all.
    """
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    idents: dict[int, AccountIdentifier] = {}
    exported_actor = {a.id for a in snapshot.actors if a.basis == "strong" and len(a.accounts) > 1}
    if accounts is not None:
        exported_actor &= {acc.actor for acc in snapshot.accounts if acc.key in accounts}
    for acc in snapshot.accounts:
        if accounts is not None and acc.key not in accounts:
            continue
        nodes.append({"id": f"account:{acc.key}", "kind": "account", "label": f"{acc.handle}@{acc.site}",
                      "site": acc.site, "first_seen": acc.first_seen or "", "last_seen": acc.last_seen or "",
                      "posts": acc.posts})
        for ident in acc.identifiers:
            if ident.kind == "ignored":
                continue
            idents.setdefault(ident.id, ident)
            edges.append({"source": f"account:{acc.key}", "target": f"identifier:{ident.id}", "kind": "shows",
                          "basis": "evidence", "confidence": 1.0, "evidence": ident.evidence})
        if acc.actor in exported_actor:
            edges.append({"source": f"account:{acc.key}", "target": f"actor:{acc.actor}", "kind": "run_by",
                          "basis": "strong", "confidence": 1.0, "evidence": []})
    for iid, ident in sorted(idents.items()):
        nodes.append({"id": f"identifier:{iid}", "kind": "identifier", "label": ident.masked,
                      "type": ident.type, "hash": ident.hash, "hub": ident.kind == "hub"})
    for actor in snapshot.actors:
        if actor.id in exported_actor:
            nodes.append({"id": f"actor:{actor.id}", "kind": "actor", "label": actor.id,
                          "first_seen": actor.first_seen or "", "last_seen": actor.last_seen or ""})
    for link in snapshot.links:
        if link.basis in EXPORTED_BASES and (accounts is None or (link.a in accounts and link.b in accounts)):
            edges.append({"source": f"account:{link.a}", "target": f"account:{link.b}", "kind": "alias",
                          "basis": link.basis, "confidence": link.confidence, "evidence": link.evidence,
                          "reasons": "; ".join(r.detail for r in link.reasons)})
    return {"format": "leaktrace-graph", "version": 1, "nodes": nodes, "edges": edges}


def _atomic_write(path: Path, write: Any) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(snapshot: GraphResult, path: Path) -> dict[str, int]:
    data = export_data(snapshot)
    _atomic_write(path, lambda p: p.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8"))
    return {"nodes": len(data["nodes"]), "edges": len(data["edges"])}


def write_graphml(snapshot: GraphResult, path: Path, accounts: set[str] | None = None) -> dict[str, int]:
    """GraphML through igraph; list attributes become `;`-joined strings (`accounts` as in `export_data`)."""
    data = export_data(snapshot, accounts)
    index = {n["id"]: i for i, n in enumerate(data["nodes"])}
    g = ig.Graph(n=len(data["nodes"]), directed=False)
    g.add_edges([(index[e["source"]], index[e["target"]]) for e in data["edges"]])
    for key in sorted({k for n in data["nodes"] for k in n}):
        # igraph names GraphML nodes n0, n1 ...; our id travels as `node_id`
        g.vs["node_id" if key == "id" else key] = [_flat(n.get(key, "")) for n in data["nodes"]]
    for key in sorted({k for e in data["edges"] for k in e} - {"source", "target"}):
        g.es[key] = [_flat(e.get(key, "")) for e in data["edges"]]
    _atomic_write(path, lambda p: g.write_graphml(str(p)))
    return {"nodes": len(data["nodes"]), "edges": len(data["edges"])}


def _flat(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return float(value)
    return str(value)
