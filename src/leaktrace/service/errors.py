"""Refusals of the console's rules: each one line the CLI prints with exit code 6, the web as 401/403/429."""

from __future__ import annotations

from collections.abc import Iterable

from leaktrace.core.errors import LeaktraceError


class AccessRefused(LeaktraceError):
    """Base of every refusal by an access rule (docs/exit-codes.md: 6)."""

    exit_code = 6


class PermissionDenied(AccessRefused):
    """The principal's role (or organisation, or case membership) does not allow the act.

    `needed` holds the roles that would; the message names them, so a 403
    tells the user whom to ask.
    """

    def __init__(self, action: str, needed: Iterable[str], why: str | None = None) -> None:
        self.action = action
        self.needed = tuple(sorted(str(r) for r in needed))
        if len(self.needed) == 1:
            needs = f"needs the role {self.needed[0]}"
        elif self.needed:
            needs = f"needs one of the roles {', '.join(self.needed)}"
        else:
            needs = "no role may"
        super().__init__(f"{action}: {why} ({needs})" if why else f"{action}: {needs}")


class ReasonRequired(AccessRefused):
    """An act that must be justified (unmask, person search) was asked for without a typed reason."""


class RateLimited(AccessRefused):
    """Too many of an audited act in a short time; `retry_after` seconds until the next is allowed."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LoginFailed(AccessRefused):
    """Wrong user name, password or one-time code, or a disabled account: deliberately one message."""


class TotpRequired(AccessRefused):
    """The password was right; the account's role needs a TOTP code and none was given."""


class TotpEnrollmentRequired(TotpRequired):
    """The password was right; the role needs TOTP and none is set up yet: enroll, then log in with a code."""


class PasswordChangeRequired(AccessRefused):
    """Every factor was right, but the password is a one-time one: `accounts.change_password` first."""


class LoginThrottled(AccessRefused):
    """Too many failed logins of this account from this client; `retry_after` seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins: try again in {retry_after} s")
        self.retry_after = retry_after
