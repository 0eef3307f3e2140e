"""Every role against the supervision routes: plan members, a supervisor outside the plan,
Front officers of the ward, of another ward and of the city, admins, agency officers,
council readers, API clients and anonymous callers."""

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.http.preconditions import etag
from service.oversight import service as plans
from service.oversight.schemas import RecommendationCreate
from service.oversight.service import recommendations as recs
from tests.factories import create_api_client
from tests.oversight.conftest import World, approved_plan, draft_plan, open_session, session_data

API = "/api/v1/oversight"
ROLES = (
    "head",
    "member",
    "secretary",
    "outsider",
    "ward_officer",
    "other_ward_officer",
    "city_officer",
    "admin",
    "agency_officer",
    "council_reader",
)
# What each caller gets for a plan it is not allowed to act on: members and approvers are
# told no (403), people who may not see the plan are told it does not exist (404), roles
# with no business in supervision are refused at the door (403).
HIDDEN = {"outsider": 404, "other_ward_officer": 404}


def _expect(allowed: set[str], ok: int) -> dict[str, int]:
    return {role: ok if role in allowed else HIDDEN.get(role, 403) for role in ROLES}


async def _statuses(
    client: httpx.AsyncClient, logins: Any, world: World, call: Any
) -> dict[str, int]:
    found = {}
    for role in ROLES:
        response = await call(role, await logins(getattr(world, role)))
        found[role] = response.status_code
    return found


async def test_reading_a_plan(
    client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
) -> None:
    plan = await draft_plan(session, world)

    async def call(role: str, headers: dict[str, str]) -> httpx.Response:
        return await client.get(f"{API}/plans/{plan.id}", headers=headers)

    readers = {"head", "member", "secretary", "ward_officer", "city_officer", "admin"}
    assert await _statuses(client, logins, world, call) == _expect(readers, 200)


async def test_writing_the_log(
    client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
) -> None:
    plan = await approved_plan(session, world)
    supervision_session = await open_session(session, world, plan)

    async def call(role: str, headers: dict[str, str]) -> httpx.Response:
        return await client.post(
            f"{API}/sessions/{supervision_session.id}/log",
            json={"kind": "note", "text": f"Ý kiến của {role}"},
            headers=headers,
        )

    assert await _statuses(client, logins, world, call) == _expect(
        {"head", "member", "secretary"}, 201
    )


async def test_reading_the_log(
    client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
) -> None:
    plan = await approved_plan(session, world)
    supervision_session = await open_session(session, world, plan)

    async def call(role: str, headers: dict[str, str]) -> httpx.Response:
        return await client.get(f"{API}/sessions/{supervision_session.id}/log", headers=headers)

    readers = {"head", "member", "secretary", "ward_officer", "city_officer", "admin"}
    assert await _statuses(client, logins, world, call) == _expect(readers, 200)


async def test_approving_a_plan(
    client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
) -> None:
    submitted = {}
    for role in ROLES:
        plan = await draft_plan(session, world)
        plan = await plans.transition_plan(session, plan.id, "submit", world.p("head"))
        submitted[role] = plan.id, etag(plan.version)

    async def call(role: str, headers: dict[str, str]) -> httpx.Response:
        plan_id, read = submitted[role]
        return await client.post(
            f"{API}/plans/{plan_id}/actions/approve", headers={**headers, "If-Match": read}
        )

    assert await _statuses(client, logins, world, call) == _expect(
        {"ward_officer", "city_officer", "admin"}, 200
    )


async def test_scheduling_and_running_sessions(
    client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
) -> None:
    plan = await approved_plan(session, world)
    body = session_data().model_dump(mode="json")

    async def schedule(role: str, headers: dict[str, str]) -> httpx.Response:
        return await client.post(f"{API}/plans/{plan.id}/sessions", json=body, headers=headers)

    schedulers = {"head", "secretary", "ward_officer", "city_officer", "admin"}
    assert await _statuses(client, logins, world, schedule) == _expect(schedulers, 201)

    scheduled = {}
    for role in ROLES:
        supervision_session = await plans.schedule_session(
            session, plan.id, session_data(), world.p("head")
        )
        scheduled[role] = supervision_session.id, etag(supervision_session.version)

    async def run(role: str, headers: dict[str, str]) -> httpx.Response:
        session_id, read = scheduled[role]
        return await client.post(
            f"{API}/sessions/{session_id}/actions/open", headers={**headers, "If-Match": read}
        )

    assert await _statuses(client, logins, world, run) == _expect({"head", "secretary"}, 200)


async def test_issuing_recommendations(
    client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
) -> None:
    plan = await approved_plan(session, world)
    await plans.transition_plan(session, plan.id, "start", world.p("head"))
    drafts = {}
    for role in ROLES:
        rec = await recs.create_recommendation(
            session,
            plan.id,
            RecommendationCreate(
                agency_id=world.agency.id, title=f"Kiến nghị {role}", text="x" * 5
            ),
            world.p("member"),
        )
        drafts[role] = rec.id, etag(rec.version)

    async def call(role: str, headers: dict[str, str]) -> httpx.Response:
        rec_id, read = drafts[role]
        return await client.post(
            f"{API}/recommendations/{rec_id}/issue", headers={**headers, "If-Match": read}
        )

    assert await _statuses(client, logins, world, call) == _expect(
        {"head", "ward_officer", "city_officer", "admin"}, 200
    )


async def test_anonymous_callers_and_api_clients_are_refused(
    client: httpx.AsyncClient, session: AsyncSession, world: World
) -> None:
    plan = await draft_plan(session, world)
    assert (await client.get(f"{API}/plans/{plan.id}")).status_code == 401
    _, key = await create_api_client(session, scopes=["petitions:write"])
    response = await client.get(f"{API}/plans/{plan.id}", headers={"X-API-Key": key})
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
