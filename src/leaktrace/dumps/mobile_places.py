"""The 7-digit mobile prefix -> province/city table, in bulk, from the scalar detector's own source.

`pii.detectors.cn_mobile.prefix_attrs` answers one prefix at a time (~8 ms:
it also asks phonenumbers for the carrier), far too slow for the ~10^5
distinct prefixes of a large dump. Its place comes from the `phone`
package's table first; this module reads that same table whole (numpy over
the index, one parse per distinct record) and applies the same
`match_province` mapping, so both give the same answer (a test samples
prefixes and compares with `prefix_attrs`). Prefixes the table lacks fall
back to `prefix_attrs` itself, one by one.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa

from leaktrace.core.arrow_buffers import int_array
from leaktrace.pii.detectors._geo import match_province
from leaktrace.pii.detectors.cn_mobile import _phone_db, prefix_attrs


@lru_cache(maxsize=1)
def _bulk() -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """(prefix, province code or -1, city id or -1, city names) for every prefix the `phone` table knows."""
    db = _phone_db()
    buf = db.buf
    n = db.phone_record_count
    idx = np.frombuffer(buf, dtype=np.dtype([("p", "<i4"), ("off", "<i4"), ("t", "u1")]),
                        count=n, offset=db.first_phone_record_offset)
    offs, inv = np.unique(idx["off"], return_inverse=True)
    provs = np.full(len(offs), -1, dtype=np.int32)
    cities = np.full(len(offs), -1, dtype=np.int32)
    names: dict[str, int] = {}
    for k, off in enumerate(offs):
        end = buf.find(b"\0", int(off))
        province, city = buf[int(off):end].decode("utf-8").split("|")[:2]
        place = match_province(province) if province else None
        if place is None:
            continue
        provs[k] = int(place[0])
        if city:
            cities[k] = names.setdefault(f"{place[0]}|{city}", len(names))
    return idx["p"].astype(np.int64), provs[inv], cities[inv], list(names)


def prefix_table(extra_prefixes: list[int], only: np.ndarray | None = None) -> tuple[pa.Table, list[str]]:
    """Arrow table (prefix, prov, city) + city names; `extra_prefixes` (unknown to the bulk table) via prefix_attrs.

    `only`: keep just these prefixes of the bulk table (a dump's own, a few
    of its ~5 * 10^5 rows), chosen with numpy before any Arrow array is made.
    """
    p, prov, city, names = _bulk()
    names = list(names)
    lookup = {n: i for i, n in enumerate(names)}
    ep, eprov, ecity = [], [], []
    for x in extra_prefixes:
        a = prefix_attrs(f"{x:07d}")
        code = a.get("province_code")
        ep.append(x)
        eprov.append(int(code) if code else None)
        c = a.get("city")
        ecity.append(lookup.setdefault(f"{code}|{c}", len(lookup)) if c and code else None)
    names = list(lookup)
    keep = prov >= 0
    if only is not None:
        keep &= np.isin(p, only)
    # Built from numpy buffers (core.arrow_buffers): pa.array would make pyarrow import pandas.
    eprov_ok = np.array([v is not None for v in eprov], dtype=bool)
    ecity_ok = np.array([v is not None for v in ecity], dtype=bool)
    tbl = pa.Table.from_arrays([
        int_array(np.concatenate([p[keep], np.array(ep, dtype=np.int64)]), pa.int64()),
        int_array(np.concatenate([prov[keep], np.array([v or 0 for v in eprov], dtype=np.int32)]), pa.int32(),
                  np.concatenate([np.ones(int(keep.sum()), dtype=bool), eprov_ok])),
        int_array(np.concatenate([np.where(city[keep] >= 0, city[keep], 0), np.array([v or 0 for v in ecity], dtype=np.int32)]),
                  pa.int32(), np.concatenate([city[keep] >= 0, ecity_ok])),
    ], names=["prefix", "prov", "city"])
    return tbl, [n.split("|", 1)[1] for n in names]


def known_prefixes() -> np.ndarray:
    p, prov, _c, _n = _bulk()
    return p[prov >= 0]
