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
