"""Search: full text over every capture (masked text, CJK bigrams) and identifiers by keyed hash.

Text queries are split by `core.search_terms.terms` exactly as the index was
built (pipeline/search_index.py), and every term must occur: the postings
narrow the rows before the feed's filters and sort apply (the same query as
the feed, store/repo/post_queries.py). Personal values typed into a query
are masked before splitting, so they never reach the index or a log.

A query that is one identifier in any written form (a QQ number, a wallet, a
phone with or without +86, an ID number) is normalised for each identifier
type the store holds and looked up by its keyed hash. When the query could
be a person's identifier (anything but the seller identifiers kept in clear:
wallets, PGP keys, onions), it needs a typed reason, is written to the audit
log, and is rate-limited per user.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, or_, select, tuple_

from leaktrace.core.disclosure import INFRASTRUCTURE_TYPES
from leaktrace.core.errors import InputError
from leaktrace.core.normalize import normalize
from leaktrace.core.search_terms import terms
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.text_view import display_text, mask_text
from leaktrace.service import personal_data
from leaktrace.service.access import Principal, require
from leaktrace.service.feed import FeedRow, feed_rows, mark_rows, model_version
from leaktrace.service.listing_view import shown_clear
from leaktrace.store.models import Identifier, PostIdentifier
from leaktrace.store.repo.post_queries import PostFilter, find_posts

SEARCH_ACTION = "search.text"
MAX_QUERY_CHARS = 500
MAX_QUERY_TERMS = 32
MAX_POSTS_PER_IDENTIFIER = 5000
SAMPLE_TYPE = "sample_row"
_ID_SHAPED = re.compile(r"^[\w@.+\-:/ ()·]{3,200}$", re.UNICODE)
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class IdentifierHit:
    id: int
    type: str
    shown: str
    posts: int


@dataclass(frozen=True)
class SearchResult:
    query_shown: str
    rows: list[FeedRow]
    identifiers: list[IdentifierHit] = field(default_factory=list)
    person_identifier: bool = False
    more: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"query": self.query_shown, "rows": [r.as_dict() for r in self.rows],
                "identifiers": [i.__dict__ for i in self.identifiers],
                "person_identifier": self.person_identifier, "more": self.more}


_TYPES_TTL_S = 60.0
_types_cache: dict[str, tuple[float, list[str]]] = {}


def _identifier_types(ctx: Context, s: Any) -> list[str]:
    """The identifier types the store holds (a DISTINCT over a large table: asked once a minute per store)."""
    key = str(ctx.engine.url)
    hit = _types_cache.get(key)
    now = time.monotonic()
    if hit is None or now - hit[0] > _TYPES_TTL_S:
        hit = (now, sorted(t for t in s.scalars(select(Identifier.type).distinct()) if t != SAMPLE_TYPE))
        _types_cache[key] = hit
    return hit[1]


def identifier_shaped(query: str) -> bool:
    """One token that some identifier type could hold (no spaces inside but +86 / separators)."""
    q = query.strip()
    return bool(_ID_SHAPED.match(q)) and len(terms(q)) <= 6 and not any("\u4e00" <= c <= "\u9fff" for c in q)


def could_be_person(query: str, types: list[str]) -> bool:
    """Whether an identifier-shaped query may name a person (anything but clear seller identifiers).

    Decided from the query's form, before any lookup, so asking costs the same
    whether or not the store holds it: digits or an '@' make it a possible
    phone, ID, card, QQ number or e-mail address (five digits or more, or an '@').
    """
    q = query.strip()
    return (len(_DIGITS.findall(q)) >= 5 or "@" in q) and any(t not in INFRASTRUCTURE_TYPES for t in types)


def likely_type(query: str) -> str:
    """The identifier type the audit entry names for a person search: what the detectors see, else its shape."""
    from leaktrace.pipeline.text_view import pii_type_of

    q = query.strip()
    seen = pii_type_of(q)
    if seen is not None:
        return seen
    if "@" in q:
        return "email"
    digits = "".join(_DIGITS.findall(q))
    return "qq" if 5 <= len(digits) <= 12 and len(digits) == len(q) else "identifier"


def _lookup(s: Any, ctx: Context, query: str, types: list[str]) -> list[tuple[Identifier, int]]:
    wanted = []
    for t in types:
        try:
            wanted.append((t, ctx.hasher.hash_normalised(t, normalize(t, query))))
        except ValueError:
            continue
    if not wanted:
        return []
    cond = or_(*[(Identifier.type == t) & (Identifier.value_hash == h) for t, h in wanted]) if len(wanted) < 2 \
        else tuple_(Identifier.type, Identifier.value_hash).in_(wanted)
    rows = s.execute(select(Identifier, func.count(PostIdentifier.post_id))
                     .outerjoin(PostIdentifier, PostIdentifier.identifier_id == Identifier.id)
                     .where(cond).group_by(Identifier.id)).all()
    return [(i, int(n)) for i, n in rows]


def search(ctx: Context, principal: Principal, query: str, f: PostFilter | None = None, *,
           reason: str | None = None, limit: int = 50, offset: int = 0) -> SearchResult:
    """Posts matching the query's words (and any identifier it names), under the feed's filters."""
    require(principal, SEARCH_ACTION)
    q = (query or "").strip()
    if not q:
        raise InputError("field 'q': type something to search for")
    if len(q) > MAX_QUERY_CHARS:
        raise InputError(f"field 'q': at most {MAX_QUERY_CHARS} characters")
    f = f or PostFilter()
    version = model_version(ctx)
    masked_q = mask_text(q)
    shown = display_text(masked_q, MAX_QUERY_CHARS, masked=False)
    with ctx.session() as s:
        hits: list[tuple[Identifier, int]] = []
        person = False
        if identifier_shaped(q):
            types = _identifier_types(ctx, s)
            person = could_be_person(q, types)
            if person:
                # Role, typed reason, rate limit and the audit entry (keyed hash and masked form, never
                # the value) are the personal-data gate's; it answers before anything is looked up.
                personal_data.search_person(ctx, principal, likely_type(q), q, reason)
            hits = _lookup(s, ctx, q, types)
        idents = [IdentifierHit(i.id, i.type, display_text(i.value_norm if shown_clear(i)
                                                           else i.value_masked, 300, masked=False), n)
                  for i, n in hits]
        if hits:
            ids = tuple(s.scalars(select(PostIdentifier.post_id).distinct()
                                  .where(PostIdentifier.identifier_id.in_([i.id for i, _ in hits]))
                                  .limit(MAX_POSTS_PER_IDENTIFIER)))
            rows = find_posts(s, version, replace(f, post_ids=ids), limit=limit + 1, offset=offset)
        else:
            words = terms(masked_q, limit=MAX_QUERY_TERMS)
            if not words:
                return SearchResult(shown, [], idents, person)
            rows = find_posts(s, version, replace(f, terms=tuple(words)), limit=limit + 1, offset=offset)
        out = feed_rows(s, rows[:limit])
    return SearchResult(shown, mark_rows(ctx, principal, out), idents, person, more=len(rows) > limit)
