"""The console as uvicorn's worker processes build it: one app per process over the process's settings.

`leaktrace serve --workers N` starts N processes (uvicorn's supervisor);
each builds its own Context from the same settings (environment and config
file), as the CLI does. One process answers requests with one Python
interpreter, so under many concurrent users the console scales by
processes, one per core.
"""

from __future__ import annotations

from fastapi import FastAPI

from leaktrace.core.settings import get_settings
from leaktrace.pipeline.context import Context
from leaktrace.web.app import create_app


def app_from_settings() -> FastAPI:
    """uvicorn's factory (`leaktrace.web.server:app_from_settings`); `leaktrace serve` migrated the store before
    starting the workers, so they only open it."""
    return create_app(Context(get_settings(), migrate=False), warm=True)
