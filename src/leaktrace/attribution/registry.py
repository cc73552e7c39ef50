"""The platform's register of organisations: verified fingerprints and canary tags, under the data dir.

Files, not database rows: a registration is a signed document that already
carries its own integrity, and matching loads all of them into one sorted
index per key kind. Layout under ``<data_dir>/attribution/``::

    orgs.json                 org -> signer public key, fingerprint file, registration time
    fingerprints/<id>.json    the verified fingerprint file as the organisation signed it
    canaries.json             canary tags: org, partner, kind, keyed hash, value sealed under the keyring

Every write goes to a temporary file first and is renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from leaktrace.attribution import canaries as canary_mod
from leaktrace.attribution import fingerprint as fp_mod
from leaktrace.attribution.jsonfile import write_json
from leaktrace.core.errors import IntegrityError
from leaktrace.core.keyring import Keyring
from leaktrace.core.private_files import FILE_MODE, private_dir


def _read_json(path: Path, default: Any) -> Any:
    if not path.exists():
        return default
    try:
        return json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise IntegrityError(f"{path}: registry file is corrupt ({exc.msg})") from exc


def org_file_id(org: str) -> str:
    return hashlib.sha256(org.encode()).hexdigest()[:16]


@dataclass
class KindIndex:
    """All registered tags of one key kind, sorted, with the organisation each belongs to."""

    tags: np.ndarray  # uint64, sorted
    org: np.ndarray  # int32, same order


@dataclass
class Index:
    orgs: list[str]
    thresholds: np.ndarray  # uint64 per org
    distinct: dict[str, np.ndarray]  # kind -> distinct values per org (0 when the org gave none)
    kinds: dict[str, KindIndex]
    canary_tags: dict[bytes, list[tuple[str, str, int, str]]]  # tag -> [(org, partner, record no, kind)]
    canary_key_id: str


class Registry:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "attribution"

    @property
    def _orgs_path(self) -> Path:
        return self.root / "orgs.json"

    def orgs(self) -> dict[str, dict[str, Any]]:
        return _read_json(self._orgs_path, {})

    def register_fingerprint(self, fp: fp_mod.Fingerprint, replace_key: bool = False) -> dict[str, Any]:
        """Store a verified fingerprint; the first signer of an org is pinned."""
        fp_mod.threshold(fp.rate)  # refuses rates under fingerprint.MIN_RATE (they would inflate the quota)
        orgs = self.orgs()
        prev = orgs.get(fp.org)
        if prev and prev.get("signer") and prev["signer"] != fp.signer and not replace_key:
            raise IntegrityError(f"fingerprint for {fp.org!r} is signed by a different key than the one registered "
                                 "before; pass --replace-key after confirming the new key with the organisation")
        rel = f"fingerprints/{org_file_id(fp.org)}.json"
        fp_mod.save(fp, self._ensure(self.root / rel))
        entry = {**(prev or {}), "signer": fp.signer, "fingerprint": rel, "oprf_key_id": fp.key_id,
                 "registered": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                 "distinct": fp.distinct, "sampling_rate": fp.rate}
        orgs[fp.org] = entry
        write_json(self._orgs_path, orgs)
        return entry

    def _ensure(self, path: Path) -> Path:
        private_dir(path.parent)
        return path

    def unregister(self, org: str) -> bool:
        orgs = self.orgs()
        if org not in orgs:
            return False
        entry = orgs.pop(org)
        if entry.get("fingerprint"):
            (self.root / entry["fingerprint"]).unlink(missing_ok=True)
        write_json(self._orgs_path, orgs)
        doc = _read_json(self.root / "canaries.json", {"entries": []})
        doc["entries"] = [e for e in doc["entries"] if e["org"] != org]
        write_json(self.root / "canaries.json", doc)
        return True

    def register_canaries(self, ring: Keyring, org: str, partner: str, records: list[dict[str, str]]) -> int:
        """Keep keyed tags of each canary's controlled identifiers; returns how many tags were added."""
        kid, key = canary_mod.tag_key(ring)
        path = self.root / "canaries.json"
        doc = _read_json(path, {"key_id": kid, "entries": []})
        if doc.get("key_id", kid) != kid:
            raise IntegrityError(f"{path}: canaries were tagged under key {doc['key_id']}, active key is {kid}; "
                                 "re-register them after rotation")
        doc["key_id"] = kid
        doc["entries"] = [e for e in doc["entries"] if not (e["org"] == org and e["partner"] == partner)]
        added = 0
        for i, rec in enumerate(records):
            for kind, v in canary_mod.record_values(rec):
                t = canary_mod.tag(key, kind, v).hex()
                doc["entries"].append({"org": org, "partner": partner, "record": i, "kind": kind, "tag": t,
                                       "sealed": canary_mod.seal(ring, kid, v,
                                                                 canary_mod.seal_context(org, partner, kind, t))})
                added += 1
        write_json(path, doc)
        orgs = self.orgs()
        orgs.setdefault(org, {}).setdefault("partners", [])
        if partner not in orgs[org]["partners"]:
            orgs[org]["partners"].append(partner)
        write_json(self._orgs_path, orgs)
        return added

    def index(self, expect_key_id: str) -> Index:
        """The matching index, from the cache when no registration changed since it was built.

        Building means re-verifying every signed fingerprint and sorting all
        tags (~90 s for 1,000 organisations, 10^8 tags); the cache, keyed by
        a digest of orgs.json and the server key id, loads in about a second.
        """
        cache = self.cache_path(expect_key_id)
        if cache.exists():
            try:
                return self._load_cache(cache)
            except (OSError, ValueError, KeyError):
                cache.unlink(missing_ok=True)
        index = self._build_index(expect_key_id)
        self._save_cache(index, cache)
        return index

    def cache_path(self, expect_key_id: str) -> Path:
        """Where the index for the current registrations and this server key is cached."""
        orgs_raw = self._orgs_path.read_bytes() if self._orgs_path.exists() else b"{}"
        digest = hashlib.sha256(orgs_raw + expect_key_id.encode()).hexdigest()[:24]
        return self.root / "cache" / f"index-{digest}.npz"

    def _save_cache(self, index: Index, path: Path) -> None:
        private_dir(path.parent)
        for old in path.parent.glob("index-*.npz"):
            old.unlink(missing_ok=True)
        arrays: dict[str, np.ndarray] = {"orgs": np.array(json.dumps(index.orgs)), "thresholds": index.thresholds}
        for k, v in index.distinct.items():
            arrays[f"distinct/{k}"] = v
        for k, ki in index.kinds.items():
            arrays[f"tags/{k}"] = ki.tags
            arrays[f"owner/{k}"] = ki.org
        tmp = path.with_name(path.name + ".tmp.npz")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)  # tags of every org: owner-only
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.chmod(tmp, FILE_MODE)
        tmp.replace(path)

    def _load_cache(self, path: Path) -> Index:
        with np.load(path) as z:
            names = json.loads(str(z["orgs"]))
            distinct = {f.split("/", 1)[1]: z[f] for f in z.files if f.startswith("distinct/")}
            kinds = {f.split("/", 1)[1]: KindIndex(z[f], z["owner/" + f.split("/", 1)[1]])
                     for f in z.files if f.startswith("tags/")}
            thresholds = z["thresholds"]
        ctags, ckid = self._canary_tags()
        return Index(names, thresholds, distinct, kinds, ctags, ckid)

    def canary_tags(self) -> tuple[dict[bytes, list[tuple[str, str, int, str]]], str]:
        """Registered canary tags -> [(org, partner, record no, kind)], and the key id they were made under."""
        return self._canary_tags()

    @property
    def canary_file(self) -> Path:
        return self.root / "canaries.json"

    def _canary_tags(self) -> tuple[dict[bytes, list[tuple[str, str, int, str]]], str]:
        doc = _read_json(self.root / "canaries.json", {"key_id": "", "entries": []})
        ctags: dict[bytes, list[tuple[str, str, int, str]]] = {}
        for e in doc["entries"]:
            ctags.setdefault(bytes.fromhex(e["tag"]), []).append((e["org"], e["partner"], e["record"], e["kind"]))
        return ctags, doc.get("key_id", "")

    def canary_values(self, ring: Keyring) -> tuple[dict[str, set[str]], set[str]]:
        """Unsealed normalised canary values per kind, and the kinds with entries registered unsealed.

        Entries from before sealing (tag only) cannot be pre-selected by value;
        their kinds are checked with the keyed tag on every row instead.
        """
        doc = _read_json(self.root / "canaries.json", {"key_id": "", "entries": []})
        kid = doc.get("key_id", "")
        values: dict[str, set[str]] = {}
        unsealed: set[str] = set()
        for e in doc["entries"]:
            if not e.get("sealed"):
                unsealed.add(e["kind"])
                continue
            ctx = canary_mod.seal_context(e["org"], e["partner"], e["kind"], e["tag"])
            values.setdefault(e["kind"], set()).add(canary_mod.unseal(ring, kid, e["sealed"], ctx))
        return values, unsealed

    def _build_index(self, expect_key_id: str) -> Index:
        """Load every registration into the matching index (fingerprints re-verified)."""
        orgs = self.orgs()
        names = sorted(orgs)
        fps: list[fp_mod.Fingerprint | None] = []
        for name in names:
            rel = orgs[name].get("fingerprint")
            fps.append(fp_mod.load(self.root / rel, expect_key_id) if rel else None)
        kinds_present = sorted({k for f in fps if f for k in f.tags})
        thresholds = np.array([fp_mod.threshold(f.rate) if f else 0 for f in fps], dtype=np.uint64)
        distinct = {k: np.array([f.distinct.get(k, 0) if f else 0 for f in fps], dtype=np.float64)
                    for k in kinds_present}
        kinds: dict[str, KindIndex] = {}
        for k in kinds_present:
            parts = [(f.tags[k], np.full(len(f.tags[k]), j, np.int32)) for j, f in enumerate(fps) if f and k in f.tags]
            tags = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.uint64)
            owner = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int32)
            order = np.argsort(tags, kind="stable")
            kinds[k] = KindIndex(tags[order], owner[order])
        ctags, ckid = self._canary_tags()
        return Index(names, thresholds, distinct, kinds, ctags, ckid)
