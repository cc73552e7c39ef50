"""A case's captures as one WACZ package, so they replay in ReplayWeb.page and other web-archive tools.

Each capture blob is already a WARC (request + response, gzip per record);
it goes into the WACZ unchanged as `archive/<sha256>.warc.gz`, so the
package's own inventory (`datapackage.json`, `sha256:` per resource) names
exactly the evidence SHA-256 a court already holds for it. The index,
page list and datapackage are written by the `wacz` package (webrecorder's
py-wacz), not by hand. The WACZ is built in a private temporary folder and
renamed into place.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from leaktrace.core.errors import IntegrityError
from leaktrace.core.private_files import FILE_MODE, private_dir
from leaktrace.evidence.evidence_store import EvidenceStore
from leaktrace.evidence.warc import MEDIA_TYPE

ARCHIVE_SUFFIX = ".warc.gz"


@dataclass(frozen=True)
class WaczResult:
    path: Path
    captures: int
    resources: dict[str, str]  # path in the WACZ -> its sha256 from datapackage.json


def _run_wacz(argv: list[str]) -> tuple[int, str]:
    from wacz.main import main as wacz_main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = wacz_main(argv)
    return int(code or 0), out.getvalue()


def write_wacz(store: EvidenceStore, shas: Sequence[str], dest: Path, *, title: str) -> WaczResult:
    """Write the WARC captures among `shas` as a WACZ at `dest`; IntegrityError if one does not re-hash."""
    private_dir(dest.parent)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".wacz-") as tmp:
        work = Path(tmp)
        inputs: list[str] = []
        for sha in dict.fromkeys(shas):
            path = work / f"{sha}{ARCHIVE_SUFFIX}"
            with store.open(sha) as blob, path.open("wb") as out:
                for piece in blob.iter_chunks():
                    out.write(piece)
            inputs.append(str(path))
        built = work / "out.wacz"
        code, text = _run_wacz(["create", "-o", str(built), "--detect-pages", "--hash-type", "sha256",
                                "--title", title, *inputs])
        if code != 0:
            raise IntegrityError(f"{dest}: WACZ not written ({text.strip().splitlines()[-1:]})")
        resources = read_resources(built)
        for sha in dict.fromkeys(shas):
            name = f"archive/{sha}{ARCHIVE_SUFFIX}"
            if resources.get(name) != sha:
                raise IntegrityError(f"{dest}: {name} is listed with {resources.get(name)}, not its evidence SHA-256")
        os.chmod(built, FILE_MODE)
        os.replace(built, dest)
    return WaczResult(dest, len(inputs), resources)


def read_resources(path: Path) -> dict[str, str]:
    """datapackage.json's resources: path -> hex SHA-256."""
    with zipfile.ZipFile(path) as zf:
        doc = json.loads(zf.read("datapackage.json"))
    return {r["path"]: str(r.get("hash", "")).removeprefix("sha256:") for r in doc.get("resources", [])}


def validate_wacz(path: Path) -> tuple[bool, str]:
    """`wacz validate`: the package's structure, file hashes and datapackage digest."""
    code, text = _run_wacz(["validate", "-f", str(path)])
    return code == 0, text


def capture_shas(summaries: Sequence[dict[str, object]], shas: Sequence[str]) -> list[str]:
    """The WARC captures among `shas` (dumps and other files are not web archives)."""
    media = {str(s["sha256"]): s.get("media_type") for s in summaries}
    return [s for s in shas if media.get(s) == MEDIA_TYPE]
