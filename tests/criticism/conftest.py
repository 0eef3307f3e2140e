"""Fixtures of the social-criticism tests: the Front officers of a ward, of another ward and
of the city, the drafting agency's officer and another agency's, the deadline policy."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role, StaffUser
from service.directory.models import AdminUnit, Agency, AgencyLevel
from tests.factories import BA_DINH, HOAN_KIEM, create_agency
from tests.oversight.conftest import logins, make_user, policy  # noqa: F401  # fixtures

API = "/api/v1"


@dataclass
class People:
    agency: Agency  # the drafting agency: the ward People's Committee
    other_agency: Agency
    ward_officer: StaffUser
    other_ward_officer: StaffUser
    city_officer: StaffUser
    agency_officer: StaffUser
    other_agency_officer: StaffUser
    supervisor: StaffUser


@pytest.fixture
async def people(session: AsyncSession, hanoi: AdminUnit, policy: None) -> People:  # noqa: F811
    agency = await create_agency(session, name="UBND phường Hoàn Kiếm")
    other = await create_agency(
        session, name="Sở Tư pháp Hà Nội", unit_code="01", level=AgencyLevel.city
    )
    return People(
        agency=agency,
        other_agency=other,
        ward_officer=await make_user(session, Role.front_officer),
        other_ward_officer=await make_user(session, Role.front_officer, BA_DINH),
        city_officer=await make_user(session, Role.front_officer, None),
        agency_officer=await make_user(session, Role.agency_officer, HOAN_KIEM, agency),
        other_agency_officer=await make_user(session, Role.agency_officer, "01", other),
        supervisor=await make_user(session, Role.supervisor),
    )


def draft_body(people: People, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "code": f"DT-{now.strftime('%H%M%S%f')}",
        "title": "Dự thảo Nghị quyết về chỉnh trang vỉa hè phường Hoàn Kiếm",
        "summary": "Quy định việc sử dụng tạm thời vỉa hè cho kinh doanh.",
        "draft_type": "decision",
        "level": "ward",
        "unit_code": HOAN_KIEM,
        "drafting_agency_id": str(people.agency.id),
        "form": "conference",
        "opinion_due_at": (now + timedelta(days=20)).isoformat(),
        "sections": [
            {"number": 1, "title": "Phạm vi điều chỉnh", "text": "Các tuyến phố trong phường."},
            {"number": 2, "title": "Mức thu phí", "text": "50.000 đồng/m²/tháng."},
        ],
    }
    body.update(changes)
    return body


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()
