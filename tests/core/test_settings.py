"""One declared table of settings: sources, redaction, and `leaktrace config show`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from leaktrace.cli.app import main
from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import Settings, describe_settings, get_settings


def _rows(capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    assert main(["config", "show", "--json"]) == 0
    return {r["name"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}


def test_every_setting_has_help_and_an_environment_variable() -> None:
    rows = describe_settings(Settings())
    assert {r.name for r in rows} == set(Settings.model_fields)
    for r in rows:
        assert r.help, f"{r.name}: no help text"
        assert r.env == "LEAKTRACE_" + r.name.upper()
    names = {r.name for r in rows}
    # The knobs stages used to read behind the entry point's back are declared here now.
    assert {"dump_memory_limit", "native_hash", "dump_engine", "intel_model", "intel_lexicons", "keyring"} <= names


def test_sources_default_file_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    toml = tmp_path / "leaktrace.toml"
    toml.write_text('dump_memory_limit = "1GB"\ncn_id_region_mode = "strict"\n', encoding="utf-8")
    monkeypatch.setenv("LEAKTRACE_CONFIG", str(toml))
    monkeypatch.setenv("LEAKTRACE_CN_ID_REGION_MODE", "lenient")  # the environment wins over the file
    monkeypatch.setenv("LEAKTRACE_NATIVE_HASH", "0")
    get_settings.cache_clear()
    rows = _rows(capsys)
    assert rows["dump_memory_limit"]["value"] == "1GB" and rows["dump_memory_limit"]["source"] == "file"
    assert rows["cn_id_region_mode"]["value"] == "lenient" and rows["cn_id_region_mode"]["source"] == "environment"
    assert rows["native_hash"]["value"] is False and rows["native_hash"]["source"] == "environment"
    assert rows["dump_engine"]["source"] == "default"


def test_secrets_are_never_printed(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    ring = Keyring.generate().to_env()
    monkeypatch.setenv("LEAKTRACE_KEYRING", ring)
    monkeypatch.setenv("LEAKTRACE_KEYRING_PASSPHRASE", "correct horse battery")
    monkeypatch.setenv("LEAKTRACE_DATABASE_URL", "postgresql+psycopg://analyst:s3cr3t-pw@127.0.0.1/test")
    get_settings.cache_clear()
    assert main(["config", "show"]) == 0
    table = capsys.readouterr().out
    rows = _rows(capsys)
    for text in (table, json.dumps(rows)):
        assert ring.split(":", 1)[1][:12] not in text
        assert "correct horse" not in text and "s3cr3t-pw" not in text
    assert rows["keyring"]["value"] == "***" and rows["keyring"]["source"] == "environment"
    assert rows["database_url"]["value"] == "postgresql+psycopg://analyst:***@127.0.0.1/test"


def test_lexicon_paths_split_on_the_path_separator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAKTRACE_INTEL_LEXICONS", os.pathsep.join(["/a/x.tsv", "", "/b/y.tsv"]))
    assert Settings().intel_lexicons == [Path("/a/x.tsv"), Path("/b/y.tsv")]


def test_a_bad_value_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("LEAKTRACE_DUMP_ENGINE", "hadoop")
    with pytest.raises(ValidationError, match="dump_engine"):
        Settings()


def test_a_bad_setting_is_one_line_and_exit_3(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LEAKTRACE_DUMP_ENGINE", "hadoop")
    get_settings.cache_clear()
    assert main(["config", "show"]) == 3
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "dump_engine (LEAKTRACE_DUMP_ENGINE)" in err and "hadoop" in err
    monkeypatch.delenv("LEAKTRACE_DUMP_ENGINE")
    monkeypatch.setenv("LEAKTRACE_KEYRING_PASSPHRASE", "x")
    monkeypatch.setenv("LEAKTRACE_CONFIG", "/nonexistent/leaktrace.toml")
    get_settings.cache_clear()
    assert main(["config", "show"]) == 3
    assert "cannot read the settings file" in capsys.readouterr().err
