"""Numbers to text with Arrow compute kernels: a million rows' strings in well under a second.

Formatting row by row in Python costs ~1 µs per field; Arrow's take, cast,
pad and element-wise join do the same in C++ over whole columns, and the
joined lines' data buffer is already the bytes of the file.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from leaktrace.simulate.geo import mobile_prefixes, province_full_names
from leaktrace.simulate.people import CHECK_TEXT, People
from leaktrace.simulate.vocab import vocab


@lru_cache(maxsize=1)
def _tables() -> dict[str, object]:
    voc, mp = vocab(), mobile_prefixes()
    city_flat: list[str] = []
    city_off: list[int] = []
    for cities in mp.cities:
        city_off.append(len(city_flat))
        city_flat.extend(c + "市" if c else "" for c in cities)
    return {
        "surname": pa.array(voc.surnames),
        "given": pa.array(voc.given_male + voc.given_female),
        "n_male": len(voc.given_male),
        "province": pa.array(province_full_names()),
        "city": pa.array(city_flat),
        "city_off": np.array(city_off, dtype=np.int64),
        "district": pa.array(voc.districts),
        "street": pa.array(voc.streets),
        "product": pa.array(voc.products),
        "check": pa.array(CHECK_TEXT),
    }


def _str(a: NDArray[np.integer]) -> pa.Array:
    return pc.cast(pa.array(a), pa.string())


def _take(table: object, idx: NDArray[np.integer]) -> pa.Array:
    assert isinstance(table, pa.Array)
    return table.take(pa.array(idx))


_CHECK_ASCII = np.frombuffer("".join(CHECK_TEXT).encode(), dtype=np.uint8)


def digits(values: NDArray[np.int64], width: int) -> NDArray[np.uint8]:
    """Zero-padded ASCII digits, one row per value: (n, width) uint8."""
    out = np.empty((len(values), width), dtype=np.uint8)
    v = values.copy()
    for i in range(width - 1, -1, -1):
        out[:, i] = 48 + v % 10
        v //= 10
    return out


def fixed(mat: NDArray[np.uint8]) -> pa.Array:
    """(n, width) ASCII matrix -> Arrow string array without a per-row step."""
    n, w = mat.shape
    offsets = np.arange(0, n * w + 1, w, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(mat)))


def civil(seconds: NDArray[np.int64]) -> tuple[NDArray[np.int64], ...]:
    """(year, month, day, second of day) from Unix seconds (Hinnant's days_from_civil inverse)."""
    days, sod = np.divmod(seconds, 86_400)
    z = days + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day, sod


def _ymd(seconds: NDArray[np.int64]) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    y, m, d, sod = civil(seconds)
    return digits(y * 10_000 + m * 100 + d, 8), sod


def id_strings(body: NDArray[np.int64], check: NDArray[np.int64]) -> pa.Array:
    return fixed(np.hstack([digits(body, 17), _CHECK_ASCII[check][:, None]]))


def person_strings(p: People) -> dict[str, pa.Array]:
    t = _tables()
    given = p.given + np.where(p.male, 0, int(t["n_male"]))  # type: ignore[call-overload]
    city = t["city_off"][p.addr_prov] + p.city  # type: ignore[index]
    address = pc.binary_join_element_wise(
        _take(t["province"], p.addr_prov), _take(t["city"], city), _take(t["district"], p.district),
        _take(t["street"], p.street), _str(p.house), "号", _str(p.building), "栋", _str(p.room), "室", "",
    )
    return {
        "name": pc.binary_join_element_wise(_take(t["surname"], p.surname), _take(t["given"], given), ""),
        "id_number": id_strings(p.id_body, p.id_check),
        "mobile": fixed(digits(p.mobile, 11)),
        "address": address,
    }


def time_strings(seconds: NDArray[np.int64]) -> pa.Array:
    """`YYYY-MM-DD HH:MM:SS` (UTC); pc.strftime is ~20x slower."""
    ymd, sod = _ymd(seconds)
    hms = digits((sod // 3600) * 10_000 + (sod // 60 % 60) * 100 + sod % 60, 6)
    n = len(seconds)
    dash, colon, space = (np.full((n, 1), ord(c), dtype=np.uint8) for c in "-: ")
    return fixed(np.hstack([ymd[:, :4], dash, ymd[:, 4:6], dash, ymd[:, 6:], space,
                            hms[:, :2], colon, hms[:, 2:4], colon, hms[:, 4:]]))


def order_strings(
    order_key: NDArray[np.int64], created: NDArray[np.int64], product: NDArray[np.int64], cents: NDArray[np.int64]
) -> dict[str, pa.Array]:
    t = _tables()
    ymd, _ = _ymd(created)
    return {
        "order_id": fixed(np.hstack([ymd, digits(order_key, 12)])),
        "created_at": time_strings(created),
        "product": _take(t["product"], product),
        "amount": pc.binary_join_element_wise(_str(cents // 100), pc.utf8_lpad(_str(cents % 100), 2, "0"), "."),
    }
