"""Reading posts back: which still need analysis, and finding them by source, seller, score, category, date or text.

`leaktrace analyze`, `leaktrace posts` and the console's feed and search ask
the same questions of the store; the queries live here once. A post's verdict
is the one of the model version the caller names (the model in use), so a
retrained model's feed never mixes in an older model's scores.

The console adds filters on the claimed facts (records, price, province
named, language), on the analysts' triage state, on search terms (the
inverted index of masked text, `store/repo/search_index.py`) and on a set of
post ids (an identifier's listings), and a sort by trafficking score.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from leaktrace.core.errors import InputError
from leaktrace.store.models import TRIAGE_STATES, IntelResult, Post, SearchTerm, Source, Triage
from leaktrace.store.repo._common import check_aware

MAX_LIMIT = 10_000
_PAGE_BY_IDS_FROM = 200  # offsets from which a page is found by its ids first (find_posts)
_SEARCH_BY_IDS = True  # on PostgreSQL a search (terms) finds its page by ids first at any offset
SORTS = ("newest", "score")


@dataclass(frozen=True)
class PostFilter:
    """What `posts list|search` and `analyze` narrow by; None means any."""

    source: str | None = None  # the source's name
    seller: str | None = None  # author handle, exact (case-insensitive)
    min_score: float | None = None
    category: str | None = None  # a data category of the verdict, e.g. pii.identity
    trafficking: bool | None = None
    since: datetime | None = None  # last seen at or after
    until: datetime | None = None  # last seen before
    text: str | None = None  # words that must all appear in title or body
    language: str | None = None  # the post's language code (zh, en ...)
    province: str | None = None  # a province the listing's facts name (e.g. 广东)
    min_records: int | None = None  # claimed record count at least
    max_records: int | None = None
    min_price: float | None = None  # claimed price at least (in its own currency)
    max_price: float | None = None
    triage: str | None = None  # one of TRIAGE_STATES
    terms: tuple[str, ...] = ()  # index terms that must all occur (core/search_terms.py)
    post_ids: tuple[int, ...] | None = None  # only these posts (an identifier's listings)
    sort: str = "newest"  # or "score": highest trafficking score first

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                check_aware(value, name)
        if self.min_score is not None and not 0.0 <= self.min_score <= 1.0:
            raise InputError(f"--min-score {self.min_score}: a score is between 0 and 1")
        if self.triage is not None and self.triage not in TRIAGE_STATES:
            raise InputError(f"triage {self.triage!r}: one of {', '.join(TRIAGE_STATES)}")
        if self.sort not in SORTS:
            raise InputError(f"sort {self.sort!r}: one of {', '.join(SORTS)}")
        for name in ("min_records", "max_records", "min_price", "max_price"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise InputError(f"{name} {value}: must not be negative")


@dataclass(frozen=True)
class PostRow:
    """One post with its source's name and its verdict under the current model, if any."""

    post: Post
    source: str | None
    verdict: IntelResult | None
    triage: Triage | None = None

    @property
    def triage_state(self) -> str:
        return self.triage.state if self.triage is not None else "new"


def _source_id(session: Session, name: str) -> int:
    sid = session.scalar(select(Source.id).where(Source.name == name))
    if sid is None:
        known = ", ".join(session.scalars(select(Source.name).order_by(Source.name).limit(20))) or "none yet"
        raise InputError(f"--source {name!r}: no such source (known: {known})")
    return int(sid)


def _like(words: str) -> list[str]:
    out = []
    for w in words.split():
        w = w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        out.append(f"%{w.lower()}%")
    return out


