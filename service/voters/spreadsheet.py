"""Reading the minutes spreadsheet (XLSX or CSV) into validated rows, refusing hostile files.

Nothing here touches the database: ``read_minutes(data, filename)`` returns each row's values
and errors (catalogue codes), or raises ``Invalid``/``TooLarge`` for a file that cannot be
read at all. The limits are checked before the expensive work:

- the uploaded file's size (``MAX_FILE_BYTES``, checked while it is received);
- for XLSX, the zip's central directory is read first (``zipfile`` reads only the directory):
  the number of entries, the declared uncompressed size of every entry and of all of them
  together, and the compression ratio; a zip bomb renamed ``.xlsx`` never reaches calamine;
- the number of data rows (``MAX_ROWS``), counted while the sheet is iterated.

Formulas are never evaluated: calamine returns the value the spreadsheet program cached when
it saved the file (a formula without a cached value reads as empty). CSV is decoded as UTF-8
(with or without a BOM), UTF-16 (with its BOM) or Windows-1258, whose decomposed tone marks
are composed (NFC); a file none of them decodes is refused with a clear message.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from service.errors import Invalid, TooLarge
from service.i18n import msg

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
MAX_COMPRESSION_RATIO = 200
MAX_ROWS = 5000
MAX_TEXT = 5000
MIN_TEXT = 3  # as OpinionCreate asks of a typed opinion
MAX_SHORT = 200
MAX_VOTERS = 100_000


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as the template writes it (Vietnamese)
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("number", "STT"),
    Column("text", "Nội dung ý kiến, kiến nghị", required=True),
    Column("topic", "Lĩnh vực"),
    Column("agency", "Cơ quan giải quyết"),
    Column("voters", "Số cử tri nêu"),
)
TEMPLATE_EXAMPLE: tuple[tuple[str, ...], ...] = (
    ("1", "Đề nghị sửa chữa tuyến đường Hàng Bông bị sụt lún", "Giao thông", "UBND phường", "3"),
    ("2", "Đề nghị tăng cường chiếu sáng ngõ 12 phố Hàng Gai", "Đô thị", "", "1"),
)


@dataclass
class RowResult:
    row_number: int  # as the spreadsheet numbers it (the header is row 1)
    values: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ReadSheet:
    file_format: str
    encoding: str | None
    rows: list[RowResult]

    @property
    def error_rows(self) -> int:
        return sum(1 for row in self.rows if row.errors)


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


_HEADERS = {_fold(column.header): column for column in COLUMNS}


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return unicodedata.normalize("NFC", str(value)).strip()


def _sniff_format(data: bytes, filename: str | None) -> str:
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    name = (filename or "").lower()
    if name.endswith((".xlsx", ".xlsm")):
        # Named like a workbook but not a zip: refused, never parsed as text.
        raise Invalid(msg("voters_import_not_xlsx"), field="file")
    if name.endswith((".xls", ".ods")) or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise Invalid(msg("voters_import_format"), field="file")
    return "csv"


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Invalid(msg("voters_import_not_xlsx"), field="file") from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise TooLarge(
                msg("voters_import_unpacked_too_large", limit_mb=_mb(MAX_UNCOMPRESSED_BYTES))
            )
        total = 0
        for entry in entries:
            total += entry.file_size
            ratio = entry.file_size / max(entry.compress_size, 1)
            if (
                entry.file_size > MAX_UNCOMPRESSED_BYTES
                or total > MAX_UNCOMPRESSED_BYTES
                or (entry.file_size > 1024 * 1024 and ratio > MAX_COMPRESSION_RATIO)
            ):
                raise TooLarge(
                    msg("voters_import_unpacked_too_large", limit_mb=_mb(MAX_UNCOMPRESSED_BYTES))
                )
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            raise Invalid(msg("voters_import_not_xlsx"), field="file")


def _mb(size: int) -> int:
    return size // (1024 * 1024)


def _xlsx_rows(data: bytes) -> Iterator[Sequence[Any]]:
    from python_calamine import CalamineError, CalamineWorkbook

    _check_zip(data)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        yield from sheet.iter_rows()
    except (CalamineError, ValueError, KeyError, IndexError, OSError) as exc:
        raise Invalid(msg("voters_import_not_xlsx"), field="file") from exc
    except Exception as exc:  # calamine's own errors (ZipError, XmlError, ...)
        if type(exc).__module__.startswith("python_calamine"):
            raise Invalid(msg("voters_import_not_xlsx"), field="file") from exc
        raise


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    else:
        candidates = ["utf-8", "cp1258"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            continue  # UTF-16 without a BOM, or a binary file
        return unicodedata.normalize("NFC", text), encoding
    raise Invalid(msg("voters_import_encoding"), field="file")


def _csv_rows(text: str) -> Iterator[Sequence[Any]]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise Invalid(msg("voters_import_csv_broken"), field="file") from exc


def _columns(header: Sequence[Any]) -> list[Column | None]:
    found: list[Column | None] = []
    for cell in header:
        found.append(_HEADERS.get(_fold(_cell_text(cell))))
    keys = [c.key for c in found if c is not None]
    missing = [c.header for c in COLUMNS if c.required and c.key not in keys]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    if missing or duplicated:
        raise Invalid(
            msg(
                "voters_import_columns",
                missing=", ".join(missing) or "-",
                expected=", ".join(c.header for c in COLUMNS),
            ),
            field="file",
        )
    return found


def _error(field_name: str, code: str, **params: Any) -> dict[str, Any]:
    return {"field": field_name, "code": code, "params": params}


def _validate(row_number: int, cells: dict[str, str]) -> RowResult:
    values: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    text = cells.get("text", "")
    if not text:
        errors.append(_error("text", "voters_row_text_missing"))
    elif len(text) < MIN_TEXT:
        errors.append(_error("text", "voters_row_too_short", limit=MIN_TEXT))
    elif len(text) > MAX_TEXT:
        errors.append(_error("text", "voters_row_too_long", limit=MAX_TEXT))
    elif text.startswith(("=", "+", "@")) and len(text) < 50 and " " not in text:
        # A formula text without a cached value (or a CSV cell written as a formula).
        errors.append(_error("text", "voters_row_formula"))
    values["text"] = text
    for key in ("topic", "agency"):
        value = cells.get(key, "")
        if len(value) > MAX_SHORT:
            errors.append(_error(key, "voters_row_too_long", limit=MAX_SHORT))
        values[key] = value or None
    raw = cells.get("voters", "")
    voters = 1
    if raw:
        try:
            voters = int(raw.replace(".", "").replace(",", "").strip())
        except ValueError:
            errors.append(_error("voters", "voters_row_voters_number", value=raw[:20]))
        else:
            if not 1 <= voters <= MAX_VOTERS:
                errors.append(_error("voters", "voters_row_voters_range", limit=MAX_VOTERS))
    values["voters"] = voters
    if any("\x00" in str(v) for v in values.values() if v is not None):
        errors.append(_error("text", "voters_row_nul"))
    return RowResult(row_number, values, errors)


def read_minutes(data: bytes, filename: str | None) -> ReadSheet:
    """Every data row of the first sheet, validated; blank rows skipped."""
    if not data:
        raise Invalid(msg("voters_import_empty"), field="file")
    if len(data) > MAX_FILE_BYTES:
        raise TooLarge(msg("voters_import_too_large", limit_mb=_mb(MAX_FILE_BYTES)))
    file_format = _sniff_format(data, filename)
    encoding: str | None = None
    if file_format == "xlsx":
        source = _xlsx_rows(data)
    else:
        text, encoding = decode_csv(data)
        source = _csv_rows(text)
    columns: list[Column | None] | None = None
    rows: list[RowResult] = []
    for index, raw in enumerate(source, start=1):
        cells = [_cell_text(value) for value in raw]
        if columns is None:
            if not any(cells):
                continue  # blank lines above the header
            columns = _columns(cells)
            header_row = index
            continue
        if not any(cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise TooLarge(msg("voters_import_too_many_rows", limit=MAX_ROWS))
        named = {
            column.key: cells[position]
            for position, column in enumerate(columns)
            if column is not None and position < len(cells)
        }
        rows.append(_validate(index, named))
    if columns is None:
        raise Invalid(msg("voters_import_empty"), field="file")
    del header_row
    return ReadSheet(file_format, encoding, rows)


def template_csv() -> bytes:
    """The template (UTF-8 with a BOM, which spreadsheet programs open as UTF-8)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.header for c in COLUMNS])
    writer.writerows(TEMPLATE_EXAMPLE)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet("Ý kiến cử tri")
    bold = workbook.add_format({"bold": True, "text_wrap": True})
    for position, column in enumerate(COLUMNS):
        sheet.write(0, position, column.header, bold)
    for row, values in enumerate(TEMPLATE_EXAMPLE, start=1):
        for position, value in enumerate(values):
            if position in (0, 4) and value:
                sheet.write_number(row, position, int(value))
            else:
                sheet.write(row, position, value)
    sheet.set_column(1, 1, 60)
    sheet.set_column(2, 3, 24)
    workbook.close()
    return out.getvalue()
