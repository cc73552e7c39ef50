"""Attribution accuracy over thousands of trials, and speed against 1,000 registered organisations.

    python benchmarks/bench_attribution.py [--scale 2000000] [--trials 3000] [--orgs-speed 1000] [--rows-speed 10000000]
                                           [--skip-accuracy] [--skip-speed]
    python benchmarks/bench_attribution.py --skip-accuracy --skip-speed --rows 10000000 [--orgs-speed 1000]

Accuracy is simulated at the hash-set level (what matching sees): PRF
outputs of people and orders are random 64-bit words, so a population of
`--scale` people and 50 organisations with overlapping customer bases
(a victim, decoys from 1% to 60% of the population) are generated vectorised.
Each trial draws a 1,000-row dump sample (62% real victim orders, 8%
duplicates, 15% fabricated people, 15% recycled from an unregistered older
leak) and runs the real `count_hits` + `decide`. Trials with the victim
registered count how often it ranks first; trials without it count false
attributions (anything but "unknown"). A second pass uses person keys only
(no record keys), where only the chance correction separates the source.

Speed: `count_hits` + `decide` for a 20,000-row sample against 1,000
organisations, the PRF on that sample (one core), and the canary check of
every row as an isin over `--rows-speed` 64-bit row tags, extrapolated
linearly to 100 M rows. Peer: the straightforward per-organisation
`np.isin` of the sample against each organisation's set.

End to end (`--rows N`): the real `attribute_file` on a generated N-row
order CSV (the simulated leak's columns, ~130 bytes a row, cached under
`--workdir`) with one planted canary row, against `--orgs-speed`
registrations: one victim whose fingerprint holds the real PRF tags of the
dump's mobiles, the rest random tags (10^4-4*10^5 customers each, four key
kinds), loaded from the registry's index cache; one canary registered
through the registry. It prints the time of the engine pass alone and of
the whole command, and extrapolates both to 100 M rows (the pass is linear
in rows; the PRF, index load and matching are not). The pass also has
~1-2 s of fixed cost (sniffing, returning ~40,000 pre-cut rows), so
extrapolate from 10 M rows or more, not from 1 M. Peer: the previous
Python row adapter (`attribution.table`, csv module + reservoir sample +
per-row keyed tag), timed on the first 300,000 rows.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from leaktrace.attribution import fingerprint as fp_mod
from leaktrace.attribution import oprf
from leaktrace.attribution.jsonfile import write_json
from leaktrace.attribution.matching import count_hits, decide
from leaktrace.attribution.registry import Index, KindIndex, Registry
from leaktrace.core.keyring import Keyring

RATE = 1 / 4
T = np.uint64(fp_mod.threshold(RATE))


def words(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.integers(0, 2**64, n, dtype=np.uint64), rng.integers(0, 2**64, n, dtype=np.uint64)


class World:
    def __init__(self, scale: int, n_orgs: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.rng = rng
        self.person = {k: words(rng, scale) for k in ("cn_id", "cn_mobile")}
        sizes = np.exp(rng.uniform(np.log(0.01 * scale), np.log(0.3 * scale), n_orgs)).astype(np.int64)
        sizes[0] = int(0.1 * scale)  # the victim
        sizes[1] = int(0.6 * scale)  # a huge platform everyone shops at
        self.sizes = sizes
        self.customers = [rng.choice(scale, int(s), replace=False) for s in sizes]
        n_orders = 2 * int(sizes[0])
        self.victim_orders = {k: words(rng, n_orders) for k in ("order_id", "order_tuple")}
        self.order_owner = rng.integers(0, int(sizes[0]), n_orders)  # which victim customer placed it
        self.org_orders = {k: [words(rng, 2 * int(s)) for s in sizes] for k in ("order_id", "order_tuple")}
        for k in self.org_orders:
            self.org_orders[k][0] = self.victim_orders[k]
        self.old_leak = rng.choice(scale, int(0.05 * scale), replace=False)
        self.scale = scale

    def index(self, orgs: list[int], record_keys: bool) -> Index:
        kinds: dict[str, KindIndex] = {}
        distinct: dict[str, np.ndarray] = {}
        kind_list = ["cn_id", "cn_mobile"] + (["order_id", "order_tuple"] if record_keys else [])
        for k in kind_list:
            tags, owner, size = [], [], []
            for j, o in enumerate(orgs):
                if k in self.person:
                    u, t = self.person[k][0][self.customers[o]], self.person[k][1][self.customers[o]]
                else:
                    u, t = self.org_orders[k][o]
                keep = u < T
                tags.append(t[keep])
                owner.append(np.full(int(keep.sum()), j, np.int32))
                size.append(len(u))
            allt, allo = np.concatenate(tags), np.concatenate(owner)
            order = np.argsort(allt, kind="stable")
            kinds[k] = KindIndex(allt[order], allo[order])
            distinct[k] = np.array(size, np.float64)
        return Index([f"org-{o:04d}" for o in orgs], np.full(len(orgs), T, np.uint64), distinct, kinds, {}, "")

    def sample(self, rows: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        rng = self.rng
        n_real = int(0.62 * rows)
        n_dup = int(0.08 * rows)
        n_fake = int(0.15 * rows)
        n_old = rows - n_real - n_dup - n_fake
        oi = rng.integers(0, len(self.order_owner), n_real)
        oi = np.concatenate([oi, rng.choice(oi, n_dup)])
        persons = self.customers[0][self.order_owner[oi]]
        old = rng.choice(self.old_leak, n_old)
        out = {}
        for k, (u, t) in self.person.items():
            fu, ft = words(rng, n_fake)
            out[k] = (np.concatenate([u[persons], fu, u[old]]), np.concatenate([t[persons], ft, t[old]]))
        for k, (u, t) in self.victim_orders.items():
            fu, ft = words(rng, n_fake + n_old)
            out[k] = (np.concatenate([u[oi], fu]), np.concatenate([t[oi], ft]))
        return {k: _distinct(u, t) for k, (u, t) in out.items()}


def _distinct(u: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, i = np.unique(t, return_index=True)
    return u[i], t[i]


def accuracy(world: World, n_orgs: int, trials: int, record_keys: bool) -> None:
    with_victim = world.index(list(range(n_orgs)), record_keys)
    without = world.index(list(range(1, n_orgs)), record_keys)
    kinds = list(with_victim.kinds)
    first = false_attr = 0
    t0 = time.perf_counter()
    for _ in range(trials):
        s = world.sample(1000)
        att = decide(with_victim, {k: count_hits(with_victim, k, *s[k]) for k in kinds}, {})
        first += att.ranking[0].org == "org-0000" and att.verdict == "lead"
        s = world.sample(1000)
        att = decide(without, {k: count_hits(without, k, *s[k]) for k in kinds}, {})
        false_attr += att.verdict != "unknown"
    dt = time.perf_counter() - t0
    label = "person+record keys" if record_keys else "person keys only  "
    print(f"{label}: true source first & named {first}/{trials} = {first / trials:.2%} (target >= 99%); "
          f"false attribution with source unregistered {false_attr}/{trials} = {false_attr / trials:.2%} "
          f"(target <= 0.1%)  [{2 * trials} trials in {dt:.1f} s]")


def speed(n_orgs: int, rows: int, sample_rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    sizes = np.exp(rng.uniform(np.log(1e4), np.log(4e5), n_orgs)).astype(np.int64)
    kinds = ("cn_id", "cn_mobile", "order_id", "order_tuple")
    t0 = time.perf_counter()
    org_sets = [rng.integers(0, 2**64, int(s * RATE), dtype=np.uint64) for s in sizes]
    kis = {}
    for k in kinds:
        allt = np.concatenate(org_sets)
        allo = np.repeat(np.arange(n_orgs, dtype=np.int32), [len(s) for s in org_sets])
        order = np.argsort(allt, kind="stable")
        kis[k] = KindIndex(allt[order], allo[order])
    index = Index([f"o{j}" for j in range(n_orgs)], np.full(n_orgs, T, np.uint64),
                  {k: sizes.astype(np.float64) for k in kinds}, kis, {}, "")
    build = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        reg = Registry(Path(tmp))
        reg._save_cache(index, Path(tmp) / "idx.npz")
        t0 = time.perf_counter()
        index = reg._load_cache(Path(tmp) / "idx.npz")
        load_s = time.perf_counter() - t0
    # the sample: half its values belong to org 7
    samp = {}
    for k in kinds:
        u, t = words(rng, sample_rows)
        u[: sample_rows // 2] = rng.integers(0, int(T), sample_rows // 2, dtype=np.uint64)
        t[: sample_rows // 2] = rng.choice(org_sets[7], sample_rows // 2)
        samp[k] = (u, t)
    t0 = time.perf_counter()
    att = decide(index, {k: count_hits(index, k, *samp[k]) for k in kinds}, {})
    match_s = time.perf_counter() - t0
    assert att.org == "o7", att.summary
    t0 = time.perf_counter()
    peer_hits = [int(np.isin(samp["cn_id"][1][samp["cn_id"][0] < T], s).sum()) for s in org_sets]
    peer_s = (time.perf_counter() - t0) * len(kinds)
    assert int(np.argmax(peer_hits)) == 7
    key = oprf.ServerKey.from_keyring(Keyring.generate())
    n_prf = 2000
    t0 = time.perf_counter()
    for i in range(n_prf):
        key.evaluate(oprf.oprf_input("cn_id", f"{110101199001010000 + i}"))
    prf_each = (time.perf_counter() - t0) / n_prf
    prf_s = prf_each * sample_rows * len(kinds)
    canary = rng.integers(0, 2**64, 15_000, dtype=np.uint64)
    row_tags = rng.integers(0, 2**64, rows, dtype=np.uint64)
    row_tags[123] = canary[5]  # one planted canary row
    t0 = time.perf_counter()
    bits = np.zeros(1 << 24, dtype=bool)  # prefilter on the top 24 bits, exact check on candidates
    bits[canary >> np.uint64(40)] = True
    cand = np.flatnonzero(bits[row_tags >> np.uint64(40)])
    n_can = int(np.isin(row_tags[cand], canary).sum())
    canary_s = (time.perf_counter() - t0) * 1e8 / rows
    total = load_s + match_s + prf_s + canary_s
    print(f"speed vs {n_orgs} orgs (index of {sum(len(s) for s in org_sets) * len(kinds):,} tags built in {build:.1f} s):")
    print(f"  ours  load the cached registry index                  : {load_s:8.2f} s")
    print(f"  peer  per-org np.isin, {sample_rows:,}-row sample, 4 kinds : {peer_s:8.2f} s")
    print(f"  ours  count_hits + decide (one sorted index)         : {match_s:8.2f} s   ratio peer/ours {peer_s / match_s:.1f}x")
    print(f"  ours  PRF on the sample ({prf_each * 1e6:.0f} us/value, 1 core, 4 kinds): {prf_s:8.2f} s")
    print(f"  ours  canary check of every row, 100M extrapolated from {rows:,}: {canary_s:8.2f} s ({n_can} canary row found)")
    print(f"  total for a 100M-row dump (excluding the dumps reader's own pass): {total:.1f} s (target < 120 s)")


E2E_POOL = 40_000  # distinct victim mobiles the dump's rows are drawn from


def _dump(path: Path, rows: int, canary_mobile: str) -> None:
    import duckdb

    if path.exists():
        return
    tmp = path.with_name(path.name + ".part")
    duckdb.connect().execute(f"""COPY (SELECT
      (20230000000000000000 + (i * 7919 + 12345) % 9999999999999999)::HUGEINT::VARCHAR AS "订单编号",
      '2023-' || lpad((1 + i % 12)::VARCHAR, 2, '0') || '-' || lpad((1 + i % 28)::VARCHAR, 2, '0')
        || ' ' || lpad((i % 24)::VARCHAR, 2, '0') || ':' || lpad((i % 60)::VARCHAR, 2, '0') || ':06' AS "下单时间",
      '张秀云' AS "收货人",
      (110101000000000000 + (i * 104729) % 899999999999999)::VARCHAR AS "身份证号",
      CASE WHEN i = {rows // 2} THEN '{canary_mobile}'
           ELSE (13900000000 + (hash(i) % {E2E_POOL}))::VARCHAR END AS "联系电话",
      '河北省邯郸市房山区沈阳路' || (i % 1000)::VARCHAR || '号' AS "收货地址",
      '电动牙刷' AS "商品名称", '534.57' AS "实付金额"
     FROM range({rows}) r(i)) TO '{tmp}' (HEADER, DELIMITER ',')""")
    tmp.replace(path)


def _registrations(reg: Registry, ring: Keyring, key: oprf.ServerKey, n_orgs: int, canary: dict[str, str],
                   rng: np.random.Generator) -> None:
    """One victim holding the real PRF tags of the dump's mobiles, n_orgs - 1 random ones, one canary."""
    names = [f"org-{j:04d}" for j in range(n_orgs)]
    write_json(reg.root / "orgs.json", {n: {"fingerprint": None} for n in names})
    victim = [f"{13900000000 + i}" for i in range(E2E_POOL)]
    outs = key.evaluate_many([oprf.oprf_input("cn_mobile", v) for v in victim])
    vtags = fp_mod.sampled_tags(outs, RATE)
    sizes = np.exp(rng.uniform(np.log(1e4), np.log(4e5), n_orgs)).astype(np.int64)
    sizes[0] = E2E_POOL
    kinds = ("cn_id", "cn_mobile", "order_id", "order_tuple")
    kis, distinct = {}, {}
    for k in kinds:
        sets = [vtags if (j == 0 and k == "cn_mobile") else rng.integers(0, 2**64, int(s * RATE), dtype=np.uint64)
                for j, s in enumerate(sizes)]
        allt = np.concatenate(sets)
        allo = np.repeat(np.arange(n_orgs, dtype=np.int32), [len(x) for x in sets])
        order = np.argsort(allt, kind="stable")
        kis[k] = KindIndex(allt[order], allo[order])
        distinct[k] = sizes.astype(np.float64)
    index = Index(names, np.full(n_orgs, T, np.uint64), distinct, kis, {}, "")
    reg.register_canaries(ring, "org-0000", "logistics", [canary])  # before caching: it rewrites orgs.json
    reg._save_cache(index, reg.cache_path(key.key_id))


def end_to_end(rows: int, n_orgs: int, sample_rows: int, workdir: Path, seed: int) -> None:
    import json
    import os

    import duckdb

    from leaktrace.attribution.attribute import attribute_file
    from leaktrace.attribution.scan import open_source, scan
    from leaktrace.attribution.table import open_rows

    workdir.mkdir(parents=True, exist_ok=True)
    ring = Keyring({"k1": hashlib.sha256(f"bench-attribution/{seed}".encode()).digest()}, "k1")  # reusable set-up
    key = oprf.ServerKey.from_keyring(ring)
    canary = {"name": "王伟", "mobile": "13800138123", "email": "k3x9@acme.example.cn", "order_id": "AC000000000777"}
    dump = workdir / f"orders-{rows}.csv"
    t0 = time.perf_counter()
    _dump(dump, rows, canary["mobile"])
    gen_s = time.perf_counter() - t0
    size_gb = dump.stat().st_size / 1e9
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    reg_dir = workdir / f"data-{n_orgs}-{seed}"
    reg = Registry(reg_dir)
    if not reg.cache_path(key.key_id).exists():
        shutil.rmtree(reg_dir, ignore_errors=True)
        _registrations(reg, ring, key, n_orgs, canary, rng)
    else:
        print(f"(registrations reused from {reg_dir})")
    with zipfile.ZipFile(reg.cache_path(key.key_id)) as zf:  # sizes without loading (and caching) the arrays
        n_tags = sum((i.file_size - 128) // 8 for i in zf.infolist() if i.filename.startswith("tags/"))
    setup_s = time.perf_counter() - t0
    print(f"end to end: {rows:,}-row dump ({size_gb:.2f} GB, generated in {gen_s:.1f} s), {n_orgs} orgs "
          f"({n_tags:,} tags), set up in {setup_s:.1f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    con = duckdb.connect()
    t0 = time.perf_counter()
    with open_source(dump, con) as src:
        res = scan(con, src, [0, 1, 3, 4, 5], sample_rows, seed, key_cols=[0, 3, 4])
    scan_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    att = attribute_file(dump, reg, key, ring, sample_rows=sample_rows, seed=seed)
    total_s = time.perf_counter() - t0
    assert att.org == "org-0000" and att.partner == "logistics", att.summary
    assert att.dump is not None and att.dump.rows == rows == res.total_rows
    peer_rows = min(rows, 300_000)
    peer = workdir / f"orders-peer-{peer_rows}.csv"
    if not peer.exists():
        with open(dump, "rb") as fin, open(peer, "wb") as fout:
            for _ in range(peer_rows + 1):
                fout.write(fin.readline())
    key_bytes = ring.keys[ring.active]

    def on_row(r: list[str]) -> None:  # the old adapter's per-row canary tag of each canary-bearing column
        for kind, i in (("order_id", 0), ("cn_id", 3), ("cn_mobile", 4)):
            hmac.digest(key_bytes, kind.encode() + b"\x1f" + r[i].encode(), "sha256")

    t0 = time.perf_counter()
    open_rows(peer, strict=False).sample(sample_rows, seed, on_row)
    peer_rate = peer_rows / (time.perf_counter() - t0)
    sec = att.dump.seconds
    ours_rate = rows / sec["pass"]
    print(f"  ours  engine pass alone (count, {sample_rows:,}-row sample, no canaries) : {scan_s:8.2f} s = "
          f"{rows / scan_s / 1e6:.2f} M rows/s")
    print(f"  ours  engine pass in attribute (with the canary check)           : {sec['pass']:8.2f} s = "
          f"{ours_rate / 1e6:.2f} M rows/s")
    print(f"  peer  Python row adapter (attribution.table), {peer_rows:,} rows        : {peer_rate / 1e3:8.1f} k rows/s"
          f"   ratio ours/peer {ours_rate / peer_rate:.0f}x")
    print(f"  ours  whole attribute_file                                       : {total_s:8.2f} s "
          f"(index load {sec['index']:.2f} s, engine pass {sec['pass']:.2f} s, PRF on the sample {sec['prf']:.2f} s, "
          f"matching {sec['match']:.2f} s); verdict {att.verdict} {att.org}/{att.partner}, "
          f"{att.dump.canary_candidate_rows} canary candidate row(s)")
    assert att.ranking[0].kinds["cn_mobile"].hits > 0, "the victim's mobiles were not matched"
    fixed_s = max(0.0, total_s - sec["pass"])
    est = 1e8 / ours_rate + fixed_s
    print(f"  100 M rows extrapolated: {1e8 / ours_rate:.1f} s pass + {fixed_s:.1f} s rest = {est:.1f} s "
          f"(target < 120 s){'' if rows >= 10**8 else ' [pass extrapolated linearly from ' + f'{rows:,} rows]'}")
    import resource

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of this process (registrations, index, scan and attribute_file together; the issue's "
          f"bound at 10^8 rows is 4 GB): {rss_mb:,.0f} MB")
    print("  " + json.dumps({"rows": rows, "load": round(os.getloadavg()[0], 1), "seconds": sec,
                            "extrapolated_100m_s": round(est, 1), "peak_rss_mb": round(rss_mb)}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=int, default=2_000_000, help="population of people")
    ap.add_argument("--orgs", type=int, default=50)
    ap.add_argument("--trials", type=int, default=3000)
    ap.add_argument("--orgs-speed", type=int, default=1000)
    ap.add_argument("--rows-speed", type=int, default=10_000_000)
    ap.add_argument("--sample-rows", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-accuracy", action="store_true")
    ap.add_argument("--rows", type=int, default=0, help="end-to-end attribute_file on a generated dump of this many rows")
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "leaktrace-bench-attribution")
    a = ap.parse_args()
    if not a.skip_accuracy:
        t0 = time.perf_counter()
        world = World(a.scale, a.orgs, a.seed)
        print(f"world: {a.scale:,} people, {a.orgs} orgs (victim {world.sizes[0]:,}, largest {world.sizes.max():,}) "
              f"in {time.perf_counter() - t0:.1f} s")
        accuracy(world, a.orgs, a.trials, record_keys=True)
        accuracy(world, a.orgs, a.trials, record_keys=False)
    if not a.skip_speed:
        speed(a.orgs_speed, a.rows_speed, a.sample_rows, a.seed)
    if a.rows:
        end_to_end(a.rows, a.orgs_speed, a.sample_rows, a.workdir, a.seed)


if __name__ == "__main__":
    main()
