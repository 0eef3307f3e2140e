"""Fixtures for the oversight tests: a small world of people around one ward's supervision
(members of the plan, a supervisor outside it, Front officers of the ward, of another ward
and of the city, an admin, officers of two agencies, a council reader), the deadline policy,
and helpers that bring a plan to a given stage through the service."""

import functools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from service.app import create_app
from service.auth.models import Role, StaffUser
from service.auth.principals import StaffPrincipal
from service.auth.secrets import hash_password
from service.deadlines.policy import seed_default_policy
from service.directory.models import AdminUnit, Agency, AgencyLevel
from service.kernel.wiring import Wiring
from service.oversight import service as plans
from service.oversight.models import (
    EntryKind,
    PlanForm,
    PlanRole,
    SessionMode,
    SupervisionPlan,
    SupervisionSession,
)
from service.oversight.schemas import (
    EntryCreate,
    MemberIn,
    ParticipantIn,
    PlanCreate,
    SessionCreate,
)
from service.oversight.service import log as log_service
from service.settings import Settings
from tests.factories import BA_DINH, HOAN_KIEM, PASSWORD, create_agency, login


def principal(user: StaffUser) -> StaffPrincipal:
    return StaffPrincipal(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        unit_code=user.unit_code,
        agency_id=user.agency_id,
    )


@dataclass
class World:
    agency: Agency  # the supervised ward People's Committee
    other_agency: Agency
    head: StaffUser
    member: StaffUser
    secretary: StaffUser
    outsider: StaffUser  # a supervisor of the same ward, not in the plan
    ward_officer: StaffUser  # Front officer of the plan's ward: approves
    second_ward_officer: StaffUser  # another Front officer of the same ward
    other_ward_officer: StaffUser  # Front officer of another ward
    city_officer: StaffUser
    admin: StaffUser
    agency_officer: StaffUser
    other_agency_officer: StaffUser
    council_reader: StaffUser

    def p(self, name: str) -> StaffPrincipal:
        user: StaffUser = getattr(self, name)
        return principal(user)


@functools.cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


async def make_user(
    session: AsyncSession, role: Role, unit: str | None = HOAN_KIEM, agency: Agency | None = None
) -> StaffUser:
    """A staff account (the password hash computed once: argon2 is slow on purpose)."""
    user = StaffUser(
        username=f"{role.value.replace('_', '-')}-{uuid.uuid4().hex[:8]}",
        full_name=f"Cán bộ {role.value} {uuid.uuid4().hex[:4]}",
        password_hash=_password_hash(),
        role=role,
        unit_code=unit,
        agency_id=agency.id if agency else None,
    )
    session.add(user)
    await session.flush()
    return user


async def make_world(session: AsyncSession) -> World:
    agency = await create_agency(session, name="UBND phường Hoàn Kiếm")
    other = await create_agency(
        session, name="Sở Xây dựng Hà Nội", unit_code="01", level=AgencyLevel.city
    )

    async def user(role: Role, unit: str | None = HOAN_KIEM, ag: Agency | None = None) -> StaffUser:
        return await make_user(session, role, unit, ag)

    return World(
        agency=agency,
        other_agency=other,
        head=await user(Role.supervisor),
        member=await user(Role.supervisor),
        secretary=await user(Role.supervisor),
        outsider=await user(Role.supervisor),
        ward_officer=await user(Role.front_officer),
        second_ward_officer=await user(Role.front_officer),
        other_ward_officer=await user(Role.front_officer, BA_DINH),
        city_officer=await user(Role.front_officer, None),
        admin=await user(Role.admin, None),
        agency_officer=await user(Role.agency_officer, HOAN_KIEM, agency),
        other_agency_officer=await user(Role.agency_officer, "01", other),
        council_reader=await user(Role.council_reader, None),
    )


@pytest.fixture
async def policy(session: AsyncSession) -> None:
    await seed_default_policy(session)
    await session.flush()


@pytest.fixture
async def world(session: AsyncSession, hanoi: AdminUnit, policy: None) -> World:
    return await make_world(session)


