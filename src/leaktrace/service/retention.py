"""Retention: captures of a source older than its rule are deleted, unless a case holds them.

Evidence in a case is on legal hold and never expires: any capture whose
SHA-256 appears in a case item (a capture item, a listing's captures, an
attached file) is kept whatever its age. Every deletion is written to the
custody log before the blob goes (`EvidenceStore.expire`), so the chain
still accounts for every blob it ever took in. The capture's row is
deleted and the rows that pointed at it (posts, snapshots, frontier,
alerts) keep their own data with the link cleared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import audit
from leaktrace.service.access import Principal, require
from leaktrace.store.models import (
    Alert,
    Capture,
    CaseItem,
    FrontierItem,
    ListingSnapshot,
    Post,
    RetentionRule,
    Source,
)
from leaktrace.store.types import utcnow

MAX_DAYS = 36_500
_SHA = re.compile(r"\b[0-9a-f]{64}\b")


@dataclass
class RetentionReport:
    dry_run: bool
    expired_captures: int = 0
    expired_blobs: int = 0
    held: int = 0
    bytes: int = 0
    per_source: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def set_rule(ctx: Context, principal: Principal, source: str, days: int | None) -> None:
    """Keep `source`'s captures `days` days (None: forever, the default)."""
    require(principal, "users.manage")
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise InputError(f"field 'days': expected 1-{MAX_DAYS}, got {days}")
    with ctx.session() as s:
        src = s.scalar(select(Source).where(Source.name == source))
        if src is None:
            raise InputError(f"source {source[:80]!r}: no such source")
        rule = s.get(RetentionRule, src.id)
        if days is None:
            if rule is not None:
                s.delete(rule)
        elif rule is None:
            s.add(RetentionRule(source_id=src.id, days=days, set_by=principal.username, set_at=utcnow()))
        else:
            rule.days, rule.set_by, rule.set_at = days, principal.username, utcnow()
        audit.record(ctx, principal, "ops.retention", f"source:{src.id}", detail={"days": days}, session=s)
        s.commit()


def rules(ctx: Context) -> dict[str, int]:
    with ctx.session() as s:
        return dict(s.execute(select(Source.name, RetentionRule.days).join(RetentionRule,
                                                                            RetentionRule.source_id == Source.id)).all())


def held_hashes(s: Any) -> set[str]:
    """Every SHA-256 a case item names: captures in a case are on legal hold."""
    held: set[str] = set()
    for key, payload in s.execute(select(CaseItem.key, CaseItem.payload)):
        held.update(_SHA.findall(str(key)))
        held.update(_SHA.findall(repr(payload)))
    return held


def run(ctx: Context, principal: Principal, *, now: datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Expire what the rules say may go; `dry_run` counts without deleting."""
    require(principal, "users.manage")
    now = now or utcnow()
    report = RetentionReport(dry_run)
    with ctx.session() as s:
        held = held_hashes(s)
        due: list[tuple[int, str, str]] = []
        for src_id, name, days in s.execute(select(Source.id, Source.name, RetentionRule.days)
                                            .join(RetentionRule, RetentionRule.source_id == Source.id)):
            cutoff = now - timedelta(days=days)
            for cid, sha in s.execute(select(Capture.id, Capture.sha256).where(Capture.source_id == src_id,
                                                                                Capture.fetched_at < cutoff)):
                if sha in held:
                    report.held += 1
                else:
                    due.append((cid, sha, name))
    for _cid, _sha, name in due:
        report.per_source[name] = report.per_source.get(name, 0) + 1
    report.expired_captures = len(due)  # with dry_run: what would go
    if dry_run or not due:
        return report
    ids = [cid for cid, _, _ in due]
    with ctx.session() as s:
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for model in (Post, ListingSnapshot, FrontierItem, Alert):
                s.execute(update(model).where(model.capture_id.in_(chunk)).values(capture_id=None)
                          .execution_options(synchronize_session=False))
            s.execute(delete(Capture).where(Capture.id.in_(chunk)))
        s.commit()
        still = set(s.scalars(select(Capture.sha256).where(Capture.sha256.in_({sha for _, sha, _ in due}))))
    for sha in sorted({sha for _, sha, _ in due} - still):  # a blob another capture still names stays
        entry = ctx.evidence.expire(sha, collector=principal.username,
                                    meta={"reason": "retention", "sources": sorted({n for _, h, n in due if h == sha})})
        if entry is not None:
            report.expired_blobs += 1
            report.bytes += entry.size or 0
    audit.record(ctx, principal, "ops.retention_run", "captures",
                 detail={"captures": report.expired_captures, "blobs": report.expired_blobs, "held": report.held})
    return report
