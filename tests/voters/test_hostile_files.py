"""Hostile minutes files give row errors or a clear 4xx, never a 500, and save nothing."""

import io
import unicodedata
import zipfile
from typing import Any

import httpx
import pytest

from service.voters.spreadsheet import MAX_ROWS
from tests.voters.conftest import API, People, Setup, ok
from tests.voters.sheets import HEADER, xlsx


async def _upload(
    client: httpx.AsyncClient, setup: Setup, headers: Any, data: bytes, name: str
) -> httpx.Response:
    return await client.post(
        f"{API}/meetings/{setup.meeting_id}/imports",
        params={"filename": name},
        content=data,
        headers=headers,
    )


async def _nothing_saved(client: httpx.AsyncClient, setup: Setup, headers: Any) -> None:
    assert (
        await ok(await client.get(f"{API}/meetings/{setup.meeting_id}/opinions", headers=headers))
        == []
    )


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    return out.getvalue()


CSV_HEADER = ",".join(f'"{h}"' for h in HEADER) + "\r\n"


@pytest.mark.parametrize(
    ("name", "data", "status", "problem"),
    [
        ("wrong.xlsx", xlsx([(1, "x", "y")], header=["A", "B", "C"]), 422, "validation"),
        ("bomb.xlsx", _bomb(), 413, "too-large"),
        ("fake.xlsx", b"not a zip at all", 422, "validation"),
        ("broken.xlsx", b"PK\x03\x04garbage", 422, "validation"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, 422, "validation"),
        ("bad.csv", CSV_HEADER.encode() + b"1,\x81\x8d\x8f\x90\x9d,x,,1\r\n", 422, "validation"),
        ("empty.csv", b"", 422, "validation"),
        ("huge.csv", b"x" * (6 * 1024 * 1024), 413, "too-large"),
        (
            "many.csv",
            (
                CSV_HEADER + "".join(f"{i},Ý kiến số {i},,,1\r\n" for i in range(MAX_ROWS + 1))
            ).encode(),
            413,
            "too-large",
        ),
    ],
)
async def test_refused_files(
    client: httpx.AsyncClient,
    people: People,
    setup: Setup,
    logins: Any,
    name: str,
    data: bytes,
    status: int,
    problem: str,
) -> None:
    ward = await logins(people.ward)
    response = await _upload(client, setup, ward, data, name)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith(problem)
    assert response.json().get("code") != "voters_import_columns" or name == "wrong.xlsx"
    await _nothing_saved(client, setup, ward)


async def test_wrong_columns_name_what_is_missing(
    client: httpx.AsyncClient, people: People, setup: Setup, logins: Any
) -> None:
    ward = await logins(people.ward)
    response = await _upload(
        client, setup, ward, xlsx([(1, "x")], header=["STT", "Ghi chú"]), "a.xlsx"
    )
    assert response.status_code == 422
    assert "Nội dung ý kiến, kiến nghị" in response.json()["detail"]


TONES = "\u0300\u0301\u0303\u0309\u0323"


def windows_1258(text: str) -> bytes:
    """Text as Windows-1258 writes Vietnamese: letters with their vowel marks, then the
    tone as a combining mark."""
    out = []
    for char in text:
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
            tones = "".join(c for c in parts if c in TONES)
            out.append((base + tones).encode("cp1258"))
    return b"".join(out)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1258"])
async def test_csv_encodings(
    client: httpx.AsyncClient, people: People, setup: Setup, logins: Any, encoding: str
) -> None:
    ward = await logins(people.ward)
    text = CSV_HEADER + "1,Đề nghị nạo vét mương thoát nước ở ngõ Hàng Đậu,Môi trường,,2\r\n"
    data = windows_1258(text) if encoding == "cp1258" else text.encode(encoding)
    preview = await ok(await _upload(client, setup, ward, data, "bb.csv"), 201)
    assert preview["encoding"] == encoding
    assert preview["errors"] == []
    assert preview["preview"][0]["text"] == "Đề nghị nạo vét mương thoát nước ở ngõ Hàng Đậu"


async def test_row_errors_are_previewed_and_block_the_save(
    client: httpx.AsyncClient, people: People, setup: Setup, logins: Any
) -> None:
    ward = await logins(people.ward)
    rows = [
        (1, "Một ý kiến đúng", None, None, 1),
        (2, None, "Giao thông", None, 1),  # no text
        (3, "Số cử tri sai", None, None, "nhiều"),
        (4, ("=A1&B1", 0), None, None, 1),  # a formula whose saved value is 0
        (5, "Quá nhiều", None, None, 0),
    ]
    preview = await ok(await _upload(client, setup, ward, xlsx(rows), "loi.xlsx"), 201)
    assert preview["error_rows"] == 4
    by_row = {(e["row"], e["code"]) for e in preview["errors"]}
    assert by_row == {
        (3, "voters_row_text_missing"),
        (4, "voters_row_voters_number"),
        (5, "voters_row_too_short"),
        (6, "voters_row_voters_range"),
    }
    assert all(e["message"] for e in preview["errors"])
    confirm = await client.post(
        f"{API}/imports/{preview['id']}/confirm", headers={**ward, "If-Match": "*"}
    )
    assert confirm.status_code == 422
    await _nothing_saved(client, setup, ward)
