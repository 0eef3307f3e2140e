"""The staff search over the stored search document (migration 0200): diacritics, đ, NFD,
case, every word in any order, relevance order, keyset pages, highlighted snippets, and a
denouncer's identity never in a result."""

import unicodedata
import uuid
from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.petitions import snippets
from service.petitions.models import Petition
from service.petitions.repository import listing
from tests.petitions.conftest import (
    IDENTIFIED,
    Api,
    Staff,
    filed,
    load,
    petition_body,
    staff_headers,
)
from tests.petitions.test_staff_views import codes


async def search(
    client: httpx.AsyncClient, headers: dict[str, str], q: str, **params: Any
) -> dict[str, Any]:
    response = await client.get("/api/v1/petitions", params={"q": q, **params}, headers=headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def marked(text: str, spans: list[dict[str, int]]) -> list[str]:
    return [text[span["start"] : span["end"]] for span in spans]


async def age(session: AsyncSession, petition_id: Any, days: int) -> None:
    """Make a petition older (the search orders by created_at within a tier)."""
    petition = await load(session, petition_id)
    petition.created_at = utcnow() - timedelta(days=days)
    session.add(petition)
    await session.flush()


class TestFolding:
    async def test_diacritics_case_and_d_do_not_matter(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        road = await filed(
            client,
            api,
            petition_body(title="Đường Láng ngập nước", description="Nước ngập tới đầu gối."),
        )
        await filed(
            client,
            api,
            petition_body(title="Rác thải chợ Hôm", description="Rác để lâu ngày không thu."),
        )
        officer = await staff_headers(client, staff.ward_front)
        for q in ("duong lang", "ĐƯỜNG LÁNG", "Đường láng", "dUONG", "đuong", "NGAP nuoc"):
            assert codes(await search(client, officer, q)) == [road["tracking_code"]], q

    async def test_a_query_typed_with_combining_marks_finds_precomposed_text(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        road = await filed(client, api, petition_body(title="Ngập nước phố Huế"))
        officer = await staff_headers(client, staff.ward_front)
        nfd = unicodedata.normalize("NFD", "ngập nước")
        assert nfd != "ngập nước"
        assert codes(await search(client, officer, nfd)) == [road["tracking_code"]]

    async def test_text_stored_with_combining_marks_is_found_by_a_precomposed_query(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        """The API stores NFC, but rows written otherwise (an import) are folded the same."""
        road = await filed(client, api, petition_body(title="Tiêu đề tạm"))
        await session.execute(
            sa.update(Petition)
            .where(Petition.id == uuid.UUID(road["id"]))  # type: ignore[arg-type]
            .values(title=unicodedata.normalize("NFD", "Cống thoát nước hỏng"))
        )
        officer = await staff_headers(client, staff.ward_front)
        found = await search(client, officer, "cống thoát nước")
        assert codes(found) == [road["tracking_code"]]
        assert codes(await search(client, officer, "cong thoat")) == [road["tracking_code"]]

    async def test_the_database_and_python_fold_alike(self, session: AsyncSession) -> None:
        text = "Đường Nguyễn Trãi NGẬP nước, Ổ GÀ ở ngõ 12"
        for form in ("NFC", "NFD"):
            folded = (
                await session.execute(
                    sa.text("SELECT immutable_unaccent(:t)"),
                    {"t": unicodedata.normalize(form, text)},
                )
            ).scalar_one()
            assert folded == "duong nguyen trai ngap nuoc, o ga o ngo 12"
            assert snippets.fold(unicodedata.normalize(form, text)) == folded


class TestWords:
    async def test_every_word_in_any_order_whole_syllables(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        flood = await filed(
            client,
            api,
            petition_body(
                title="Ngập nước phố Huế",
                description="Karaoke ồn ào cũng ở gần đây, đêm nào cũng hát.",
            ),
        )
        officer = await staff_headers(client, staff.ward_front)
        code = flood["tracking_code"]
        assert codes(await search(client, officer, "nuoc ngap")) == [code]
        assert codes(await search(client, officer, "hue karaoke ngap")) == [code]
        assert codes(await search(client, officer, "ngap xe")) == []  # "xe" is nowhere
        assert codes(await search(client, officer, "ngậ")) == []  # not a syllable of it
        assert codes(await search(client, officer, "100%_")) == []
        assert codes(await search(client, officer, code.lower())) == [code]


class TestRelevance:
    async def test_phrase_and_title_matches_first_newest_within(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        title_phrase = await filed(
            client, api, petition_body(title="Ngập nước phố Huế", description="Sau mưa lớn.")
        )
        text_phrase = await filed(
            client,
            api,
            petition_body(title="Phố Huế sau mưa", description="Cả đoạn phố bị ngập nước sâu."),
        )
        title_words = await filed(
            client,
            api,
            petition_body(title="Nước thải làm ngập hè phố", description="Mùi hôi."),
        )
        text_words = await filed(
            client,
            api,
            petition_body(title="Hè phố hỏng", description="Nước mưa đọng lại, hè ngập bùn."),
        )
        newer_title_phrase = await filed(
            client, api, petition_body(title="Lại ngập nước phố Huế", description="Như cũ.")
        )
        # The best matches are the oldest: relevance, not the date, puts them first.
        for days, petition in enumerate(
            [text_words, title_words, text_phrase, newer_title_phrase, title_phrase]
        ):
            await age(session, petition["id"], days + 1)
        officer = await staff_headers(client, staff.ward_front)
        expected = [
            newer_title_phrase["tracking_code"],
            title_phrase["tracking_code"],
            text_phrase["tracking_code"],
            title_words["tracking_code"],
            text_words["tracking_code"],
        ]
        assert codes(await search(client, officer, "ngập nước")) == expected
        assert codes(await search(client, officer, "ngap nuoc", sort="relevance")) == expected
        newest = await search(client, officer, "ngap nuoc", sort="-created_at")
        assert codes(newest) == [
            text_words["tracking_code"],
            title_words["tracking_code"],
            text_phrase["tracking_code"],
            newer_title_phrase["tracking_code"],
            title_phrase["tracking_code"],
        ]
        # Keyset pages of the relevance order give the same order, each row once.
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 2, "sort": "relevance"}
            if cursor:
                params["cursor"] = cursor
            page = await search(client, officer, "ngap nuoc", **params)
            seen += codes(page)
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == expected

    async def test_a_relevance_cursor_belongs_to_its_query(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        for _ in range(2):
            await filed(client, api, petition_body(title="Ngập nước phố Huế"))
        officer = await staff_headers(client, staff.ward_front)
        first = await search(client, officer, "ngap nuoc", limit=1)
        assert first["next_cursor"]
        reused = await client.get(
            "/api/v1/petitions",
            params={"q": "pho hue", "cursor": first["next_cursor"]},
            headers=officer,
        )
        assert reused.status_code == 422, reused.text

    async def test_the_tracking_code_comes_first(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        target = await filed(client, api, petition_body(title="Cây đổ"))
        mention = await filed(
            client, api, petition_body(title=f"Nhắc lại đơn {target['tracking_code']}")
        )
        await age(session, target["id"], 30)
        officer = await staff_headers(client, staff.ward_front)
        found = codes(await search(client, officer, target["tracking_code"]))
        assert found[0] == target["tracking_code"]
        assert mention["tracking_code"] in found

    async def test_pool_and_older_matches_in_one_order(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        api: Api,
        staff: Staff,
        monkeypatch: Any,
    ) -> None:
        """Past the ranked pool (the list's newest petitions) the older matches follow,
        newest first, across pages."""
        monkeypatch.setattr(listing, "SEARCH_WINDOW", 3)
        made = []
        for days, title in enumerate(
            ["Ngập nước ngõ 1", "Nước đọng, hè ngập", "Ngập nước ngõ 3", "Ngập nước ngõ 4"]
        ):
            made.append(await filed(client, api, petition_body(title=title, description="X.")))
            await age(session, made[-1]["id"], days + 1)
        officer = await staff_headers(client, staff.ward_front)
        pool = [made[0], made[2], made[1]]  # the newest 3: phrase first, then the rest
        expected = [p["tracking_code"] for p in [*pool, made[3]]]
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 1}
            if cursor:
                params["cursor"] = cursor
            page = await search(client, officer, "ngap nuoc", **params)
            seen += codes(page)
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == expected
        newest = await search(client, officer, "ngap nuoc", sort="-created_at", limit=10)
        assert codes(newest) == [p["tracking_code"] for p in made]


class TestSnippets:
    async def test_matched_words_are_marked_in_the_title_and_an_excerpt(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        long = "Người dân phản ánh nhiều lần. " * 12 + "Cống trước nhà số 5 bị tắc, NGẬP nước."
        flood = await filed(
            client, api, petition_body(title="Ngập nước ngõ Huế", description=long + " Hết.")
        )
        officer = await staff_headers(client, staff.ward_front)
        [item] = (await search(client, officer, "ngap nuoc"))["items"]
        assert item["tracking_code"] == flood["tracking_code"]
        match = item["search"]
        assert marked(item["title"], match["title_highlights"]) == ["Ngập", "nước"]
        assert match["snippet"].startswith("…")
        assert "NGẬP nước" in match["snippet"]
        assert len(match["snippet"]) <= snippets.EXCERPT_CHARS + 2
        assert marked(match["snippet"], match["snippet_highlights"]) == ["NGẬP", "nước"]

    async def test_no_search_no_snippet(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        await filed(client, api)
        officer = await staff_headers(client, staff.ward_front)
        response = await client.get("/api/v1/petitions", headers=officer)
        assert [item["search"] for item in response.json()["items"]] == [None]

    def test_excerpt_of_a_short_text_is_the_text(self) -> None:
        words = snippets.query_words("đuong")
        part = snippets.excerpt("Đường hỏng", words)
        assert part.text == "Đường hỏng"
        assert part.highlights == [(0, 5)]


class TestConfidentiality:
    async def test_a_denouncers_identity_is_in_no_result_or_snippet(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        body = await filed(
            client,
            api,
            petition_body(
                kind="denunciation",
                category="officials_conduct",
                title="Tố cáo cán bộ phường nhận tiền, Nguyễn Văn An",
                description=(
                    "Tôi là Nguyễn Văn An, số điện thoại 0912345678, ở 12 Hàng Bông. "
                    "Cán bộ phường nhận tiền của tôi để làm giấy tờ."
                ),
                petitioner=dict(IDENTIFIED),
            ),
        )
        front = await staff_headers(client, staff.ward_front)
        for q in ("Nguyen Van An", "nhận tiền", "0912345678", body["tracking_code"]):
            response = await client.get("/api/v1/petitions", params={"q": q}, headers=front)
            assert response.status_code == 200, response.text
            assert [p["id"] for p in response.json()["items"]] == [body["id"]], q
            text = response.text
            for secret in ("Nguyễn Văn An", "0912345678", "12 Hàng Bông", "an.nguyen"):
                assert secret not in text, (q, secret)
            [item] = response.json()["items"]
            assert "nhận tiền" in item["search"]["snippet"]
        # Others find it by its code only, and see no identity either.
        for user in (staff.supervisor, staff.admin):
            headers = await staff_headers(client, user)
            assert (await search(client, headers, "nhan tien"))["items"] == []
            by_code = await client.get(
                "/api/v1/petitions", params={"q": body["tracking_code"]}, headers=headers
            )
            assert [p["id"] for p in by_code.json()["items"]] == [body["id"]]
            assert "Nguyễn Văn An" not in by_code.text
