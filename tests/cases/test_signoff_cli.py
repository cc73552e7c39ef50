"""`leaktrace case signoff`: the author of a case cannot sign it off; another supervisor's sign-off is kept in the
case, its report and the audit log (the same service function as the console's page)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update

from leaktrace.cli.app import main
from leaktrace.core.settings import get_settings
from leaktrace.pipeline.context import open_context
from leaktrace.service import audit
from leaktrace.store.models import Case


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_author_refused_then_another_signs_off_into_report_and_audit(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "case", "new", "sign-off case", "--json")
    ref = json.loads(out)["ref"]
    code, out, err = _run(capsys, "case", "signoff", ref)  # the shell user opened it
    assert code == 6 and len(err.strip().splitlines()) == 1 and "author" in err, err
    with open_context(get_settings()) as ctx, ctx.session() as s:
        s.execute(update(Case).where(Case.ref == ref).values(created_by="det. wang"))
        s.commit()
    code, out, err = _run(capsys, "case", "signoff", ref, "--note", "evidence complete")
    assert code == 0, err
    assert f"{ref}: signed off by shell:" in out
    code, out, _ = _run(capsys, "case", "report", ref, "--lang", "en", "--out", str(tmp_path), "--json")
    html = Path(json.loads(out)["html"]).read_text("utf-8")
    assert 'id="signoff">Signed off by: shell:' in html
    with open_context(get_settings()) as ctx:
        entries = [e for e in audit.query(ctx, action="case.signoff") if e.target == f"case:{ref}"]
    assert len(entries) == 1 and entries[0].reason == "evidence complete" and entries[0].detail["author"] == "det. wang"
    code, _, err = _run(capsys, "case", "signoff", ref)
    assert code == 6 and "already signed off" in err
