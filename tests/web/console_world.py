"""A console over a generated world: the store filled by `simulate` + load + analyse, and one account per role.

Shared by the service, page, browser and screenshot runs: the world is the
synthetic one `leaktrace simulate` writes (social listings, vendors, a
Telegram export), loaded as the crawler would store it, then analysed by
the intel stage (verdicts of the model in use, identifiers, search index).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pyotp

from leaktrace.pipeline.context import Context
from leaktrace.pipeline.intel_stage import analyse_stored
from leaktrace.pipeline.worldload import load_world
from leaktrace.service.access import Principal, add_member, local_operator
from leaktrace.simulate.social import generate_social

PASSWORD = "correct horse battery staple"
ROLES = ("admin", "supervisor", "analyst", "auditor", "partner")


@dataclass
class Accounts:
    """User name -> TOTP seed (for roles that need one) and the principals the service tests act as."""

    totp: dict[str, str] = field(default_factory=dict)
    principals: dict[str, Principal] = field(default_factory=dict)

    def code(self, username: str, *, ahead: int = 1) -> str:
        """A TOTP code `ahead` steps after now (the setup spent the current one)."""
        return pyotp.TOTP(self.totp[username]).at(time.time() + 30 * ahead)

    def fresh_code(self, ctx: Context, username: str) -> str:
        """A code the login will take: for a step the window accepts (now, now + 1) that no earlier login of
        this world spent (a code is good once). When both are spent, wait for the clock's next step."""
        from sqlalchemy import select

        from leaktrace.service.totp import STEP_S
        from leaktrace.store.models import User

        with ctx.session() as s:
            last = s.scalar(select(User.totp_last_step).where(User.username == username))
        while True:
            now = int(time.time() // STEP_S)
            for step in (now, now + 1):
                if last is None or step > last:
                    return pyotp.TOTP(self.totp[username]).at(step * STEP_S)
            time.sleep(max(0.1, (now + 1) * STEP_S - time.time() + 0.05))


@dataclass
class ConsoleWorld:
    ctx: Context
    accounts: Accounts
    root: Path


def fill_world(ctx: Context, workdir: Path, *, seed: int = 7, listings_per_market: int = 12) -> None:
    generate_social(workdir, seed=seed, scale=200, sample_rows=[], victim_org="某某电商",
                    claimed_records=900_000_000, listings_per_market=listings_per_market)
    with ctx.session() as s:
        load_world(s, workdir / "social", ctx.hasher, fast=True)
        s.commit()
    analyse_stored(ctx)


def make_accounts(ctx: Context) -> Accounts:
    """admin, supervisor (both with TOTP), analyst, analyst2, auditor, and partners of two organisations."""
    from leaktrace.service.accounts import authenticate, change_password, create_user, enroll_totp

    out = Accounts()
    shell = local_operator("tests")
    for name, role, org in (("admin1", "admin", None), ("super1", "supervisor", None), ("analyst1", "analyst", None),
                            ("analyst2", "analyst", None), ("auditor1", "auditor", None),
                            ("partner1", "partner", "org-a"), ("partner2", "partner", "org-b")):
        _, once = create_user(ctx, name, role, org_id=org, actor=shell)
        code = None
        if role in ("admin", "supervisor"):
            seed = enroll_totp(ctx, name).secret
            out.totp[name] = seed
            code = pyotp.TOTP(seed).now()
        out.principals[name] = change_password(ctx, name, once, PASSWORD, code, "tests")
        if code is None:
            out.principals[name] = authenticate(ctx, name, PASSWORD, None, "tests")
    return out


def open_case(ctx: Context, ref: str, members: list[str]) -> None:
    from leaktrace.cases.case_records import create_case

    with ctx.session() as s:
        create_case(s, f"case {ref}", ref=ref, created_by="tests")
        s.commit()
    for m in members:
        add_member(ctx, local_operator("tests"), ref, m)
