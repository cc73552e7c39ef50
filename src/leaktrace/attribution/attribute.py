"""Attribute one dump file: canaries over every row, PRF containment over a uniform row sample.

The platform holds the OPRF key, so it evaluates the PRF directly on dump
values (~0.15 ms per value on one core). Containment is a proportion, so a
uniform sample of rows (default 20,000) measures it as well as the whole
dump would; canaries are rare by design, so every row is checked for them.
Everything per row runs in one DuckDB pass (`attribution.scan`); Python sees
only the sampled rows and the few canary candidates, which are confirmed with
the keyed tag the registry holds.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from leaktrace.attribution import canaries as canary_mod
from leaktrace.attribution import oprf
from leaktrace.attribution.canary_hmac import PADS_TABLE, hmac_pads_table, hmac_tag_sql
from leaktrace.attribution.fingerprint import KEY_KINDS
from leaktrace.attribution.key_columns import Roles, distinct, infer_roles, row_keys
from leaktrace.attribution.matching import ALPHA, KindCounts, count_hits, decide
from leaktrace.attribution.registry import Index, Registry
from leaktrace.attribution.scan import Plan, Source, scan_path
from leaktrace.attribution.table import Rows
from leaktrace.core.errors import InputError, IntegrityError
from leaktrace.core.hashing import DIGEST_BYTES
from leaktrace.core.keyring import Keyring
from leaktrace.core.masking import mask
from leaktrace.core.match_types import CanaryHit, Match, MatchedDump
from leaktrace.core.normalize import normalize

DEFAULT_SAMPLE_ROWS = 20_000


def prf_words(key: oprf.ServerKey, kind: str, values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(sampling words, tags) of the PRF outputs of `values` of one kind."""
    words = [oprf.split_output(o) for o in key.evaluate_many([oprf.oprf_input(kind, v) for v in values])]
    if not words:
        return np.zeros(0, np.uint64), np.zeros(0, np.uint64)
    arr = np.array(words, dtype=np.uint64)
    return arr[:, 0].copy(), arr[:, 1].copy()


def attribute_file(path: str | Path, registry: Registry, key: oprf.ServerKey, ring: Keyring,
                   sample_rows: int = DEFAULT_SAMPLE_ROWS, seed: int = 0, alpha: float = ALPHA) -> Match:
    """Rank registered organisations against the dump at `path` (a lead or "unknown"), with what was read."""
    if sample_rows < 1:
        raise InputError("--sample-rows must be at least 1")
    t0 = time.perf_counter()
    index = registry.index(key.key_id)
    t_index = time.perf_counter() - t0
    if not index.orgs:
        raise InputError("no organisations are registered: use 'leaktrace org register FILE' first")
    from leaktrace.dumps import duck

    found: dict[str, Any] = {}

    def prepare(src: Source) -> Plan:
        roles = infer_roles(src.head_rows())
        scanner = _CanaryScanner(index, ring, roles.columns)
        found.update(roles=roles, scanner=scanner)
        return Plan(sorted(set(roles.columns.values())),
                    sorted({i for r, i in roles.columns.items() if r in ("cn_id", "cn_mobile", "order_id", "email")}),
                    {k: i for k, _, i in scanner.cols},
                    _canary_predicates(con, registry, scanner, found) if scanner.active else {})

    con = duck.connect()
    try:
        res, plan, columns = scan_path(path, con, sample_rows, seed, prepare)
    finally:
        if found.get("pads"):
            con.unregister(PADS_TABLE)  # the key's pads leave the connection before anything else
        con.close()
    roles: Roles = found["roles"]
    canary_hits: _CanaryScanner = found["scanner"]
    cols = plan.cols
    t_pass = time.perf_counter() - t0 - t_index
    pos = {c: j for j, c in enumerate(cols)}
    local = Roles({r: pos[i] for r, i in roles.columns.items()})
    for vals, n in res.candidates:
        canary_hits.confirm(vals, n, {k: pos[i] for k, _, i in canary_hits.cols})
    rows = Rows(str(path), [columns[i] for i in cols], res.sample, res.total_rows, True)
    per_row = row_keys(rows, local)
    counts: dict[str, KindCounts] = {}
    t_prf = 0.0
    for kind in KEY_KINDS:
        if kind in per_row and kind in index.kinds:
            t1 = time.perf_counter()
            u, tags = prf_words(key, kind, distinct(per_row[kind]))
            t_prf += time.perf_counter() - t1
            counts[kind] = count_hits(index, kind, u, tags)
    att = decide(index, counts, canary_hits.by_org, alpha)
    total = time.perf_counter() - t0
    att.dump = MatchedDump(path=str(path), rows=res.total_rows, sampled_rows=len(res.sample),
                           canary_candidate_rows=sum(n for _, n in res.candidates),
                           unsplittable_sampled_rows=res.unsplittable,
                           malformed_rows=res.malformed.rows if res.malformed else 0,
                           roles=roles.named(columns),
                           kinds_compared=sorted(counts),
                           seconds={"index": round(t_index, 2), "pass": round(t_pass, 2), "prf": round(t_prf, 2),
                                    "match": round(total - t_index - t_pass - t_prf, 2), "total": round(total, 2)})
    return att


