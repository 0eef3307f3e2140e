"""The work queue's tab counts (``listing.capped_counts``): each list's rows as
``list_petitions`` pages through them, counted up to a cap, with a search read first from a
window of the list's rows and then through the GIN index; the denunciation rule holds."""

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.deadlines.models import DeadlineStatus
from service.petitions.models import PetitionKind, PetitionStatus
from service.petitions.repository import listing
from service.petitions.repository.listing import PetitionFilter
from tests.factories import BA_DINH
from tests.petitions.conftest import IDENTIFIED, Api, Staff, filed, petition_body, principal


async def listed(session: AsyncSession, viewer: StaffPrincipal, filters: PetitionFilter) -> int:
    rows, _ = await listing.list_petitions(session, viewer, filters, limit=100)
    return len(rows)


LISTS = {
    "received": PetitionFilter(status=[PetitionStatus.received]),
    "needs_info": PetitionFilter(status=[PetitionStatus.needs_info]),
    "overdue": PetitionFilter(overdue=True),
    "due_soon": PetitionFilter(deadline_status=DeadlineStatus.due_soon, open_only=True),
    "all": PetitionFilter(),
    "feedback": PetitionFilter(kind=PetitionKind.feedback),
}


@pytest.fixture
async def petitions(client: httpx.AsyncClient, api: Api) -> None:
    for index in range(5):
        await filed(client, api, petition_body(title=f"Ngập nước ngõ {index} phố Huế"))
    for title in ("Đèn đường hỏng", "Rác thải chợ Hôm"):
        await filed(client, api, petition_body(title=title, description="Không liên quan."))
    await filed(client, api, petition_body(unit_code=BA_DINH, title="Ngập nước phố Kim Mã"))
    await filed(
        client,
        api,
        petition_body(
            kind="denunciation",
            category="officials_conduct",
            title="Tố cáo cán bộ bỏ mặc ngập nước",
            description="Cán bộ phường không xử lý ngập nước.",
            petitioner=dict(IDENTIFIED),
        ),
    )


@pytest.mark.parametrize(("cap", "window"), [(100, 1500), (2, 3), (10, 3), (2, 100), (3, 6)])
async def test_counts_are_the_lists_up_to_the_cap(
    session: AsyncSession, staff: Staff, petitions: None, cap: int, window: int
) -> None:
    for user in (staff.ward_front, staff.city_front, staff.supervisor, staff.admin):
        viewer = principal(user)
        for q in (None, "ngap nuoc", "NGẬP NƯỚC", "den duong", "cay xanh"):
            lists = {name: PetitionFilter(**{**f.__dict__, "q": q}) for name, f in LISTS.items()}
            counts = await listing.capped_counts(session, viewer, lists, cap=cap, window=window)
            expected = {
                name: min(await listed(session, viewer, f), cap + 1) for name, f in lists.items()
            }
            assert counts == expected, (user.username, q, cap, window)


async def test_a_search_of_the_ward_counts_its_matches(
    session: AsyncSession, staff: Staff, petitions: None
) -> None:
    ward = principal(staff.ward_front)
    searched = {"all": PetitionFilter(q="ngap nuoc"), "received": PetitionFilter(q="ngập nước")}
    # 5 petitions and the denunciation (a Front officer searches its words); not Ba Đình's.
    assert await listing.capped_counts(session, ward, searched) == {"all": 6, "received": 6}
    # Above the cap: cap + 1, read from the window or through the index alike.
    assert await listing.capped_counts(session, ward, searched, cap=4, window=2) == {
        "all": 5,
        "received": 5,
    }
    assert await listing.capped_counts(session, ward, searched, cap=4, window=50) == {
        "all": 5,
        "received": 5,
    }
    # The supervisor does not search a denunciation's words: 5.
    supervisor = principal(staff.supervisor)
    assert (await listing.capped_counts(session, supervisor, searched))["all"] == 5
    assert await listing.capped_counts(session, ward, {}) == {}


async def test_the_bitmap_setting_is_restored(
    session: AsyncSession, staff: Staff, petitions: None
) -> None:
    lists: dict[str, Any] = {"all": PetitionFilter(q="ngap nuoc")}
    await listing.capped_counts(session, principal(staff.ward_front), lists)
    assert (await session.execute(listing.sa.text("SHOW enable_bitmapscan"))).scalar() == "on"
