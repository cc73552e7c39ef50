"""The look-up terms of a case item: what an identifier's pivot asks for, taken from the item's payload once.

An identifier is named in a case item by its keyed hash (`hash` of an
identifier entry) or, for seller identifiers held in clear, by its value
(`value`, a wallet's `address`). Each such string is a row of
`case_item_terms`, written with the item (`cases.case_records.add_item`),
so "which cases name this identifier" is an index look-up at any number of
items instead of a read of every payload.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from leaktrace.store.models import CaseItemTerm

TERM_KEYS = frozenset({"hash", "value", "address"})
MAX_TERM_CHARS = 200


def item_terms(payload: Any) -> set[str]:
    """Every string under a `hash`, `value` or `address` key anywhere in `payload`."""
    found: set[str] = set()
    stack = [payload]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if k in TERM_KEYS and isinstance(v, str) and 0 < len(v) <= MAX_TERM_CHARS:
                    found.add(v)
                elif isinstance(v, dict | list):
                    stack.append(v)
        elif isinstance(node, list):
            stack.extend(x for x in node if isinstance(x, dict | list))
    return found


def set_item_terms(session: Session, item_id: int, payload: Any) -> None:
    """Replace the terms of item `item_id` by those of `payload` (in the caller's transaction)."""
    session.execute(delete(CaseItemTerm).where(CaseItemTerm.item_id == item_id))
    terms = sorted(item_terms(payload))
    if terms:
        session.execute(insert(CaseItemTerm), [{"item_id": item_id, "term": t} for t in terms])
