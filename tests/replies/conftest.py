"""Fixtures for the replies tests: the default deadline policy, a stand-in item provider for
petitions and recommendations (replies must not import those packages), agencies with a
superior, staff of each side, and an event recorder."""

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role, StaffUser
from service.auth.principals import StaffPrincipal
from service.auth.secrets import hash_password
from service.deadlines.models import ItemKind, Urgency
from service.deadlines.policy import seed_default_policy
from service.directory.models import AdminUnit, Agency, AgencyLevel
from service.kernel.wiring import Wiring, WiringBuilder
from service.replies import events
from service.replies import service as replies
from service.replies.models import Referral
from service.replies.redaction import PersonalData
from tests.factories import BA_DINH, HANOI, HOAN_KIEM, PASSWORD, create_agency, login


class StandInProvider:
    """Plays the petitions/oversight package: items live in a dict. ``public_view`` returns
    the raw text on purpose, so the tests show the feed redacts it anyway."""

    def __init__(self) -> None:
        self.items: dict[uuid.UUID, dict[str, Any]] = {}

    def add(
        self,
        *,
        title: str = "Ngập nước đường Tràng Thi",
        description: str = "Nước ngập sâu sau mưa, xe máy chết máy.",
        consent_to_publish: bool = True,
        category_code: str | None = "traffic",
        unit_code: str = HOAN_KIEM,
        petitioner: str = "Nguyễn Văn A",
    ) -> uuid.UUID:
        item_id = uuid.uuid4()
        self.items[item_id] = {
            "title": title,
            "description": description,
            "consent": consent_to_publish,
            "category_code": category_code,
            "unit_code": unit_code,
            "petitioner": petitioner,
        }
        return item_id

    async def agency_view(
        self, session: AsyncSession, item_id: uuid.UUID, viewer: StaffPrincipal
    ) -> dict[str, Any]:
        item = self.items[item_id]
        return {"title": item["title"], "description": item["description"]}

    async def reveal_identity(
        self, session: AsyncSession, item_id: uuid.UUID, viewer: StaffPrincipal, reason: str
    ) -> dict[str, Any]:
        return {"confidential": True, "full_name": self.items[item_id]["petitioner"]}

    async def personal_data(self, session: AsyncSession, item_id: uuid.UUID) -> PersonalData:
        return PersonalData.of(full_name=self.items[item_id]["petitioner"])

    async def public_view(self, session: AsyncSession, item_id: uuid.UUID) -> dict[str, Any] | None:
        item = self.items[item_id]
        if not item["consent"]:
            return None
        return {
            "title": item["title"],
            "description": item["description"],
            "category_code": item["category_code"],
            "unit_code": item["unit_code"],
        }


@pytest.fixture
def provider() -> StandInProvider:
    """The stand-in for petitions and recommendations (in this test's ``wiring``)."""
    return StandInProvider()


@dataclass
class Recorder:
    seen: list[events.ReferralEvent] = field(default_factory=list)

    async def __call__(self, session: AsyncSession, event: events.ReferralEvent) -> None:
        self.seen.append(event)

    def names(self, referral_id: uuid.UUID | None = None) -> list[str]:
        return [e.name for e in self.seen if referral_id is None or e.referral_id == referral_id]

    def last(self, name: str) -> events.ReferralEvent:
        return [e for e in self.seen if e.name == name][-1]


@pytest.fixture
def recorder() -> Recorder:
    """Sees every referral event (subscribed in this test's ``wiring``)."""
    return Recorder()


@pytest.fixture
def wiring(base_wiring: Wiring, request: pytest.FixtureRequest) -> Wiring:
    """The platform's wiring without any referral event subscriber: the petitions and
    oversight packages subscribe for their own items, and the stand-in items of these tests
    are not theirs. A test that asks for ``provider`` gets the stand-in for both item types,
    one that asks for ``recorder`` gets it subscribed to every event."""
    stand_in = request.getfixturevalue("provider") if "provider" in request.fixturenames else None
    seen = request.getfixturevalue("recorder") if "recorder" in request.fixturenames else None

    def replies_alone(builder: WiringBuilder) -> None:
        builder.unsubscribe_all()
        if stand_in is not None:
            for item_type in ("petition", "recommendation"):
                builder.provide(item_type, stand_in)
        if seen is not None:
            for name in events.EVENT_NAMES:
                builder.subscribe(name, seen)

    return base_wiring.extend(replies_alone)


def principal(user: StaffUser) -> StaffPrincipal:
    return StaffPrincipal(
        user_id=user.id,
        username=user.username,
        role=user.role,
        unit_code=user.unit_code,
        agency_id=user.agency_id,
    )


_PASSWORD_HASH: list[str] = []


