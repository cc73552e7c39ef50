"""`leaktrace health`, `backup`, `restore`, `retention`: keeping a deployment running and recoverable."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Operations commands (filled in by the operations service)."""
