"""Rank registered organisations against a dump: canaries, record keys, person keys.

Evidence, strongest first:

1. Canary hits (every row is checked): an organisation-controlled identifier
   planted in one partner's copy. Decisive, and it names the copy.
2. Record-key containment (order ids, phone+address+order-time tuples):
   records only the organisation created.
3. Person-key containment (ID, mobile), *corrected for chance*: people shop
   everywhere, so an organisation holding a fraction ``s/U`` of all people is
   expected to contain that fraction of any dump's people. The rate ``1/U``
   (``U`` the effective population) is estimated from the other registered
   organisations (pooled, trimming those that stand out) and never taken
   below the real population's, so a big platform's plain overlap does not
   convict it.

For each organisation and key kind, its hits are tested against the pooled
baseline of the others (a conditional binomial test that carries the
baseline's own uncertainty; see `chance_test`); the smallest p-value,
Bonferroni-corrected over kinds and organisations, is the stated
false-attribution probability.
A lead needs that probability below ``alpha`` and a containment clearly above
chance; otherwise the answer is "unknown". Results are leads for a person
to confirm, never verdicts.

The result is a `core.match_types.Match`, so cases, the CLI and the web read
it without depending on this package.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import binom

from leaktrace.attribution.registry import Index
from leaktrace.core.match_types import CanaryHit, KindEvidence, Match, OrgMatch

ALPHA = 1e-4
MIN_HITS = 3
MIN_EXCESS = 0.02
Z_TRIM = 4.0
MIN_BASELINE_HITS = 10
# Effective populations no estimate may exceed (mainland ID holders, mobile
# subscriptions); record keys have no natural population, so a chance rate
# is only what the registered organisations show.
UNIVERSE = {"cn_id": 1.4e9, "cn_mobile": 1.8e9, "order_id": 1e12, "order_tuple": 1e15}


@dataclass
class KindCounts:
    """Sampled dump values (n) and hits per organisation for one key kind."""

    n: np.ndarray  # int64 per org
    hits: np.ndarray  # int64 per org



def count_hits(index: Index, kind: str, u: np.ndarray, tags: np.ndarray) -> KindCounts:
    """Per organisation: dump values under its sampling threshold, and those it holds.

    `u` and `tags` are the two 64-bit words of the PRF outputs of the dump's
    distinct values of `kind` (see oprf.split_output).
    """
    n_orgs = len(index.orgs)
    n = np.searchsorted(np.sort(u), index.thresholds, side="left").astype(np.int64)
    ki = index.kinds.get(kind)
    hits = np.zeros(n_orgs, dtype=np.int64)
    if ki is None or not len(tags):
        return KindCounts(n, hits)
    lo = np.searchsorted(ki.tags, tags, side="left")
    hi = np.searchsorted(ki.tags, tags, side="right")
    cnt = hi - lo
    if cnt.sum():
        which = np.repeat(np.arange(len(tags)), cnt)
        pos = np.concatenate([np.arange(a, b) for a, b in zip(lo[cnt > 0], hi[cnt > 0], strict=True)])
        owner = ki.org[pos]
        keep = u[which] < index.thresholds[owner]
        hits = np.bincount(owner[keep], minlength=n_orgs).astype(np.int64)
    return KindCounts(n, hits)


def chance_pool(kind: str, n: np.ndarray, size: np.ndarray, hits: np.ndarray) -> tuple[np.ndarray, float]:
    """Which organisations form the chance baseline (those that do not stand out), and their rate ρ = 1/U."""
    floor = 1.0 / UNIVERSE.get(kind, 1e9)
    w = n * size
    keep = w > 0
    rho = floor
    for _ in range(8):
        tot_w, tot_h = w[keep].sum(), hits[keep].sum()
        if tot_w <= 0:
            break
        rho = max(floor, tot_h / tot_w)
        exp = w * rho
        z = (hits - exp) / np.sqrt(np.maximum(exp * np.maximum(1 - size * rho, 1e-9), 1e-12))
        new_keep = (w > 0) & (z < Z_TRIM)
        if (new_keep == keep).all() or new_keep.sum() < 2:
            break
        keep = new_keep
    return keep, rho


def chance_test(kind: str, n: np.ndarray, size: np.ndarray, hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log p-value, chance containment) per organisation for one key kind.

    With enough baseline hits, organisation j is compared with the pooled
    baseline of the *other* organisations: under the null both hit at the
    same rate per (sampled value x customer), so given the total, j's share
    of hits is Binomial(h_j + H, w_j / (w_j + W)). This carries the
    uncertainty of the estimated rate into the p-value. Without a usable
    baseline the real-population floor is used (Binomial(n_j, s_j / U)).
    """
    floor = 1.0 / UNIVERSE.get(kind, 1e9)
    keep, _ = chance_pool(kind, n, size, hits)
    w = n * size
    h_other = hits[keep].sum() - np.where(keep, hits, 0)
    w_other = w[keep].sum() - np.where(keep, w, 0)
    rho_other = np.where(w_other > 0, h_other / np.maximum(w_other, 1e-300), floor)
    pooled = (h_other >= MIN_BASELINE_HITS) & (rho_other >= floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(pooled, w / (w + w_other), 0.0)
        lp_pool = binom.logsf(hits - 1, hits + h_other, np.clip(q, 1e-300, 1.0))
        p0_floor = np.clip(size * np.maximum(rho_other, floor), 1e-15, 1.0)
        lp_floor = binom.logsf(hits - 1, n, p0_floor)
    lp = np.where(pooled, lp_pool, lp_floor)
    lp = np.where(hits > 0, lp, 0.0)
    chance = np.clip(size * np.where(pooled, rho_other, np.maximum(rho_other, floor)), 0.0, 1.0)
    return lp, chance


def decide(index: Index, counts: dict[str, KindCounts], canary_hits: dict[str, list[CanaryHit]],
           alpha: float = ALPHA) -> Match:
    """Turn counts into a ranked list of leads (or "unknown")."""
    n_orgs = len(index.orgs)
    results = [OrgMatch(org=name, canary_hits=canary_hits.get(name, [])) for name in index.orgs]
    log_p = np.zeros(n_orgs)
    for kind, kc in counts.items():
        size = index.distinct.get(kind)
        if size is None:
            continue
        lp, p0 = chance_test(kind, kc.n, size, kc.hits)
        for j in range(n_orgs):
            if size[j] <= 0:
                continue
            n_j, h_j = int(kc.n[j]), int(kc.hits[j])
            contain = h_j / n_j if n_j else 0.0
            results[j].kinds[kind] = KindEvidence(sampled=n_j, hits=h_j, containment=round(contain, 4),
                                                  chance_containment=round(float(p0[j]), 6),
                                                  log10_p=round(float(lp[j] / np.log(10)), 2))
            strong = h_j >= MIN_HITS and contain - p0[j] >= MIN_EXCESS
            if strong:
                log_p[j] = min(log_p[j], float(lp[j]))
    n_tests = max(1, len(counts)) * max(1, n_orgs)
    for j, r in enumerate(results):
        r.p_value = float(np.exp(log_p[j]))
        r.false_attribution_probability = float(min(1.0, np.exp(log_p[j] + np.log(n_tests))))
        if r.canary_hits:
            r.false_attribution_probability = 0.0
        r.lead = bool(r.canary_hits) or r.false_attribution_probability <= alpha
    pos = {name: j for j, name in enumerate(index.orgs)}
    results.sort(key=lambda r: (-len(r.canary_hits), log_p[pos[r.org]], r.org))
    top = results[0] if results else None
    if top is None or not top.lead:
        best = top.false_attribution_probability if top else 1.0
        return Match(verdict="unknown", org=None, partner=None, confidence=0.0, false_attribution_probability=best,
                     ranking=results, summary="unknown: no registered organisation's data explains this dump beyond "
                                              "chance (the source may not be registered)")
    partner = None
    if top.canary_hits:
        partners = top.partners
        partner = partners[0] if len(partners) == 1 else ",".join(partners)
        evidence = f"{len(top.canary_hits)} canary hit(s) from partner copy {partner!r}"
    else:
        k, ev = min(((k, ev) for k, ev in top.kinds.items()), key=lambda kv: kv[1].log10_p)
        evidence = (f"{k} containment {ev.containment:.0%} of {ev.sampled} sampled values "
                    f"against {ev.chance_containment:.1%} expected by chance")
    others = [r.org for r in results[1:] if r.lead]
    summary = (f"lead: this dump is consistent with data held by {top.org!r}"
               + (f", copy shared with {partner!r}" if partner else "")
               + f" ({evidence}; false-attribution probability {top.false_attribution_probability:.1e}). "
               + "To be confirmed by an investigator."
               + (f" Further leads (possible mixed sources): {', '.join(others)}." if others else ""))
    return Match(verdict="lead", org=top.org, partner=partner, confidence=1.0 - top.false_attribution_probability,
                 false_attribution_probability=top.false_attribution_probability, ranking=results, summary=summary)
