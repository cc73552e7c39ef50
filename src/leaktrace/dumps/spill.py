"""Where DuckDB spills during `dump analyze`: an owner-only folder per run, gone when the run ends.

A spill holds the facts table: packed ID numbers and mobiles, readable as
little-endian int64 by anyone who can read the files. So each run spills
into `<parent>/run-<random>` (0700) under a 0700 `parent`, holds an
exclusive lock on `run-<random>.lock` while it lives, and removes its folder
when it ends. A run killed with -9 cannot clean up: the next run (any run)
removes every run folder whose lock nobody holds, and spill files of the old
flat layout, before it starts. A concurrent run's folder is locked, so kept.
Clean-up and creation happen under `parent/.lock`, so a starting run never
wipes a folder another run is creating.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from leaktrace.core.private_files import DIR_MODE, private_dir


def _try_lock(path: Path) -> int | None:
    """An fd holding an exclusive lock on `path` (created 0600), or None when another process holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def clear_stale(parent: Path) -> list[str]:
    """Remove the spill of every run that is not running (call under `parent/.lock`); the names removed."""
    removed = []
    for lock in parent.glob("run-*.lock"):
        fd = _try_lock(lock)
        if fd is None:
            continue  # a live run
        try:
            shutil.rmtree(lock.with_suffix(""), ignore_errors=True)
            lock.unlink(missing_ok=True)
            removed.append(lock.stem)
        finally:
            os.close(fd)
    for p in parent.iterdir():
        if p.name.startswith("run-") and p.is_dir() and not p.with_name(p.name + ".lock").exists():
            shutil.rmtree(p, ignore_errors=True)  # its lock went first: a clean-up cut short
            removed.append(p.name)
        elif p.name.startswith("duckdb_temp"):  # the flat layout of earlier versions
            shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
            removed.append(p.name)
    return removed


@contextmanager
def spill_dir(parent: Path) -> Iterator[Path]:
    """A fresh owner-only folder under `parent` for this run's spill; stale spills removed first."""
    private_dir(parent)
    os.chmod(parent, DIR_MODE)  # an existing folder made by an earlier version was 0755
    guard = os.open(parent / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(guard, fcntl.LOCK_EX)
        clear_stale(parent)
        name = f"run-{uuid.uuid4().hex}"
        lock_fd = _try_lock(parent / f"{name}.lock")
        assert lock_fd is not None  # a new name
        run = parent / name
        run.mkdir(mode=DIR_MODE)
        os.chmod(run, DIR_MODE)
    finally:
        fcntl.flock(guard, fcntl.LOCK_UN)
        os.close(guard)
    try:
        yield run
    finally:
        shutil.rmtree(run, ignore_errors=True)
        (parent / f"{name}.lock").unlink(missing_ok=True)
        os.close(lock_fd)
