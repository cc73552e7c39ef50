"""The command's context: built once per command from the process settings, closed when the command ends.

Every command that touches the data directory, the database, the keyring or
the detectors asks for it here instead of reading settings itself, so one
invocation sees one data directory, one keyring (one passphrase prompt) and
one database engine.
"""

from __future__ import annotations

import click

from leaktrace.core.settings import get_settings
from leaktrace.pipeline.context import Context

_KEY = "leaktrace.context"


def cli_context(*, migrate: bool = True) -> Context:
    """This command's context; `migrate=False` for commands that must not change the schema."""
    settings = get_settings()
    click_ctx = click.get_current_context(silent=True)
    if click_ctx is None:  # called from Python outside a command: nothing to close it, caller owns it
        return Context(settings, migrate=migrate)
    root = click_ctx.find_root()
    ctx: Context | None = root.meta.get(_KEY)
    if ctx is None or ctx.settings is not settings:
        ctx = Context(settings, migrate=migrate)
        root.meta[_KEY] = ctx
        root.call_on_close(ctx.close)
    return ctx
