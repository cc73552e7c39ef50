"""The intel stage over the store: every captured post classified, its facts and identifiers attached.

Crawling and importing only store what a page says; this stage reads each
post with `intel.classify` (trafficking score, categories, facts,
identifiers), indexes its masked text for search, and writes the verdict (`record_intel`, one row per model
version) and the identifiers (`attach_identifier`: keyed hash + masked form;
the seller's own contacts, wallets and PGP fingerprints also in clear, as
`core.disclosure` decides). Masked sample rows a listing shows are attached
as `sample_row` identifiers: two listings showing the same sample rows share
supply, which `graph` links on. Contacts and personal values found inside
the sample text (a victim's phone in an unmasked row) are attached with
role `sample`: the store marks them as a victim's, never kept in clear,
even where a seller later posts the same value as a contact.

The crawler calls `analyse_item` as each page arrives (it still holds the
parsed extras such as the sold count); `analyse_posts` catches up on posts
that have no verdict of the current model yet (imports, earlier crawls).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.normalize import normalize
from leaktrace.intel.lexicon import Lexicon
from leaktrace.intel.model import TraffickingModel
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.search_index import index_post_text
from leaktrace.store.models import IntelResult, Post
from leaktrace.store.repo import attach_identifier, record_intel
from leaktrace.store.repo.post_queries import PostFilter, posts_to_analyse

SAMPLE_TYPE = "sample_row"
MAX_SAMPLE_ROWS = 50
# A sample row as markets show it: several fields, most of them masked with runs of '*'.
_MASKED_FIELD = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]{0,4}\*{2,}[0-9A-Za-z]{0,4}")


def model_version(model: TraffickingModel | None = None) -> str:
    """The version string of the classifier in use (default: the shipped one); a retrained model gets new verdict rows."""
    from leaktrace.intel.model import default_model

    m = model or default_model()
    return str(getattr(m, "version", None) or "intel")


def sample_rows(text: str | None) -> list[str]:
    """Lines of a listing that are masked sample rows (two or more masked fields)."""
    if not text:
        return []
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if 10 <= len(line) <= 500 and len(_MASKED_FIELD.findall(line)) >= 2:
            rows.append(line)
            if len(rows) >= MAX_SAMPLE_ROWS:
                break
    return rows


def sample_values(text: str) -> set[tuple[str, str]]:
    """(type, value) of the contacts and personal values in a listing's sample text: victims' data.

    The same extractor as the post's contacts (so a value compares equal to a contact of the same
    type), plus valid mobiles and e-mails the PII detectors find without an app word in front.
    """
    if not text.strip():
        return set()
    from leaktrace.core.disclosure import CONTACT_TYPES
    from leaktrace.intel.identifiers import extract_identifiers
    from leaktrace.pii.redact import pii_hits

    found = {(i.type, normalize(i.type, i.value)) for i in extract_identifiers(text) if i.type in CONTACT_TYPES}
    found |= {(h.type, normalize(h.type, h.value)) for h in pii_hits(text)
              if h.valid and h.type in ("cn_mobile", "email")}
    return found


@dataclass
class IntelStageReport:
    posts: int = 0
    trafficking: int = 0
    identifiers: int = 0
    sample_rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def analyse_item(session: Session, post_id: int, title: str | None, body: str | None, hasher: KeyedHasher,
                 *, extra: dict[str, Any] | None = None, version: str | None = None,
                 report: IntelStageReport | None = None, model: TraffickingModel | None = None,
                 lexicon: Lexicon | None = None) -> bool:
    """Classify one stored post and attach what it names; returns the trafficking verdict."""
    from leaktrace.intel.classify import classify_post

    res = classify_post(title, body, model=model, lexicon=lexicon)
    facts = res.contract()["facts"]
    extra = extra or {}
    for key in ("sold", "status"):
        if extra.get(key) is not None:
            facts[key] = extra[key]
    from leaktrace.pipeline.media_jobs import picture_sample

    shown = picture_sample(session, post_id)  # what its pictures showed stays on a re-analysed post
    if shown["pictures"]:
        facts["picture_sample"] = shown
        if shown["rows"]:
            facts["sample"] = True
    record_intel(session, post_id, version or model_version(model), trafficking=res.trafficking,
                 score=min(1.0, max(0.0, float(res.score))), categories=res.categories, facts=facts)
    n_ids = 0
    rows = sample_rows(extra.get("sample") or body)
    victims = sample_values("\n".join(filter(None, [extra.get("sample"), *rows])))
    person = "suspect" if res.trafficking else "unknown"
    # A stable order, so concurrent writers take the identifier rows' locks in the same order.
    for ident in sorted(res.analysis.identifiers, key=lambda i: (i.type, i.value)):
        if (ident.type, normalize(ident.type, ident.value)) in victims:
            continue
        attach_identifier(session, post_id, ident.type, ident.value, hasher, role="contact", person=person)
        n_ids += 1
    for id_type, value in sorted(victims):
        attach_identifier(session, post_id, id_type, value, hasher, role="sample")
    for row in sorted(set(rows)):
        attach_identifier(session, post_id, SAMPLE_TYPE, row, hasher, role="sample")
    # The console's search, from masked text only (the identifiers just found are masked out too).
    index_post_text(session, post_id, title, body, [(i.type, i.value) for i in res.analysis.identifiers])
    if report is not None:
        report.posts += 1
        report.trafficking += int(res.trafficking)
        report.identifiers += n_ids
        report.sample_rows += len(rows)
    return res.trafficking


def pending_posts(session: Session, version: str) -> list[int]:
    """Posts without a verdict of `version`."""
    return posts_to_analyse(session, version)


def analyse_posts(session: Session, hasher: KeyedHasher, *, post_ids: Iterable[int] | None = None,
                  batch: int = 200, progress: Callable[[int], None] | None = None,
                  model: TraffickingModel | None = None, lexicon: Lexicon | None = None) -> IntelStageReport:
    """Run the stage over `post_ids` (default: every post without a current verdict), committing per batch."""
    version = model_version(model)
    ids = list(post_ids) if post_ids is not None else pending_posts(session, version)
    report = IntelStageReport()
    for i, pid in enumerate(ids, 1):
        post = session.get(Post, pid)
        if post is None:
            continue
        # Page extras (sold count, status) an earlier verdict recorded from the crawl carry over.
        earlier = session.scalar(select(IntelResult.facts).where(IntelResult.post_id == pid)
                                 .order_by(IntelResult.id.desc()).limit(1)) or {}
        extra = {k: earlier[k] for k in ("sold", "status") if earlier.get(k) is not None}
        analyse_item(session, pid, post.title, post.body, hasher, extra=extra, version=version, report=report,
                     model=model, lexicon=lexicon)
        if progress is not None:
            progress(1)
        if i % batch == 0:
            session.commit()
    session.commit()
    return report


def intel_totals(session: Session, model: TraffickingModel | None = None) -> dict[str, int]:
    """Posts with a verdict of the current model, how many trade personal data, identifiers they name."""
    from sqlalchemy import func

    from leaktrace.store.models import Identifier

    version = model_version(model)
    verdicts = select(IntelResult).where(IntelResult.model_version == version).subquery()
    posts = session.scalar(select(func.count()).select_from(verdicts)) or 0
    traff = session.scalar(select(func.count()).select_from(verdicts).where(verdicts.c.trafficking.is_(True))) or 0
    idents = session.scalar(select(func.count()).select_from(Identifier).where(Identifier.type != SAMPLE_TYPE)) or 0
    samples = session.scalar(select(func.count()).select_from(Identifier).where(Identifier.type == SAMPLE_TYPE)) or 0
    return {"posts": int(posts), "trafficking": int(traff), "identifiers": int(idents), "sample_rows": int(samples)}


def analyse_stored(ctx: Context, f: PostFilter | None = None, *, redo: bool = False,
                   progress: Callable[[int], None] | None = None,
                   on_total: Callable[[int], None] | None = None) -> IntelStageReport:
    """`leaktrace analyze`: the intel stage over stored posts that match `f`.

    Idempotent: only posts without a verdict of the model in use are read, unless `redo`
    (a changed lexicon, say). `on_total(n)` is told how many posts will be read.
    """
    model = ctx.intel_model()
    version = model_version(model)
    with ctx.session() as session:
        ids = posts_to_analyse(session, version, f, redo=redo)
        if on_total is not None:
            on_total(len(ids))
        return analyse_posts(session, ctx.hasher, post_ids=ids, progress=progress, model=model,
                             lexicon=ctx.lexicon())
