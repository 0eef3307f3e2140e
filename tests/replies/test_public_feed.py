"""The public feed of answers: no authentication, personal data removed, only items whose
petitioner consented, filters, keyset pagination."""

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.http import cursor as cursor_codec
from service.replies import repository
from service.replies import service as replies
from service.replies.models import Referral
from service.replies.schemas import AnswerDraftWrite
from tests.factories import BA_DINH
from tests.replies.conftest import COMPLETE_ANSWER, StandInProvider, World, refer


async def publish(session: AsyncSession, world: World, referral: Referral, text: str) -> None:
    agency = world.actor(
        world.agency_officer
        if referral.agency_id == world.ward_agency.id
        else world.other_agency_officer
    )
    front = world.actor(world.city_front_officer)
    await replies.acknowledge(
        session,
        await replies.load_for_change(session, referral.id, agency),
        actor=agency,
        agency_reference="1",
    )
    draft = AnswerDraftWrite.model_validate({**COMPLETE_ANSWER, "text": text})
    await replies.save_draft(
        session,
        await replies.load_for_change(session, referral.id, agency),
        actor=agency,
        draft=draft,
    )
    await replies.submit_answer(
        session, await replies.load_for_change(session, referral.id, agency), actor=agency
    )
    await replies.accept_answer(
        session, await replies.load_for_change(session, referral.id, front), actor=front
    )
    await replies.publish_answer(
        session, await replies.load_for_change(session, referral.id, front), actor=front
    )


async def test_feed_removes_personal_data(
    session: AsyncSession, client: httpx.AsyncClient, world: World, provider: StandInProvider
) -> None:
    referral = await refer(
        session,
        world,
        provider,
        title="Rác thải tại ngõ 5, gọi 0904-111-222",
        description=(
            "Tôi là Nguyễn Văn A, CCCD 001 203 004 567, email a.nguyen@example.vn, "
            "điện thoại +84 904 111 222. Rác không được thu gom 150.000.000 đồng phí."
        ),
        petitioner="Nguyễn Văn A",
    )
    await publish(session, world, referral, "Đã thu gom. Liên hệ tổ trưởng 024.3825.1234.")
    response = await client.get("/api/v1/public/answers")
    assert response.status_code == 200
    [item] = response.json()["items"]
    blob = str(item)
    for secret in (
        "0904-111-222",
        "001 203 004 567",
        "a.nguyen@example.vn",
        "+84 904 111 222",
        "024.3825.1234",
        "Trần Văn B",  # the signer's name stays in the citizen's copy only
    ):
        assert secret not in blob
    assert "150.000.000 đồng" in item["description"]
    assert item["agency_name"] == world.ward_agency.name
    assert item["outcome"] == "resolved"
    assert "petitioner" not in item


async def test_feed_filters_and_pages(
    session: AsyncSession, client: httpx.AsyncClient, world: World, provider: StandInProvider
) -> None:
    published = []
    for index in range(5):
        referral = await refer(
            session,
            world,
            provider,
            title=f"Phản ánh số {index}",
            category_code="environment" if index % 2 else "traffic",
        )
        await publish(session, world, referral, f"Trả lời {index}")
        published.append(referral.id)
    elsewhere = await refer(
        session, world, provider, agency=world.other_agency, unit_code=BA_DINH, title="Ba Đình"
    )
    await publish(session, world, elsewhere, "Trả lời Ba Đình")
    hidden = await refer(session, world, provider, consent_to_publish=False, title="Riêng tư")
    await publish(session, world, hidden, "Không công khai")

    titles: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/public/answers", params=params)).json()
        titles += [item["title"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(titles) == 6
    assert "Riêng tư" not in titles
    assert len(set(titles)) == 6

    by_unit = (await client.get("/api/v1/public/answers", params={"unit_code": BA_DINH})).json()
    assert [i["title"] for i in by_unit["items"]] == ["Ba Đình"]
    by_category = (
        await client.get("/api/v1/public/answers", params={"category_code": "environment"})
    ).json()
    assert sorted(i["title"] for i in by_category["items"]) == ["Phản ánh số 1", "Phản ánh số 3"]
    by_agency = (
        await client.get("/api/v1/public/answers", params={"agency_id": str(world.other_agency.id)})
    ).json()
    assert [i["title"] for i in by_agency["items"]] == ["Ba Đình"]
    bad = await client.get("/api/v1/public/answers", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422
    # A cursor of another list (the inbox, by due date) says so.
    inbox_cursor = cursor_codec.encode(repository.BY_DUE_DATE, utcnow(), uuid.uuid4())
    other = await client.get("/api/v1/public/answers", params={"cursor": inbox_cursor})
    assert other.status_code == 422
    assert other.json()["errors"][0]["code"] == "cursor_other_sort"


async def test_withdrawn_consent_removes_the_answer(
    session: AsyncSession, client: httpx.AsyncClient, world: World, provider: StandInProvider
) -> None:
    referral = await refer(session, world, provider)
    await publish(session, world, referral, "Đã xử lý")
    assert len((await client.get("/api/v1/public/answers")).json()["items"]) == 1
    removed = await replies.withdraw_from_public_feed(session, "petition", referral.item_id)
    assert removed == 1
    assert (await client.get("/api/v1/public/answers")).json()["items"] == []


async def test_feed_removes_the_petitioners_own_name_and_landlines_from_answers(
    session: AsyncSession, client: httpx.AsyncClient, world: World, provider: StandInProvider
) -> None:
    """The agency typed the petitioner's stored name (in capitals, without diacritics) and a
    Hà Nội landline into its answer: neither reaches the feed; "công khai" (public) stays."""
    referral = await refer(
        session,
        world,
        provider,
        title="Hoàng Công Khai phản ánh rác thải",
        description="Ông Hoàng Công Khai phản ánh rác không được thu gom.",
        petitioner="Hoàng Công Khai",
    )
    text = (
        "Trả lời phản ánh của ông HOANG CONG KHAI (ĐT (024) 3825 1234, hoặc 024.3825.1234): "
        "UBND phường đã công khai lịch thu gom rác."
    )
    await publish(session, world, referral, text)
    [item] = (await client.get("/api/v1/public/answers")).json()["items"]
    assert item["answer_text"] == (
        "Trả lời phản ánh của ông [họ tên đã ẩn] (ĐT [số điện thoại đã ẩn], hoặc "
        "[số điện thoại đã ẩn]): UBND phường đã công khai lịch thu gom rác."
    )
    assert item["title"] == "[họ tên đã ẩn] phản ánh rác thải"
    assert "Khai" not in item["description"]
