"""Pairwise evidence between accounts, each link with its reasons and a stated confidence.

Reasons come in two families. Alias reasons say "same actor": a personal
identifier (strong), similar writing and near-identical handles (inferred).
Group reasons say "same team": a team identifier, overlapping sample rows
(shared supply, through keyed hashes of the rows), one account promoting
another. A link's alias confidence combines its alias reasons as independent
evidence, 1 - prod(1 - c); its basis is `strong` only when a personal
identifier backs it with a capture on record on both sides.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from leaktrace.core.picture_hash import near_pairs
from leaktrace.graph.corpus import AccountRec, Corpus
from leaktrace.graph.identifiers import (
    DEFAULT_GROUP_WEIGHT,
    GROUP_WEIGHT,
    STRONG_CONFIDENCE,
    Classified,
)
from leaktrace.graph.style import (
    StyleConfig,
    blocks,
    confidence,
    prepare,
    similar_pairs,
    similarities,
    vectors,
)

ALIAS_KINDS = frozenset({"identifier", "identifier_unevidenced", "style", "handle", "picture"})
HANDLE_CONFIDENCE = 0.55
PICTURE_CONFIDENCE = 0.5  # the same sample picture under two names: a lead, as a person confirms it
SAMPLE_MIN_SHARED = 2
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")


@dataclass
class Reason:
    kind: str  # identifier, identifier_unevidenced, style, handle, picture, shared_identifier, samples, promotion, user
    detail: str
    confidence: float  # alias confidence this reason alone gives (0 for group-only reasons)
    group_weight: float = 0.0
    evidence: list[str] = field(default_factory=list)  # capture sha256s
    identifier: int | None = None


@dataclass
class Link:
    a: str
    b: str
    reasons: list[Reason] = field(default_factory=list)
    basis: str = "group"  # strong, inferred, group; feedback turns it into confirmed or rejected
    confidence: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return link_id(self.a, self.b)

    @property
    def group_weight(self) -> float:
        return sum(r.group_weight for r in self.reasons)

    @property
    def evidence(self) -> list[str]:
        return sorted({e for r in self.reasons for e in r.evidence})

    def settle(self) -> None:
        """Combine reasons into one confidence and a basis."""
        rest = 1.0
        for r in self.reasons:
            if r.kind in ALIAS_KINDS:
                rest *= 1.0 - r.confidence
        self.confidence = round(1.0 - rest, 4)
        if any(r.kind == "identifier" for r in self.reasons):
            self.basis = "strong"
        elif self.confidence > 0:
            self.basis = "inferred"
        else:
            self.basis = "group"


def link_id(a: str, b: str) -> str:
    a, b = sorted((a, b))
    return hashlib.sha256(f"{a}\x1f{b}".encode()).hexdigest()[:12]


def pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


class LinkSet:
    def __init__(self) -> None:
        self.links: dict[tuple[str, str], Link] = {}

    def add(self, a: str, b: str, reason: Reason) -> None:
        key = pair(a, b)
        link = self.links.get(key)
        if link is None:
            link = self.links[key] = Link(*key)
        link.reasons.append(reason)


def _evidence(acc_a: AccountRec, acc_b: AccountRec, iid: int, samples: bool = False) -> tuple[list[str], bool]:
    sa = (acc_a.samples if samples else acc_a.identifiers)[iid]
    sb = (acc_b.samples if samples else acc_b.identifiers)[iid]
    ok = any(s for s in sa) and any(s for s in sb)
    return sorted(s for s in sa | sb if s), ok


def identifier_links(corpus: Corpus, classified: Classified, links: LinkSet) -> None:
    for use in classified.uses.values():
        if use.kind not in ("personal", "shared", "weak"):
            continue
        ident = corpus.identifiers[use.id]
        for i, a in enumerate(use.accounts):
            for b in use.accounts[i + 1:]:
                ev, both = _evidence(corpus.accounts[a], corpus.accounts[b], use.id)
                label = f"{ident.type} {ident.masked}"
                if use.kind == "personal" and both:
                    r = Reason("identifier", f"both show {label}", STRONG_CONFIDENCE[ident.type], 1.0, ev, use.id)
                elif use.kind == "personal":
                    r = Reason("identifier_unevidenced", f"both show {label}, but a side has no capture on record: "
                               "a lead until the page is captured", 0.5, 0.5, ev, use.id)
                else:
                    r = Reason("shared_identifier", f"both show {label} ({use.reason})", 0.0,
                               GROUP_WEIGHT.get(ident.type, DEFAULT_GROUP_WEIGHT) * (1 if use.kind == "shared" else .5),
                               ev, use.id)
                links.add(a, b, r)


def sample_links(corpus: Corpus, links: LinkSet, hub_accounts: int) -> None:
    """Accounts showing the same sample rows (keyed hashes): shared supply."""
    holders: dict[int, list[str]] = defaultdict(list)
    for key, acc in corpus.accounts.items():
        for sid in acc.samples:
            holders[sid].append(key)
    shared: dict[tuple[str, str], list[int]] = defaultdict(list)
    for sid, keys in holders.items():
        if 1 < len(keys) < hub_accounts:
            keys.sort()
            for i, a in enumerate(keys):
                for b in keys[i + 1:]:
                    shared[(a, b)].append(sid)
    for (a, b), sids in shared.items():
        if len(sids) < SAMPLE_MIN_SHARED:
            continue
        ev: set[str] = set()
        for sid in sids:
            ev.update(_evidence(corpus.accounts[a], corpus.accounts[b], sid, samples=True)[0])
        links.add(a, b, Reason("samples", f"{len(sids)} sample rows in common (keyed hashes): shared supply",
                               0.0, min(1.0, 0.25 * len(sids)), sorted(ev)))


def picture_links(corpus: Corpus, links: LinkSet, hub_accounts: int) -> None:
    """Accounts posting the same sample picture (perceptual hashes within `SURE_BITS`), cropped or re-compressed.

    A picture many accounts post (a market's banner, a meme) says nothing:
    one held by `hub_accounts` or more links nobody.
    """
    shown: list[tuple[tuple[str, str | None, int], str]] = []
    for key, acc in corpus.accounts.items():
        for post in acc.posts:
            for k, h in enumerate(post.pictures):
                shown.append(((key, post.capture_sha256, k), h))
    names = {f"{i}": item for i, (item, _) in enumerate(shown)}
    pairs = near_pairs((f"{i}", h) for i, (_, h) in enumerate(shown))
    holders: dict[str, set[str]] = defaultdict(set)
    for a, b, _ in pairs:
        holders[a].add(names[b][0])
        holders[b].add(names[a][0])
    best: dict[tuple[str, str], tuple[int, set[str]]] = {}
    for a, b, bits in pairs:
        (ka, sa, _), (kb, sb, _) = names[a], names[b]
        if ka == kb or len(holders[a] | {ka}) >= hub_accounts:
            continue
        key = pair(ka, kb)
        prev = best.get(key)
        ev = (prev[1] if prev else set()) | {s for s in (sa, sb) if s}
        best[key] = (min(bits, prev[0]) if prev else bits, ev)
    for (a, b), (bits, ev) in sorted(best.items()):
        links.add(a, b, Reason("picture", f"both posted the same picture ({bits} of 1024 hash bits apart): "
                               "a repost, cropped or re-compressed", PICTURE_CONFIDENCE, 0.75, sorted(ev)))


def promotion_links(corpus: Corpus, links: LinkSet) -> None:
    """An account naming another account's handle (`@handle`, "see my shop X") in its posts."""
    by_handle: dict[str, list[str]] = defaultdict(list)
    for key, acc in corpus.accounts.items():
        if len(acc.handle) >= 5:
            by_handle[acc.handle.lower()].append(key)
    for key, acc in corpus.accounts.items():
        named: dict[str, set[str]] = defaultdict(set)
        for post in acc.posts:
            for word in _WORD.findall(post.text):
                for other in by_handle.get(word.lower(), ()):
                    if other != key and corpus.accounts[other].site != acc.site:
                        named[other].add(post.capture_sha256 or "")
        for other, ev in named.items():
            links.add(key, other, Reason("promotion", f"{key} names {corpus.accounts[other].handle} in its posts",
                                         0.0, 0.5, sorted(e for e in ev if e)))


def _handle_norm(handle: str) -> str:
    """Case and separators aside; digits stay (seller1 and seller2 are different people)."""
    return re.sub(r"[^a-z0-9]", "", handle.lower())


def _deletes(norm: str) -> set[str]:
    return {norm} | {norm[:i] + norm[i + 1:] for i in range(len(norm))}


def handle_pairs(corpus: Corpus, max_block: int = 200) -> Iterable[tuple[str, str, float]]:
    """Near-identical handles on different sites: equal once case and separators go, or one edit apart.

    Candidates come from a symmetric-delete index (every handle and its
    one-character deletions), so the work grows linearly with accounts.
    Numbered handles with different numbers (seller1 / seller12) are not
    near-identical.
    """
    norms = {k: _handle_norm(a.handle) for k, a in corpus.accounts.items()}
    index: dict[str, list[str]] = defaultdict(list)
    for key, norm in norms.items():
        if len(norm) >= 5:
            for d in _deletes(norm):
                index[d].append(key)
    seen: set[tuple[str, str]] = set()
    for keys in index.values():
        if len(keys) < 2 or len(keys) > max_block:
            continue
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                pr = pair(a, b)
                if pr in seen or corpus.accounts[a].site == corpus.accounts[b].site:
                    continue
                seen.add(pr)
                na, nb = norms[a], norms[b]
                da, db = re.sub(r"\D", "", na), re.sub(r"\D", "", nb)
                if na != nb and da != db:
                    continue  # seller0 / seller10: numbered, not near-identical
                if na == nb:
                    yield pr[0], pr[1], 1.0
                elif SequenceMatcher(None, na, nb).ratio() >= 0.85:
                    yield pr[0], pr[1], 0.95


def style_and_handle_links(corpus: Corpus, links: LinkSet, cfg: StyleConfig) -> dict[tuple[str, str], float]:
    """Style leads between accounts on different sites, and handle leads checked against style."""
    keys = sorted(corpus.accounts)
    prep = prepare([[p.text for p in corpus.accounts[k].posts] for k in keys])
    eligible = [len(corpus.accounts[k].posts) >= cfg.min_posts for k in keys]
    sims: dict[tuple[str, str], float] = {}
    matrix = vectors(prep) if sum(eligible) >= 2 else None
    if matrix is not None:
        for (i, j), sim in similar_pairs(matrix, blocks(prep, eligible), cfg.threshold).items():
            a, b = keys[i], keys[j]
            if corpus.accounts[a].site == corpus.accounts[b].site:
                continue
            sims[(a, b)] = sim
            n = min(len(corpus.accounts[a].posts), len(corpus.accounts[b].posts))
            conf = confidence(sim, n, cfg)
            if conf > 0:
                links.add(a, b, Reason("style", f"writing alike (cosine {sim:.2f} over {n}+ posts each)", conf))
    row = {k: i for i, k in enumerate(keys)}
    for a, b, ratio in handle_pairs(corpus):
        sim = sims.get(pair(a, b))
        if sim is None and matrix is not None and eligible[row[a]] and eligible[row[b]]:
            sim = next(iter(similarities(matrix, [(row[a], row[b])])))[2]
        detail = f"near-identical handles {corpus.accounts[a].handle!r} / {corpus.accounts[b].handle!r}"
        if sim is not None and sim < cfg.threshold * 0.75:
            detail += f", but writing differs (cosine {sim:.2f})"
            conf = 0.2
        else:
            conf = HANDLE_CONFIDENCE * ratio
        links.add(a, b, Reason("handle", detail, round(conf, 3)))
    if matrix is not None:
        _contradictions(corpus, links, matrix, row, cfg)
    return sims


CONTRADICTION_COSINE = 0.25


def _contradictions(corpus: Corpus, links: LinkSet, matrix: Any, row: dict[str, int], cfg: StyleConfig) -> None:
    """Identifier links between well-documented accounts that write nothing alike get a warning."""
    for (a, b), link in links.links.items():
        if not any(r.kind == "identifier" for r in link.reasons):
            continue
        n = min(len(corpus.accounts[a].posts), len(corpus.accounts[b].posts))
        if n < cfg.reliable_posts:
            continue
        sim = next(iter(similarities(matrix, [(row[a], row[b])])))[2]
        if sim < CONTRADICTION_COSINE:
            link.warnings.append(f"writing differs strongly (cosine {sim:.2f} over {n}+ posts each): the shared "
                                 "identifier may belong to an operator, a team or a sold account; review")
