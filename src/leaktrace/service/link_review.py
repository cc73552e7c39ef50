"""Inferred links wait for a person: a supervisor confirms or rejects each, with a reason, audited.

The verdict is the graph stage's `LinkFeedback` row (two `source:handle`
accounts, so it survives rebuilds that renumber links); every later
`graph build` applies it: a confirmed pair is one actor, a rejected pair is
never merged. The audit entry is written in the same transaction as the
verdict, so neither exists without the other. The console page, the REST
API and `leaktrace graph confirm|reject` all call `decide`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leaktrace.core.errors import InputError
from leaktrace.core.graph_types import GraphLink
from leaktrace.pipeline import graph_access
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.text_view import display_text
from leaktrace.service import audit
from leaktrace.service.access import Principal, allowed, require
from leaktrace.service.errors import ReasonRequired

DECIDE_ACTION = "link.confirm"
VIEW_ACTION = "actor.view"
DECISIONS = ("confirm", "reject")
MIN_REASON = 4
MAX_REASON = 2000


@dataclass(frozen=True)
class Decision:
    """A verdict as stored: the two accounts (sorted), the decision, the previous one, who and why."""

    a: str
    b: str
    decision: str
    previous: str | None
    reason: str
    decided_by: str
    link_id: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "decision": self.decision, "previous": self.previous,
                "reason": self.reason, "decided_by": self.decided_by, "link_id": self.link_id}


@dataclass(frozen=True)
class Pending:
    """An inferred link of the last build, and the verdict given since (applied at the next build)."""

    id: str
    a: str
    b: str
    a_shown: str
    b_shown: str
    confidence: float
    reasons: list[str]
    decided: str | None  # confirm / reject given after the build, None while it waits

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise ReasonRequired(f"link decision: type the reason (at least {MIN_REASON} characters); "
                             "it is kept with the verdict and in the audit log")
    return text[:MAX_REASON]


def resolve(ctx: Context, first: str, second: str | None = None) -> tuple[str, str, str | None]:
    """(a, b, link id): a link id of the last build, or two `source:handle` accounts."""
    if second is not None:
        link_id = None
        try:
            from leaktrace.service.graph_chart import index

            idx = index(graph_access.snapshot(ctx))
            for n in idx.adjacency.get(first, ()):
                link = idx.links[n]
                if second in (link.a, link.b):
                    link_id = link.id
                    break
        except InputError:  # no build yet: a pair of accounts still makes a verdict
            pass
        return first, second, link_id
    for link in graph_access.snapshot(ctx).links:
        if link.id == first:
            return link.a, link.b, link.id
    raise InputError(f"link {first[:40]!r}: no such link in the last build (give two SOURCE:HANDLE accounts instead)")


def decide(ctx: Context, principal: Principal, first: str, second: str | None, decision: str,
           reason: str | None) -> Decision:
    """Confirm or reject a link (id, or two accounts): supervisors and admins, a typed reason, audited."""
    require(principal, DECIDE_ACTION)
    if decision not in DECISIONS:
        raise InputError(f"field 'decision': {decision[:20]!r} is not confirm or reject")
    why = _reason(reason)
    a, b, link_id = resolve(ctx, first, second)
    with ctx.session() as s, s.begin():
        a, b, previous = graph_access.record_verdict(s, a, b, decision, note=why, decided_by=principal.username)
        audit.record(ctx, principal, f"link.{decision}", f"link:{link_id or '-'}", reason=why,
                     detail={"a": a[:240], "b": b[:240], "previous": previous}, session=s)
    return Decision(a, b, decision, previous, why, principal.username, link_id)


def pending(ctx: Context, principal: Principal, accounts: set[str] | None = None, limit: int = 200) -> list[Pending]:
    """Inferred links of the last build (touching `accounts` when given), strongest first, with any verdict
    given since. Links inside one actor are listed too: the actor stands on other links, but this one is still
    a lead until a person says, and a report shows it as such."""
    require(principal, VIEW_ACTION)
    result = graph_access.snapshot(ctx)
    with ctx.session() as s:
        given = graph_access.verdicts(s)
    out = []
    for link in result.links:
        if link.basis != "inferred" or (accounts is not None and link.a not in accounts and link.b not in accounts):
            continue
        verdict = given.get((link.a, link.b)) or given.get((link.b, link.a))
        out.append(_pending(link, verdict[0] if verdict else None))
        if len(out) >= limit:
            break
    return out


def _pending(link: GraphLink, decided: str | None) -> Pending:
    return Pending(link.id, link.a, link.b, display_text(link.a, 200, masked=False),
                   display_text(link.b, 200, masked=False), round(link.confidence, 3),
                   [display_text(r.detail, 300, masked=False) for r in link.reasons][:10], decided)


def may_decide(principal: Principal) -> bool:
    """Whether pages should offer the confirm/reject buttons at all."""
    return allowed(principal, DECIDE_ACTION)
