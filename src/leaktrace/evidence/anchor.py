"""Read an outside anchor for `evidence verify --expect-head`: a head kept outside the data directory.

Accepted forms: `SEQ:HASH` (written down from an earlier `verify` or head),
a `custody.head` file, an export's provenance record (its `custody_head`),
or a case bundle, folder or zip (its `custody/custody.head`). A signed head
may carry more fields than the four it signs (a later format adds trusted
timestamps); they are ignored here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from leaktrace.core.errors import InputError
from leaktrace.evidence.custody import loads_strict
from leaktrace.evidence.verify import Anchor

_TEXT = re.compile(r"^\s*(\d+):([0-9a-fA-F]{64})\s*$")
_MAX = 64 << 20
HEAD_KIND = "leaktrace-custody-head"


def _from_head(doc: Any, source: str) -> Anchor:
    if (
        not isinstance(doc, dict)
        or doc.get("kind") != HEAD_KIND
        or not isinstance(doc.get("seq"), int)
        or isinstance(doc.get("seq"), bool)
        or doc["seq"] < 1
        or not isinstance(doc.get("hash"), str)
    ):
        raise InputError(f"{source}: not a signed custody head")
    return Anchor(doc["seq"], doc["hash"], source, doc)


def _json(data: bytes, source: str) -> Any:
    try:
        return loads_strict(data)
    except ValueError as exc:
        raise InputError(f"{source}: not a custody head, provenance record or bundle ({exc})") from exc


def load_anchor(text: str) -> Anchor:
    """`SEQ:HASH`, or a path to a head, provenance record or bundle; InputError naming it otherwise."""
    m = _TEXT.match(text)
    if m and int(m.group(1)) < 1:
        raise InputError(f"{text}: an anchor names entry 1 or later")
    if m:
        return Anchor(int(m.group(1)), m.group(2).lower(), f"{m.group(1)}:{m.group(2).lower()}")
    path = Path(text)
    if path.is_dir() or (path.is_file() and path.suffix == ".zip"):
        from leaktrace.evidence.bundle import CUSTODY_HEAD, _Source

        src = _Source(path)
        try:
            data = src.read(CUSTODY_HEAD, 1 << 16)
        except (FileNotFoundError, KeyError) as exc:
            raise InputError(f"{path}: bundle has no {CUSTODY_HEAD}") from exc
        except Exception as exc:  # a damaged zip member: say which file, never a traceback
            raise InputError(f"{path}: cannot read {CUSTODY_HEAD} ({exc})") from exc
        finally:
            src.close()
        return _from_head(_json(data, text), text)
    if not path.is_file():
        raise InputError(f"{text}: not an anchor (want SEQ:HASH, a custody head, a provenance record or a bundle)")
    with path.open("rb") as fh:
        data = fh.read(_MAX + 1)
    if len(data) > _MAX:
        raise InputError(f"{text}: larger than {_MAX} bytes; not an anchor")
    doc = _json(data, text)
    if isinstance(doc, dict) and str(doc.get("format", "")).startswith("leaktrace-provenance"):
        return _from_head(doc.get("custody_head"), text)
    return _from_head(doc, text)
