"""The few exception types leaktrace raises on purpose.

The CLI turns each into one line and the exit code it carries, so a user
mistake never ends in a traceback. Exit codes are part of the CLI contract
(see docs/exit-codes.md).
"""

from __future__ import annotations


class LeaktraceError(Exception):
    """Base class: a problem the user can act on, with a stable exit code."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(LeaktraceError):
    """Input that cannot be read as asked: missing file, wrong encoding, binary data."""

    exit_code = 2


class ConfigError(LeaktraceError):
    """A setting, detector configuration or secret is missing or wrong."""

    exit_code = 3


class SecretError(ConfigError):
    """The deployment secret cannot be loaded (no key, wrong passphrase, tampered file)."""

    exit_code = 3


class IntegrityError(LeaktraceError):
    """Stored evidence or a signed file does not match what it claims to be."""

    exit_code = 4


def location(path: str | None, line: int | None = None, field: str | None = None) -> str:
    """Format the 'file:line:field' prefix every bad-input message starts with."""
    parts = [path or "<stdin>"]
    if line is not None:
        parts.append(f"line {line}")
    if field is not None:
        parts.append(f"field {field!r}")
    return ": ".join(parts)
