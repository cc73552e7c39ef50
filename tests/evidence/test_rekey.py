"""`evidence rekey`: every blob re-sealed under the new key, logged, resumable after kill -9."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from leaktrace.cli.app import main
from leaktrace.core.errors import LeaktraceError
from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import get_settings
from leaktrace.evidence import EvidenceStore
from leaktrace.evidence.rekey import REKEY, blob_key_id, iter_blobs, keys_in_use, rekey

N = 6


def _fill(data: Path, ring: Keyring) -> dict[str, bytes]:
    store = EvidenceStore(data, keys=ring)
    payloads = {}
    for i in range(N):
        body = f"<html>listing {i} 身份证 110101199003077777</html>".encode() * (200 + 3000 * i)
        payloads[store.put_bytes(body, source_url=f"http://m.onion/{i}", collector="c").sha256] = body
    return payloads


def _readable_under(data: Path, ring: Keyring, sha: str) -> bool:
    try:
        return EvidenceStore(data, keys=ring).check_blob(sha) is None
    except LeaktraceError:
        return False


def test_rekey_reseals_logs_and_keeps_hashes(tmp_path: Path) -> None:
    old = Keyring.generate()
    data = tmp_path / "data"
    payloads = _fill(data, old)
    new = old.rotated()
    store = EvidenceStore(data, keys=new)
    report = rekey(store, collector="officer")
    assert report.resealed == N and report.already == 0 and report.by_old_key == Counter({"k1": N})
    assert keys_in_use(store) == Counter({"k2": N})
    only_new = Keyring({"k2": new.keys["k2"]}, "k2")
    for sha, body in payloads.items():
        assert hashlib.sha256(body).hexdigest() == sha
        with EvidenceStore(data, keys=only_new).open(sha) as blob:
            assert blob.read() == body
    logged = [e for e in store.entries() if e.action == REKEY]
    assert sorted(e.sha256 for e in logged) == sorted(payloads)
    assert all(e.meta == {"from_key": "k1", "to_key": "k2"} and e.collector == "officer" for e in logged)
    assert store.verify().ok
    again = rekey(store, collector="officer")  # nothing left to do, nothing logged twice
    assert again.resealed == 0 and again.already == N
    assert sum(e.action == REKEY for e in store.entries()) == N


_KILLER = """
import os, signal, sys
from pathlib import Path
from leaktrace.core.keyring import Keyring
from leaktrace.evidence import EvidenceStore
from leaktrace.evidence import rekey as mod

data, ring_env, point, nth = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
count = {"n": 0}
def die():
    os.kill(os.getpid(), signal.SIGKILL)
real_replace, real_fsync, real_seal = mod.os.replace, mod._fsync_dir, mod.seal_stream
def seal(pieces, out, ring, **kw):
    def gen():
        for p in pieces:
            yield p
            if point == "sealing" and count["n"] + 1 == nth:  # half-written under the new key
                out.flush(); die()
    return real_seal(gen(), out, ring, **kw)
def replace(a, b):  # os.replace is shared: count the renames over blobs only (not the custody head)
    if "/blobs/" not in str(b):
        return real_replace(a, b)
    count["n"] += 1
    if point == "sealed" and count["n"] == nth:
        die()
    real_replace(a, b)
def fsync_dir(d):
    real_fsync(d)
    if point == "renamed" and count["n"] == nth:
        die()
mod.seal_stream, mod.os.replace, mod._fsync_dir = seal, replace, fsync_dir
store = EvidenceStore(data, keys=Keyring.from_env(ring_env))
def logged(sha):
    if point == "logged" and count["n"] == nth:
        die()
mod.rekey(store, collector="officer", progress=logged)
"""


@pytest.mark.parametrize("point", ["sealing", "sealed", "renamed", "logged"])
def test_kill_9_mid_rekey_leaves_one_key_per_blob_and_resumes(tmp_path: Path, point: str) -> None:
    old = Keyring.generate()
    data = tmp_path / "data"
    payloads = _fill(data, old)
    new = old.rotated()
    src = str(Path(__file__).resolve().parents[2] / "src")
    proc = subprocess.run([sys.executable, "-c", _KILLER, str(data), new.to_env(), point, "3"],
                          env={**os.environ, "PYTHONPATH": src}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9, proc.stderr
    only_old = Keyring({"k1": old.keys["k1"]}, "k1")
    only_new = Keyring({"k2": new.keys["k2"]}, "k2")
    kids = Counter()
    for sha, _path in iter_blobs(EvidenceStore(data, keys=new)):
        assert _readable_under(data, only_old, sha) != _readable_under(data, only_new, sha), sha
        kids[blob_key_id(_path)] += 1
    moved = 2 if point in ("sealing", "sealed") else 3
    assert kids == Counter({"k1": N - moved, "k2": moved})

    store = EvidenceStore(data, keys=new)
    report = rekey(store, collector="officer")
    assert report.resealed == N - moved and report.recovered == (1 if point == "renamed" else 0)
    assert keys_in_use(store) == Counter({"k2": N})
    rekeys = [e.sha256 for e in store.entries() if e.action == REKEY]
    assert sorted(rekeys) == sorted(payloads)  # each blob logged exactly once
    final = store.verify()
    assert final.ok, final.problems
    for sha, body in payloads.items():
        with EvidenceStore(data, keys=only_new).open(sha) as blob:
            assert blob.read() == body


def test_retire_refused_while_a_blob_needs_the_key(ring: Keyring, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    data = get_settings().data_dir
    _fill(data, ring)
    rotated = ring.rotated()
    monkeypatch.setenv("LEAKTRACE_KEYRING", rotated.to_env())
    get_settings.cache_clear()
    assert main(["keys", "retire", "k1"]) == 3
    assert "still seals 6 evidence blob(s)" in capsys.readouterr().err
    assert main(["evidence", "rekey"]) == 0
    assert "no blob needs key(s) k1" in capsys.readouterr().out
    assert main(["keys", "retire", "k1"]) == 0
    out = capsys.readouterr().out.strip()
    assert Keyring.from_env(out.removeprefix("LEAKTRACE_KEYRING=")).keys == {"k2": rotated.keys["k2"]}
