"""The issue's CI soak: 2 minutes, 3 live sources, the same checks as benchmarks/bench_soak.py (soak.py).

Sized for a loaded 2-core CI machine: a world of 20 listings a market (so
that listings stay up long enough to be judged), one change a second, each
source every 10 s, renderings queued. Versions
and alerts must be exactly once and RSS must grow < 10% over the second
half, as in the benchmark; the latency bounds are the issue's for
capture-to-alert (p95 <= 60 s) and looser for appearance-to-alert
(interval + 120 s instead of + 60 s: a loaded machine stretches a round),
and both can fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from soak import SoakConfig, run_soak

from leaktrace.simulate.social import generate_social

CI_SOAK = SoakConfig(sources=3, minutes=2.0, scale=20, tick_s=1.0, interval_s=10, workers=3, seed=11)


@pytest.fixture(scope="module")
def soak_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("soakworld")
    generate_social(out, seed=CI_SOAK.seed, scale=1000, sample_rows=[], victim_org="优选商城",
                    claimed_records=2_000_000, members=2, listings_per_market=CI_SOAK.scale)
    return out


def test_two_minute_three_source_soak(soak_world: Path, tmp_path: Path) -> None:
    res = run_soak(soak_world, tmp_path, CI_SOAK)
    report = "\n".join(res.lines())
    assert res.runs_ok >= 3 * 4, report  # every source ran, again and again
    assert res.versions_due >= 20 and res.alerts_due >= 3, "too few changes to judge\n" + report
    failed = [name for name, ok in res.checks(appearance_slack_s=120.0).items() if not ok]
    assert not failed, f"{failed}\n{report}\nmissed {res.missed[:5]}, twice {res.twice[:5]}, alerts missing " \
        f"{res.alerts_missing[:5]}, unexpected {res.alerts_unexpected[:5]}"
