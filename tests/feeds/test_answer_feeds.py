"""The Atom feeds of published answers (issue 13 §2): valid RFC 4287 documents as a feed
reader parses them (``feedparser``), paged per RFC 5005, conditional GET, and only what the
public feed may show: never a complaint, a denunciation or an unpublished answer."""

import re
import xml.etree.ElementTree as ET
from typing import Any

import feedparser
import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.deadlines.models import ItemKind
from service.directory.models import PetitionCategory
from service.replies import service as replies
from tests.factories import BA_DINH, HOAN_KIEM
from tests.replies.conftest import StandInProvider, World, refer
from tests.replies.conftest import provider as provider  # the fixtures of the replies tests
from tests.replies.conftest import wiring as wiring
from tests.replies.conftest import world as world
from tests.replies.test_public_feed import publish

CITY = "/api/v1/public/feeds/answers"
ATOM = "{http://www.w3.org/2005/Atom}"
PERSONAL = ("0904-111-222", "001 203 004 567", "a.nguyen@example.vn", "Nguyễn Văn A")


async def published(
    session: AsyncSession, world: World, provider: StandInProvider, text: str, **item: Any
) -> Any:
    referral = await refer(session, world, provider, **item)
    await publish(session, world, referral, text)
    return referral


async def fetch(client: httpx.AsyncClient, url: str, **headers: str) -> httpx.Response:
    response = await client.get(url, headers=headers)
    assert response.status_code in (200, 304), response.text
    return response


def parsed(response: httpx.Response) -> Any:
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def links(feed: Any) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in feed.feed.links}


def local(url: str) -> str:
    """The path and query of an absolute link (the test client talks to the app itself)."""
    return re.sub(r"^https?://[^/]+", "", url)


def check_rfc4287(body: bytes) -> None:
    """RFC 4287's required elements, read from the XML itself: a feed has exactly one id,
    title and updated and an author; so does each entry (its author or the feed's), plus
    content or an alternate link."""
    root = ET.fromstring(body)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{name}")) == 1, name
    assert root.findall(f"{ATOM}author/{ATOM}name")
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        assert entry.findall(f"{ATOM}content") or entry.findall(f"{ATOM}link[@rel='alternate']")


async def test_the_city_feed_is_atom_with_ids_links_authors_and_no_personal_data(
    session: AsyncSession, client: httpx.AsyncClient, world: World, provider: StandInProvider
) -> None:
    await published(
        session,
        world,
        provider,
        "Đã thu gom rác. Liên hệ 0904-111-222.",
        title="Rác thải tại ngõ 5",
        description="Tôi là Nguyễn Văn A, CCCD 001 203 004 567, email a.nguyen@example.vn.",
    )
    await published(session, world, provider, "Đã sửa đèn.", title="Đèn đường hỏng phố Huế")
    response = await fetch(client, CITY)
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    check_rfc4287(response.content)
    feed = parsed(response)
    assert feed.feed.id.startswith("urn:uuid:")
    assert feed.feed.title == "Trả lời phản ánh, kiến nghị đã công khai: Thành phố Hà Nội"
    assert feed.feed.author_detail.name
    assert feed.feed.updated_parsed is not None
    assert feed.feed.language == "vi"
    feed_links = links(feed)
    assert local(feed_links["self"]) == CITY
    assert local(feed_links["alternate"]) == "/tra-loi"
    assert local(feed_links["first"]) == CITY
    assert local(feed_links["last"]) == f"{CITY}?page=last"
    assert "next" not in feed_links  # two answers fit the page

    public = (await client.get("/api/v1/public/answers")).json()["items"]
    assert [entry.id for entry in feed.entries] == [f"urn:uuid:{item['id']}" for item in public]
    for entry, item in zip(feed.entries, public, strict=True):
        assert entry.title == item["title"]
        assert entry.author == item["agency_name"]
        assert entry.published_parsed
        assert entry.updated_parsed
        assert local(entry.link) == f"/tra-loi/{item['id']}"
        assert item["answer_text"] in entry.content[0].value
        assert {tag.term for tag in entry.tags} == {"traffic", HOAN_KIEM}
        assert (await client.get(local(entry.link))).status_code == 200  # the portal's page
    for text in PERSONAL:
        assert text not in response.text


