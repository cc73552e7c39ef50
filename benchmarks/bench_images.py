"""OCR + scan recall, repost links and OCR speed on the simulator's sample pictures (issue 21).

    OMP_THREAD_LIMIT=1 python benchmarks/bench_images.py --scale 60

Ours: `leaktrace.images.read_image` (Pillow decode, Tesseract chi_sim+eng,
the PII scanner) on --scale pictures of a generated world. Printed:

- recall of the ID numbers and mobiles each picture shows (truth.json), on
  clean renderings and on degraded ones (photographed originals; reposts,
  which are cropped, rescaled and re-compressed), with the precision of the
  values found;
- the peer and ceiling: the same scanner on the ground-truth text of each
  picture (what a perfect OCR would give);
- repost precision and recall of `link_reposts` over all pictures (a pair
  is true when both are copies of one original);
- OCR pictures per second on one core (Tesseract limited to one thread; the
  CPU time of the Tesseract children is counted too);
- the queued "ocr" stage (pipeline/media_jobs.py through service.media's
  drain): every picture sealed with one capture, then the jobs drained by
  one worker thread and by one per core: pictures/s per core including
  sealing the text, the keyed hashes and the database rows;
- hostile pictures: a 50 MB animated GIF, a decompression bomb, a truncated
  JPEG: what each reading records and how long it took (never an exception).

Targets: recall >= 0.95 clean, >= 0.85 degraded; reposts precision >= 0.99,
recall >= 0.95; >= 1 picture/s per core.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # before any Tesseract child starts: per-core figures


def _font(arg: str | None) -> Path:
    from leaktrace.simulate.fonts import find_cjk_font

    if arg:
        return Path(arg)
    shipped = Path(str(resources.files("leaktrace.cases").joinpath("fonts", "lt-report-cjk.woff2")))
    return find_cjk_font([]) or shipped


def _group(name: str, pics: dict[str, Any]) -> str:
    while pics[name]["repost_of"]:
        name = pics[name]["repost_of"]
    return name


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=60, help="pictures in the world (default 60)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--font", default=None, help="CJK font file (default: fontconfig, then the report's font)")
    args = ap.parse_args(argv)

    from leaktrace.images.phash import CONTENT_BITS, SURE_BITS, distance, link_reposts
    from leaktrace.images.read import read_image
    from leaktrace.pii.registry import default_registry
    from leaktrace.pii.scanner import Scanner
    from leaktrace.simulate.world import generate_world

    font = _font(args.font)
    root = Path(tempfile.mkdtemp(prefix="bench_images_"))
    try:
        t = time.perf_counter()
        generate_world(root / "w", scale=1000, seed=args.seed, orgs=2, formats=["csv"], pictures=args.scale, font=font)
        gen_s = time.perf_counter() - t
        pics: dict[str, Any] = json.loads((root / "w" / "truth.json").read_text("utf-8"))["social"]["pictures"]["pictures"]
        folder = root / "w" / "social" / "images"
        scanner = Scanner(default_registry())
        print(f"pictures: {len(pics)} ({sum(1 for p in pics.values() if p['repost_of'])} reposts), font {font.name}, "
              f"generated in {gen_s:.1f} s")

        stats: dict[str, list[int]] = {k: [0, 0, 0, 0] for k in ("clean", "degraded", "repost", "truth text")}
        hashes: list[tuple[str, str]] = []
        shows: dict[str, set[str]] = {}
        kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        me0 = resource.getrusage(resource.RUSAGE_SELF)
        t = time.perf_counter()
        for name, p in pics.items():
            shown = set(p["ids"]) | set(p["mobiles"])
            r = read_image((folder / name).read_bytes(), scanner)
            hashes.append((name, r.phash or ""))
            shows[name] = {h.value for h in r.hits if h.type in {"cn_id", "cn_mobile"} and h.valid}
            kind = "repost" if p["repost_of"] else ("degraded" if p["degraded"] else "clean")
            _tally(stats[kind], shown, {h.value for h in r.hits if h.type in {"cn_id", "cn_mobile"} and h.valid})
            _tally(stats["truth text"], shown,
                   {h.value for h in scanner.scan(p["text"]) if h.type in {"cn_id", "cn_mobile"} and h.valid})
        wall = time.perf_counter() - t
        kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        me1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (kids1.ru_utime + kids1.ru_stime - kids0.ru_utime - kids0.ru_stime
               + me1.ru_utime + me1.ru_stime - me0.ru_utime - me0.ru_stime)

        print("\nOCR + scan of ID numbers and mobiles (valid hits):")
        print(f"  {'pictures':<22}{'shown':>7}{'found':>7}{'recall':>8}{'precision':>11}")
        for label, key in (("clean", "clean"), ("degraded (photographed)", "degraded"), ("reposts", "repost"),
                           ("ceiling: truth text", "truth text")):
            shown_n, _, hit, extra = stats[key]
            print(f"  {label:<22}{shown_n:>7}{hit:>7}{_ratio(hit, shown_n):>8}{_ratio(hit, hit + extra):>11}")
        deg = [a + b for a, b in zip(stats["degraded"], stats["repost"], strict=True)]
        print(f"  degraded, all (photographed + reposts): recall {_ratio(deg[2], deg[0])} (target >= 0.85); "
              f"clean recall {_ratio(stats['clean'][2], stats['clean'][0])} (target >= 0.95)")

        truth_pairs = {frozenset(pr) for pr in itertools.combinations(pics, 2)
                       if _group(pr[0], pics) == _group(pr[1], pics)}
        found_pairs = {frozenset((a, b)) for a, b, _ in link_reposts(hashes, shows)}
        alone = {frozenset((a, b)) for a, b, _ in link_reposts(hashes)}
        tp = len(truth_pairs & found_pairs)
        pos = sorted(distance(dict(hashes)[a], dict(hashes)[b]) for a, b in map(tuple, truth_pairs))
        neg = min((distance(x[1], y[1]) for x, y in itertools.combinations(hashes, 2)
                   if frozenset((x[0], y[0])) not in truth_pairs), default=None)
        print(f"\nreposts by perceptual hash (within {SURE_BITS} of 1024 bits, or {CONTENT_BITS} with a value read "
              f"in common): {len(truth_pairs)} true pairs, {len(found_pairs)} found, precision "
              f"{_ratio(tp, len(found_pairs))} (target >= 0.99), recall {_ratio(tp, len(truth_pairs))} (target >= 0.95)")
        tpa = len(truth_pairs & alone)
        print(f"  hash alone (within {SURE_BITS}): {len(alone)} found, precision {_ratio(tpa, len(alone))}, "
              f"recall {_ratio(tpa, len(truth_pairs))}")
        print(f"  bits apart: true pairs max {max(pos, default=0)}, other pairs min {neg}")

        print(f"\nOCR speed: {len(pics)} pictures in {wall:.1f} s wall, {cpu:.1f} s CPU (this process + Tesseract): "
              f"{len(pics) / cpu:.2f} pictures/s per core (target >= 1); {len(pics) / wall:.2f}/s wall")
        queued(root, folder, list(pics))
        hostile(scanner)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def queued(root: Path, folder: Path, names: list[str]) -> None:
    """The queued OCR stage as a worker runs it: sealed pictures in, sealed text and masked rows out."""
    from datetime import UTC, datetime

    from leaktrace.core.keyring import Keyring
    from leaktrace.core.settings import Settings
    from leaktrace.pipeline.context import Context
    from leaktrace.pipeline.ingest import CaptureDocument, Ingestor
    from leaktrace.pipeline.media import CaptureRef, PictureIn, queue_media, store_pictures
    from leaktrace.pipeline.sources import ensure_source
    from leaktrace.service.media import drain_media

    cores = os.cpu_count() or 1
    print(f"\nqueued OCR stage (seal, read, seal the text, keyed hashes, rows); load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} on {cores} cores:")
    for workers in sorted({1, cores}):
        ctx = Context(Settings(data_dir=root / f"store-{workers}"), keyring=Keyring.generate())
        try:
            ensure_source(ctx.sessions, "bench", kind="market", base_url=None, legal_basis="benchmark", owner="b")
            with ctx.session() as s:
                res = Ingestor(s, evidence=ctx.evidence, collector="bench").capture(CaptureDocument(
                    source="bench", url="http://bench.onion/listing/1", body=b"<html></html>",
                    fetched_at=datetime.now(UTC), status=200, headers=[("Content-Type", "text/html")]))
                ids = store_pictures(s, ctx.evidence, CaptureRef(res.capture_id, res.sha256, res.entry_hash,
                                                                 res.entry_seq),
                                     [PictureIn(f"http://bench.onion/images/{n}", (folder / n).read_bytes())
                                      for n in names], collector="bench")
                s.commit()
            queue_media(ctx.sessions, ocr=ids)
            kids0, me0 = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
            done = drain_media(ctx, None, workers=workers, kinds=("ocr",))
            kids1, me1 = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
            cpu = (kids1.ru_utime + kids1.ru_stime - kids0.ru_utime - kids0.ru_stime
                   + me1.ru_utime + me1.ru_stime - me0.ru_utime - me0.ru_stime)
            print(f"  {workers} worker(s): {done.counts.get('ocr')} in {done.seconds:.1f} s wall = "
                  f"{len(ids) / done.seconds:.2f} pictures/s; {cpu:.1f} s CPU = {len(ids) / cpu:.2f} pictures/s per core "
                  "(target >= 1)")
        finally:
            ctx.close()


def hostile(scanner: Any) -> None:
    import io

    from PIL import Image

    from leaktrace.images.read import read_image

    noise = [Image.frombytes("L", (1200, 1000), os.urandom(1_200_000)).convert("P") for _ in range(3)]
    buf = io.BytesIO()
    noise[0].save(buf, "GIF", save_all=True, append_images=noise[1:] * 15, duration=40, loop=0)
    gif = buf.getvalue()
    buf = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buf, "PNG")
    bomb = buf.getvalue()
    buf = io.BytesIO()
    noise[0].convert("RGB").save(buf, "JPEG")
    cut = buf.getvalue()[: len(buf.getvalue()) // 2]
    print("\nhostile pictures:")
    for label, data in (("animated GIF", gif), ("decompression bomb PNG", bomb), ("truncated JPEG", cut)):
        t = time.perf_counter()
        r = read_image(data, scanner, run_ocr=False)
        print(f"  {label} ({len(data) / 1e6:,.1f} MB): {time.perf_counter() - t:.2f} s; "
              f"problem={r.problem!r}; notes={r.notes}")


def _tally(row: list[int], shown: set[str], found: set[str]) -> None:
    row[0] += len(shown)
    row[1] += len(found)
    row[2] += len(shown & found)
    row[3] += len(found - shown)


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "n/a"


if __name__ == "__main__":
    sys.exit(main())
