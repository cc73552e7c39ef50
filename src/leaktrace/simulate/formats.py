"""The dump formats seized in real cases, written block by block with reproducible bytes.

Every writer takes the same Arrow string columns; text formats join them
with Arrow kernels and write the joined buffer as-is. Containers carry no
wall-clock time: gzip mtime is 0, zip and xlsx entries carry FIXED_TIME, and
the xlsx document properties are pinned, so one seed gives one set of bytes.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

FIXED_TIME = (2024, 7, 1, 3, 0, 0)  # when the seller packed the dump (world time, not wall time)
XLSX_SHEET_ROWS = 1_000_000  # Excel's limit is 1,048,576 rows a sheet; sellers split well before
SQL_INSERT_ROWS = 1000

# The leak's columns, renamed the way a reseller relabels the victim's export
# (order_id, created_at, customer_name, id_card, mobile, address, product, amount;
# province, city and quantity were dropped).
FIELDS = ("order_id", "created_at", "name", "id_number", "mobile", "address", "product", "amount")
HEADER_ZH = ("订单编号", "下单时间", "收货人", "身份证号", "联系电话", "收货地址", "商品名称", "实付金额")
JSON_KEYS = ("orderNo", "time", "name", "idcard", "phone", "addr", "item", "price")
SQL_COLUMNS = ("order_no", "create_time", "consignee", "id_card", "phone", "address", "goods", "pay_amount")


@dataclass(frozen=True)
class Format:
    name: str
    filename: str
    encoding: str  # of the text inside
    delimiter: str | None  # None: not a delimited text file
    header: bool
    description: str


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("csv", "leak.csv", "utf-8", ",", True, "UTF-8 CSV with a header"),
    Format("csv-gb18030", "leak_gbk.csv", "gb18030", ",", True, "GB18030 CSV with a header"),
    Format("tsv", "leak.tsv", "utf-8", "\t", False, "UTF-8 TSV without a header"),
    Format("txt", "leak.txt", "gb18030", "----", False, "GB18030 text, `----` between fields, no header"),
    Format("psv", "leak.psv", "utf-8", "|", True, "UTF-8, `|` between fields, with a header"),
    Format("jsonl", "leak.jsonl", "utf-8", None, False, "JSON lines with English keys"),
    Format("sql", "leak.sql", "utf-8", None, False, "MySQL dump: CREATE TABLE and multi-row INSERTs"),
    Format("xlsx", "leak.xlsx", "utf-8", None, True, "Excel workbook, 1,000,000 rows a sheet"),
    Format("csv.gz", "leak.csv.gz", "utf-8", ",", True, "gzip of the UTF-8 CSV"),
    Format("zip", "leak.zip", "gb18030", ",", True, "zip holding the GB18030 CSV"),
)}


def parse_formats(raw: str) -> list[str]:
    from leaktrace.core.errors import InputError

    names = [f.strip() for f in raw.split(",") if f.strip()]
    if names == ["all"]:
        return list(FORMATS)
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise InputError(f"--formats: unknown format {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)} or all")
    return list(dict.fromkeys(names))


def joined_lines(cols: list[pa.Array], sep: str) -> bytes:
    """Fields joined by `sep`, one line per row, as the bytes of the file."""
    lines = pc.binary_join_element_wise(*cols, sep)
    return _buffer_bytes(pc.binary_join_element_wise(lines, "\n", ""))


def _buffer_bytes(arr: pa.Array) -> bytes:
    """The data buffer of a string array: its values back to back."""
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    offsets = arr.buffers()[1]
    start = int.from_bytes(offsets[arr.offset * 4 : arr.offset * 4 + 4], "little", signed=True)
    end_at = (arr.offset + len(arr)) * 4
    end = int.from_bytes(offsets[end_at : end_at + 4], "little", signed=True)
    return arr.buffers()[2].to_pybytes()[start:end] if len(arr) else b""


class DumpWriter:
    """Streams blocks of the leak into one file in one format."""

    def __init__(self, fmt: Format, path: Path) -> None:
        self.fmt, self.path = fmt, path
        self._raw: BinaryIO = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._out: BinaryIO = self._raw
        self._zip: zipfile.ZipFile | None = None
        self._xlsx: _XlsxWriter | None = None
        self._write_text: Callable[[list[pa.Array]], bytes] = self._delimited
        if fmt.name == "csv.gz":
            self._out = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=6)  # type: ignore[assignment]
        elif fmt.name == "zip":
            self._zip = zipfile.ZipFile(self._raw, "w", zipfile.ZIP_DEFLATED)
            self._out = self._zip.open(_zipinfo("leak.csv"), "w", force_zip64=True)  # type: ignore[assignment]
        if fmt.name == "jsonl":
            self._write_text = self._jsonl
        elif fmt.name == "sql":
            self._write_text = self._sql
            self._out.write(_sql_head())
        elif fmt.name == "xlsx":
            self._xlsx = _XlsxWriter()
        elif fmt.header:
            self._out.write(_encode(fmt.delimiter.join(HEADER_ZH) + "\n", fmt.encoding))  # type: ignore[union-attr]

    def write(self, cols: list[pa.Array]) -> None:
        if self._xlsx is not None:
            self._xlsx.append(cols)
            return
        data = self._write_text(cols)
        if self.fmt.encoding != "utf-8":
            data = data.decode("utf-8").encode(self.fmt.encoding)
        self._out.write(data)

    def close(self) -> None:
        if self._xlsx is not None:
            self._raw.write(self._xlsx.finish())
        elif self.fmt.name == "sql":
            self._out.write(b"UNLOCK TABLES;\n/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;\n"
                            b"-- Dump completed on 2024-07-01  3:00:00\n")
        if self._out is not self._raw:
            self._out.close()
        if self._zip is not None:
            self._zip.close()
        self._raw.close()

    def _delimited(self, cols: list[pa.Array]) -> bytes:
        return joined_lines(cols, self.fmt.delimiter or ",")

    def _jsonl(self, cols: list[pa.Array]) -> bytes:
        # Values never hold quotes, backslashes or control characters (vocab.py), so no escaping.
        parts: list[pa.Array | str] = []
        for i, (key, col) in enumerate(zip(JSON_KEYS, cols, strict=True)):
            parts.extend([('{"' if i == 0 else '","') + f'{key}":"', col])
        parts.append('"}\n')
        return _buffer_bytes(pc.binary_join_element_wise(*parts, ""))

    def _sql(self, cols: list[pa.Array]) -> bytes:
        n = len(cols[0])
        idx = np.arange(n)
        head = np.where(idx % SQL_INSERT_ROWS == 0, f"INSERT INTO `{SQL_TABLE}` VALUES ", "")
        end_stmt = (idx % SQL_INSERT_ROWS == SQL_INSERT_ROWS - 1) | (idx == n - 1)
        tail = np.where(end_stmt, ");\n", "),")
        parts: list[pa.Array | str] = [pa.array(head, pa.string()), "('"]
        for i, col in enumerate(cols):
            parts.extend([col, "','" if i < len(cols) - 1 else "'"])
        parts.append(pa.array(tail, pa.string()))
        return _buffer_bytes(pc.binary_join_element_wise(*parts, ""))


SQL_TABLE = "t_order_export"


def _sql_head() -> bytes:
    cols = ",\n".join(f"  `{c}` varchar(64) DEFAULT NULL" for c in SQL_COLUMNS)
    return (
        "-- MySQL dump 10.13  Distrib 5.7.44, for Linux (x86_64)\n--\n-- Host: 10.0.3.17    Database: shop_prod\n"
        "-- ------------------------------------------------------\n"
        "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n/*!40101 SET NAMES utf8mb4 */;\n\n"
        f"DROP TABLE IF EXISTS `{SQL_TABLE}`;\nCREATE TABLE `{SQL_TABLE}` (\n{cols}\n"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n\n"
        f"LOCK TABLES `{SQL_TABLE}` WRITE;\n"
    ).encode()


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding)


def _zipinfo(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.create_system = 3
    return info


class _XlsxWriter:
    """openpyxl's write-only workbook, then re-zipped with pinned times."""

    def __init__(self) -> None:
        from openpyxl import Workbook

        self.wb = Workbook(write_only=True)
        self.ws = None
        self.rows_in_sheet = XLSX_SHEET_ROWS

    def append(self, cols: list[pa.Array]) -> None:
        for row in zip(*(c.to_pylist() for c in cols), strict=True):
            if self.rows_in_sheet >= XLSX_SHEET_ROWS:
                self.ws = self.wb.create_sheet(f"Sheet{len(self.wb.worksheets) + 1}")
                self.ws.append(list(HEADER_ZH))
                self.rows_in_sheet = 0
            self.ws.append(row)  # type: ignore[union-attr]
            self.rows_in_sheet += 1

    def finish(self) -> bytes:
        import datetime as dt

        if self.ws is None:
            self.ws = self.wb.create_sheet("Sheet1")
            self.ws.append(list(HEADER_ZH))
        pinned = dt.datetime(*FIXED_TIME)
        self.wb.properties.created = pinned
        self.wb.properties.modified = pinned
        self.wb.properties.creator = "shop_prod"
        buf = io.BytesIO()
        self.wb.save(buf)
        return repin_zip(buf.getvalue())


_W3CDTF = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def repin_zip(data: bytes) -> bytes:
    """Rewrite a zip with every entry's time (and any document timestamps) pinned."""
    stamp = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*FIXED_TIME).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                body = _W3CDTF.sub(lambda m: m.group(1) + stamp + m.group(2), body)
            dst.writestr(_zipinfo(item.filename), body)
    return out.getvalue()
