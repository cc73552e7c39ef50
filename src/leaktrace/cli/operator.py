"""Who the shell user is to the service layer: the local operator, an admin named after the login."""

from __future__ import annotations

import getpass

from leaktrace.service.access import Principal, local_operator


def shell_principal() -> Principal:
    """Whoever runs the CLI holds the data directory and keyring: an admin, audited as `shell:LOGIN`."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return local_operator(name)


def audit_export(action: str, target: str, **detail: object) -> None:
    """Record an export or download made from the shell (`export.download` or `evidence.download`)."""
    from leaktrace.cli.context import cli_context
    from leaktrace.service.personal_data import exported

    exported(cli_context(), shell_principal(), action, target, detail={k: v for k, v in detail.items() if v is not None})