def _canary_predicates(con: Any, registry: Registry, scanner: _CanaryScanner,
                       found: dict[str, Any]) -> dict[str, Callable[[str], str]]:
    """Per canary kind, the SQL test that pre-selects rows: membership in the unsealed values, or the tag.

    The keyed-tag path reads the HMAC pads from a registered in-memory table
    (`found["pads"]` says so, for the caller to unregister), never from SQL text.
    """
    values, unsealed = registry.canary_values(scanner.ring)
    preds: dict[str, Callable[[str], str]] = {}
    for kind, _, _ in scanner.cols:
        table = f"lt_canary_{kind}"
        if kind in unsealed:  # registered before values were sealed: the keyed tag on every row (slow, exact)
            if not found.get("pads"):
                con.register(PADS_TABLE, hmac_pads_table(scanner.key))
                found["pads"] = True
            tags = sorted({t.hex() for t, es in scanner.tags.items() if any(e[3] == kind for e in es)})
            con.execute(f"CREATE TEMP TABLE {table} (v VARCHAR)")
            con.executemany(f"INSERT INTO {table} VALUES (?)", [[t] for t in tags])
            preds[kind] = lambda x, k=kind, t=table: (
                f"({hmac_tag_sql(k, x, DIGEST_BYTES)} IN (SELECT v FROM {t}))")
        elif values.get(kind):
            con.execute(f"CREATE TEMP TABLE {table} (v VARCHAR)")
            con.executemany(f"INSERT INTO {table} VALUES (?)", [[v] for v in sorted(values[kind])])
            preds[kind] = lambda x, t=table: f"({x} IN (SELECT v FROM {t}))"
    return preds


class _CanaryScanner:
    """Confirms the engine's canary candidates with the registered keyed tags.

    The tag is the one-shot `hmac.digest` of exactly what `KeyedHasher.digest`
    computes (a test keeps the two equal); canonical values skip the normaliser.
    """

    def __init__(self, index: Index, ring: Keyring, columns: dict[str, int]) -> None:
        kid, self.hasher = canary_mod.tag_key(ring)
        self.kid = kid
        self.key = ring.keys[kid]
        self.ring = ring
        self.tags = index.canary_tags
        if self.tags and index.canary_key_id != kid:
            raise IntegrityError(f"registered canaries use key {index.canary_key_id}, the active key is {kid}")
        registered = {e[3] for hits in self.tags.values() for e in hits}  # only kinds some canary has
        self.cols = [(kind, kind.encode() + b"\x1f", columns[kind])
                     for kind in ("cn_mobile", "email", "order_id", "cn_id") if kind in columns and kind in registered]
        self.active = bool(self.tags and self.cols)
        self.by_org: dict[str, list[CanaryHit]] = {}

    def tag(self, kind: str, prefix: bytes, value: str) -> tuple[str, bytes]:
        v = value.strip()
        if not ((kind == "cn_mobile" and len(v) == 11 and v.isdigit())
                or (kind == "cn_id" and len(v) == 18 and v[:17].isdigit() and v[17] in "0123456789X")):
            v = normalize(kind, v)
        return v, hmac.digest(self.key, prefix + v.encode(), "sha256")[:DIGEST_BYTES]

    def confirm(self, vals: list[str], n_rows: int, cols: dict[str, int]) -> None:
        """Check one candidate row (role columns `vals`) against the registered tags."""
        for kind, prefix, _ in self.cols:
            raw = vals[cols[kind]]
            if not raw.strip():
                continue
            norm, t = self.tag(kind, prefix, raw)
            for org, partner, rec, _ in self.tags.get(t, []):
                self.by_org.setdefault(org, []).append(
                    CanaryHit(partner=partner, canary=rec, rows=n_rows, kind=kind, value_masked=mask(norm)))


def attribute_values(values: dict[str, list[str]], registry: Registry, key: oprf.ServerKey, source: str,
                     alpha: float = ALPHA) -> Match:
    """Rank registered organisations against key values read elsewhere (a sample picture's IDs and mobiles).

    A picture of 20 order rows is a small dump sample: its values go through
    the same normalisation, PRF and containment test as a dump's sampled
    rows, keyed on the way in (the caller never stores them in clear). There
    are no rows to check for canaries, so canary evidence is empty.
    """
    index = registry.index(key.key_id)
    if not index.orgs:
        raise InputError("no organisations are registered: use 'leaktrace org register FILE' first")
    counts: dict[str, KindCounts] = {}
    n = 0
    for kind in KEY_KINDS:
        if kind in values and kind in index.kinds:
            vals = distinct(normalize(kind, v) for v in values[kind] if v.strip())
            n = max(n, len(vals))
            u, tags = prf_words(key, kind, vals)
            counts[kind] = count_hits(index, kind, u, tags)
    att = decide(index, counts, {}, alpha)
    att.dump = MatchedDump(path=source, rows=n, sampled_rows=n, canary_candidate_rows=0, unsplittable_sampled_rows=0,
                           malformed_rows=0, roles={}, kinds_compared=sorted(counts), seconds={})
    return att
