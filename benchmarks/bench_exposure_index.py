"""Peak memory of `exposure index` on an N-row dump: the batch-at-a-time builder against the whole-array sort.

    python benchmarks/bench_exposure_index.py --rows 1000000 10000000 [--peer] [--prf fast|oprf] [--work DIR]
    python benchmarks/bench_exposure_index.py --rows 100000000 --work /tmp/b23

Each run is a fresh child process (its peak RSS read with `wait4`) that
indexes the order CSV of `bench_dump.make_files` (cached under `--work`)
the way `leaktrace exposure index` does: one DuckDB pass making the IDs and
mobiles distinct (spilling into the run's folder), their PRF words a batch
at a time, the bucket-sorted set, saved. `--peer` also runs the way it was
built before: every batch's words kept, concatenated, then sorted whole
(`ExposureSet.from_words`).

`--prf fast` (the default) stands in a keyed BLAKE2b for the OPRF: the
OPRF costs ~76 us a value on two cores (~70 min at 10^8 rows) and holds one
batch at a time, so it changes the time, not the memory that grows with
the dump. `--prf oprf` runs the real one. Prints values, seconds, peak RSS
and bytes per value, so the bound at 10^8 rows can be read off.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

CHILD = r"""
import hashlib, json, sys, time
from pathlib import Path
import numpy as np
from leaktrace.attribution import oprf
from leaktrace.attribution.exposure import BUCKET_BITS, ExposureSet
from leaktrace.attribution.exposure_build import ExposureBuilder
from leaktrace.attribution.exposure_index import prf_words_of_file
from leaktrace.core.keyring import Keyring

path, how, prf, out = sys.argv[1:5]
key = oprf.ServerKey.from_keyring(Keyring.generate(), purpose=oprf.EXPOSURE)
if prf == "oprf":
    evaluate = lambda pairs: key.evaluate_many([oprf.oprf_input(k, v) for k, v in pairs])
else:
    secret = b"bench-exposure-index-key"
    evaluate = lambda pairs: [hashlib.blake2b(oprf.oprf_input(k, v), key=secret, digest_size=16).digest()
                              for k, v in pairs]
t = time.perf_counter()
spill = Path(out).parent / "spill"
spill.mkdir(exist_ok=True)
if how == "builder":
    b = ExposureBuilder(BUCKET_BITS)
    w = prf_words_of_file(path, evaluate, b.add, spill=spill)
    s = ExposureSet(key.key_id, *b.build())
else:  # the whole-array way: every batch kept, concatenated, sorted at once
    us, ts = [], []
    w = prf_words_of_file(path, evaluate, lambda u, tg: (us.append(u), ts.append(tg)), spill=spill)
    s = ExposureSet.from_words(key.key_id, np.concatenate(us), np.concatenate(ts))
s.save(Path(out))
print(json.dumps({"values": w.values, "entries": len(s.tags), "seconds": time.perf_counter() - t}))
"""


def run_child(path: Path, how: str, prf: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="lt-bench-exposure-") as tmp:
        out = Path(tmp) / "exposure.npz"
        env = {**os.environ, "PYTHONPATH": str(HERE.parent / "src")}
        p = subprocess.Popen([sys.executable, "-c", CHILD, str(path), how, prf, str(out)], env=env,
                             stdout=subprocess.PIPE, text=True)
        assert p.stdout is not None
        text = p.stdout.read()
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode:
            raise SystemExit(f"{how} run failed (exit {p.returncode})")
        # the result is the last line: the index's DuckDB connections keep its progress bar off stdout
        last = text.strip().splitlines()[-1] if text.strip() else ""
        if not last.startswith('{"values"'):
            raise SystemExit(f"{how} run printed no result: ...{text[-500:]!r}")
        r = json.loads(last)
        r["peak_mb"] = usage.ru_maxrss / 1024
        r["cpu"] = usage.ru_utime + usage.ru_stime
        return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "lt-bench-dump")
    ap.add_argument("--prf", choices=["fast", "oprf"], default="fast")
    ap.add_argument("--peer", action="store_true", help="also run the whole-array sort (the previous way)")
    a = ap.parse_args()
    from bench_dump import make_files

    for n in a.rows:
        work = a.work / f"n{n}"
        work.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        path, _ = make_files(work, n, gb18030=False)
        print(f"== {n:,} rows ({path.stat().st_size / 1e6:,.0f} MB, ready in {time.perf_counter() - t:.0f} s), "
              f"PRF {a.prf}, load {os.getloadavg()[0]:.1f}")
        for how in ("builder", "whole-array sort") if a.peer else ("builder",):
            r = run_child(path, "builder" if how == "builder" else "sort", a.prf)
            per = r["peak_mb"] * 2**20 / max(1, r["values"])
            print(f"{how:<17}: {r['values']:>12,} values, {r['seconds']:8.1f} s, {r['cpu']:8.1f} CPU-s, "
                  f"peak RSS {r['peak_mb']:>8,.0f} MiB ({per:.1f} bytes a value all told)")
        sys.stdout.flush()
    print("(peak RSS is the whole child: interpreter, DuckDB under its 1GB cap, one batch, the set)")


if __name__ == "__main__":
    main()
