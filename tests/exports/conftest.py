"""The exports tests use the petitions tests' fixtures (reference data, an API client, staff
of every role) and parse what they download: CSV with the csv module, XLSX with openpyxl."""

import csv
import io
from typing import Any

import httpx
import openpyxl

from tests.petitions.conftest import api, policy, staff

__all__ = ["api", "policy", "staff"]  # the petitions tests' fixtures, here too

BOM = "\ufeff"


def csv_rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"  # named once
    assert response.content.startswith(BOM.encode()), "Excel needs the byte-order mark"
    text = response.content.decode("utf-8").removeprefix(BOM)
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response: httpx.Response) -> tuple[list[list[Any]], Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=False)
    sheet = book.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)], sheet
