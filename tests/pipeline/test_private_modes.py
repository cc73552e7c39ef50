"""Everything leaktrace writes is owner-only, whatever the umask (issue 16: world-readable files).

A realistic sequence of commands runs under umask 022 against a data
directory that does not exist yet; then every folder and file under it,
and every file a command was told to write (-o), must have no group or
other permission bits. The data directory holds the case database (case
titles, victim company, seller identifiers), the registry of canaries and
fingerprints and the graph; a canary file a leaker can read is a canary
they can strip.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from leaktrace.cli.app import main
from leaktrace.core.settings import get_settings


@pytest.fixture
def umask_022(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh data directory two levels below tmp_path (made by leaktrace), the process under umask 022."""
    data = tmp_path / "home" / "leaktrace-data"
    monkeypatch.setenv("LEAKTRACE_DATA_DIR", str(data))
    get_settings.cache_clear()
    old = os.umask(0o022)
    try:
        yield data
    finally:
        os.umask(old)
        get_settings.cache_clear()


def _open_to_others(root: Path, *, skip: Path | None = None) -> list[str]:
    bad = []
    for path in [root, *sorted(root.rglob("*"))]:
        if skip is not None and skip in path.parents:
            continue
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode & 0o077:
            bad.append(f"{path.relative_to(root.parent)} {mode:o}")
    return bad


def _run_sequence(data: Path, work: Path) -> list[Path]:
    """Cases, an import, the organisation side (offline fingerprint, register, canaries), attribute, graph, token."""
    work.mkdir()
    assert main(["case", "new", "电商订单 9亿条", "--ref", "C-1", "--tlp", "red"]) == 0
    listings = work / "listings.csv"
    listings.write_text("title,seller,price\n出售 手机号 10万条,老王,0.05\n银行卡四要素,小李,3\n", "utf-8")
    assert main(["import", "csv", str(listings), "--source", "mkt", "--legal-basis", "warrant 7", "--owner", "t"]) == 0
    export = work / "customers.csv"
    export.write_text("身份证号,联系电话\n" + "".join(f"11010119900101{i:04d},139{i:08d}\n" for i in range(60)), "utf-8")
    req, state, resp, fp, canaries = (work / n for n in ("req.json", "state.json", "resp.json", "fp.json", "c.json"))
    assert main(["org", "fingerprint", str(export), "--org", "ACME", "--request", str(req), "--state", str(state)]) == 0
    assert main(["org", "evaluate", str(req), "--org", "ACME", "--out", str(resp)]) == 0
    assert main(["org", "fingerprint", str(export), "--org", "ACME", "--response", str(resp), "--state", str(state),
                 "--out", str(fp)]) == 0
    assert main(["org", "register", str(fp)]) == 0
    assert main(["org", "canaries", "--org", "ACME", "--partner", "logistics", "--count", "2",
                 "--phone-range", "13800138000-13800138999", "--mail-domain", "acme.example.cn",
                 "--order-prefix", "AC", "--out", str(canaries)]) == 0
    recs = json.loads(canaries.read_text("utf-8"))["records"]
    dump = work / "dump.csv"
    dump.write_text("订单编号,联系电话,身份证号\n" + f"{recs[0]['order_id']},{recs[0]['mobile']},\n"
                    + "X1,13711112222,110101198001010011\n", "utf-8")
    assert main(["attribute", str(dump)]) == 0
    assert main(["graph", "build"]) == 0
    assert main(["org", "token", "--org", "ACME"]) == 0  # into the token store; the audit key is written too
    return [req, state, resp, fp, canaries]


def test_everything_written_is_owner_only_under_umask_022(umask_022: Path, tmp_path: Path) -> None:
    data = umask_022
    written = _run_sequence(data, tmp_path / "work")
    for name in ("leaktrace.sqlite", "graph/graph.json", "attribution/orgs.json", "attribution/canaries.json",
                 "audit/signing.key"):
        assert (data / name).is_file(), name  # the sequence reached what the issue names
    # data.parent too: leaktrace made it (a missing parent is made owner-only like the data directory)
    bad = _open_to_others(data.parent, skip=data / "evidence")
    bad += [f"{p.name} {stat.S_IMODE(p.stat().st_mode):o}" for p in written
            if stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert bad == []


def test_existing_database_files_are_tightened(umask_022: Path) -> None:
    """A database left 0644 by an older version is made 0600 (with its -wal and -shm) when opened."""
    assert main(["case", "new", "x", "--ref", "C-1"]) == 0
    db = umask_022 / "leaktrace.sqlite"
    for path in umask_022.glob("leaktrace.sqlite*"):
        os.chmod(path, 0o644)
    assert main(["case", "show", "C-1"]) == 0
    assert [p.name for p in umask_022.glob("leaktrace.sqlite*") if stat.S_IMODE(p.stat().st_mode) & 0o077] == []
    assert db.is_file()


def test_evidence_files_are_owner_only(umask_022: Path, tmp_path: Path) -> None:
    _run_sequence(umask_022, tmp_path / "work")
    assert _open_to_others(umask_022 / "evidence") == []


def test_org_signing_key_folder_is_owner_only(umask_022: Path, tmp_path: Path) -> None:
    """`org fingerprint` without --key-file keeps its signing key in <data>/attribution/, made 0700 if missing."""
    work = tmp_path / "work"
    work.mkdir()
    export = work / "customers.csv"
    export.write_text("身份证号\n" + "".join(f"11010119900101{i:04d}\n" for i in range(60)), "utf-8")
    req, state, resp = (work / n for n in ("req.json", "state.json", "resp.json"))
    assert main(["org", "fingerprint", str(export), "--org", "ACME", "--request", str(req), "--state", str(state)]) == 0
    assert main(["org", "evaluate", str(req), "--org", "ACME", "--out", str(resp)]) == 0
    shutil.rmtree(umask_022 / "attribution")  # as on the organisation's own machine: no platform ledger there
    assert main(["org", "fingerprint", str(export), "--org", "ACME", "--response", str(resp), "--state", str(state),
                 "--out", str(work / "fp.json")]) == 0
    assert (umask_022 / "attribution" / "org-signing.key").is_file()
    assert _open_to_others(umask_022) == []
