"""docs/walkthrough.md, run as written: its shell blocks, then its findings against `leaktrace demo`'s.

Issue 15: the path from captures to a case file is the product's own, open to
every user with commands alone. The page's `bash` blocks run verbatim in one
shell (only the world's size and seed come from the environment, as the page
says), so the docs cannot drift from the commands; the case it builds must
hold what the demo finds on the same world, checked with the demo's own
checks against the world's truth.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from child_process import child_process
from leaktrace.core.dump_types import DumpReport
from leaktrace.core.match_types import Match
from leaktrace.core.settings import get_settings
from leaktrace.pipeline.demo import MARKER, DemoResult
from leaktrace.pipeline.truth_checks import (
    attribution_checks,
    dump_checks,
    gang_recovery,
    graph_checks,
)

PAGE = Path(__file__).resolve().parents[2] / "docs" / "walkthrough.md"


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"^```bash\n(.*?)^```", text, re.S | re.M)


def test_page_has_the_whole_path() -> None:
    script = "\n".join(shell_blocks(PAGE.read_text("utf-8")))
    for step in ("simulate world", "simulate serve", "crawl simulated-market", "import telegram", "analyze",
                 "dump analyze", "attribute", "graph build", "case new", "case add", "case build", "case report",
                 "case export"):
        assert re.search(rf"^\s*leaktrace {step}\b", script, re.M), step
    # Commands only: every command line of the page is leaktrace or shell plumbing, never Python.
    assert "python" not in script.lower()


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory, demo: tuple[DemoResult, dict[str, Any]]) -> Path:
    """The page run in an empty folder, on the world the shared demo run used (its scale and seed)."""
    shown = json.loads((demo[0].directory / MARKER).read_text("utf-8"))
    work = tmp_path_factory.mktemp("walkthrough")
    script = "\n".join(shell_blocks(PAGE.read_text("utf-8")))
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEAKTRACE_")}
    env.update(SCALE=str(shown["scale"]), SEED=str(shown["seed"]),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    # Its own process group: a timeout or a failure ends the `simulate serve` the page starts in the
    # background too (the page's EXIT trap does not run when bash itself is killed).
    with child_process(["bash", "-c", script], cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True) as done:
        _, err = done.communicate(timeout=1500)
    assert done.returncode == 0, f"walkthrough failed (rc {done.returncode}):\n{err[-3000:]}"
    return work


def _case_counts(data_dir: Path, ref: str) -> dict[str, int]:
    from leaktrace.cases.case_records import get_case, load_content
    from leaktrace.pipeline.context import open_context

    settings = get_settings().model_copy(update={"data_dir": data_dir, "database_url": None})
    with open_context(settings, migrate=False) as ctx, ctx.session() as s:
        content = load_content(s, get_case(s, ref))
    return {k: len(getattr(content, k)) for k in ("listings", "captures", "actors", "groups", "wallets", "dumps",
                                                  "attributions")}


def test_walkthrough_finds_what_the_demo_finds(walked: Path, demo: tuple[DemoResult, dict[str, Any]]) -> None:
    result, truth = demo
    # The same world: same scale and seed give the same truth.
    assert json.loads((walked / "world" / "truth.json").read_text("utf-8")) == truth

    from leaktrace.graph.build import load_snapshot

    report = DumpReport.model_validate_json((walked / "seized-report.json").read_text("utf-8"))
    match = Match.from_json(json.loads((walked / "attribution.json").read_text("utf-8")))
    orgs = json.loads((walked / "world" / "orgs" / "registry.json").read_text("utf-8"))
    graph = load_snapshot(walked / "lt-data")
    social = truth["social"]
    checks = (dump_checks(report, truth["leak"])
              + attribution_checks(match, truth["attribution"], {o["org_id"]: o["name"] for o in orgs})
              + graph_checks(graph, social, gang_recovery(graph, social)))
    failed = [f"{c.what}: {c.found!r} != {c.truth!r}" for c in checks if not c.ok]
    assert not failed, failed
    demo_found = {c.what: c.found for c in result.checks}
    for c in checks:
        assert c.found == demo_found[c.what], c.what
    assert len(checks) == len(result.checks) - 1  # all but the demo's bundle check, which the page runs itself

    walk = _case_counts(walked / "lt-data", "LT-WALK-1")
    shown = _case_counts(result.directory / "data", "LT-DEMO-1")
    assert walk == shown
    assert walk["listings"] > 0 and walk["actors"] > 0 and walk["dumps"] == 1 and walk["attributions"] == 1
    assert (walked / "report" / "LT-WALK-1.en.html").is_file()
