"""Reading posts back: which still need analysis, and finding them by source, seller, score, category, date or text.

`leaktrace analyze`, `leaktrace posts` and (next) the console's feed ask the
same questions of the store; the queries live here once. A post's verdict is
the one of the model version the caller names (the model in use), so a
retrained model's feed never mixes in an older model's scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from leaktrace.core.errors import InputError
from leaktrace.store.models import IntelResult, Post, Source
from leaktrace.store.repo._common import check_aware

MAX_LIMIT = 10_000


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

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                check_aware(value, name)
        if self.min_score is not None and not 0.0 <= self.min_score <= 1.0:
            raise InputError(f"--min-score {self.min_score}: a score is between 0 and 1")


@dataclass(frozen=True)
class PostRow:
    """One post with its source's name and its verdict under the current model, if any."""

    post: Post
    source: str | None
    verdict: IntelResult | None


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
    """Posts matching `f`, newest sighting first, each with its verdict under `version`.

    Filters on the verdict (score, category, trafficking) keep only analysed posts; the
    category filter runs in Python because JSON list containment differs between SQLite
    and PostgreSQL, so it reads at most `MAX_LIMIT` candidate rows.
    """
    f = f or PostFilter()
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"--limit {limit}: between 1 and {MAX_LIMIT}")
    verdict_on = and_(IntelResult.post_id == Post.id, IntelResult.model_version == version)
    query = (select(Post, Source.name, IntelResult)
             .outerjoin(Source, Source.id == Post.source_id)
             .outerjoin(IntelResult, verdict_on))
    query = _filtered(session, query, f)
    if f.min_score is not None:
        query = query.where(IntelResult.score >= f.min_score)
    if f.trafficking is not None:
        query = query.where(IntelResult.trafficking.is_(f.trafficking))
    query = query.order_by(Post.last_seen_at.desc(), Post.id.desc())
    if f.category is None:
        rows = session.execute(query.offset(offset).limit(limit)).all()
        return [PostRow(p, s, v) for p, s, v in rows]
    out: list[PostRow] = []
    skipped = 0
    for p, s, v in session.execute(query.limit(MAX_LIMIT)).all():
        if v is None or f.category not in (v.categories or []):
            continue
        if skipped < offset:
            skipped += 1
            continue
        out.append(PostRow(p, s, v))
        if len(out) >= limit:
            break
    return out


def get_post(session: Session, post_id: int, version: str) -> PostRow:
    """One post by id, or an InputError naming it."""
    row = session.execute(
        select(Post, Source.name, IntelResult)
        .outerjoin(Source, Source.id == Post.source_id)
        .outerjoin(IntelResult, and_(IntelResult.post_id == Post.id, IntelResult.model_version == version))
        .where(Post.id == post_id)).first()
    if row is None:
        raise InputError(f"post {post_id}: no such post")
    return PostRow(row[0], row[1], row[2])
