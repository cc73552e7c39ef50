"""Reading and writing attribution's JSON files (fingerprints, canaries, the registry).

One place for the two rules they share: a file is replaced whole (temp file,
then rename), and a missing or non-JSON input is one clear InputError.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from leaktrace.core.errors import InputError


def write_json(path: Path, doc: Any) -> None:
    """Write `doc` so a reader sees the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", "utf-8")
    tmp.replace(path)


def read_json(path: Path, what: str) -> Any:
    """The parsed file; InputError naming the file when it is missing or not JSON (`what`: e.g. 'canary file')."""
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a {what} (not JSON)") from exc
