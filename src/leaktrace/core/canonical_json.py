"""The canonical JSON bytes that signed logs hash and sign, and a reader that refuses duplicate keys.

Shared by the evidence custody log and the console's audit log, so both
chains hash exactly the same way and a verifier written for one reads the
other. A JSON reader keeps only one of two duplicate keys, and another tool
may keep the other: a signed document with duplicates is refused outright.
"""

from __future__ import annotations

import json
from typing import Any

GENESIS = "0" * 64  # the `prev` of a chain's first entry


def canonical(obj: dict[str, Any]) -> bytes:
    """The bytes that are hashed and signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for key, value in pairs:
        if key in doc:
            raise ValueError(f"duplicate key {key!r}")
        doc[key] = value
    return doc


def loads_strict(raw: bytes | str) -> Any:
    """JSON that refuses duplicate keys at any depth (ValueError)."""
    return json.loads(raw, object_pairs_hook=_no_duplicates)
