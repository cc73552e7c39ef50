"""PNGs of the console's main pages over a generated world, for docs/ and the README (`make screenshots`).

Builds a world the way the demo does (simulate, load as a crawl stores it,
the intel stage), an analyst account and a case, serves the console on a
free loopback port and photographs the login, feed, listing, search,
identifier and sessions pages with Debian's headless Chromium at 1280 px.
"""

from __future__ import annotations

import argparse
import socket
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import Settings
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.intel_stage import analyse_stored
from leaktrace.pipeline.worldload import load_world
from leaktrace.simulate.social import generate_social

PASSWORD = "screenshots only 2026"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def build(root: Path) -> Context:
    from leaktrace.cases.case_records import create_case
    from leaktrace.service.access import add_member, local_operator
    from leaktrace.service.accounts import change_password, create_user

    ctx = Context(Settings(data_dir=root / "data"), keyring=Keyring.generate())
    generate_social(root / "w", seed=7, scale=300, sample_rows=[], victim_org="某某电商", claimed_records=900_000_000,
                    listings_per_market=20)
    with ctx.session() as s:
        load_world(s, root / "w" / "social", ctx.hasher)
        s.commit()
    analyse_stored(ctx)
    _, once = create_user(ctx, "analyst", "analyst", actor=local_operator("screenshots"), lang="zh")
    change_password(ctx, "analyst", once, PASSWORD, None, "screenshots")
    with ctx.session() as s:
        create_case(s, "某某电商订单数据泄露", ref="LT-2026-0001", created_by="screenshots")
        s.commit()
    add_member(ctx, local_operator("screenshots"), "LT-2026-0001", "analyst")
    build_graph_with_money(ctx, root / "w" / "social" / "wallet_transactions.csv")
    return ctx


def build_graph_with_money(ctx: Context, transfers: Path) -> None:
    """The seller network for the actor and group pages, with the world's wallet transfers imported."""
    from leaktrace.graph.money import import_transfers
    from leaktrace.pipeline.graph_access import rebuild

    if transfers.is_file():
        with ctx.session() as s:
            import_transfers(s, transfers)
            s.commit()
    rebuild(ctx)


def main() -> None:
    from playwright.sync_api import sync_playwright

    from leaktrace.web.app import create_app

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("docs"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        ctx = build(Path(d))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(create_app(ctx), host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://127.0.0.1:{port}"
        while True:
            try:
                httpx.get(base + "/login", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(base_url=base, viewport={"width": 1280, "height": 860})

            def shot(name: str) -> None:
                page.evaluate("document.fonts.ready.then(() => true)")  # the CJK font loaded, no boxes
                page.wait_for_timeout(300)
                page.screenshot(path=str(args.out / f"console-{name}.png"))

            page.goto("/login")
            shot("login")
            page.fill("#username", "analyst")
            page.fill("#password", PASSWORD)
            page.click("#login-submit")
            page.wait_for_url("**/feed")
            page.goto("/feed?sort=score")
            shot("feed")
            href = page.locator("tr.row a.open").first.get_attribute("href")
            page.goto(str(href))
            shot("listing")
            ident = page.locator("#identifiers a").first.get_attribute("href")
            page.goto("/search?q=开房&sort=score")
            shot("search")
            if ident:
                page.goto(ident)
                shot("identifier")
            page.goto("/sessions")
            shot("sessions")
            graph_pages(page, ctx, args.out)
            browser.close()
        server.should_exit = True
        ctx.close()
    print("\n".join(str(p) for p in sorted(args.out.glob("console-*.png"))))


def graph_pages(page: object, ctx: Context, out: Path) -> None:
    """The actor with most accounts in a group (its chart, identifiers, prices) and its group (map, money)."""
    from leaktrace.pipeline.graph_access import snapshot

    result = snapshot(ctx)
    grouped = [a for a in result.actors if a.group] or result.actors
    actor = max(grouped, key=lambda a: (len(a.accounts), a.posts))
    page.goto(f"/actors/{actor.id}")  # type: ignore[attr-defined]
    page.wait_for_selector("#link-chart[data-rendered='1']")  # type: ignore[attr-defined]
    page.wait_for_selector("#price-chart[data-rendered='1']")  # type: ignore[attr-defined]
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    page.screenshot(path=str(out / "console-actor.png"), full_page=True)  # type: ignore[attr-defined]
    if actor.group:
        page.goto(f"/groups/{actor.group}")  # type: ignore[attr-defined]
        page.wait_for_selector("#province-map[data-rendered='1']")  # type: ignore[attr-defined]
        page.wait_for_timeout(500)  # type: ignore[attr-defined]
        page.screenshot(path=str(out / "console-group.png"), full_page=True)  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