def _filtered(session: Session, query: Select, f: PostFilter) -> Select:  # type: ignore[type-arg]
    if f.source is not None:
        query = query.where(Post.source_id == _source_id(session, f.source))
    if f.seller is not None:
        query = query.where(func.lower(Post.author_handle) == f.seller.strip().lower())
    if f.since is not None:
        query = query.where(Post.last_seen_at >= f.since)
    if f.until is not None:
        query = query.where(Post.last_seen_at < f.until)
    if f.text:
        for pattern in _like(f.text):
            query = query.where(or_(func.lower(Post.title).like(pattern, escape="\\"),
                                    func.lower(Post.body).like(pattern, escape="\\")))
    if f.language is not None:
        query = query.where(Post.language == f.language)
    if f.min_records is not None:
        query = query.where(Post.volume_records >= f.min_records)
    if f.max_records is not None:
        query = query.where(Post.volume_records <= f.max_records)
    if f.min_price is not None:
        query = query.where(Post.price_amount >= f.min_price)
    if f.max_price is not None:
        query = query.where(Post.price_amount <= f.max_price)
    for term in f.terms:  # each a semi-join on the primary key (term, post_id) of the postings
        query = query.where(Post.id.in_(select(SearchTerm.post_id).where(SearchTerm.term == term)))
    if f.post_ids is not None:
        query = query.where(Post.id.in_(list(f.post_ids)))
    if f.triage == "new":
        query = query.where(Post.id.not_in(select(Triage.post_id)))
    elif f.triage is not None:
        query = query.where(Post.id.in_(select(Triage.post_id).where(Triage.state == f.triage)))
    return query


def posts_to_analyse(session: Session, version: str, f: PostFilter | None = None, *, redo: bool = False) -> list[int]:
    """Ids of posts without a verdict of `version` (all matching posts with `redo`), oldest first."""
    f = f or PostFilter()
    query = _filtered(session, select(Post.id), f)
    if not redo:
        done = select(IntelResult.post_id).where(IntelResult.model_version == version)
        query = query.where(Post.id.not_in(done))
    return list(session.scalars(query.order_by(Post.id)))


def find_posts(session: Session, version: str, f: PostFilter | None = None, *, limit: int = 100,
               offset: int = 0) -> list[PostRow]:
    """Posts matching `f`, newest sighting (or highest score) first, each with its verdict under `version`.

    Filters on the verdict (score, category, trafficking) keep only analysed posts; the
    category and province filters run in Python because JSON list containment differs
    between SQLite and PostgreSQL, so they read at most `MAX_LIMIT` candidate rows.
    """
    f = f or PostFilter()
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"--limit {limit}: between 1 and {MAX_LIMIT}")
    verdict_on = and_(IntelResult.post_id == Post.id, IntelResult.model_version == version)
    query = (select(Post, Source.name, IntelResult, Triage)
             .outerjoin(Source, Source.id == Post.source_id)
             .outerjoin(IntelResult, verdict_on)
             .outerjoin(Triage, Triage.post_id == Post.id))
    query = _filtered(session, query, f)
    if f.min_score is not None:
        query = query.where(IntelResult.score >= f.min_score)
    if f.trafficking is not None:
        query = query.where(IntelResult.trafficking.is_(f.trafficking))
    if f.sort == "score":  # ties by the verdict's post id (the same value): the order of the score index
        query = query.where(IntelResult.id.is_not(None)).order_by(IntelResult.score.desc(),
                                                                   IntelResult.post_id.desc())
    else:
        query = query.order_by(Post.last_seen_at.desc(), Post.id.desc())
    if f.category is None and f.province is None:
        if offset < _PAGE_BY_IDS_FROM and not (f.terms and _SEARCH_BY_IDS and _postgres(session)):
            rows = session.execute(query.offset(offset).limit(limit)).all()
            return [PostRow(p, s, v, t) for p, s, v, t in rows]
        # A deep page, or a search on PostgreSQL: the rows are ordered and skipped selecting ids alone (the
        # database then reads neither the posts' text nor the joined verdicts and triage for the rows it passes
        # over, and drops the outer joins), and only the page's rows are read. (SQLite's planner does as well
        # with the one query for a search: measured at 10^5 posts.)
        ids = list(session.scalars(_id_walk(session, version, f, query).offset(offset).limit(limit)))
        if not ids:
            return []
        found = {p.id: PostRow(p, s, v, t) for p, s, v, t in session.execute(
            query.where(Post.id.in_(ids)).order_by(None))}
        return [found[i] for i in ids if i in found]
    out: list[PostRow] = []
    skipped = 0
    for p, s, v, t in session.execute(query.limit(MAX_LIMIT)).all():
        if f.category is not None and (v is None or f.category not in (v.categories or [])):
            continue
        if f.province is not None and (v is None or not _names_province(v.facts, f.province)):
            continue
        if skipped < offset:
            skipped += 1
            continue
        out.append(PostRow(p, s, v, t))
        if len(out) >= limit:
            break
    return out


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _id_walk(session: Session, version: str, f: PostFilter, query: Select) -> Select:  # type: ignore[type-arg]
    """The ids of `query` in its order, read from as few tables as the filter allows. Highest score first with no
    filter on the post: the score index of the verdicts alone (a verdict's post always exists), without a
    look-up of each skipped post."""
    if f.sort == "score" and f == PostFilter(sort="score", min_score=f.min_score, trafficking=f.trafficking):
        walk = (select(IntelResult.post_id).where(IntelResult.model_version == version)
                .order_by(IntelResult.score.desc(), IntelResult.post_id.desc()))
        if f.min_score is not None:
            walk = walk.where(IntelResult.score >= f.min_score)
        if f.trafficking is not None:
            walk = walk.where(IntelResult.trafficking.is_(f.trafficking))
        return walk
    if f.sort == "newest" and f.min_score is None and f.trafficking is None:
        # Without the outer joins (which change no row: each joins on a unique key): PostgreSQL drops such
        # joins, but the columns they name still keep it from an index-only walk of (last_seen_at, id).
        return _filtered(session, select(Post.id), f).order_by(Post.last_seen_at.desc(), Post.id.desc())
    return query.with_only_columns(Post.id)


