"""Every role against every route family, at city level and in a ward, and across wards.

The table is what a user of each role would expect: administration is for admins; the
directory is read by all staff; the agency inbox is for agency officers; the Front's referral
views for Front officers; supervision for supervisors and the Front; reports and scorecards
for everyone who advises or sits on the People's Council. Admins pass everywhere.
"""

import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role
from service.directory.models import Agency
from service.directory.seed import SeedReport
from tests.factories import BA_DINH, HOAN_KIEM, create_agency, create_api_client, create_user, login

A, F, G, S, C = (
    Role.admin,
    Role.front_officer,
    Role.agency_officer,
    Role.supervisor,
    Role.council_reader,
)
EVERYONE = {A, F, G, S, C}
# route family: (a GET on it, the roles that may use it)
FAMILIES = {
    "admin users": ("/api/v1/admin/users", {A}),
    "admin jobs": ("/api/v1/admin/jobs/failed", {A}),
    "admin audit": ("/api/v1/admin/audit", {A}),
    "directory": ("/api/v1/directory/units?limit=1", EVERYONE),
    "petitions": ("/api/v1/petitions", EVERYONE),
    "dashboard": ("/api/v1/petitions/dashboard", EVERYONE),
    "agency inbox": ("/api/v1/agency/referrals", {A, G}),
    "front referrals": ("/api/v1/referrals", {A, F}),
    "council list": ("/api/v1/referrals/council", {A, F, S, C}),
    "oversight": ("/api/v1/oversight/plans", {A, F, S}),
    "reports": ("/api/v1/reports", EVERYONE - {G}),
    "scorecards": ("/api/v1/scorecards", EVERYONE - {G}),
}


@pytest.mark.parametrize("unit_code", [None, HOAN_KIEM], ids=["city", "ward"])
@pytest.mark.parametrize("role", list(Role))
async def test_role_against_every_family(
    client: httpx.AsyncClient,
    session: AsyncSession,
    seeded: SeedReport,
    agency: Agency,
    role: Role,
    unit_code: str | None,
) -> None:
    user = await create_user(
        session, role, unit_code=unit_code, agency=agency if role is Role.agency_officer else None
    )
    headers = await login(client, user)
    for family, (path, allowed) in FAMILIES.items():
        status = (await client.get(path, headers=headers)).status_code
        expected = 200 if role in allowed else 403
        assert status == expected, f"{role.value} on {family}: {status}"


async def test_a_ward_sees_its_own_petitions_and_no_other_ward_s(
    client: httpx.AsyncClient, session: AsyncSession, seeded: SeedReport
) -> None:
    _, key = await create_api_client(session)
    filed = await client.post(
        "/api/v1/petitions",
        headers={"X-API-Key": key, "Idempotency-Key": uuid.uuid4().hex},
        json={
            "kind": "feedback",
            "category": "traffic_infrastructure",
            "title": "Ổ gà trên phố Hàng Bông",
            "description": "Ổ gà sâu trước số 20 Hàng Bông, xe máy dễ ngã.",
            "unit_code": HOAN_KIEM,
            "channel": "app",
            "consent_to_process": True,
        },
    )
    assert filed.status_code == 201, filed.text
    petition = f"/api/v1/petitions/{filed.json()['id']}"
    other_agency = await create_agency(session, name="UBND phường Ba Đình", unit_code=BA_DINH)

    for role in (Role.front_officer, Role.supervisor, Role.council_reader):
        own = await login(client, await create_user(session, role, unit_code=HOAN_KIEM))
        other = await login(client, await create_user(session, role, unit_code=BA_DINH))
        city = await login(client, await create_user(session, role))
        assert (await client.get(petition, headers=own)).status_code == 200, role
        assert (await client.get(petition, headers=city)).status_code == 200, role
        hidden = await client.get(petition, headers=other)
        assert hidden.status_code == 404, role
        listed = await client.get("/api/v1/petitions", headers=other)
        assert filed.json()["id"] not in listed.text, role

    # An agency that the petition was not routed to does not see it either.
    outsider = await create_user(session, Role.agency_officer, agency=other_agency)
    response = await client.get(petition, headers=await login(client, outsider))
    assert response.status_code == 404
