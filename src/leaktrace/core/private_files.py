"""How investigation outputs land on disk: whole or not at all, and readable by the owner only.

A case report or export is marked TLP and a bundle carries the captured
pages themselves (sellers' samples included); a dump's keyed-hash sets and
report describe a seized dump's victims. So every such file is created 0600
and every folder 0700 whatever the umask, the same from the CLI, the
pipeline and the demo; sharing is a deliberate act by the investigator.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def write_private_text(dest: Path, text: str) -> None:
    """Write `text` to `dest` via a temp file in the same folder, renamed into place, mode 0600."""
    replace_text(dest, text, FILE_MODE)


def replace_text(dest: Path, text: str, mode: int) -> None:
    """Write `text` to `dest` whole or not at all (a temp file in the same folder, renamed into place) with `mode`:
    a reader never sees half a file, and a failed write leaves the old one and no temp file behind."""
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix="." + dest.name + ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def make_private(root: Path) -> None:
    """Owner-only modes on `root` and everything under it (0700 folders, 0600 files)."""
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        os.chmod(path, DIR_MODE if path.is_dir() else FILE_MODE)


def private_dir(path: Path) -> Path:
    """`path` created if missing, with every folder created here owner-only (existing ones untouched)."""
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(folder, DIR_MODE)
    return path


@contextmanager
def exclusive_lock(directory: Path, name: str) -> Iterator[None]:
    """Hold an owner-only lock file `name` in `directory` for the block (every writer of one chain takes it).

    flock, not a lock file's existence: a writer killed with -9 releases it with its process.
    """
    private_dir(directory)
    fd = os.open(directory / name, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
