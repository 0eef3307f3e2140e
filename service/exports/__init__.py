"""Exports of the staff lists as CSV and XLSX: every list, as filtered on screen.

Infrastructure (it imports no domain): a list declares its columns (a catalogue code for each
header, the kind of value) and hands over its own page function, the one its screen and its
API use (same filters, same area scope, same redaction), taking a keyset cursor. The export
asks for the first page inside the request (a bad filter or cursor is still a problem+json
answer, and the audit event commits with the request), then streams the rest page by page
on a session of its own: the request's session is committed and closed when the response
starts, and no more than one page of rows is in memory at any time.

- :mod:`.columns`: the declarations and the cell values (dates in the reader's time zone);
- :mod:`.names`: the directory's names beside codes, read once per export;
- :mod:`.writers`: the CSV rows (UTF-8 with a BOM, formula-safe) and the XLSX workbook
  (``xlsxwriter`` in ``constant_memory`` mode, into a temporary file, then streamed);
- :mod:`.stream`: the streamed response, its size limit and its file name.
"""

from service.exports.columns import (
    Cell,
    Column,
    ColumnKind,
    ExportList,
    Field,
    Page,
    cells_of,
    columns_of,
)
from service.exports.names import DirectoryNames
from service.exports.stream import (
    EXPORT_OPT,
    LIST_EXPORT,
    NO_STORE,
    ExportFormat,
    ExportFormatParam,
    ListExport,
    export_response,
    provide_list_export,
    start_export,
)

__all__ = [
    "EXPORT_OPT",
    "LIST_EXPORT",
    "NO_STORE",
    "Cell",
    "Column",
    "ColumnKind",
    "DirectoryNames",
    "ExportFormat",
    "ExportFormatParam",
    "ExportList",
    "Field",
    "ListExport",
    "Page",
    "cells_of",
    "columns_of",
    "export_response",
    "provide_list_export",
    "start_export",
]
