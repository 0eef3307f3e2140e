"""The referral lists as files: the agency's inbox (``/api/v1/agency/referrals/export``,
``/console/inbox/export``) and the Front's list of its unit's referrals
(``/api/v1/referrals/export``, ``/console/review/export``): the list's rows for the same
filters, in the same scope, no item text, Vietnamese headers, dd/mm/yyyy dates."""

import html
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.deadlines.models import ItemKind
from tests.exports.conftest import csv_rows, xlsx_rows
from tests.factories import PASSWORD
from tests.replies.conftest import (
    Api,
    StandInProvider,
    World,
    as_agency,
    as_front,
    provider,
    refer,
    wiring,
    world,
)
from tests.web.support import console_login

__all__ = ["as_agency", "as_front", "provider", "wiring", "world"]  # the replies fixtures

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


async def some_referrals(
    session: AsyncSession, world: World, provider: StandInProvider
) -> dict[str, object]:
    now = utcnow()
    made = {}
    for days, title, kind in [
        (5, "Sau năm ngày", ItemKind.feedback),
        (-2, "Quá hạn hai ngày", ItemKind.complaint),
        (1, "Ngày mai", ItemKind.feedback),
    ]:
        referral = await refer(
            session, world, provider, title=title, kind=kind, description=f"Bí mật: {title}"
        )
        referral.due_at = now + timedelta(days=days)
        referral.warn_at = referral.due_at - timedelta(days=1)
        session.add(referral)
        made[title] = referral
    made["other"] = await refer(
        session, world, provider, title="Của cơ quan khác", agency=world.other_agency
    )
    await session.flush()
    return made


async def listed_titles(api: Api, **params: str) -> list[str]:
    titles: list[str] = []
    cursor = None
    while True:
        query = {**params, "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await api.get("", **query)).json()
        titles += [item["title"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return titles


class TestAgencyInbox:
    async def test_the_file_is_the_inbox(
        self,
        session: AsyncSession,
        world: World,
        provider: StandInProvider,
        as_agency: Api,
    ) -> None:
        made = await some_referrals(session, world, provider)
        for params in ({}, {"overdue": "true"}, {"item_kind": "feedback"}):
            rows = csv_rows(await as_agency.get("/export", **params))
            assert rows[0][:5] == [
                "Nội dung chuyển",
                "Loại việc",
                "Cơ quan giải quyết",
                "Phường/xã",
                "Trạng thái xử lý",
            ]
            assert [row[0] for row in rows[1:]] == await listed_titles(as_agency, **params)
        rows = csv_rows(await as_agency.get("/export"))
        titles = [row[0] for row in rows[1:]]
        assert titles == ["Quá hạn hai ngày", "Ngày mai", "Sau năm ngày"]
        assert "Của cơ quan khác" not in titles  # another agency's
        assert "Bí mật" not in " ".join(",".join(row) for row in rows)  # no item text
        first = rows[1]
        assert first[1] == "Khiếu nại"
        assert first[2] == "UBND phường Hoàn Kiếm"
        due = made["Quá hạn hai ngày"].due_at.astimezone(HANOI)  # type: ignore[attr-defined]
        assert first[8] == due.strftime("%d/%m/%Y %H:%M")
        assert re.fullmatch(r"\d\d/\d\d/\d{4}", first[6])

        sheet_rows, _ = xlsx_rows(await as_agency.get("/export", format="xlsx"))
        assert [row[0] for row in sheet_rows[1:]] == titles

    async def test_a_bad_state_is_a_problem(self, world: World, as_agency: Api) -> None:
        response = await as_agency.get("/export", state="lost")
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")

    async def test_the_front_may_not_read_the_agency_inbox(
        self, world: World, as_front: Api
    ) -> None:
        response = await as_front.client.get(
            "/api/v1/agency/referrals/export", headers=as_front.headers
        )
        assert response.status_code == 403


class TestFrontList:
    async def test_the_file_is_the_units_list(
        self,
        session: AsyncSession,
        world: World,
        provider: StandInProvider,
        as_front: Api,
    ) -> None:
        await some_referrals(session, world, provider)
        rows = csv_rows(await as_front.get("/export"))
        titles = [row[0] for row in rows[1:]]
        assert titles == await listed_titles(as_front)
        assert "Của cơ quan khác" in titles  # the same unit, another agency
        assert len(titles) == 4


class TestConsole:
    async def test_the_inbox_page_links_to_its_file(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        provider: StandInProvider,
    ) -> None:
        await some_referrals(session, world, provider)
        response = await console_login(client, world.agency_officer.username, PASSWORD)
        assert response.status_code == 303
        page = await client.get("/console/inbox?overdue=1")
        assert page.status_code == 200
        match = re.search(r'href="(/console/inbox/export\?[^"]*format=csv)"', page.text)
        assert match, "the inbox has no CSV link"
        rows = csv_rows(await client.get(html.unescape(match.group(1))))
        assert [row[0] for row in rows[1:]] == ["Quá hạn hai ngày"]
        everything = csv_rows(await client.get("/console/inbox/export"))
        assert len(everything) == 4
        bad = await client.get("/console/inbox/export?state=lost")
        assert bad.status_code == 422

    async def test_the_review_page_exports_what_it_lists(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        world: World,
        provider: StandInProvider,
    ) -> None:
        await some_referrals(session, world, provider)
        response = await console_login(client, world.front_officer.username, PASSWORD)
        assert response.status_code == 303
        # The review list shows the answers awaiting review: none has been submitted yet.
        rows = csv_rows(await client.get("/console/review/export"))
        assert rows[0][0] == "Nội dung chuyển"
        assert rows[1:] == []
        sent = csv_rows(await client.get("/console/review/export?state=sent"))
        assert len(sent) == 5  # the header and the unit's four referrals
        page = await client.get("/console/review?state=sent")
        assert "/console/review/export?state=sent&amp;format=xlsx" in page.text
