"""Is this contact a victim's? Keyed-hash look-ups in the store and every dump's hash sets.

A seller may paste a victim's phone as a contact, and a dump analysed after
the listing was stored may be the first to show it. So the look-up runs
twice: when a report or export is written (`case_copy`, which also teaches
the store: `mark_victim_contacts`), and whenever `leaktrace analyze` or the
crawler attaches a sample (the store's `victim_seen_at`, see
`store.repo.intel.attach_identifier`).

Only keyed hashes are compared: a clear contact value is hashed under every
key of the ring (`core.disclosure.victim_probe_types` names the type, e.g. a
phone as `cn_mobile`), and the hashes are looked for among identifiers the
store has seen in sample data and in the `phones` set each dump analysis
wrote under `<data dir>/dumps/<sha>/`. The sets are never loaded:
DuckDB semi-joins the few candidate hashes against the Parquet files.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leaktrace.cases.model import TLP, CaseContent, Ident
from leaktrace.core.disclosure import CONTACT_TYPES, victim_probe_types
from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.keyring import Keyring
from leaktrace.core.normalize import normalize
from leaktrace.pipeline.context import Context
from leaktrace.store.models import Identifier

# A dump's `phones` set holds every mobile's keyed hash (`cn_mobile`); its `persons` set holds the
# same hashes when the dump has no ID column, else ID numbers, which no contact is. Only mobiles are
# looked up in dumps: the sets hash nothing else a contact could be.
HASH_SETS = ("phones",)
DUMP_PROBE_TYPES = frozenset({"cn_mobile"})


def probe_hashes(ring: Keyring, id_type: str, value: str) -> set[tuple[str, str]]:
    """(type, keyed hash) of `value` under every key of the ring, for each type it may be a victim's data as."""
    out = set()
    for probe in victim_probe_types(id_type):
        norm = normalize(probe, value)
        out |= {(probe, KeyedHasher(ring, kid).hash_normalised(probe, norm)) for kid in ring.keys}
    return out


def dump_hash_files(data_dir: Path) -> list[Path]:
    """Every analysed dump's phones set (a Parquet file, or Spark's folder of parts)."""
    root = data_dir / "dumps"
    return sorted(p for name in HASH_SETS for p in root.glob(f"*/{name}.parquet")) if root.is_dir() else []


def in_dumps(data_dir: Path, hashes: Iterable[str]) -> set[str]:
    """The `hashes` that appear in any dump's phones set."""
    wanted = sorted(set(hashes))
    files = dump_hash_files(data_dir)
    if not wanted or not files:
        return set()
    import pyarrow as pa

    from leaktrace.dumps import duck
    from leaktrace.dumps.hashsets import parquet_source

    con = duck.connect()
    try:
        con.register("wanted", pa.table({"hash": pa.array(wanted, pa.string())}))
        sources = ", ".join(parquet_source(p) for p in files)
        rows = con.execute(f"SELECT DISTINCT w.hash FROM wanted w WHERE w.hash IN "
                           f"(SELECT hash FROM read_parquet([{sources}], union_by_name = true))").fetchall()
    finally:
        con.close()
    return {r[0] for r in rows}


def in_store(session: Session, probes: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (type, hash) probes the store has seen as a victim's data (sample rows, earlier dump matches)."""
    found: set[tuple[str, str]] = set()
    by_type: dict[str, list[str]] = {}
    for t, h in probes:
        by_type.setdefault(t, []).append(h)
    for t, hashes in by_type.items():
        for i in range(0, len(hashes), 500):
            rows = session.execute(select(Identifier.type, Identifier.value_hash).where(
                Identifier.type == t, Identifier.value_hash.in_(hashes[i:i + 500]),
                Identifier.victim_seen_at.is_not(None)))
            found |= {(a, b) for a, b in rows}
    return found


def victim_values(ctx: Context, values: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (type, clear value) pairs among `values` that are a victim's data somewhere leaktrace looked."""
    ring = ctx.keyring
    probes = {(t, v): probe_hashes(ring, t, v) for t, v in set(values)}
    every = set().union(*probes.values()) if probes else set()
    if not every:
        return set()
    with ctx.session() as s:
        seen = in_store(s, every)
    dumped = in_dumps(ctx.data_dir, (h for t, h in every - seen if t in DUMP_PROBE_TYPES))
    return {tv for tv, ps in probes.items() if any(p in seen or p[1] in dumped for p in ps)}


def mark_victim_contacts(ctx: Context) -> int:
    """Drop the clear value of every stored contact a dump's hash sets show to be a victim's; returns how many."""
    with ctx.session() as s:
        rows = s.execute(select(Identifier.id, Identifier.type, Identifier.value_norm).where(
            Identifier.value_norm.is_not(None), Identifier.victim_seen_at.is_(None),
            Identifier.type.in_(sorted(CONTACT_TYPES)))).all()
        if not rows:
            return 0
        victims = victim_values(ctx, ((t, v) for _i, t, v in rows))
        ids = [i for i, t, v in rows if (t, v) in victims]
        if ids:
            s.execute(update(Identifier).where(Identifier.id.in_(ids))
                      .values(victim_seen_at=datetime.now(UTC), value_norm=None))
            s.commit()
        return len(ids)


def case_copy(ctx: Context, content: CaseContent, *, tlp: TLP | None = None,
              redact_suspects: bool | None = None, every_item: bool = False) -> CaseContent:
    """The copy of a case every report and export is written from (`cases.disclosure.shared_view`).

    `redact_suspects` None: masked only in a TLP:CLEAR copy. Contacts shown in clear are looked
    up among victims' data first, and the store learns what the dumps showed. `every_item`:
    the whole case whatever its items' markings (`case show`), victims still masked.
    """
    from leaktrace.cases.disclosure import default_redact_suspects, shared_view

    copy_tlp = tlp or content.info.tlp
    redact = default_redact_suspects(copy_tlp) if redact_suspects is None else redact_suspects
    mark_victim_contacts(ctx)
    contacts = [i for i in _idents(content) if i.type in CONTACT_TYPES]
    victims = victim_values(ctx, ((i.type, i.value) for i in contacts if i.value is not None))
    # Masked ones too, by their own keyed hash: so the copy says whose they are.
    hashed = {(i.type, i.hash) for i in contacts if i.value is None and i.hash is not None}
    with ctx.session() as s:
        seen = in_store(s, hashed)
    dumped = in_dumps(ctx.data_dir, (h for t, h in hashed - seen if t in DUMP_PROBE_TYPES))

    def is_victim(i: Ident) -> bool:
        if i.value is not None:
            return (i.type, i.value) in victims
        return (i.type, i.hash) in seen or i.hash in dumped

    return shared_view(content, tlp=copy_tlp, redact_suspects=redact, is_victim=is_victim, every_item=every_item)


def _idents(content: CaseContent) -> Iterable[Ident]:
    for x in content.listings:
        yield from x.identifiers
    for a in content.actors:
        yield from a.identifiers
    for g in content.groups:
        yield from g.shared