def plan_data(world: World, **changes: Any) -> PlanCreate:
    data: dict[str, Any] = {
        "code": f"KH-GS-{uuid.uuid4().hex[:10]}",
        "subject": "Giám sát việc giải quyết kiến nghị về trật tự xây dựng",
        "legal_basis": "Luật MTTQ Việt Nam 2015 (sửa đổi 2025), Điều 27; NQLT 403/2017",
        "form": PlanForm.delegation,
        "unit_code": HOAN_KIEM,
        "period_start": date(2026, 3, 1),
        "period_end": date(2026, 6, 30),
        "agency_ids": [world.agency.id],
        "members": [
            MemberIn(user_id=world.head.id, role=PlanRole.head),
            MemberIn(user_id=world.member.id, role=PlanRole.member),
            MemberIn(user_id=world.secretary.id, role=PlanRole.secretary),
        ],
        "participants": [
            ParticipantIn(name="Nguyễn Văn Chuyên", organisation="Hội Kiến trúc sư Hà Nội")
        ],
    }
    data.update(changes)
    return PlanCreate(**data)


async def draft_plan(session: AsyncSession, world: World, **changes: Any) -> SupervisionPlan:
    return await plans.create_plan(session, plan_data(world, **changes), world.p("head"))


async def approved_plan(session: AsyncSession, world: World, **changes: Any) -> SupervisionPlan:
    plan = await draft_plan(session, world, **changes)
    await plans.transition_plan(session, plan.id, "submit", world.p("head"))
    return await plans.transition_plan(session, plan.id, "approve", world.p("ward_officer"))


def session_data(**changes: Any) -> SessionCreate:
    data: dict[str, Any] = {
        "title": "Phiên làm việc với UBND phường",
        "mode": SessionMode.hybrid,
        "scheduled_start": datetime.now(UTC) + timedelta(days=1),
        "place": "Hội trường UBND phường Hoàn Kiếm",
        "meeting_link": "https://meet.example.vn/gs-01",
        "agenda": ["UBND phường báo cáo", "Đoàn giám sát chất vấn", "Kết luận"],
    }
    data.update(changes)
    return SessionCreate(**data)


async def open_session(
    session: AsyncSession, world: World, plan: SupervisionPlan, **changes: Any
) -> SupervisionSession:
    supervision_session = await plans.schedule_session(
        session, plan.id, session_data(**changes), world.p("head")
    )
    return await plans.open_session(session, supervision_session.id, world.p("secretary"))


async def write(
    session: AsyncSession,
    world: World,
    supervision_session: SupervisionSession,
    text: str,
    *,
    kind: EntryKind = EntryKind.statement,
    by: str = "secretary",
    **extra: Any,
) -> Any:
    entry, _ = await log_service.append_entry(
        session, supervision_session.id, EntryCreate(kind=kind, text=text, **extra), world.p(by)
    )
    return entry


def read_as(body: dict[str, Any]) -> dict[str, str]:
    """``If-Match`` naming a resource as last read (its ETag is its ``version``): every change
    needs it."""
    return {"If-Match": f'"{body["version"]}"'}


@pytest.fixture
def logins(client: httpx.AsyncClient) -> Any:
    """``await logins(world.head)`` -> Authorization headers (cached per user)."""
    cache: dict[Any, dict[str, str]] = {}

    async def headers(user: StaffUser) -> dict[str, str]:
        if user.id not in cache:
            cache[user.id] = await login(client, user)
        return cache[user.id]

    return headers


@pytest.fixture
async def s3_client(
    s3_settings: Settings, engine: AsyncEngine, connection: AsyncConnection, wiring: Wiring
) -> AsyncIterator[httpx.AsyncClient]:
    """The app on the S3 backend (a real S3 HTTP endpoint), in the test's transaction."""

    def sessions() -> AsyncSession:
        return AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )

    app: Any = create_app(s3_settings, engine=engine, sessions=sessions, wiring=wiring)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
