"""`leaktrace simulate`: the generate command, its one-line errors, and routing to `serve`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from leaktrace.cli.app import main


def test_generate_writes_a_world_and_prints_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "w"
    assert main(["simulate", str(out), "--scale", "200", "--seed", "2", "--orgs", "2",
                 "--formats", "csv,jsonl", "--no-social", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows"] == 200
    truth = json.loads((out / "truth.json").read_text("utf-8"))
    assert truth["seed"] == 2 and set(truth["leak"]["files"]) == {"csv", "jsonl"}
    assert len((out / "leak" / "leak.csv").read_text("utf-8").splitlines()) == 201
    assert not list(tmp_path.glob(".w.partial-*"))


def test_options_may_come_before_outdir(tmp_path: Path) -> None:
    out = tmp_path / "w"
    assert main(["simulate", "--scale", "50", "--no-social", "--formats", "csv", str(out)]) == 0
    assert (out / "truth.json").is_file()


def test_non_empty_outdir_needs_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "w"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    args = ["simulate", str(out), "--scale", "50", "--formats", "csv", "--no-social"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not empty" in err and "--force" in err
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert main([*args, "--force"]) == 0
    assert (out / "keep.txt").read_text() == "mine"  # --force replaces our files, not the user's
    assert (out / "leak" / "leak.csv").is_file()


@pytest.mark.parametrize("scale", ["0", "-1", "1.5", "lots", "1e12"])
def test_bad_scale_is_one_line_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str], scale: str) -> None:
    out = tmp_path / "w"
    assert main(["simulate", str(out), f"--scale={scale}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--scale" in err
    assert not out.exists()


def test_bad_orgs_and_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", str(tmp_path / "a"), "--orgs", "1001"]) == 2
    assert main(["simulate", str(tmp_path / "b"), "--formats", "csv,docx"]) == 2
    err = capsys.readouterr().err
    assert "--orgs" in err and "docx" in err


def test_serve_routes_to_the_social_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`simulate serve DIR` reaches serve_command with DIR; it is never taken as OUTDIR."""
    import leaktrace.simulate.serve.cli as serve_cli

    seen: dict[str, object] = {}

    def fake_serve(outdir: Path, port: int = 0) -> None:
        seen["outdir"], seen["port"] = outdir, port

    monkeypatch.setattr(serve_cli, "serve_command", fake_serve)
    assert main(["simulate", "serve", str(tmp_path / "world"), "--port", "8123"]) == 0
    assert seen == {"outdir": tmp_path / "world", "port": 8123}
    assert not (tmp_path / "world").exists()


def test_serve_help_is_the_servers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "serve", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--socks-port" in out and "--scale" not in out
