"""An actor page and its link chart of 500 nodes and 2,000 edges: first render in headless Chromium.

Issue 18's number: the page and its chart drawn in <= 1 s. The graph is a
made-up snapshot (tests/web/graph_fixtures.synthetic_graph: actor A0 linked
to every other account, the rest of the links at random, every evidence kind
and standing), served by the console in a thread on loopback; each run opens
/actors/A0 in a fresh browser context (nothing cached, the 1.6 MB of
vendored JavaScript fetched again) and reads when the chart's first frame
was drawn (`performance.mark('link-chart-rendered')`, milliseconds since
navigation start). The median of the runs is printed with the target and
the ratio, and the machine's load, since it is shared.

    python benchmarks/bench_console_graph.py                # 500 nodes, 2,000 edges, 7 runs
    python benchmarks/bench_console_graph.py --scale 2      # 1,000 nodes, 4,000 edges
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "web"))

from graph_fixtures import synthetic_graph
from live_server import CHROMIUM, CHROMIUM_ARGS, serving

from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import Settings
from leaktrace.graph.build import save_snapshot
from leaktrace.pipeline.context import Context
from leaktrace.service.access import local_operator
from leaktrace.service.accounts import change_password, create_user

PASSWORD = "measuring the chart 2026"
TARGET_MS = 1000.0


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="times 500 nodes and 2,000 edges")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    nodes, edges = max(2, int(500 * args.scale)), max(1, int(2000 * args.scale))
    with tempfile.TemporaryDirectory() as d:
        ctx = Context(Settings(data_dir=Path(d) / "data"), keyring=Keyring.generate())
        save_snapshot(synthetic_graph(nodes, edges), ctx.data_dir)
        _, once = create_user(ctx, "bench", "analyst", actor=local_operator("bench"))
        change_password(ctx, "bench", once, PASSWORD, None, "bench")
        with serving(ctx) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            first = browser.new_context(base_url=base)
            page = first.new_page()
            page.goto("/login")
            page.fill("#username", "bench")
            page.fill("#password", PASSWORD)
            page.click("#login-submit")
            page.wait_for_url("**/feed")
            state = first.storage_state()
            first.close()
            marks, walls, server, dcl, json_end = [], [], [], [], []
            drawn = (0, 0)
            for _ in range(args.runs):
                context = browser.new_context(base_url=base, storage_state=state,
                                              viewport={"width": 1280, "height": 900})
                page = context.new_page()
                timings: list[str] = []
                page.on("response", lambda r, t=timings: t.append(r.headers.get("server-timing", ""))
                        if "/actors/" in r.url else None)
                t0 = time.perf_counter()
                page.goto("/actors/A0")
                page.wait_for_selector("#link-chart[data-rendered='1']", timeout=60_000)
                walls.append((time.perf_counter() - t0) * 1000)
                marks.append(page.evaluate("performance.getEntriesByName('link-chart-rendered')[0].startTime"))
                dcl.append(page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"))
                json_end.append(page.evaluate("performance.getEntriesByType('resource')"
                                              ".filter(e => e.name.includes('chart.json'))[0].responseEnd"))
                drawn = (int(page.locator("#link-chart").get_attribute("data-nodes") or 0),
                         int(page.locator("#link-chart").get_attribute("data-edges") or 0))
                server.append(sum(float(x.split("dur=")[1]) for x in timings if "dur=" in x))
                context.close()
            browser.close()
    load = os.getloadavg()
    med = statistics.median(marks)
    print(f"actor page + link chart: {drawn[0]} nodes, {drawn[1]} edges drawn; {args.runs} runs, fresh context each")
    print(f"first render (navigation start -> first chart frame): median {med:.0f} ms, "
          f"min {min(marks):.0f}, max {max(marks):.0f}; wall from goto: median {statistics.median(walls):.0f} ms")
    print(f"server time (page + chart JSON, Server-Timing): median {statistics.median(server):.0f} ms; "
          f"DOMContentLoaded at {statistics.median(dcl):.0f} ms, chart JSON received at "
          f"{statistics.median(json_end):.0f} ms (medians)")
    print(f"target <= {TARGET_MS:.0f} ms: ratio {med / TARGET_MS:.2f} ({'met' if med <= TARGET_MS else 'NOT met'})")
    print(f"load average (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
