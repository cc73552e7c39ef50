"""DuckDB's own progress bar must never reach stdout (it broke `--json` and `exposure index`'s output).

Every stage opens its connections through `leaktrace.dumps.duck.connect`; the
source check keeps a new `duckdb.connect()` from slipping in elsewhere.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "leaktrace"
QUERY = "SET progress_bar_time = 0; SELECT count(*) FROM range(30000000) t(x) WHERE hash(x) % 7 = 1"


def _stdout_of(connect: str) -> str:
    code = f"{connect}\ncon.execute({QUERY!r}).fetchall()\nprint('done')"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          timeout=120).stdout


def test_a_plain_connection_draws_its_bar_on_stdout() -> None:
    """The hazard is real: without the setting DuckDB writes its bar to stdout even when it is not a terminal."""
    assert "%" in _stdout_of("import duckdb\ncon = duckdb.connect()").removesuffix("done\n")


def test_the_house_connection_keeps_stdout_clean() -> None:
    assert _stdout_of("from leaktrace.dumps import duck\ncon = duck.connect()") == "done\n"


def test_a_cursor_does_not_inherit_the_setting_and_the_house_cursor_sets_it() -> None:
    """The pipe reader's second connection (`readers._parallel_stream`) is a cursor of the first."""
    house = "from leaktrace.dumps import duck\nfirst = duck.connect()\n"
    assert "%" in _stdout_of(house + "con = first.cursor()").removesuffix("done\n")
    assert _stdout_of(house + "con = duck.cursor(first)") == "done\n"


def test_no_module_opens_duckdb_any_other_way() -> None:
    """No `duckdb.connect(...)` outside `duck.py`, nor a bare `.cursor()` where DuckDB connections live."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "dumps" / "duck.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "connect"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "duckdb"):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}")
            if (path.parts[-2] in ("dumps", "attribution", "pipeline") and isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute) and node.func.attr == "cursor"
                    and not (isinstance(node.func.value, ast.Name) and node.func.value.id == "duck")):
                found.append(f"{path.relative_to(SRC)}:{node.lineno} (.cursor(): use duck.cursor(con))")
    assert not found, f"use leaktrace.dumps.duck.connect() / duck.cursor(): {found}"
