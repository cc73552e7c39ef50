"""Live mode: the simulated markets change while they are served, and every change is written down.

Each tick one seeded change happens on one market: a new listing appears
(at the top of its category), a listing is edited (price cut, record count
raised, seller changed), a listing is deleted (404 from then on), the site
goes down (every request answers 503) or comes back, or the site starts
announcing a mirror address on its home page (the proxy resolves it to the
same site from the start). The truth is a JSONL changelog, one line per
change, stamped when the change became visible (changes are applied on the
server's own event loop, so no request sees half of one).

`listing_versions(changelog)` turns the log back into the versions a
crawler should have captured: each listing's states with the time each was
visible; `due_versions` keeps those that stayed up (listing unchanged and
site up) for at least a given time.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from leaktrace.simulate.serve.data import Market
from leaktrace.simulate.social.identifiers import onion_v3

OPS = ("new", "edit", "delete", "down", "up", "mirror")
_NUM = re.compile(r"\d+(?:\.\d+)?")


@dataclass
class LiveConfig:
    """How fast and how the world changes; `changelog` receives the truth."""

    changelog: Path
    tick_s: float = 5.0
    seed: int = 0
    weights: tuple[float, ...] = (3.0, 4.0, 1.0, 0.5, 0.0, 0.3)  # per OPS; "up" follows a "down" by itself
    down_ticks: int = 3  # a site that went down comes back after this many ticks
    changes_per_tick: int = 1
    watch_term: str | None = None  # a share of new listings carry it in their title (the truth says which)
    watch_share: float = 0.0
    # A listing whose page was served less than this ago is not edited or deleted yet. A crawler stamps a page when
    # it has read it: a change landing between the serving and the stamp would file the old page under the new
    # version's time, and the truth would call one version missed and the next recorded twice. Keep it well under
    # the watching crawler's interval, or listings it reads every round never change (0: off).
    settle_s: float = 0.0


def mirror_hosts(world: dict[str, Market], seed: int) -> dict[str, Market]:
    """One future mirror address per market (valid v3 onions), known to the proxy from the start."""
    rng = random.Random(f"mirror|{seed}")
    out = {}
    for m in sorted({id(m): m for m in world.values()}.values(), key=lambda m: m.id):
        out[onion_v3(rng)] = m
    return out


class Live:
    """Applies seeded changes to `world` every tick (see module docstring)."""

    def __init__(self, world: dict[str, Market], mirrors: dict[str, Market], cfg: LiveConfig) -> None:
        self.markets = sorted({id(m): m for m in world.values()}.values(), key=lambda m: m.id)
        self.mirrors = {m.id: host for host, m in mirrors.items()}
        self.cfg = cfg
        self.rng = random.Random(cfg.seed)
        self.down_left: dict[str, int] = {}
        self.version: dict[tuple[str, int], int] = {}
        self.sellers: dict[tuple[str, int], set[str]] = {}  # every seller a listing has shown
        self.next_id = {m.id: max(m.by_id, default=100000) + 1 for m in self.markets}
        cfg.changelog.parent.mkdir(parents=True, exist_ok=True)
        self._fh = cfg.changelog.open("a", encoding="utf-8")
        self._log("start", None, None, listings=[[m.id, i] for m in self.markets for i in sorted(m.by_id)])
        for m in self.markets:
            for i in m.by_id:
                self.version[(m.id, i)] = 1

    def _log(self, op: str, m: Market | None, lid: int | None, **extra: Any) -> None:
        row = {"t": datetime.now(UTC).isoformat(), "op": op, "market": m.id if m else None, "id": lid, **extra}
        if m is not None and lid is not None:
            row["url"] = f"http://{m.onion}/listing/{lid}"
            row["version"] = self.version.get((m.id, lid))
            if op in ("new", "edit"):
                row["seller"] = m.by_id[lid]["seller"]
        self._fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._fh.flush()

    async def run(self) -> None:
        try:
            while True:
                await asyncio.sleep(self.cfg.tick_s)
                self.tick()
        finally:
            self._fh.close()

    def tick(self) -> None:
        for name, left in list(self.down_left.items()):
            if left <= 1:
                del self.down_left[name]
                m = next(x for x in self.markets if x.id == name)
                m.down = False
                self._log("up", m, None)
            else:
                self.down_left[name] = left - 1
        for _ in range(self.cfg.changes_per_tick):
            op = self.rng.choices(OPS, weights=self.cfg.weights)[0]
            m = self.rng.choice(self.markets)
            getattr(self, f"_{op}")(m)

    # -- the changes -------------------------------------------------------------------

    def _new(self, m: Market) -> None:
        if not m.by_id:
            return
        base = self.rng.choice(list(m.by_id.values()))
        lid = self.next_id[m.id]
        self.next_id[m.id] += 1
        plain = base["title"].replace(f" {self.cfg.watch_term}", "") if self.cfg.watch_term else base["title"]
        title = f"{plain} #{lid}"  # (a copy of a watched listing does not carry the term: only the truth says who)
        watched = bool(self.cfg.watch_term) and self.rng.random() < self.cfg.watch_share
        if watched:
            title = f"{plain} {self.cfg.watch_term} #{lid}"
        row = {**base, "id": lid, "posted": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"), "title": title, "sold": 0}
        m.by_id[lid] = row
        m.by_category.setdefault(row["category"], []).insert(0, row)
        m.by_seller.setdefault(row["seller"], []).insert(0, row)
        self.version[(m.id, lid)] = 1
        self._log("new", m, lid, **({"watch": True} if watched else {}))

    def _pick(self, m: Market) -> dict | None:
        """A listing to edit or delete: one whose page has not been served within `settle_s`."""
        quiet_since = time.monotonic() - self.cfg.settle_s
        rows = [r for lid, r in m.by_id.items() if m.served.get(lid, float("-inf")) <= quiet_since]
        return self.rng.choice(rows) if rows else None

    def _edit(self, m: Market) -> None:
        row = self._pick(m)
        if row is None:
            return
        how = self.rng.choice(("price", "count", "seller"))
        # Every edit shows something the listing never showed before (no A-B-A): a version that looked like an
        # earlier one would be the same bytes, which the crawler rightly never captures twice.
        price = None
        if how == "price" and row.get("price") and _NUM.search(row["price"]):
            def cut(x: re.Match[str]) -> str:
                v = float(x.group(0))
                return str(max(1, int(v * 0.8))) if v >= 2 else f"{v * 0.8:.4f}"
            price = _NUM.sub(cut, row["price"], count=1)
            price = price if price != row["price"] else None  # too small to cut visibly: a count edit instead
        had = self.sellers.setdefault((m.id, row["id"]), {row["seller"]})
        others = sorted(h for h in m.vendors if h not in had)
        if price is not None:
            row["price"] = price
            fields = ["price"]
        elif how == "seller" and others:
            m.by_seller[row["seller"]].remove(row)
            row["seller"] = self.rng.choice(others)
            had.add(row["seller"])
            m.by_seller.setdefault(row["seller"], []).insert(0, row)
            fields = ["seller"]
        else:
            n = self.version[(m.id, row["id"])] + 1
            row["title"] = re.sub(r"( \(\+\d+\))?$", f" (+{n}0000)", row["title"], count=1)
            row["sold"] = (row.get("sold") or 0) + 1
            fields = ["title", "sold"]
        self.version[(m.id, row["id"])] += 1
        self._log("edit", m, row["id"], fields=fields)

    def _delete(self, m: Market) -> None:
        row = self._pick(m)
        if row is None or len(m.by_id) < 3:
            return
        del m.by_id[row["id"]]
        m.by_category[row["category"]].remove(row)
        m.by_seller[row["seller"]].remove(row)
        self.version[(m.id, row["id"])] += 1
        self._log("delete", m, row["id"])

    def _down(self, m: Market) -> None:
        if m.down:
            return
        m.down = True
        self.down_left[m.id] = self.cfg.down_ticks
        self._log("down", m, None)

    def _up(self, m: Market) -> None:  # weight 0 by default: a site comes back after down_ticks
        if m.down:
            m.down = False
            self.down_left.pop(m.id, None)
            self._log("up", m, None)

    def _mirror(self, m: Market) -> None:
        host = self.mirrors.get(m.id)
        if host and host not in m.mirrors:
            m.mirrors.append(host)
            self._log("mirror", m, None, host=host)


# -- reading the truth back ----------------------------------------------------------------

@dataclass(frozen=True)
class ListingVersion:
    """One state of one listing, visible from `start` until `end` (None: still at the end of the log)."""

    market: str
    id: int
    url: str
    version: int
    op: str  # start, new, edit, delete
    start: datetime
    end: datetime | None
    seller: str | None = None  # new and edit rows name it (start listings: None)
    watch: bool = False  # carries LiveConfig.watch_term in its title (from its "new" row on)


def read_changelog(path: Path) -> list[dict[str, Any]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        row["t"] = datetime.fromisoformat(row["t"])
        rows.append(row)
    return rows


def listing_versions(rows: list[dict[str, Any]], hosts: dict[str, str]) -> list[ListingVersion]:
    """Every listing version in the log; `hosts` maps market id -> onion (for the start listings' URLs)."""
    open_: dict[tuple[str, int], ListingVersion] = {}
    out: list[ListingVersion] = []
    for row in rows:
        if row["op"] == "start":
            for mid, lid in row["listings"]:
                open_[(mid, lid)] = ListingVersion(mid, lid, f"http://{hosts[mid]}/listing/{lid}", 1, "start",
                                                   row["t"], None)
        elif row["op"] in ("new", "edit", "delete"):
            key = (row["market"], row["id"])
            prev = open_.pop(key, None)
            if prev is not None:
                out.append(ListingVersion(**{**prev.__dict__, "end": row["t"]}))
            watch = bool(row.get("watch")) or (prev is not None and prev.watch)
            open_[key] = ListingVersion(row["market"], row["id"], row["url"], row["version"], row["op"], row["t"],
                                        None, row.get("seller"), watch)
    return out + list(open_.values())


def down_windows(rows: list[dict[str, Any]]) -> dict[str, list[tuple[datetime, datetime | None]]]:
    out: dict[str, list[tuple[datetime, datetime | None]]] = {}
    for row in rows:
        if row["op"] == "down":
            out.setdefault(row["market"], []).append((row["t"], None))
        elif row["op"] == "up" and out.get(row["market"]):
            start, _ = out[row["market"]][-1]
            out[row["market"]][-1] = (start, row["t"])
    return out


def due_versions(rows: list[dict[str, Any]], hosts: dict[str, str], *, stay: timedelta,
                 until: datetime) -> list[ListingVersion]:
    """Versions visible, with the site up, for an unbroken `stay` before `until` (the end of the watch)."""
    downs = down_windows(rows)
    due = []
    for v in listing_versions(rows, hosts):
        end = min(v.end or until, until)
        cuts = sorted((a, b or until) for a, b in downs.get(v.market, []) if a < end and (b or until) > v.start)
        t, longest = v.start, timedelta(0)
        for a, b in cuts:
            longest = max(longest, a - t)
            t = max(t, b)
        longest = max(longest, end - t)
        if longest >= stay:
            due.append(v)
    return due


@dataclass
class VersionCheck:
    """A watch judged against the changelog: what was due, missed, recorded twice, and how late."""

    versions: int
    due: int
    missing: list[ListingVersion]
    duplicated: list[ListingVersion]
    latencies_s: list[float]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.duplicated


def check_versions(rows: list[dict[str, Any]], hosts: dict[str, str], seen: dict[str, list[datetime]], *,
                   stay: timedelta, until: datetime, markets: set[str] | None = None) -> VersionCheck:
    """`seen` maps listing URL -> times a new version was recorded (the store's snapshots).

    Every version is recorded at most once within its lifetime; every
    version due (`due_versions`) exactly once; latency is from the change to
    its record.
    """
    def keep(v: ListingVersion) -> bool:
        return markets is None or v.market in markets

    every = [v for v in listing_versions(rows, hosts) if keep(v)]
    due = [v for v in due_versions(rows, hosts, stay=stay, until=until) if keep(v)]
    check = VersionCheck(len(every), len(due), [], [], [])
    for v in every:
        if len([t for t in seen.get(v.url, []) if v.start <= t < (v.end or until)]) > 1:
            check.duplicated.append(v)
    for v in due:
        if v.op == "delete" and not any(t < v.start for t in seen.get(v.url, [])):
            check.due -= 1  # deleted before it was ever seen: there is no listing to mark removed
            continue
        hits = [t for t in seen.get(v.url, []) if v.start <= t < (v.end or until)]
        if not hits:
            check.missing.append(v)
        elif len(hits) == 1:
            check.latencies_s.append((hits[0] - v.start).total_seconds())
    return check


@dataclass
class AlertCheck:
    """Alerts on the watched term judged against the changelog: due, missed, unexpected, and how late."""

    due: int
    missing: list[tuple[str, str]]  # (listing URL, seller) the truth calls for, with no alert
    unexpected: list[tuple[str, str]]  # alerts on a listing or seller that never carried the term
    appearance_s: list[float]  # listing version visible -> its alert raised

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unexpected


def check_alerts(rows: list[dict[str, Any]], hosts: dict[str, str], alerts: list[tuple[str, str, datetime]], *,
                 stay: timedelta, until: datetime, markets: set[str] | None = None) -> AlertCheck:
    """`alerts`: (listing URL, actor, first raised) per alert of the tracker on `LiveConfig.watch_term`.

    Alerts are one per rule, actor and listing, so the truth calls for one
    alert per (watched listing, seller) among the versions due (stayed up a
    full cycle, not a deletion); any alert on a listing/seller pair that
    never carried the term is unexpected. Exactly-once per key is what the
    store's unique (rule, actor, listing) makes of it; a key listed twice in
    `alerts` counts as unexpected too.
    """
    def keep(v: ListingVersion) -> bool:
        return markets is None or v.market in markets

    watched = [v for v in listing_versions(rows, hosts) if keep(v) and v.watch and v.op != "delete"]
    allowed = {(v.url, v.seller) for v in watched}
    due = [v for v in due_versions(rows, hosts, stay=stay, until=until)
           if keep(v) and v.watch and v.op != "delete"]
    appeared: dict[tuple[str, str | None], datetime] = {}
    for v in sorted(watched, key=lambda v: v.start):  # latency counts from the first sight of listing + seller
        appeared.setdefault((v.url, v.seller), v.start)
    first = {(v.url, v.seller): appeared[(v.url, v.seller)] for v in due}
    raised: dict[tuple[str, str], datetime] = {}
    unexpected = []
    for url, actor, at in alerts:
        if (url, actor) in raised or (url, actor) not in allowed:
            unexpected.append((url, actor))
        raised.setdefault((url, actor), at)
    check = AlertCheck(len(first), [], unexpected, [])
    for key, start in first.items():
        at = raised.get(key)  # type: ignore[arg-type]
        if at is None:
            check.missing.append((key[0], str(key[1])))
        else:
            check.appearance_s.append((at - start).total_seconds())
    return check
