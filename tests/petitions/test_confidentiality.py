"""A denouncer's identity (Law on Denunciations, Art. 9 and 47): encrypted at rest, shown
only to the Front officers handling it and to the agency handling it; never in list views,
detail views, history, audit rows, logs, dashboards, another ward's view or the public feed."""

import logging
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from service.replies.providers import item_provider
from tests.petitions.conftest import (
    IDENTIFIED,
    Api,
    Staff,
    act,
    filed,
    petition_body,
    principal,
    staff_headers,
)

SECRET_VALUES = list(IDENTIFIED.values())


def assert_nothing_of_the_identity_in(text_: str, where: str) -> None:
    for value in SECRET_VALUES:
        assert value not in text_, f"{value!r} leaked into {where}"


@pytest.fixture
async def denunciation(client: httpx.AsyncClient, api: Api) -> dict[str, Any]:
    return await filed(
        client,
        api,
        petition_body(
            kind="denunciation",
            category="officials_conduct",
            title="Tố cáo cán bộ địa chính nhận tiền",
            description="Cán bộ địa chính phường nhận tiền để cấp giấy phép xây dựng.",
            petitioner=dict(IDENTIFIED),
            consent_to_publish=True,
        ),
    )


class TestWhoSeesTheIdentity:
    async def test_handling_front_officers_see_it_and_the_viewing_is_audited(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        staff: Staff,
        denunciation: dict[str, Any],
    ) -> None:
        url = f"/api/v1/petitions/{denunciation['id']}/petitioner"
        for user in (staff.ward_front, staff.city_front):
            response = await client.get(url, headers=await staff_headers(client, user))
            assert response.status_code == 200, response.text
            assert response.json()["full_name"] == IDENTIFIED["full_name"]
            assert response.json()["confidential"] is True
        viewed = (
            await session.execute(
                text(
                    "SELECT count(*) FROM audit_event WHERE entity_id = :id"
                    " AND action = 'petition.confidential_identity_viewed'"
                ),
                {"id": denunciation["id"]},
            )
        ).scalar_one()
        assert viewed == 2

    async def test_nobody_else_sees_it(
        self, client: httpx.AsyncClient, staff: Staff, denunciation: dict[str, Any]
    ) -> None:
        url = f"/api/v1/petitions/{denunciation['id']}/petitioner"
        other_ward = await staff_headers(client, staff.other_ward_front)
        assert (await client.get(url, headers=other_ward)).status_code == 404
        for user in (staff.supervisor, staff.council_reader, staff.admin, staff.agency_officer):
            response = await client.get(url, headers=await staff_headers(client, user))
            assert response.status_code in (403, 404), (user.role, response.status_code)
            assert_nothing_of_the_identity_in(response.text, f"{user.role} petitioner view")

    async def test_views_show_only_that_it_is_confidential(
        self, client: httpx.AsyncClient, staff: Staff, denunciation: dict[str, Any]
    ) -> None:
        officer = await staff_headers(client, staff.ward_front)
        detail = await client.get(f"/api/v1/petitions/{denunciation['id']}", headers=officer)
        assert detail.json()["petitioner"]["confidential"] is True
        assert_nothing_of_the_identity_in(detail.text, "the detail view")
        for path in ("", "/dashboard", f"/{denunciation['id']}/history"):
            response = await client.get(f"/api/v1/petitions{path}", headers=officer)
            assert response.status_code == 200
            assert_nothing_of_the_identity_in(response.text, f"GET /petitions{path}")
        other_ward = await staff_headers(client, staff.other_ward_front)
        response = await client.get(f"/api/v1/petitions/{denunciation['id']}", headers=other_ward)
        assert response.status_code == 404

    async def test_the_handling_agency_sees_it_another_agency_does_not(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        staff: Staff,
        denunciation: dict[str, Any],
    ) -> None:
        officer = await staff_headers(client, staff.ward_front)
        await act(client, officer, denunciation["id"], "accept")
        refer = await act(
            client,
            officer,
            denunciation["id"],
            "refer",
            {"agency_id": str(staff.ward_agency.id), "reason": "Cán bộ thuộc UBND phường"},
        )
        assert refer.status_code == 200, refer.text
        provider = item_provider("petition")
        assert provider is not None
        petition_id = uuid.UUID(denunciation["id"])
        handling = await provider.agency_view(session, petition_id, principal(staff.agency_officer))
        assert handling["petitioner"]["full_name"] == IDENTIFIED["full_name"]
        other = await provider.agency_view(
            session, petition_id, principal(staff.other_agency_officer)
        )
        assert other["petitioner"] is None
        # Never on the public feed, consent or not.
        assert await provider.public_view(session, petition_id) is None


class TestNowhereElse:
    async def test_not_in_audit_rows_history_or_logs(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        api: Api,
        staff: Staff,
        caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        caplog.set_level(logging.DEBUG)
        body = await filed(
            client,
            api,
            petition_body(kind="denunciation", petitioner=dict(IDENTIFIED)),
        )
        officer = await staff_headers(client, staff.ward_front)
        await client.get(f"/api/v1/petitions/{body['id']}/petitioner", headers=officer)
        await act(client, officer, body["id"], "accept")
        await act(client, officer, body["id"], "request-info", {"question": "Thời điểm?"})
        audit_rows = (
            await session.execute(
                text("SELECT coalesce(string_agg(row_to_json(a)::text, ''), '') FROM audit_event a")
            )
        ).scalar_one()
        assert body["id"] in audit_rows
        assert_nothing_of_the_identity_in(audit_rows, "audit_event")
        history = (
            await session.execute(
                text(
                    "SELECT coalesce(string_agg(row_to_json(e)::text, ''), '')"
                    " FROM petition_event e"
                )
            )
        ).scalar_one()
        assert_nothing_of_the_identity_in(history, "petition_event")
        outbox = (
            await session.execute(
                text("SELECT coalesce(string_agg(row_to_json(o)::text, ''), '') FROM outbox o")
            )
        ).scalar_one()
        assert_nothing_of_the_identity_in(outbox, "the outbox")
        captured = capsys.readouterr()
        assert_nothing_of_the_identity_in(caplog.text + captured.out + captured.err, "the logs")