async def staff_user(
    session: AsyncSession,
    role: Role,
    *,
    unit_code: str | None = None,
    agency: Agency | None = None,
) -> StaffUser:
    """A staff account with the factories' password, hashed once per test run (argon2 is
    slow on purpose; these tests create many accounts)."""
    if not _PASSWORD_HASH:
        _PASSWORD_HASH.append(hash_password(PASSWORD))
    user = StaffUser(
        username=f"{role.value.replace('_', '-')}-{uuid.uuid4().hex[:8]}",
        full_name=f"Cán bộ {role.value}",
        password_hash=_PASSWORD_HASH[0],
        role=role,
        unit_code=unit_code,
        agency_id=agency.id if agency else None,
    )
    session.add(user)
    await session.flush()
    return user


@dataclass
class World:
    ward_agency: Agency  # UBND phường Hoàn Kiếm
    city_agency: Agency  # its superior
    other_agency: Agency
    agency_officer: StaffUser
    other_agency_officer: StaffUser
    front_officer: StaffUser  # Hoàn Kiếm ward Front
    other_front_officer: StaffUser  # Ba Đình ward Front
    city_front_officer: StaffUser
    council_reader: StaffUser
    city_agency_officer: StaffUser

    def actor(self, user: StaffUser) -> StaffPrincipal:
        return principal(user)


@pytest.fixture
async def world(session: AsyncSession, hanoi: AdminUnit) -> World:
    await seed_default_policy(session)
    city = await create_agency(
        session, name="UBND thành phố Hà Nội", unit_code=HANOI, level=AgencyLevel.city
    )
    ward = await create_agency(session, name="UBND phường Hoàn Kiếm", parent=city)
    other = await create_agency(session, name="UBND phường Ba Đình", unit_code=BA_DINH)
    return World(
        ward_agency=ward,
        city_agency=city,
        other_agency=other,
        agency_officer=await staff_user(session, Role.agency_officer, agency=ward),
        other_agency_officer=await staff_user(session, Role.agency_officer, agency=other),
        front_officer=await staff_user(session, Role.front_officer, unit_code=HOAN_KIEM),
        other_front_officer=await staff_user(session, Role.front_officer, unit_code=BA_DINH),
        city_front_officer=await staff_user(session, Role.front_officer),
        council_reader=await staff_user(session, Role.council_reader),
        city_agency_officer=await staff_user(session, Role.agency_officer, agency=city),
    )


async def refer(
    session: AsyncSession,
    world: World,
    provider: StandInProvider,
    *,
    item_type: str = "petition",
    kind: ItemKind = ItemKind.feedback,
    urgency: Urgency = Urgency.normal,
    agency: Agency | None = None,
    **item: Any,
) -> Referral:
    """What petitions/oversight do: create the item, then refer it to an agency."""
    item_id = provider.add(**item)
    title = provider.items[item_id]["title"]
    return await replies.create_referral(
        session,
        item=replies.ReferredItem(item_type, item_id, kind, HOAN_KIEM, title, urgency),
        agency_id=(agency or world.ward_agency).id,
        actor=world.actor(world.front_officer),
    )


class Api:
    """HTTP calls as one staff user, with the If-Match dance done for them."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str], base: str) -> None:
        self.client = client
        self.headers = headers
        self.base = base

    async def get(self, path: str = "", **params: Any) -> httpx.Response:
        return await self.client.get(f"{self.base}{path}", headers=self.headers, params=params)

    async def etag(self, referral_id: uuid.UUID) -> str:
        response = await self.client.get(f"{self.base}/{referral_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        return response.headers["etag"]

    async def act(
        self,
        referral_id: uuid.UUID,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        method: str = "POST",
        if_match: str | None = "auto",
    ) -> httpx.Response:
        headers = dict(self.headers)
        if if_match == "auto":
            headers["If-Match"] = await self.etag(referral_id)
        elif if_match is not None:
            headers["If-Match"] = if_match
        return await self.client.request(
            method, f"{self.base}/{referral_id}{path}", headers=headers, json=body
        )


@pytest.fixture
async def as_agency(client: httpx.AsyncClient, world: World) -> Api:
    return Api(client, await login(client, world.agency_officer), "/api/v1/agency/referrals")


@pytest.fixture
async def as_front(client: httpx.AsyncClient, world: World) -> Api:
    return Api(client, await login(client, world.front_officer), "/api/v1/referrals")


COMPLETE_ANSWER = {
    "outcome": "resolved",
    "text": "UBND phường đã nạo vét cống thoát nước trên đường Tràng Thi.",
    "legal_basis": "Luật Tổ chức chính quyền địa phương 2025",
    "document_number": "125/UBND-QLĐT",
    "document_date": "2026-03-20",
    "signer_name": "Trần Văn B",
    "signer_title": "Phó Chủ tịch UBND phường",
    "attachment_ids": [],
}