async def test_ids_stay_the_same_when_answers_are_added(
    session: AsyncSession, client: httpx.AsyncClient, world: World, provider: StandInProvider
) -> None:
    await published(session, world, provider, "Một", title="Phản ánh một")
    before = parsed(await fetch(client, CITY))
    await published(session, world, provider, "Hai", title="Phản ánh hai")
    after = parsed(await fetch(client, CITY))
    assert after.feed.id == before.feed.id
    assert [e.id for e in after.entries][1:] == [e.id for e in before.entries]
    assert len({e.id for e in after.entries}) == 2
    assert after.feed.updated_parsed >= before.feed.updated_parsed


async def test_pages_per_rfc_5005(
    session: AsyncSession, client: httpx.AsyncClient, world: World, provider: StandInProvider
) -> None:
    for index in range(5):
        await published(session, world, provider, f"Trả lời {index}", title=f"Phản ánh {index}")
    first = parsed(await fetch(client, f"{CITY}?limit=2"))
    every = [e.id for e in parsed(await fetch(client, f"{CITY}?limit=50")).entries]
    assert len(every) == 5
    assert "previous" not in links(first)

    walked, pages, page = [], [], first
    while True:
        pages.append(page)
        walked += [e.id for e in page.entries]
        if "next" not in links(page):
            break
        page = parsed(await fetch(client, local(links(page)["next"])))
        assert page.feed.id == first.feed.id  # one paged feed
        assert "previous" in links(page)
    assert walked == every  # newest first, nothing skipped or repeated
    assert [len(p.entries) for p in pages] == [2, 2, 1]

    back = parsed(await fetch(client, local(links(pages[2])["previous"])))
    assert [e.id for e in back.entries] == [e.id for e in pages[1].entries]
    back = parsed(await fetch(client, local(links(pages[1])["previous"])))
    assert [e.id for e in back.entries] == [e.id for e in pages[0].entries]
    assert "previous" not in links(back)  # back at the newest entries

    last = parsed(await fetch(client, local(links(first)["last"])))
    assert [e.id for e in last.entries] == every[-2:]
    assert "next" not in links(last)
    assert local(links(last)["self"]) == f"{CITY}?page=last&limit=2"


