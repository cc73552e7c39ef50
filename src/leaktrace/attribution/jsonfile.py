"""Reading and writing attribution's JSON files (fingerprints, canaries, the registry).

One place for the rules they share: a file is replaced whole (temp file,
then rename) and is owner-only (0600, new folders 0700) whatever the umask,
and a missing or non-JSON input is one clear InputError. Owner-only matters
most for a canary file: a leaker who can read it can strip the canaries.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from leaktrace.core.errors import InputError
from leaktrace.core.private_files import private_dir, write_private_text


def write_json(path: Path, doc: Any) -> None:
    """Write `doc` owner-only, so a reader sees the old file or the new one, never half of it."""
    private_dir(path.parent)
    write_private_text(path, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")


def read_json(path: Path, what: str) -> Any:
    """The parsed file; InputError naming the file when it is missing or not JSON (`what`: e.g. 'canary file')."""
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a {what} (not JSON)") from exc
