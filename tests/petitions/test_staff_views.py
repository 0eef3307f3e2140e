"""The staff list (filters, unaccented search, keyset pagination, scope) and the dashboard."""

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.deadlines.models import DeadlineStatus
from tests.factories import BA_DINH
from tests.petitions.conftest import (
    IDENTIFIED,
    Api,
    Staff,
    act,
    filed,
    load,
    petition_body,
    staff_headers,
)


async def listing(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    response = await client.get("/api/v1/petitions", params=params, headers=headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def codes(page: dict[str, Any]) -> list[str]:
    return [item["tracking_code"] for item in page["items"]]


class TestSearch:
    async def test_unaccented_query_finds_vietnamese_text(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        flood = await filed(client, api, petition_body(title="Ngập nước phố Huế"))
        await filed(client, api, petition_body(title="Rác thải chợ Hôm", description="Rác."))
        officer = await staff_headers(client, staff.ward_front)
        assert codes(await listing(client, officer, q="ngap nuoc")) == [flood["tracking_code"]]
        assert codes(await listing(client, officer, q="NGẬP")) == [flood["tracking_code"]]
        assert codes(await listing(client, officer, q="pho hue ngap")) == [flood["tracking_code"]]
        assert codes(await listing(client, officer, q=flood["tracking_code"])) == [
            flood["tracking_code"]
        ]
        assert codes(await listing(client, officer, q="100%_")) == []

    async def test_filters(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        complaint = await filed(
            client,
            api,
            petition_body(kind="complaint", petitioner=dict(IDENTIFIED), channel="walk_in"),
        )
        land = await filed(client, api, petition_body(category="land", channel="hotline"))
        officer = await staff_headers(client, staff.ward_front)
        assert codes(await listing(client, officer, kind="complaint")) == [
            complaint["tracking_code"]
        ]
        assert codes(await listing(client, officer, category="land")) == [land["tracking_code"]]
        assert codes(await listing(client, officer, channel="hotline")) == [land["tracking_code"]]
        await act(client, officer, land["id"], "accept")
        assert codes(await listing(client, officer, status="accepted")) == [land["tracking_code"]]
        both = await listing(client, officer, status=["accepted", "received"])
        assert set(codes(both)) == {land["tracking_code"], complaint["tracking_code"]}
        late = await load(session, land["id"])
        late.deadline_status = DeadlineStatus.overdue
        session.add(late)
        await session.flush()
        assert codes(await listing(client, officer, overdue="true")) == [land["tracking_code"]]
        soon = utcnow() + timedelta(days=60)
        everything = await listing(client, officer, due_before=soon.isoformat())
        assert len(everything["items"]) == 2
        assert await listing(client, officer, due_after=soon.isoformat()) == {
            "items": [],
            "next_cursor": None,
        }
        yesterday = (utcnow() - timedelta(days=1)).isoformat()
        assert len((await listing(client, officer, created_from=yesterday))["items"]) == 2
        assert (await listing(client, officer, created_to=yesterday))["items"] == []
        assert codes(await listing(client, officer, agency_id=str(staff.ward_agency.id))) == []


class TestPagination:
    async def test_keyset_pages_newest_first_and_by_due_date(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        made = [await filed(client, api, petition_body(title=f"Đơn số {i}")) for i in range(5)]
        urgent = await filed(client, api, petition_body(title="Khẩn", urgency="urgent"))
        officer = await staff_headers(client, staff.ward_front)
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = await listing(client, officer, **params)
            seen += codes(page)
            cursor = page["next_cursor"]
            if cursor is None:
                break
        expected = [p["tracking_code"] for p in reversed([*made, urgent])]
        assert seen == expected
        by_due = await listing(client, officer, sort="due_at", limit=1)
        assert codes(by_due) == [urgent["tracking_code"]]
        rest = await listing(client, officer, sort="due_at", cursor=by_due["next_cursor"], limit=10)
        assert urgent["tracking_code"] not in codes(rest)
        assert len(rest["items"]) == 5
        mixed = await client.get(
            "/api/v1/petitions",
            params={"sort": "created_at", "cursor": by_due["next_cursor"]},
            headers=officer,
        )
        assert mixed.status_code == 422
        garbage = await client.get(
            "/api/v1/petitions", params={"cursor": "not-a-cursor"}, headers=officer
        )
        assert garbage.status_code == 422


class TestScope:
    async def test_each_role_sees_its_area(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        ours = await filed(client, api)
        theirs = await filed(client, api, petition_body(unit_code=BA_DINH))
        ward = await staff_headers(client, staff.ward_front)
        assert codes(await listing(client, ward)) == [ours["tracking_code"]]
        # Asking for another ward explicitly gives nothing either.
        assert codes(await listing(client, ward, unit_code=BA_DINH)) == []
        city = await staff_headers(client, staff.city_front)
        assert set(codes(await listing(client, city))) == {
            ours["tracking_code"],
            theirs["tracking_code"],
        }
        agency = await staff_headers(client, staff.agency_officer)
        assert codes(await listing(client, agency)) == []
        await act(client, ward, ours["id"], "accept")
        await act(client, ward, ours["id"], "refer")
        assert codes(await listing(client, agency)) == [ours["tracking_code"]]
        other_agency = await staff_headers(client, staff.other_agency_officer)
        assert codes(await listing(client, other_agency)) == []

    async def test_list_carries_no_personal_data(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        await filed(client, api, petition_body(kind="complaint", petitioner=dict(IDENTIFIED)))
        officer = await staff_headers(client, staff.ward_front)
        response = await client.get("/api/v1/petitions", headers=officer)
        for value in IDENTIFIED.values():
            assert value not in response.text
        assert response.json()["items"][0]["identified"] is True


class TestDashboard:
    async def test_counts_and_on_time_rate(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        a = await filed(client, api)
        b = await filed(client, api, petition_body(kind="recommendation", category="land"))
        await filed(client, api, petition_body(unit_code=BA_DINH))
        ward = await staff_headers(client, staff.ward_front)
        await act(client, ward, a["id"], "accept")
        await act(client, ward, a["id"], "refer")
        await act(client, ward, b["id"], "reject", {"reason_code": "other", "reason": "Không rõ"})
        response = await client.get("/api/v1/petitions/dashboard", headers=ward)
        assert response.status_code == 200, response.text
        board = response.json()
        assert board["total"] == 2
        statuses = {row["key"]: row["count"] for row in board["by_status"]}
        assert statuses == {"referred": 1, "rejected": 1}
        assert {row["key"]: row["count"] for row in board["by_kind"]} == {
            "feedback": 1,
            "recommendation": 1,
        }
        assert {row["key"]: row["count"] for row in board["by_unit"]} == {"00070": 2}
        agencies = {row["key"]: row["count"] for row in board["by_agency"]}
        assert agencies[str(staff.ward_agency.id)] == 1
        assert board["routed"] == 2
        assert board["routed_on_time"] == 2
        assert board["on_time_rate"] == 1.0
        city = await staff_headers(client, staff.city_front)
        assert (await client.get("/api/v1/petitions/dashboard", headers=city)).json()["total"] == 3
