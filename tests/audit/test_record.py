"""record(): an audit row in the caller's transaction, with actor, request id and masking."""

import uuid
from datetime import UTC, datetime

import httpx
import pytest
import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.models import ActorType, AuditEvent
from service.audit.service import record
from service.auth.models import Role, StaffUser
from service.auth.principals import ClientPrincipal, StaffPrincipal
from tests.factories import create_user, login


async def events(session: AsyncSession) -> list[AuditEvent]:
    return list((await session.execute(select(AuditEvent).order_by(AuditEvent.id))).scalars())  # type: ignore[arg-type]


async def test_staff_client_and_system_actors(session: AsyncSession) -> None:
    staff = StaffPrincipal(user_id=uuid.uuid4(), username="officer", role=Role.front_officer)
    client = ClientPrincipal(client_id=uuid.uuid4(), name="Zalo mini-app")
    await record(
        session, actor=staff, action="petition.routed", entity_type="petition", entity_id=1
    )
    await record(
        session, actor=client, action="petition.filed", entity_type="petition", entity_id=1
    )
    await record(session, actor=None, action="deadline.passed", entity_type="petition", entity_id=1)
    rows = await events(session)
    assert [(e.actor_type, e.actor_id) for e in rows] == [
        (ActorType.user, str(staff.user_id)),
        (ActorType.client, str(client.client_id)),
        (ActorType.system, None),
    ]
    assert all(e.seq is None and e.hash is None for e in rows)  # sealed later


async def test_snapshots_are_masked_and_made_json(session: AsyncSession) -> None:
    petition_id = uuid.uuid4()
    when = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    await record(
        session,
        actor=None,
        action="petition.updated",
        entity_type="petition",
        entity_id=petition_id,
        before={"status": "received", "petitioner_name": "Nguyễn Văn A", "due_at": when},
        after={"status": "routed", "phone": "0912345667", "agency_id": petition_id},
    )
    [event] = await events(session)
    assert event.entity_id == str(petition_id)
    assert event.before == {
        "status": "received",
        "petitioner_name": "***",
        "due_at": "2026-03-01T08:30:00Z",
    }
    assert event.after == {"status": "routed", "phone": "09***67", "agency_id": str(petition_id)}


async def test_request_id_is_stored(session: AsyncSession) -> None:
    structlog.contextvars.bind_contextvars(request_id="req-123")
    try:
        await record(session, actor=None, action="x.done", entity_type="x", entity_id="1")
    finally:
        structlog.contextvars.clear_contextvars()
    [event] = await events(session)
    assert event.request_id == "req-123"


async def test_snapshot_must_be_an_object(session: AsyncSession) -> None:
    with pytest.raises(TypeError):
        await record(session, actor=None, action="x", entity_type="x", entity_id=1, after=[1])  # type: ignore[arg-type]


class TestAdminApi:
    async def test_filters_and_keyset_pages(
        self, client: httpx.AsyncClient, session: AsyncSession, admin: StaffUser
    ) -> None:
        for number in range(5):
            await record(
                session,
                actor=None,
                action="petition.routed",
                entity_type="petition",
                entity_id=str(number % 2),
                after={"n": number},
            )
        await record(
            session, actor=None, action="agency.updated", entity_type="agency", entity_id="0"
        )
        await session.flush()  # record() leaves flushing to the caller's commit
        headers = await login(client, admin)

        first = await client.get(
            "/api/v1/admin/audit",
            params={"entity_type": "petition", "limit": 2},
            headers=headers,
        )
        assert first.status_code == 200, first.text
        page = first.json()
        assert [e["after"]["n"] for e in page["items"]] == [4, 3]  # newest first
        second = await client.get(
            "/api/v1/admin/audit",
            params={"entity_type": "petition", "limit": 2, "cursor": page["next_cursor"]},
            headers=headers,
        )
        assert [e["after"]["n"] for e in second.json()["items"]] == [2, 1]

        one_entity = await client.get(
            "/api/v1/admin/audit",
            params={"entity_type": "petition", "entity_id": "0"},
            headers=headers,
        )
        assert [e["after"]["n"] for e in one_entity.json()["items"]] == [4, 2, 0]
        assert one_entity.json()["next_cursor"] is None

        by_action = await client.get(
            "/api/v1/admin/audit", params={"action": "agency.updated"}, headers=headers
        )
        assert [e["entity_type"] for e in by_action.json()["items"]] == ["agency"]

        future = await client.get(
            "/api/v1/admin/audit", params={"since": "2999-01-01T00:00:00Z"}, headers=headers
        )
        assert future.json()["items"] == []

    async def test_bad_filters_are_4xx(self, client: httpx.AsyncClient, admin: StaffUser) -> None:
        headers = await login(client, admin)
        for params in ({"limit": 0}, {"cursor": "abc"}, {"actor_type": "robot"}, {"since": "x"}):
            response = await client.get("/api/v1/admin/audit", params=params, headers=headers)
            assert 400 <= response.status_code < 500, params

    async def test_only_admins(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        officer = await create_user(session, Role.front_officer)
        headers = await login(client, officer)
        assert (await client.get("/api/v1/admin/audit", headers=headers)).status_code == 403
        assert (await client.get("/api/v1/admin/audit")).status_code == 401
