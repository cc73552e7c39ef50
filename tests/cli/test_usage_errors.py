"""A usage error is one line and exit code 2 for every command, never a traceback."""

from __future__ import annotations

import pytest

from leaktrace.cli.app import main


@pytest.mark.parametrize("argv", [
    ["scan", "--bogus"],
    ["dump", "analyze"],
    ["import", "csv", "listings.csv"],
    ["case", "report"],
])
def test_usage_error_is_one_message_and_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "Error" in err or "error" in err
