"""A UTF-8 `dump analyze` never imports pandas (~0.5-0.8 CPU-s with pyarrow.compute: a fifth of a 10^6-row run).

pyarrow imports pandas on its first `pa.array`/`pa.scalar`/`to_numpy`;
the analysis builds and reads its Arrow arrays through their buffers
(`core.arrow_buffers`). Run in a child: this test process has pandas already.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from leaktrace.core.arrow_buffers import int64_values, int_array, valid_mask, with_nulls_of
from leaktrace.core.keyring import Keyring

CHILD = r"""
import sys
from pathlib import Path
from leaktrace.core.keyring import Keyring
from leaktrace.dumps.analyze import analyze_dump
from leaktrace.dumps.options import AnalyzeOptions
r = analyze_dump(Path(sys.argv[1]), AnalyzeOptions(region_mode=sys.argv[3]), data_dir=Path(sys.argv[2]),
                 keys=Keyring.from_env(sys.argv[4]))
assert r.rows == 3 and r.distinct_valid_ids == 1 and r.distinct_valid_mobiles == 2, r
print("pandas" in sys.modules, "pyarrow.compute" in sys.modules)
"""


@pytest.mark.parametrize("mode", ["lenient", "strict"])
def test_utf8_analysis_imports_no_pandas(tmp_path: Path, mode: str) -> None:
    csv = tmp_path / "d.csv"
    csv.write_text("name,id,phone,address\n张三,11010519491231002X,13800138000,北京市朝阳区\n"
                   "李四,110105194912310029,13900139000,上海市\n王五,,13800138000,\n", "utf-8")
    out = subprocess.run([sys.executable, "-c", CHILD, str(csv), str(tmp_path / "data"), mode,
                          Keyring.generate().to_env()], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False", "False"]


def test_int_array_and_masks_round_trip() -> None:
    vals = np.array([5, -1, 7, 9, 11], dtype=np.int64)
    ok = np.array([True, False, True, True, False])
    arr = int_array(vals, pa.int64(), ok)
    assert arr.to_pylist() == [5, None, 7, 9, None]
    part = arr.slice(1, 3)  # an offset into the bitmap and the data
    assert valid_mask(part).tolist() == [False, True, True]
    assert int64_values(part)[1:].tolist() == [7, 9]
    assert int_array([1, 2], pa.int32()).to_pylist() == [1, 2]
    res = pa.array(["a", "b", "c"])
    assert with_nulls_of(res, part).to_pylist() == [None, "b", "c"]
    assert with_nulls_of(res, pa.array([1, 2, 3])) is res
