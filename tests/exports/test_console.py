"""The console's lists link to their files: the link on the queue page downloads the list as
filtered on screen (tab, filters, search), in the officer's area."""

import html
import re
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role, StaffUser
from tests.exports.conftest import csv_rows, xlsx_rows
from tests.factories import BA_DINH, HOAN_KIEM, PASSWORD, create_user
from tests.petitions.conftest import Api, act, filed, petition_body, staff_headers
from tests.web.support import console_login


@pytest.fixture
async def ward_officer(client: httpx.AsyncClient, session: AsyncSession, policy: None) -> StaffUser:
    user = await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)
    response = await console_login(client, user.username, PASSWORD)
    assert response.status_code == 303, response.text
    return user


def export_link(page: str, file_format: str) -> str:
    match = re.search(rf'href="(/console/queue/export\?[^"]*format={file_format}[^"]*)"', page)
    assert match, f"the page has no {file_format} link"
    return html.unescape(match.group(1))


class TestQueueExport:
    async def test_the_link_downloads_the_tab_as_filtered(
        self, client: httpx.AsyncClient, api: Api, ward_officer: StaffUser
    ) -> None:
        flood = await filed(client, api, petition_body(title="Ngập nước phố Huế"))
        rubbish = await filed(client, api, petition_body(title="Rác thải chợ Hôm"))
        hotline = await filed(client, api, petition_body(title="Cây đổ", channel="hotline"))
        there = await filed(client, api, petition_body(unit_code=BA_DINH, title="Ngập nước"))
        bearer = await staff_headers(client, ward_officer)
        await act(client, bearer, rubbish["id"], "accept")  # leaves the "received" tab
        page = await client.get("/console/queue")
        link = export_link(page.text, "csv")
        assert "tab=received" in link
        response = await client.get(link)
        assert response.headers["cache-control"] == "no-store"  # personal lists: never cached
        rows = csv_rows(response)
        assert rows[0][:2] == ["Mã đơn", "Tiêu đề"]
        codes = {row[0] for row in rows[1:]}
        assert codes == {flood["tracking_code"], hotline["tracking_code"]}
        assert there["tracking_code"] not in codes

        searched = await client.get("/console/queue?tab=all&q=ngap+nuoc")
        rows = csv_rows(await client.get(export_link(searched.text, "csv")))
        assert [row[0] for row in rows[1:]] == [flood["tracking_code"]]

        channel = await client.get("/console/queue?tab=all&channel=hotline")
        sheet_rows, _ = xlsx_rows(await client.get(export_link(channel.text, "xlsx")))
        assert [row[0] for row in sheet_rows[1:]] == [hotline["tracking_code"]]

    async def test_english_page_english_headers(
        self, client: httpx.AsyncClient, api: Api, ward_officer: StaffUser
    ) -> None:
        await filed(client, api)
        client.cookies.set("lang", "en")
        rows = csv_rows(await client.get("/console/queue/export?tab=all&format=csv"))
        assert rows[0][:2] == ["Tracking code", "Title"]

    async def test_bad_filters_are_an_error_page_not_a_500(
        self, client: httpx.AsyncClient, ward_officer: StaffUser
    ) -> None:
        for query in ("kind=nonsense", "format=pdf"):
            response = await client.get(f"/console/queue/export?{query}")
            assert response.status_code in (400, 422), (query, response.text[:300])

    async def test_other_roles_and_strangers_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, policy: None, seeded: Any
    ) -> None:
        anonymous = await client.get("/console/queue/export")
        assert anonymous.status_code == 303
        reader = await create_user(session, Role.council_reader)
        await console_login(client, reader.username, PASSWORD)
        assert (await client.get("/console/queue/export")).status_code == 403
