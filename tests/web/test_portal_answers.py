"""The portal's published answers: the public feed's rows, redacted as the API's feed is,
searched without diacritics, filtered, one page per answer."""

import re
import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.replies import service as replies
from tests.factories import BA_DINH
from tests.replies.conftest import StandInProvider, World, refer
from tests.replies.conftest import provider as provider  # the fixtures of the replies tests
from tests.replies.conftest import wiring as wiring
from tests.replies.conftest import world as world
from tests.replies.test_public_feed import publish

PERSONAL = ("0904-111-222", "001 203 004 567", "a.nguyen@example.vn", "024.3825.1234")


async def published(
    session: AsyncSession, world: World, provider: StandInProvider, text: str, **item: str
) -> None:
    referral = await refer(session, world, provider, **item)
    await publish(session, world, referral, text)


def answer_links(html: str) -> list[str]:
    return re.findall(r'href="(/tra-loi/[0-9a-f-]{36})"', html)


async def test_an_answer_page_is_redacted_as_the_feed(
    session: AsyncSession, client: httpx.AsyncClient, world: World, provider: StandInProvider
) -> None:
    await published(
        session,
        world,
        provider,
        "Đã thu gom. Liên hệ tổ trưởng 024.3825.1234.",
        title="Rác thải tại ngõ 5, gọi 0904-111-222",
        description="Tôi là Nguyễn Văn A, CCCD 001 203 004 567, email a.nguyen@example.vn.",
        petitioner="Nguyễn Văn A",
    )
    feed = (await client.get("/api/v1/public/answers")).json()["items"]
    listing = await client.get("/tra-loi")
    assert listing.status_code == 200
    [link] = answer_links(listing.text)
    assert link == f"/tra-loi/{feed[0]['id']}"
    page = await client.get(link)
    assert page.status_code == 200
    for text in PERSONAL:
        assert text not in listing.text
        assert text not in page.text
    assert feed[0]["answer_text"] in page.text  # what the feed shows, and that only
    assert feed[0]["agency_name"] in page.text
    assert "Đã giải quyết" in page.text


async def test_search_and_filters(
    session: AsyncSession, client: httpx.AsyncClient, world: World, provider: StandInProvider
) -> None:
    await published(session, world, provider, "Đã nạo vét.", title="Cống thoát nước Tràng Thi")
    await published(session, world, provider, "Đã sửa.", title="Đèn đường hỏng phố Huế")
    await published(
        session,
        world,
        provider,
        "Đã lắp biển.",
        title="Biển báo Ba Đình",
        unit_code=BA_DINH,
        category_code="environment",
    )
    hidden = await refer(session, world, provider, consent_to_publish=False, title="Riêng tư")
    await publish(session, world, hidden, "Không công khai")

    async def titles(**params: str) -> list[str]:
        page = await client.get("/tra-loi", params=params)
        assert page.status_code == 200
        return re.findall(r'<a href="/tra-loi/[0-9a-f-]{36}">([^<]+)</a>', page.text)

    assert len(await titles()) == 3
    assert await titles(q="cong thoat") == ["Cống thoát nước Tràng Thi"]  # no diacritics
    assert await titles(q="ĐÈN HỎNG") == ["Đèn đường hỏng phố Huế"]
    assert await titles(q="100%_") == []
    api = await client.get("/api/v1/public/answers", params={"q": "cong thoat"})  # the same
    assert [item["title"] for item in api.json()["items"]] == ["Cống thoát nước Tràng Thi"]
    assert await titles(unit_code=BA_DINH) == ["Biển báo Ba Đình"]
    assert await titles(category_code="environment") == ["Biển báo Ba Đình"]
    # htmx's filter request gets the results alone; its history restore, the whole page.
    results = await client.get("/tra-loi", params={"q": "den"}, headers={"HX-Request": "true"})
    assert results.text.lstrip().startswith('<section id="results"')
    assert "Đèn đường hỏng phố Huế" in results.text
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    assert "<html" in (await client.get("/tra-loi", headers=restore)).text


async def test_pages_follow_the_feed_cursor(
    session: AsyncSession, client: httpx.AsyncClient, world: World, provider: StandInProvider
) -> None:
    for index in range(12):
        await published(session, world, provider, f"Trả lời {index}", title=f"Phản ánh {index}")
    first = await client.get("/tra-loi")
    assert len(answer_links(first.text)) == 10
    following = re.search(r'href="(/tra-loi\?cursor=[^"]+)" rel="next"', first.text)
    assert following
    second = await client.get(following.group(1).replace("&amp;", "&"))
    assert len(answer_links(second.text)) == 2
    assert not set(answer_links(first.text)) & set(answer_links(second.text))


async def test_bad_input_is_a_page_not_a_500(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"/tra-loi/{uuid.uuid4()}")).status_code == 404
    assert (await client.get("/tra-loi/not-a-uuid")).status_code == 404
    assert (await client.get("/tra-loi", params={"cursor": "garbage"})).status_code in (400, 422)
    assert (await client.get("/tra-loi", params={"q": "x" * 500})).status_code == 400


async def test_a_withdrawn_consent_takes_the_page_down(
    session: AsyncSession, client: httpx.AsyncClient, world: World, provider: StandInProvider
) -> None:
    referral = await refer(session, world, provider, title="Sẽ rút đồng ý")
    await publish(session, world, referral, "Trả lời")
    [link] = answer_links((await client.get("/tra-loi")).text)
    await replies.withdraw_from_public_feed(session, "petition", referral.item_id)
    assert (await client.get(link)).status_code == 404
