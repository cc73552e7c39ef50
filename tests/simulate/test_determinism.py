"""Same seed, same bytes: every file, including the gzip, zip and xlsx containers."""

from __future__ import annotations

from pathlib import Path

from leaktrace.simulate.world import generate_world


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_identical_bytes_different_seed_differs(tmp_path: Path) -> None:
    kw = {"scale": 1500, "orgs": 3, "block_rows": 600, "social": True}
    a = _files_of(generate_world, tmp_path / "a", seed=4, **kw)
    b = _files_of(generate_world, tmp_path / "b", seed=4, **kw)
    c = _files_of(generate_world, tmp_path / "c", seed=5, **kw)
    assert a.keys() == b.keys()
    assert any(k.endswith(".xlsx") for k in a) and any(k.endswith(".gz") for k in a)
    for name in a:
        assert a[name] == b[name], name
    assert a["leak/leak.csv"] != c["leak/leak.csv"]
    assert a["truth.json"] != c["truth.json"]


def _files_of(gen, out: Path, **kw) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    gen(out, **kw)
    return _files(out)
