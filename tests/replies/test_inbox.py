"""The agency inbox: my agency's referrals, by due date, with filters and keyset pages."""

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.deadlines.models import ItemKind
from tests.replies.conftest import Api, StandInProvider, World, refer


async def test_inbox_filters_sorts_and_pages(
    session: AsyncSession,
    client: httpx.AsyncClient,
    world: World,
    provider: StandInProvider,
    as_agency: Api,
) -> None:
    now = utcnow()
    referrals = {}
    for days, title, kind in [
        (5, "Sau năm ngày", ItemKind.feedback),
        (-2, "Quá hạn hai ngày", ItemKind.complaint),
        (1, "Ngày mai", ItemKind.feedback),
        (3, "Ba ngày", ItemKind.recommendation),
    ]:
        referral = await refer(session, world, provider, title=title, kind=kind)
        referral.due_at = now + timedelta(days=days)
        referral.warn_at = referral.due_at - timedelta(days=1)
        session.add(referral)
        referrals[title] = referral
    await refer(session, world, provider, title="Của cơ quan khác", agency=world.other_agency)
    await session.flush()

    titles: list[str] = []
    cursor = None
    while True:
        page = (await as_agency.get("", limit=3, **({"cursor": cursor} if cursor else {}))).json()
        titles += [item["title"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert titles == ["Quá hạn hai ngày", "Ngày mai", "Ba ngày", "Sau năm ngày"]

    overdue = (await as_agency.get("", overdue="true")).json()["items"]
    assert [i["title"] for i in overdue] == ["Quá hạn hai ngày"]
    not_overdue = (await as_agency.get("", overdue="false")).json()["items"]
    assert len(not_overdue) == 3
    complaints = (await as_agency.get("", item_kind="complaint")).json()["items"]
    assert [i["title"] for i in complaints] == ["Quá hạn hai ngày"]
    window = (
        await as_agency.get(
            "",
            due_after=(now + timedelta(hours=12)).isoformat(),
            due_before=(now + timedelta(days=4)).isoformat(),
        )
    ).json()["items"]
    assert [i["title"] for i in window] == ["Ngày mai", "Ba ngày"]
    naive = await as_agency.get("", due_before="2030-01-01T00:00:00")
    assert naive.status_code == 200
    assert len(naive.json()["items"]) == 4

    acknowledged = referrals["Ba ngày"]
    assert (
        await as_agency.act(acknowledged.id, "/acknowledge", {"agency_reference": "7"})
    ).status_code == 200
    by_state = (await as_agency.get("", state=["acknowledged"])).json()["items"]
    assert [i["title"] for i in by_state] == ["Ba ngày"]
    bad_state = await as_agency.get("", state=["nonsense"])
    assert bad_state.status_code == 422
