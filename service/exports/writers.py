"""The two file formats, written row by row.

CSV: UTF-8 with a byte-order mark (without it Excel reads UTF-8 as the machine's code page
and the Vietnamese comes out garbled), CRLF line ends (RFC 4180), a page of rows encoded at
a time. A text cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``,
``-``, ``@`` or a tab or carriage return; a citizen writes the titles) gets a leading
apostrophe, as OWASP's CSV-injection advice says.

XLSX: a workbook is a zip whose directory comes last, so it cannot be sent while it is being
written; ``xlsxwriter`` in ``constant_memory`` mode writes each row to its own temporary file
as soon as the next row starts (memory stays at one row), and ``close()`` zips it into one
file, which is then streamed and deleted. Texts go through ``write_string`` (never
``write``, which would turn ``=...`` into a formula); moments are real dates with a
dd/mm/yyyy format, so the sheet sorts and filters them.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter

from service.exports.columns import Column, ColumnKind, Row, formatted, local_moment, text_of

BOM = "\ufeff".encode()
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
READ_CHUNK = 256 * 1024
# Excel's last row is 1,048,576: the header and the rows of one sheet must fit.
XLSX_MAX_ROWS = 1_048_575


def safe_text(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(rows: Sequence[Sequence[str]]) -> bytes:
    """``rows`` (already text) as CSV bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode()


def csv_row(row: Row, columns: Sequence[Column], zone: ZoneInfo) -> list[str]:
    out = []
    for value, column in zip(row, columns, strict=True):
        text = formatted(value, column.kind, zone)
        out.append(safe_text(text) if isinstance(value, str) else text)
    return out


class XlsxFile:
    """One sheet written row by row into a temporary file (see the module's docstring).
    Its methods block (disk, zip): the stream runs them in a worker thread."""

    def __init__(self, title: str, columns: Sequence[Column], zone: ZoneInfo) -> None:
        self.directory = tempfile.mkdtemp(prefix="giamsat-export-")
        self.path = Path(self.directory) / "export.xlsx"
        self.columns = list(columns)
        self.zone = zone
        self.workbook = xlsxwriter.Workbook(
            str(self.path),
            {"constant_memory": True, "tmpdir": self.directory, "strings_to_formulas": False},
        )
        # A sheet's name: at most 31 characters, none of []:*?/\ (Excel's rule).
        name = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Sheet1"
        self.sheet = self.workbook.add_worksheet(name)
        self.bold = self.workbook.add_format({"bold": True})
        self.day = self.workbook.add_format({"num_format": "dd/mm/yyyy"})
        self.minute = self.workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        self.row = 0
        for index, column in enumerate(self.columns):
            self.sheet.set_column(index, index, column.sheet_width)

    def write_header(self, headers: Sequence[str]) -> None:
        for index, header in enumerate(headers):
            self.sheet.write_string(self.row, index, text_of(header), self.bold)
        self.sheet.freeze_panes(1, 0)
        self.row += 1

    def write_rows(self, rows: Sequence[Row]) -> None:
        for row in rows:
            for index, (value, column) in enumerate(zip(row, self.columns, strict=True)):
                self._cell(index, value, column)
            self.row += 1

    def write_note(self, note: str) -> None:
        self.sheet.write_string(self.row, 0, text_of(note), self.bold)
        self.row += 1

    def _cell(self, index: int, value: Any, column: Column) -> None:
        if value is None:
            return  # constant_memory: an empty cell is simply not written
        if isinstance(value, date):
            moment = local_moment(value, self.zone)
            if column.kind is ColumnKind.datetime and isinstance(moment, datetime):
                self.sheet.write_datetime(self.row, index, moment, self.minute)
            else:
                day = moment.date() if isinstance(moment, datetime) else moment
                self.sheet.write_datetime(self.row, index, day, self.day)
        elif isinstance(value, int | float):
            self.sheet.write_number(self.row, index, value)
        else:
            self.sheet.write_string(self.row, index, text_of(str(value)))

    def close(self) -> None:
        self.workbook.close()

    def chunks(self) -> Iterator[bytes]:
        with self.path.open("rb") as file:
            while chunk := file.read(READ_CHUNK):
                yield chunk

    def remove(self) -> None:
        for entry in Path(self.directory).iterdir():
            entry.unlink(missing_ok=True)
        os.rmdir(self.directory)