def _names_province(facts: dict | None, province: str) -> bool:  # type: ignore[type-arg]
    wanted = province.strip()
    return any(isinstance(r, str) and (r == wanted or r.startswith(wanted) or wanted.startswith(r))
               for r in (facts or {}).get("regions") or [])


def triage_counts(session: Session, version: str) -> dict[str, int]:
    """Analysed posts (under `version`) per triage state; `new` is every analysed post without a decision.

    Counted over the small triage table and a count of verdicts that is redone only
    when a verdict was added (`_verdict_total`), so the feed can show it on every page
    at a million posts.
    """
    total = _verdict_total(session, version)
    # Driven by the small triage table (EXISTS per row): as a join, SQLite without statistics walks every verdict.
    analysed = select(IntelResult.id).where(IntelResult.post_id == Triage.post_id,
                                            IntelResult.model_version == version).exists()
    decided = dict(session.execute(select(Triage.state, func.count()).where(analysed).group_by(Triage.state)).all())
    counts = {state: int(decided.get(state, 0)) for state in TRIAGE_STATES}
    counts["new"] = max(0, int(total) - sum(counts[s] for s in TRIAGE_STATES if s != "new"))
    return counts


_TOTAL_TTL_S = 30.0
_totals: dict[tuple[str, str], tuple[float, int | None, int]] = {}


def _verdict_total(session: Session, version: str) -> int:
    """Verdicts of `version`: a count over every verdict (100+ ms at a million) is redone only when the newest
    verdict id moved (one index look-up) or after `_TOTAL_TTL_S` seconds (verdicts replaced or deleted)."""
    key = (str(session.get_bind().url), version)
    newest = session.scalar(select(func.max(IntelResult.id)))
    now = time.monotonic()
    hit = _totals.get(key)
    if hit is not None and hit[1] == newest and now - hit[0] < _TOTAL_TTL_S:
        return hit[2]
    total = int(session.scalar(select(func.count()).select_from(IntelResult)
                               .where(IntelResult.model_version == version)) or 0)
    _totals[key] = (now, newest, total)
    return total


def get_post(session: Session, post_id: int, version: str) -> PostRow:
    """One post by id, or an InputError naming it."""
    row = session.execute(
        select(Post, Source.name, IntelResult, Triage)
        .outerjoin(Source, Source.id == Post.source_id)
        .outerjoin(IntelResult, and_(IntelResult.post_id == Post.id, IntelResult.model_version == version))
        .outerjoin(Triage, Triage.post_id == Post.id)
        .where(Post.id == post_id)).first()
    if row is None:
        raise InputError(f"post {post_id}: no such post")
    return PostRow(row[0], row[1], row[2], row[3])
