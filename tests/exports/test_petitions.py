"""The petitions list as a file: ``GET /api/v1/petitions/export?format=csv|xlsx`` is the list
``GET /api/v1/petitions`` gives for the same filters, in the same scope, redacted the same
way, with Vietnamese headers (English for an English reader) and dd/mm/yyyy dates."""

import unicodedata
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.audit.models import AuditEvent
from service.exports.stream import export_slots
from tests.exports.conftest import csv_rows, xlsx_rows
from tests.factories import BA_DINH
from tests.petitions.conftest import (
    IDENTIFIED,
    Api,
    Staff,
    filed,
    petition_body,
    staff_headers,
)

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
EXPORT = "/api/v1/petitions/export"
HEADERS_VI = [
    "Mã đơn",
    "Tiêu đề",
    "Loại đơn",
    "Lĩnh vực",
    "Phường/xã",
    "Trạng thái",
    "Kênh tiếp nhận",
    "Mức độ khẩn",
    "Cơ quan giải quyết",
    "Ngày tiếp nhận",
    "Hạn giải quyết",
    "Tình trạng hạn",
    "Số người cùng gửi",
]


async def listed_codes(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> list[str]:
    codes: list[str] = []
    cursor = None
    while True:
        query = {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/petitions", params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        codes += [item["tracking_code"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return codes


async def some_petitions(client: httpx.AsyncClient, api: Api) -> list[dict[str, Any]]:
    return [
        await filed(client, api, petition_body(title="Ngập nước phố Huế")),
        await filed(
            client, api, petition_body(title="Rác thải chợ Hôm", category="land", channel="hotline")
        ),
        await filed(client, api, petition_body(title="Đèn đường hỏng ngõ Tràng Tiền")),
        await filed(client, api, petition_body(title="Lấn chiếm vỉa hè", unit_code=BA_DINH)),
    ]


class TestCsv:
    async def test_the_rows_are_the_lists_rows_for_the_same_filters(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        filed_rows = await some_petitions(client, api)
        officer = await staff_headers(client, staff.ward_front)
        for params in ({}, {"channel": "hotline"}, {"q": "pho hue"}, {"sort": "created_at"}):
            response = await client.get(EXPORT, params=params, headers=officer)
            rows = csv_rows(response)
            assert rows[0] == HEADERS_VI
            assert [row[0] for row in rows[1:]] == await listed_codes(client, officer, **params)
        everything = csv_rows(await client.get(EXPORT, headers=officer))
        flood = next(row for row in everything if row[0] == filed_rows[0]["tracking_code"])
        assert flood[1] == "Ngập nước phố Huế"
        assert flood[2] == "phản ánh"  # the catalogue's label of the kind
        assert flood[4] == "Phường Hoàn Kiếm"

    async def test_another_wards_petitions_are_not_in_it(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        filed_rows = await some_petitions(client, api)
        officer = await staff_headers(client, staff.ward_front)
        codes = [row[0] for row in csv_rows(await client.get(EXPORT, headers=officer))[1:]]
        assert filed_rows[3]["tracking_code"] not in codes
        assert len(codes) == 3
        city = await staff_headers(client, staff.city_front)
        codes = [row[0] for row in csv_rows(await client.get(EXPORT, headers=city))[1:]]
        assert filed_rows[3]["tracking_code"] in codes
        # Asking for another ward's list narrows the officer's own scope: nothing.
        asked = await client.get(EXPORT, params={"unit_code": BA_DINH}, headers=officer)
        assert csv_rows(asked)[1:] == []

    async def test_dates_are_dd_mm_yyyy_in_hanoi_and_texts_nfc(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        decomposed = unicodedata.normalize("NFD", "Cây đổ chắn lối đi")
        await filed(client, api, petition_body(title=decomposed))
        officer = await staff_headers(client, staff.ward_front)
        [row] = csv_rows(await client.get(EXPORT, headers=officer))[1:]
        listed = await client.get("/api/v1/petitions", headers=officer)
        [made] = listed.json()["items"]
        assert row[1] == unicodedata.normalize("NFC", decomposed)
        created = datetime.fromisoformat(made["created_at"]).astimezone(HANOI)
        assert row[9] == created.strftime("%d/%m/%Y")
        due = datetime.fromisoformat(made["due_at"]).astimezone(HANOI)
        assert row[10] == due.strftime("%d/%m/%Y %H:%M")

    async def test_english_headers_for_an_english_reader(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        await some_petitions(client, api)
        officer = await staff_headers(client, staff.ward_front)
        rows = csv_rows(
            await client.get(EXPORT, headers={**officer, "Accept-Language": "en-GB,en;q=0.8"})
        )
        assert rows[0][:3] == ["Tracking code", "Title", "Kind"]
        assert {row[2].lower() for row in rows[1:]} == {"feedback"}

    async def test_a_formula_in_a_title_is_text(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        await filed(client, api, petition_body(title='=HYPERLINK("http://x","bấm vào")'))
        officer = await staff_headers(client, staff.ward_front)
        [row] = csv_rows(await client.get(EXPORT, headers=officer))[1:]
        assert row[1].startswith("'=")


class TestDenunciation:
    async def test_the_denouncers_identity_is_in_neither_file(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        await filed(
            client,
            api,
            petition_body(
                kind="denunciation",
                category="officials_conduct",
                title="Nguyễn Văn An (0912 345 678) tố cáo cán bộ địa chính nhận tiền",
                description="Tôi là Nguyễn Văn An, số 0912345678, tố cáo cán bộ địa chính.",
                petitioner=dict(IDENTIFIED),
            ),
        )
        for user in (staff.ward_front, staff.city_front, staff.admin):
            headers = await staff_headers(client, user)
            text = (await client.get(EXPORT, headers=headers)).content.decode("utf-8")
            rows, _ = xlsx_rows(
                await client.get(EXPORT, params={"format": "xlsx"}, headers=headers)
            )
            cells = " ".join(str(cell) for row in rows for cell in row if cell is not None)
            assert "tố cáo cán bộ địa chính nhận tiền" in text
            for value in [*IDENTIFIED.values(), "0912 345 678", "Văn An"]:
                assert value not in text
                assert value not in cells


class TestXlsx:
    async def test_the_sheet_is_the_list_with_real_dates(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        await some_petitions(client, api)
        officer = await staff_headers(client, staff.ward_front)
        response = await client.get(EXPORT, params={"format": "xlsx"}, headers=officer)
        assert response.headers["content-disposition"].startswith('attachment; filename="don-thu-')
        assert response.headers["cache-control"] == "no-store"
        rows, sheet = xlsx_rows(response)
        assert rows[0] == HEADERS_VI
        assert [row[0] for row in rows[1:]] == await listed_codes(client, officer)
        assert sheet.title == "Danh sách đơn thư"
        received = sheet.cell(row=2, column=10)
        assert received.number_format == "dd/mm/yyyy"
        assert isinstance(received.value, datetime)
        assert received.value.date() == datetime.now(HANOI).date()
        assert sheet.cell(row=2, column=11).number_format == "dd/mm/yyyy hh:mm"
        assert sheet.cell(row=2, column=13).value == 1


class TestLimitsAndErrors:
    async def test_a_bad_filter_is_a_problem_not_a_500(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        officer = await staff_headers(client, staff.ward_front)
        for params in (
            {"format": "pdf"},
            {"kind": "rumour"},
            {"created_from": "yesterday"},
            {"q": "x" * 201},
        ):
            response = await client.get(EXPORT, params=params, headers=officer)
            assert response.status_code in (400, 422), (params, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")

    async def test_staff_only(self, client: httpx.AsyncClient, api: Api) -> None:
        assert (await client.get(EXPORT)).status_code == 401
        assert (await client.get(EXPORT, headers=api.headers)).status_code in (401, 403)

    async def test_a_longer_list_stops_at_the_limit_with_a_note(
        self, app: Any, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        await some_petitions(client, api)
        settings = app.state.settings
        officer = await staff_headers(client, staff.ward_front)
        old = (settings.export_max_rows, settings.export_page_rows)
        object.__setattr__(settings, "export_max_rows", 2)
        object.__setattr__(settings, "export_page_rows", 10)
        try:
            rows = csv_rows(await client.get(EXPORT, headers=officer))
            sheet_rows, _ = xlsx_rows(
                await client.get(EXPORT, params={"format": "xlsx"}, headers=officer)
            )
        finally:
            object.__setattr__(settings, "export_max_rows", old[0])
            object.__setattr__(settings, "export_page_rows", old[1])
        assert len(rows) == 4  # the header, two rows, the note
        assert rows[3][0].startswith("Danh sách còn tiếp")
        assert len(sheet_rows) == 4
        assert str(sheet_rows[3][0]).startswith("Danh sách còn tiếp")

    async def test_a_process_streams_a_bounded_number_of_exports(
        self, app: Any, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        await some_petitions(client, api)
        officer = await staff_headers(client, staff.ward_front)
        slots = export_slots(app, app.state.settings)
        assert csv_rows(await client.get(EXPORT, headers=officer))[1:]
        assert slots.running == 0  # the finished stream gave its slot back
        slots.running = slots.limit  # as many as allowed are streaming now
        try:
            busy = await client.get(EXPORT, headers=officer)
        finally:
            slots.running = 0
        assert busy.status_code == 429
        assert busy.headers["retry-after"] == "30"
        assert busy.headers["content-type"].startswith("application/problem+json")
        assert "thử lại" in busy.json()["detail"]

    async def test_pages_of_the_stream_join_without_a_gap(
        self, app: Any, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        for index in range(12):
            await filed(client, api, petition_body(title=f"Phản ánh số {index}"))
        settings = app.state.settings
        officer = await staff_headers(client, staff.ward_front)
        old = settings.export_page_rows
        object.__setattr__(settings, "export_page_rows", 10)  # two pages, the second streamed
        try:
            csv_codes = [r[0] for r in csv_rows(await client.get(EXPORT, headers=officer))[1:]]
            rows, _ = xlsx_rows(
                await client.get(EXPORT, params={"format": "xlsx"}, headers=officer)
            )
        finally:
            object.__setattr__(settings, "export_page_rows", old)
        listed = await listed_codes(client, officer)
        assert len(listed) == 12
        assert csv_codes == listed
        assert [row[0] for row in rows[1:]] == listed


class TestAudit:
    async def test_who_exported_which_filters(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        officer = await staff_headers(client, staff.ward_front)
        response = await client.get(
            EXPORT, params={"channel": "hotline", "format": "xlsx"}, headers=officer
        )
        assert response.status_code == 200
        events = (
            await session.execute(
                select(AuditEvent).where(col(AuditEvent.action) == "list.exported")
            )
        ).scalars()
        [event] = list(events)
        assert event.actor_id == str(staff.ward_front.id)
        assert event.after is not None
        assert event.after["list"] == "don-thu"
        assert event.after["format"] == "xlsx"
        assert event.after["filters"]["filters"]["channel"] == "hotline"
