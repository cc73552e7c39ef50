"""The dump list a page at a time, newest report first, read from the files' stamps: a rewritten report shows its
new figures, an unreadable one is left out, a partner sees its organisation's only."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from leaktrace.core.errors import InputError
from leaktrace.core.keyring import Keyring
from leaktrace.core.match_types import Match
from leaktrace.core.settings import Settings
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.dump_records import resolve_sha, save_attribution
from leaktrace.service.access import Principal, Role
from leaktrace.service.dump_view import PER_PAGE, list_dumps

N = 2 * PER_PAGE + 30
STAFF = Principal(1, "sup", Role.SUPERVISOR, None, None, "t")


def _sha(i: int) -> str:
    return f"{i:08x}" + "ab" * 28


def _report(ctx: Context, i: int, rows: int, at: int) -> Path:
    folder = ctx.data_dir / "dumps" / _sha(i)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "report.json"
    path.write_text(json.dumps({"report": {"path": f"/seized/leak-{i}.csv", "rows": rows, "distinct_persons": rows // 2}}))
    os.utime(path, ns=(at * 10**9, at * 10**9))
    return path


def test_dump_list_pages_newest_first_and_follows_rewritten_reports(tmp_path: Path) -> None:
    ctx = Context(Settings(data_dir=tmp_path / "data"), keyring=Keyring.generate())
    try:
        for i in range(N):
            _report(ctx, i, 1000 + i, 1_700_000_000 + i)
        first = list_dumps(ctx, STAFF)
        assert [r.sha256 for r in first.rows] == [_sha(i) for i in range(N - 1, N - 1 - PER_PAGE, -1)]
        assert first.more and first.total == N and first.rows[0].name == f"leak-{N - 1}.csv"
        last = list_dumps(ctx, STAFF, page=2)
        assert [r.sha256 for r in last.rows] == [_sha(i) for i in range(29, -1, -1)] and not last.more
        _report(ctx, 5, 7, 1_800_000_000)  # re-analysed: newest now, with its new figures
        top = list_dumps(ctx, STAFF).rows[0]
        assert (top.sha256, top.rows, top.distinct_persons) == (_sha(5), 7, 3)
        (ctx.data_dir / "dumps" / _sha(6) / "report.json").write_text("{not json")
        assert _sha(6) not in [r.sha256 for p in range(3) for r in list_dumps(ctx, STAFF, page=p).rows]
        assert list_dumps(ctx, STAFF).total == N - 1
        assert resolve_sha(ctx.data_dir, f"dump-{_sha(7)[:16]}") == _sha(7)
        with pytest.raises(InputError, match="no such dump"):
            resolve_sha(ctx.data_dir, "dump-ffffffffffff")
        with pytest.raises(InputError, match="page"):
            list_dumps(ctx, STAFF, page=99)
        save_attribution(ctx.data_dir, _sha(9), Match(verdict="lead", org="org-a", partner="p", confidence=0.99,
                                                      false_attribution_probability=1e-9, summary="org-a", ranking=[]))
        partner = Principal(2, "p1", Role.PARTNER, "org-a", None, "t")
        mine = list_dumps(ctx, partner)
        assert [(r.sha256, r.name, r.attributed_to) for r in mine.rows] == [(_sha(9), "", "org-a")] and mine.total == 1
    finally:
        ctx.close()