async def test_conditional_get_answers_304(
    session: AsyncSession, client: httpx.AsyncClient, world: World, provider: StandInProvider
) -> None:
    await published(session, world, provider, "Một", title="Phản ánh một")
    first = await fetch(client, CITY)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag.startswith('"')
    assert modified.endswith("GMT")

    same = await fetch(client, CITY, **{"If-None-Match": etag})
    assert same.status_code == 304
    assert same.content == b""
    assert same.headers["etag"] == etag
    assert (await fetch(client, CITY, **{"If-None-Match": f'"x", W/{etag}'})).status_code == 304
    assert (await fetch(client, CITY, **{"If-Modified-Since": modified})).status_code == 304
    assert (await fetch(client, CITY, **{"If-None-Match": '"other"'})).status_code == 200
    old = "Mon, 01 Jan 2024 00:00:00 GMT"
    assert (await fetch(client, CITY, **{"If-Modified-Since": old})).status_code == 200
    # The entity tag wins over the date (RFC 9110 section 13.1.3).
    both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
    assert (await fetch(client, CITY, **both)).status_code == 200
    assert (await fetch(client, CITY, **{"If-Modified-Since": "yesterday"})).status_code == 200

    await published(session, world, provider, "Hai", title="Phản ánh hai")
    changed = await fetch(client, CITY, **{"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


async def test_every_feed_documents_its_304(client: httpx.AsyncClient) -> None:
    """A client generated from the schema must know a 304 can come (schemathesis checks it)."""
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    feeds = {path: item for path, item in paths.items() if "/public/feeds/" in path}
    assert len(feeds) == 4
    for path, item in feeds.items():
        assert "304" in item["get"]["responses"], path
    data_file = paths["/api/v1/public/open-data/{dataset}/{name}"]["get"]["responses"]
    assert {"200", "302", "304"} <= data_file.keys()


async def test_a_ward_feed_and_a_category_feed(
    session: AsyncSession, client: httpx.AsyncClient, world: World, provider: StandInProvider
) -> None:
    if await session.get(PetitionCategory, "environment") is None:
        session.add(PetitionCategory(code="environment", name_vi="Môi trường", name_en="Env"))
        await session.flush()
    await published(session, world, provider, "Hoàn Kiếm", title="Ở Hoàn Kiếm")
    await published(
        session,
        world,
        provider,
        "Ba Đình",
        title="Ở Ba Đình",
        unit_code=BA_DINH,
        category_code="environment",
    )
    ward = parsed(await fetch(client, f"{CITY}/wards/{BA_DINH}"))
    assert [e.title for e in ward.entries] == ["Ở Ba Đình"]
    assert ward.feed.title.endswith("Phường Ba Đình")
    assert local(links(ward)["alternate"]) == f"/tra-loi?unit_code={BA_DINH}"
    category = parsed(await fetch(client, f"{CITY}/categories/environment"))
    assert [e.title for e in category.entries] == ["Ở Ba Đình"]
    assert "Môi trường" in category.feed.title
    city = parsed(await fetch(client, CITY))
    assert len({ward.feed.id, category.feed.id, city.feed.id}) == 3
    # The same answer is the same entry in every feed.
    assert ward.entries[0].id in {e.id for e in city.entries}


async def test_bad_requests_are_problems_not_500(client: httpx.AsyncClient) -> None:
    for url, status in (
        (f"{CITY}/wards/99999", 404),
        (f"{CITY}/categories/nothing", 404),
        (f"{CITY}?before=garbage", 422),
        (f"{CITY}?limit=0", 400),
        (f"{CITY}?page=first", 400),
        (f"{CITY}?page=last&before=v1.x.y", 422),
        ("/api/v1/public/feeds/conclusions?after=v1.x.y", 422),
    ):
        response = await client.get(url)
        assert response.status_code in (status, 400, 422), (url, response.text)
        assert response.status_code != 500
        assert response.headers["content-type"].startswith("application/problem+json"), url


async def test_complaints_denunciations_and_unpublished_answers_are_never_on_a_feed(
    session: AsyncSession, client: httpx.AsyncClient, world: World, provider: StandInProvider
) -> None:
    shown = await published(session, world, provider, "Công khai", title="Phản ánh công khai")
    # The stand-in provider lets these through (the petitions provider would not): the feed
    # refuses them on its own.
    for kind in (ItemKind.denunciation, ItemKind.complaint):
        await published(session, world, provider, f"Bí mật {kind}", title=f"Đơn {kind}", kind=kind)
    await published(
        session, world, provider, "Không đồng ý", title="Không công khai", consent_to_publish=False
    )
    pending = await refer(session, world, provider, title="Chưa công bố")
    agency = world.actor(world.agency_officer)
    await replies.acknowledge(
        session,
        await replies.load_for_change(session, pending.id, agency),
        actor=agency,
        agency_reference="2",
    )
    wards = f"{CITY}/wards/{HOAN_KIEM}"
    for url in (CITY, wards, f"{CITY}?page=last"):
        response = await fetch(client, url)
        feed = parsed(response)
        assert [e.title for e in feed.entries] == ["Phản ánh công khai"], url
        for secret in ("Bí mật", "Đơn denunciation", "Đơn complaint", "Không công khai"):
            assert secret not in response.text
    assert shown is not None


async def test_the_portal_announces_the_feed(client: httpx.AsyncClient) -> None:
    page = await client.get("/tra-loi", params={"unit_code": BA_DINH})
    assert page.status_code == 200
    assert (
        f'<link rel="alternate" type="application/atom+xml" title="Trả lời đã công khai'
        f' (nguồn tin Atom)" href="{CITY}/wards/{BA_DINH}">'
    ) in page.text
