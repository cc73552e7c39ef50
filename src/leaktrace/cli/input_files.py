"""Reading a JSON input named on the command line (a path, or '-' for stdin): size-limited, UTF-8, one clear error."""

from __future__ import annotations

from pathlib import Path

import typer

from leaktrace.core.errors import InputError

MAX_INPUT = 256 << 20


def read_text_input(path: Path, max_bytes: int = MAX_INPUT) -> tuple[str, str]:
    """(label, text) of `path` or stdin; a missing file, a folder, an oversized or non-UTF-8 input is one line."""
    label = "<stdin>" if str(path) == "-" else str(path)
    try:
        raw = typer.get_binary_stream("stdin").read(max_bytes + 1) if str(path) == "-" else path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"{label}: no such file") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{label}: is a directory") from exc
    if len(raw) > max_bytes:
        raise InputError(f"{label}: larger than {max_bytes} bytes")
    try:
        return label, raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: not UTF-8 (byte {exc.start})") from exc
