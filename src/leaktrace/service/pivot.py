"""The identifier pivot page: one identifier, and every listing, account, case and dump it appears in.

Cases are listed only where the user may open them (`access.can_view_case`);
the others are counted, not named. Identifiers of people are shown masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.identifier_pivot import (
    Account,
    identifier_accounts,
    identifier_cases,
    identifier_dumps,
    identifier_posts,
)
from leaktrace.pipeline.text_view import display_text
from leaktrace.service.access import Principal, can_view_case, require
from leaktrace.service.feed import FeedRow, feed_row, mark_rows, model_version
from leaktrace.service.listing_view import shown_clear
from leaktrace.store.models import Identifier
from leaktrace.store.repo.post_queries import PostFilter, find_posts

PIVOT_ACTION = "identifier.view"


@dataclass(frozen=True)
class PivotView:
    id: int
    type: str
    shown: str
    clear: bool
    listings: list[FeedRow]
    accounts: list[Account]
    cases: list[str]
    hidden_cases: int
    dumps: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "shown": self.shown, "clear": self.clear,
                "listings": [r.as_dict() for r in self.listings], "accounts": [a.__dict__ for a in self.accounts],
                "cases": self.cases, "hidden_cases": self.hidden_cases, "dumps": self.dumps}


def pivot(ctx: Context, principal: Principal, ident_id: int) -> PivotView:
    require(principal, PIVOT_ACTION)
    with ctx.session() as s:
        ident = s.get(Identifier, ident_id)
        if ident is None:
            raise InputError(f"identifier {ident_id}: no such identifier")
        clear = shown_clear(ident)
        shown = display_text(ident.value_norm if clear else ident.value_masked, 300, masked=not clear)
        ids = tuple(identifier_posts(s, ident.id))
        rows = find_posts(s, model_version(ctx), PostFilter(post_ids=ids), limit=200) if ids else []
        accounts = [Account(a.source, display_text(a.handle, 200, masked=False), a.posts)
                    for a in identifier_accounts(s, ident.id)]
        refs = identifier_cases(s, ident)
        ident_type = ident.type
    visible = [r for r in refs if can_view_case(ctx, principal, r)]
    listings = mark_rows(ctx, principal, [feed_row(r) for r in rows])
    return PivotView(ident_id, ident_type, shown, clear, listings, accounts, visible,
                     len(refs) - len(visible), identifier_dumps(ctx.data_dir, ident))
