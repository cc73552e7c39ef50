"""Which same-member account pairs a linker could join at all, from a world's truth.

A chain of identifiers that only one member shows joins two of that member's
accounts; an identifier several members show (the gang's PGP key, collection
wallet, channel) cannot tell them apart. A pair outside that set has no
evidence for any identifier rule, so benchmarks report it as the ceiling and
the demo checks its linked pairs against it rather than against all pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

Pair = tuple[str, str]


def alias_pairs(social: dict[str, Any], accounts: Iterable[str] | None = None) -> tuple[set[Pair], set[Pair]]:
    """(pairs identifiers can join, all same-member pairs) over `accounts` (default: every member account)."""
    keep = None if accounts is None else set(accounts)
    members = {k: a for k, a in social["accounts"].items() if a.get("member") and (keep is None or k in keep)}
    holders: dict[str, list[str]] = defaultdict(list)
    for k, a in members.items():
        for ident in a.get("identifiers") or []:
            holders[str(ident["value"])].append(k)
    parent = {k: k for k in members}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for ks in holders.values():
        if len({members[k]["member"] for k in ks}) == 1:
            for k in ks[1:]:
                parent[find(k)] = find(ks[0])
    keys = sorted(members)
    same = {(a, b) for i, a in enumerate(keys) for b in keys[i + 1:] if members[a]["member"] == members[b]["member"]}
    return {(a, b) for a, b in same if find(a) == find(b)}, same
