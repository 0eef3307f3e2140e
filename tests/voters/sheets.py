"""Minutes spreadsheets for the tests, written with xlsxwriter (as a spreadsheet program
would save them: formulas with their cached values)."""

import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter

HEADER = ["STT", "Nội dung ý kiến, kiến nghị", "Lĩnh vực", "Cơ quan giải quyết", "Số cử tri nêu"]


def xlsx(rows: Sequence[Sequence[Any]], header: Sequence[str] = HEADER) -> bytes:
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, header)
    for index, row in enumerate(rows, start=1):
        for position, value in enumerate(row):
            if isinstance(value, tuple):  # (formula, cached value)
                sheet.write_formula(index, position, value[0], None, value[1])
            elif value is not None:
                sheet.write(index, position, value)
    workbook.close()
    return out.getvalue()
