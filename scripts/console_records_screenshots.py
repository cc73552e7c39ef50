"""PNGs of the console's dump, case, organisation and admin pages, for docs/ (`make screenshots`).

Runs `leaktrace demo` at a small scale in a temporary folder (a crawled
world, an analysed and attributed dump, a case built from it), adds an
analyst, a supervisor, an admin and the victim organisation's partner
account, then photographs the pages with Debian's headless Chromium at
1280 px: the dump list and page (a province clicked on the map), the
partner's view of the same dump, the case list and page, organisations and
administration.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

PNG_PREFIX = "console-"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def build(root: Path) -> tuple[object, dict[str, str], str]:
    """The demo's context, a session token per account, and the demo dump's id."""
    from leaktrace.pipeline.context import Context
    from leaktrace.pipeline.demo import DemoOptions, console_for, demo_settings, run_demo
    from leaktrace.pipeline.dump_records import stored_shas
    from leaktrace.service.access import Principal, Role, add_member, local_operator
    from leaktrace.service.accounts import create_user
    from leaktrace.service.case_files import build as build_file
    from leaktrace.service.case_work import add_note, set_assignee, set_status
    from leaktrace.service.partners import issue_org_token
    from leaktrace.service.sessions import open_session

    run_demo(DemoOptions(directory=root, scale=3000, lang="zh"), console_for(quiet=True))
    ctx = Context(demo_settings(root))
    shell = local_operator("screenshots")
    att_org = None
    dump = ""
    for sha in stored_shas(ctx.data_dir):
        att = ctx.data_dir / "dumps" / sha / "attribution.json"
        if att.is_file():
            att_org, dump = json.loads(att.read_text("utf-8")).get("org"), f"dump-{sha[:16]}"
    tokens: dict[str, str] = {}
    for name, role, org in (("analyst", "analyst", None), ("supervisor", "supervisor", None),
                            ("admin", "admin", None), ("partner", "partner", att_org)):
        view, _ = create_user(ctx, name, role, org_id=org, actor=shell, lang="zh")
        p = Principal(view.id, name, Role(role), org, None, "screenshots", "zh")
        tokens[name] = open_session(ctx, p)
        if name == "supervisor":
            sup = p
    add_member(ctx, shell, "LT-DEMO-1", "analyst")
    set_assignee(ctx, shell, "LT-DEMO-1", "analyst")
    set_status(ctx, shell, "LT-DEMO-1", "in_review")
    add_note(ctx, sup, "LT-DEMO-1", "卖家已确认为同一团伙，建议移送。")
    build_file(ctx, sup, "LT-DEMO-1", "stix")
    if att_org:
        issue_org_token(ctx, shell, att_org, daily_quota=20_000)
    return ctx, tokens, dump


def main() -> None:
    from playwright.sync_api import sync_playwright


    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("docs"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "web"))
    from live_server import serving

    written = []
    with tempfile.TemporaryDirectory() as d:
        ctx, tokens, dump = build(Path(d) / "demo")
        with serving(ctx) as base, sync_playwright() as p:  # type: ignore[arg-type]
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)

            def page_as(name: str):  # type: ignore[no-untyped-def]
                c = browser.new_context(base_url=base, viewport={"width": 1280, "height": 860})
                c.add_cookies([{"name": "lt_session", "value": tokens[name], "url": base}])
                return c.new_page()

            def shot(page, name: str, full: bool = False) -> None:  # type: ignore[no-untyped-def]
                page.evaluate("document.fonts.ready.then(() => true)")
                page.wait_for_timeout(600)  # the charts' first animation
                path = args.out / f"{PNG_PREFIX}{name}.png"
                page.screenshot(path=str(path), full_page=full)
                written.append(path)

            sup = page_as("supervisor")
            sup.goto("/dumps")
            shot(sup, "dumps")
            sup.goto(f"/dumps/{dump}")
            sup.wait_for_selector("[data-chart='map'][data-drawn='1']")
            sup.wait_for_timeout(800)
            sup.evaluate("() => window.echarts.getInstanceByDom(document.getElementById('map'))"
                         ".trigger('click', {name: '44'})")
            sup.wait_for_timeout(500)
            shot(sup, "dump", full=True)
            partner = page_as("partner")
            partner.goto(f"/dumps/{dump}")
            shot(partner, "dump-partner")
            sup.goto("/cases")
            shot(sup, "cases")
            sup.goto("/cases/LT-DEMO-1")
            shot(sup, "case", full=True)
            sup.goto("/orgs")
            shot(sup, "orgs")
            admin = page_as("admin")
            admin.goto("/admin")
            shot(admin, "admin", full=True)
            browser.close()
        ctx.close()  # type: ignore[attr-defined]
    print("\n".join(str(p) for p in written))


if __name__ == "__main__":
    main()
