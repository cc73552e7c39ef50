"""`leaktrace serve`: the console and its REST API over the configured store.

The first start on a store without accounts creates `admin` and prints its
one-time password once (it must be changed, and TOTP set up, at the first
login). The web package is imported only when the command runs.
"""

from __future__ import annotations

import typer

from leaktrace.cli.context import cli_context
from leaktrace.pipeline.context import Context


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default)."),
        port: int = typer.Option(8080, "--port", help="TCP port.", min=1, max=65535),
        workers: int = typer.Option(1, "--workers", help="Worker processes (one per core serves many users).",
                                    min=1, max=64),
        inspection_threads: int = typer.Option(1, "--inspection-threads", min=1, max=32,
                                               help="Threads running scheduled source runs and other jobs."),
        no_inspection: bool = typer.Option(False, "--no-inspection",
                                           help="Console only: no scheduler, no job worker in this process."),
    ) -> None:
        """Start the console (pages and /api/v1) on HOST:PORT, with the inspection scheduler and a job worker."""
        from leaktrace.service.accounts import ensure_first_admin
        from leaktrace.service.inspection import InspectionService

        ctx = cli_context()
        password = ensure_first_admin(ctx)
        if password is not None:
            typer.echo("First start: created the account 'admin' with the one-time password below.\n"
                       f"  {password}\n"
                       "It is shown once. Log in, choose a new password and set up TOTP.", err=True)
        typer.echo(f"leaktrace console on http://{host}:{port}/ (Ctrl-C stops it)", err=True)
        # The scheduler (elected: one per store) and a worker run beside the console; on SQLite this is
        # the one process that runs jobs, and a second `serve` waits until the first stops.
        service = None if no_inspection else InspectionService(ctx, workers=inspection_threads).start()
        try:
            _run(ctx, host, port, workers)
        finally:
            if service is not None:
                service.stop()


def _run(ctx: Context, host: str, port: int, workers: int) -> None:
    import uvicorn

    from leaktrace.web.app import create_app

    if workers > 1:  # each worker process builds its own context from the same settings (the store is migrated)
        uvicorn.run("leaktrace.web.server:app_from_settings", factory=True, workers=workers, host=host, port=port,
                    log_level="warning", access_log=False, timeout_graceful_shutdown=10)
        return
    uvicorn.run(create_app(ctx), host=host, port=port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=10)
