"""The trafficking model: linear weights over `intel.features`, stored as `.npz` (never pickle).

Two linear models share one feature space (hashed buckets, `intel.features`): a binary one (trafficking or not)
whose margin goes through a Platt sigmoid fitted on held-out data, so the
score reads as a probability, and a multinomial one over the data
categories, asked only when the post is trafficking. Prediction is one
vectorised table look-up and a sum: no scikit-learn at run time, and loading
never executes code from the file (`allow_pickle=False`).

The shipped model is `intel/data/model.npz`; `leaktrace intel train` writes
`<data dir>/intel/model.npz`, which is then preferred, and the setting
`intel_model` (`LEAKTRACE_INTEL_MODEL`) names any other file. The entry point
resolves which (`pipeline.Context.intel_model`); stages take the model.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from leaktrace.core.errors import ConfigError, location
from leaktrace.intel.features import BITS

ENV_VAR = "LEAKTRACE_INTEL_MODEL"
FORMAT = "leaktrace-intel-model/2"
CATEGORY_MIN_PROB = 0.3


@dataclass(frozen=True)
class Prediction:
    """Calibrated trafficking score and the data categories, most likely first."""

    trafficking: bool
    score: float
    categories: list[str]
    category_probs: dict[str, float] = field(default_factory=dict)


@dataclass
class TraffickingModel:
    """Weights for the feature buckets seen in training (`buckets`, sorted), one row each."""

    buckets: NDArray[np.int64]
    weights: NDArray[np.float32]  # binary, one per known bucket
    bias: float
    cat_weights: NDArray[np.float32]  # known buckets x categories
    cat_bias: NDArray[np.float32]
    categories: list[str]
    platt: tuple[float, float] = (1.0, 0.0)
    threshold: float = 0.5
    meta: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Dense bucket -> row table (4 MB): one vectorised look-up per post.
        self._row = np.full(1 << BITS, -1, dtype=np.int32)
        self._row[self.buckets] = np.arange(len(self.buckets), dtype=np.int32)
        # Names the weights, so stored verdicts say which model gave them (a retrain changes it).
        digest = zlib.crc32(self.buckets.astype(np.int64).tobytes())
        digest = zlib.crc32(self.weights.astype(np.float32).tobytes(), digest)
        digest = zlib.crc32(np.asarray(self.platt, dtype=np.float64).tobytes(), digest)
        self.version = f"intel-{digest:08x}"

    def rows(self, ids: NDArray[np.int64]) -> NDArray[np.int32]:
        """Distinct rows of the known buckets among `ids` (features are present/absent).

        An in-place sort and a neighbour compare: several times faster than a Python set
        or `np.unique` on the few hundred ids of a post.
        """
        r = self._row[ids]
        r = r[r >= 0]
        if len(r) < 2:
            return r
        r.sort()
        keep = np.empty(len(r), dtype=bool)
        keep[0] = True
        np.not_equal(r[1:], r[:-1], out=keep[1:])
        return r[keep]

    def margin(self, ids: NDArray[np.int64]) -> tuple[float, NDArray[np.int32]]:
        """Bias plus the weights of the known features, and their rows."""
        rows = self.rows(ids)
        return self.bias + float(self.weights[rows].sum(dtype=np.float64)), rows

    def calibrate(self, margin: float) -> float:
        a, c = self.platt
        z = a * margin + c
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0

    def predict(self, ids: NDArray[np.int64]) -> Prediction:
        m, rows = self.margin(ids)
        score = self.calibrate(m)
        trafficking = score >= self.threshold
        if not trafficking or not self.categories:
            return Prediction(trafficking, score, [])
        probs = self.category_probs(rows)
        order = sorted(probs, key=probs.__getitem__, reverse=True)
        cats = [order[0]] + [c for c in order[1:3] if probs[c] >= CATEGORY_MIN_PROB]
        return Prediction(trafficking, score, cats, probs)

    def category_probs(self, rows: NDArray[np.int32]) -> dict[str, float]:
        z = self.cat_bias.astype(np.float64)
        if len(rows):
            z = z + self.cat_weights[rows].sum(axis=0, dtype=np.float64)
        z = np.exp(z - z.max())
        p = (z / z.sum()).tolist()
        return dict(zip(self.categories, p, strict=True))

    # -- storage -------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write atomically: the file is complete or absent."""
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = dict(self.meta, format=FORMAT, bits=BITS, categories=self.categories, platt=list(self.platt),
                    threshold=self.threshold, bias=self.bias)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".model-", suffix=".npz")
        os.close(fd)
        try:
            with open(tmp, "wb") as fh:
                np.savez_compressed(
                    fh,
                    buckets=self.buckets.astype(np.int32),
                    weights=self.weights.astype(np.float32),
                    cat_weights=self.cat_weights.astype(np.float16),
                    cat_bias=self.cat_bias.astype(np.float32),
                    meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
                )
            os.chmod(tmp, 0o644)  # mkstemp makes 0600; a model is not a secret
            os.replace(tmp, path)
            _last.clear()  # this process sees a model it wrote at once
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    @classmethod
    def load(cls, path: Path | str) -> TraffickingModel:
        label = str(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(bytes(z["meta"]).decode("utf-8"))
                buckets = z["buckets"].astype(np.int64)
                weights = z["weights"].astype(np.float32)
                cat_w = z["cat_weights"].astype(np.float32)
                cat_b = z["cat_bias"].astype(np.float32)
        except FileNotFoundError as exc:
            raise ConfigError(f"{location(label)}: intel model not found") from exc
        except (OSError, ValueError, KeyError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{location(label)}: not a leaktrace intel model ({exc})") from exc
        ok = (meta.get("format") == FORMAT and meta.get("bits") == BITS and len(buckets) == len(weights)
              and cat_w.shape[0] == len(buckets) and cat_w.shape[1] == len(meta.get("categories", []))
              and (len(buckets) == 0 or (buckets.min() >= 0 and buckets.max() < (1 << BITS))))
        if not ok:
            raise ConfigError(f"{location(label)}: not a {FORMAT} file with {BITS}-bit features, or its arrays disagree")
        return cls(
            buckets=buckets, weights=weights, bias=float(meta["bias"]),
            cat_weights=cat_w, cat_bias=cat_b, categories=list(meta["categories"]),
            platt=(float(meta["platt"][0]), float(meta["platt"][1])), threshold=float(meta["threshold"]),
            meta=meta,
        )


def user_model_path(data_dir: Path) -> Path:
    """Where `leaktrace intel train` writes by default."""
    return data_dir / "intel" / "model.npz"


@lru_cache(maxsize=1)
def builtin_model_path() -> Path:
    return Path(str(resources.files("leaktrace.intel.data").joinpath("model.npz")))


def model_path(configured: Path | None = None, data_dir: Path | None = None) -> Path:
    """The configured file (setting `intel_model`), else a model trained into `data_dir`, else the shipped one."""
    if configured is not None and str(configured).strip():
        return Path(configured)
    if data_dir is not None:
        user = user_model_path(data_dir)
        if user.exists():
            return user
    return builtin_model_path()


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float) -> TraffickingModel:
    return TraffickingModel.load(path)


RECHECK_S = 1.0
_last: dict[object, tuple[float, TraffickingModel]] = {}


def configured_model(configured: Path | None = None, data_dir: Path | None = None) -> TraffickingModel:
    """The model `model_path(configured, data_dir)` names, loaded once per file version.

    Called once per post by the pipeline, so the file system is asked again only when the
    choice changes or a second has passed (a retrained model is picked up within that).
    """
    key = (str(configured or ""), str(data_dir or ""))
    now = time.monotonic()
    seen = _last.get(key)
    if seen is not None and now - seen[0] < RECHECK_S:
        return seen[1]
    p = model_path(configured, data_dir)
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise ConfigError(f"{location(str(p))}: intel model not found (set {ENV_VAR} or run `leaktrace intel train`)") from exc
    model = _cached(str(p), mtime)
    if len(_last) > 16:
        _last.clear()
    _last[key] = (now, model)
    return model


def default_model() -> TraffickingModel:
    """The shipped model: what a stage uses when its caller names none (library use, tests)."""
    return configured_model()
