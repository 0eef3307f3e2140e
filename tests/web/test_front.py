"""The Front officer's queue and petition page over HTTP: the rules a browser cannot see
(area scoping, CSRF, stale versions, bad input, the identity and its audit)."""

import io
import re
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role, StaffUser
from service.deadlines.policy import seed_default_policy
from service.petitions.schemas import TextSpan
from service.web.queue import listing as queue_listing
from service.web.queue.listing import marked
from tests.factories import BA_DINH, HOAN_KIEM, PASSWORD, create_api_client, create_user
from tests.petitions.conftest import IDENTIFIED, Api, act, filed, petition_body, staff_headers
from tests.web.support import console_login, csrf_token

REASON = "Xác minh nhân thân người tố cáo theo Điều 28 Luật Tố cáo"


@pytest.fixture
async def api(session: AsyncSession, seeded: Any) -> Api:
    """An API client filing petitions, with the deadline policy their clocks run on."""
    await seed_default_policy(session)
    return Api(*await create_api_client(session))


@pytest.fixture
async def ward_officer(client: httpx.AsyncClient, session: AsyncSession, seeded: Any) -> StaffUser:
    """The Front officer of Hoàn Kiếm ward, logged in to the console on ``client``."""
    user = await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)
    await logged_in(client, user)
    return user


@pytest.fixture
async def petition(client: httpx.AsyncClient, api: Api) -> dict[str, Any]:
    return await filed(client, api)


async def logged_in(client: httpx.AsyncClient, user: StaffUser) -> None:
    response = await console_login(client, user.username, PASSWORD)
    assert response.status_code == 303, response.text


def page_version(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "the page has no decision form"
    return match.group(1)


def seen_of(html: str) -> str:
    match = re.search(r'name="seen" value="([^"]+)"', html)
    assert match
    return match.group(1)


async def decide(
    client: httpx.AsyncClient, petition_id: str, action: str, **fields: str
) -> httpx.Response:
    """Opens the action's form on the page and posts it as a browser would."""
    page = await client.get(f"/console/queue/{petition_id}?action={action}")
    assert page.status_code == 200, page.text
    data = {
        "_csrf_token": csrf_token(page.text),
        "version": page_version(page.text),
        "seen": seen_of(page.text),
        **fields,
    }
    return await client.post(f"/console/queue/{petition_id}/actions/{action}", data=data)


async def send(
    client: httpx.AsyncClient, petition_id: str, action: str, *, csrf: bool = True
) -> httpx.Response:
    """Posts ``action`` with the version of the page (and its CSRF token unless ``csrf`` is
    False), whether or not the page offers that action now."""
    page = await client.get(f"/console/queue/{petition_id}?action=accept")
    data = {"version": page_version(page.text)}
    if csrf:
        data["_csrf_token"] = csrf_token(page.text)
    return await client.post(f"/console/queue/{petition_id}/actions/{action}", data=data)


class TestQueue:
    async def test_tabs_count_and_list_the_officers_ward(
        self,
        client: httpx.AsyncClient,
        api: Api,
        ward_officer: StaffUser,
        petition: dict[str, Any],
    ) -> None:
        elsewhere = await filed(
            client, api, petition_body(unit_code=BA_DINH, title="Đèn đường hỏng")
        )
        page = await client.get("/console/queue")
        assert page.status_code == 200
        assert petition["tracking_code"] in page.text
        assert elsewhere["tracking_code"] not in page.text
        assert re.search(r"Mới tiếp nhận <span class=\"count\">1</span>", page.text)
        assert re.search(r"Chờ bổ sung thông tin <span class=\"count\">0</span>", page.text)

    async def test_the_city_officer_filters_by_ward_kind_and_channel(
        self, client: httpx.AsyncClient, api: Api, officer: StaffUser
    ) -> None:
        here = await filed(client, api)
        there = await filed(client, api, petition_body(unit_code=BA_DINH, channel="hotline"))
        await logged_in(client, officer)
        both = await client.get("/console/queue")
        assert here["tracking_code"] in both.text
        assert there["tracking_code"] in both.text
        assert '<option value="00004">' in both.text  # every ward to choose from
        for query in (f"unit_code={BA_DINH}", "channel=hotline", "kind=feedback&channel=hotline"):
            page = await client.get(f"/console/queue?{query}")
            assert there["tracking_code"] in page.text, query
            assert here["tracking_code"] not in page.text, query
            assert re.search(r"Mới tiếp nhận <span class=\"count\">1</span>", page.text)

    async def test_search_ignores_diacritics_and_htmx_gets_the_table_alone(
        self, client: httpx.AsyncClient, ward_officer: StaffUser, petition: dict[str, Any]
    ) -> None:
        found = await client.get(
            "/console/queue?q=ngap+nuoc+hang+bong",
            headers={"HX-Request": "true", "HX-Target": "queue-results"},
        )
        assert found.status_code == 200
        assert petition["tracking_code"] in found.text
        assert "<mark>" in found.text
        assert "<html" not in found.text  # the partial only
        missing = await client.get("/console/queue?q=cay+xanh")
        assert petition["tracking_code"] not in missing.text
        assert "Không có hồ sơ nào khớp với bộ lọc." in missing.text

    async def test_a_searchs_counts_stop_at_the_cap(
        self,
        client: httpx.AsyncClient,
        api: Api,
        ward_officer: StaffUser,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(queue_listing, "COUNT_CAP", 2)
        for street in ("Hàng Bông", "Hàng Gai", "Hàng Đào"):
            await filed(client, api, petition_body(title=f"Ngập nước phố {street}"))
        await filed(client, api, petition_body(title="Đèn đường hỏng", description="Tối."))
        page = await client.get("/console/queue?q=ngap+nuoc")
        assert page.status_code == 200
        assert re.search(r"Mới tiếp nhận <span class=\"count\">hơn 2</span>", page.text)
        assert re.search(r"Chờ bổ sung thông tin <span class=\"count\">0</span>", page.text)
        page = await client.get("/console/queue?q=den+duong")
        assert re.search(r"Mới tiếp nhận <span class=\"count\">1</span>", page.text)
        english = await client.get("/console/queue?q=ngap+nuoc", headers={"Accept-Language": "en"})
        assert re.search(r"<span class=\"count\">2\+</span>", english.text)

    async def test_bad_filters_are_said_next_to_the_form(
        self, client: httpx.AsyncClient, ward_officer: StaffUser
    ) -> None:
        page = await client.get("/console/queue?kind=nonsense&cursor=garbage")
        assert page.status_code == 422
        assert 'aria-invalid="true"' in page.text
        cursor = await client.get("/console/queue?cursor=garbage")
        assert cursor.status_code == 422
        assert "Traceback" not in cursor.text

    async def test_keyset_pages(
        self, client: httpx.AsyncClient, api: Api, ward_officer: StaffUser
    ) -> None:
        codes = [
            (await filed(client, api, petition_body(title=f"Rác thải tồn đọng số {n}")))[
                "tracking_code"
            ]
            for n in range(27)
        ]
        first = await client.get("/console/queue?sort=newest")
        link = re.search(r'href="([^"]*cursor=[^"]+)" rel="next"', first.text)
        assert link
        second = await client.get(link.group(1).replace("&amp;", "&"))
        assert second.status_code == 200
        shown = [code for code in codes if code in first.text]
        rest = [code for code in codes if code in second.text]
        assert len(shown) == 25
        assert sorted(shown + rest) == sorted(codes)

    async def test_other_roles_are_refused(
        self, client: httpx.AsyncClient, session: AsyncSession, seeded: Any
    ) -> None:
        reader = await create_user(session, Role.council_reader)
        await logged_in(client, reader)
        assert (await client.get("/console/queue")).status_code == 403


class TestPetitionPage:
    async def test_accept_then_refer_to_the_suggested_agency(
        self, client: httpx.AsyncClient, ward_officer: StaffUser, petition: dict[str, Any]
    ) -> None:
        accepted = await decide(client, petition["id"], "accept")
        assert accepted.status_code == 303
        after = await client.get(accepted.headers["location"])
        assert "Đã tiếp nhận hồ sơ." in after.text
        referred = await decide(client, petition["id"], "refer")
        assert referred.status_code == 303, referred.text
        page = await client.get(f"/console/queue/{petition['id']}")
        assert "đã chuyển cơ quan" in page.text
        assert "UBND phường Hoàn Kiếm" in page.text

    async def test_another_wards_petition_is_404(
        self, client: httpx.AsyncClient, session: AsyncSession, petition: dict[str, Any]
    ) -> None:
        other = await create_user(session, Role.front_officer, unit_code=BA_DINH)
        await logged_in(client, other)
        page = await client.get(f"/console/queue/{petition['id']}")
        assert page.status_code == 404
        assert petition["tracking_code"] not in page.text
        token = csrf_token((await client.get("/console/queue")).text)
        post = await client.post(
            f"/console/queue/{petition['id']}/actions/accept",
            data={"_csrf_token": token, "version": "1"},
        )
        assert post.status_code == 404

    async def test_a_stale_version_says_so_and_shows_what_changed(
        self, client: httpx.AsyncClient, ward_officer: StaffUser, petition: dict[str, Any]
    ) -> None:
        page = await client.get(f"/console/queue/{petition['id']}?action=reject")
        # Someone else accepts it meanwhile, through the API.
        headers = await staff_headers(client, ward_officer)
        assert (await act(client, headers, petition["id"], "accept")).status_code == 200
        answer = await client.post(
            f"/console/queue/{petition['id']}/actions/reject",
            data={
                "_csrf_token": csrf_token(page.text),
                "version": page_version(page.text),
                "seen": seen_of(page.text),
                "reason_code": "other",
                "reason": "Không đủ căn cứ",
            },
        )
        assert answer.status_code == 412
        assert "Người khác đã thay đổi hồ sơ" in answer.text
        stale = answer.text.split('class="stale"')[1].split("</div>")[0]
        assert "tiếp nhận → đang phân loại" in stale  # what changed, listed
        assert "Không đủ căn cứ" in answer.text  # the officer's words kept in the form
        fresh = await client.get(f"/console/queue/{petition['id']}")
        assert "Đã từ chối" not in fresh.text

    async def test_a_decision_not_possible_now_says_why(
        self, client: httpx.AsyncClient, ward_officer: StaffUser, petition: dict[str, Any]
    ) -> None:
        answer = await send(client, petition["id"], "refer")  # not accepted yet
        assert answer.status_code == 409
        assert 'class="form-errors" role="alert"' in answer.text

    async def test_a_form_without_its_csrf_token_is_refused(
        self, client: httpx.AsyncClient, ward_officer: StaffUser, petition: dict[str, Any]
    ) -> None:
        answer = await send(client, petition["id"], "accept", csrf=False)
        assert answer.status_code == 403
        assert "Biểu mẫu đã hết hạn" in answer.text

    async def test_bad_input_is_said_next_to_the_field(
        self, client: httpx.AsyncClient, ward_officer: StaffUser, petition: dict[str, Any]
    ) -> None:
        answer = await decide(client, petition["id"], "reject", reason_code="bogus", reason="x")
        assert answer.status_code == 422
        assert 'id="a-reason-error"' in answer.text
        assert 'id="a-reason_code-error"' in answer.text
        unknown = await decide(client, petition["id"], "accept")
        assert unknown.status_code == 303
        # Refer with another agency and no reason: the service's rule, next to the field.
        page = await client.get(f"/console/queue/{petition['id']}?action=refer")
        other_agency = re.findall(r'<option value="([0-9a-f-]{36})"', page.text)
        suggested = re.search(r'<option value="([0-9a-f-]{36})" selected', page.text)
        assert suggested
        override = next(value for value in other_agency if value != suggested.group(1))
        refused = await decide(client, petition["id"], "refer", agency_id=override)
        assert refused.status_code == 422
        assert 'id="a-reason-error"' in refused.text

    async def test_a_denunciation_shows_no_identity_and_the_reveal_is_audited(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        api: Api,
        ward_officer: StaffUser,
    ) -> None:
        # The denouncer signs the text too: the page shows it without who they are.
        text_ = f"Tôi là {IDENTIFIED['full_name']}; cán bộ địa chính phường nhận tiền."
        body = petition_body(kind="denunciation", category="officials_conduct")
        body.update(title="Tố cáo cán bộ nhận tiền", description=text_, petitioner=IDENTIFIED)
        denunciation = await filed(client, api, body)
        page = await client.get(f"/console/queue/{denunciation['id']}")
        assert page.status_code == 200
        for value in IDENTIFIED.values():
            assert value not in page.text
        queue = await client.get("/console/queue")
        for value in IDENTIFIED.values():
            assert value not in queue.text
        short = await client.post(
            f"/console/queue/{denunciation['id']}/reveal",
            data={"_csrf_token": csrf_token(page.text), "reason": "xem"},
        )
        assert short.status_code == 422
        assert IDENTIFIED["full_name"] not in short.text
        shown = await client.post(
            f"/console/queue/{denunciation['id']}/reveal",
            data={"_csrf_token": csrf_token(page.text), "reason": REASON},
        )
        assert shown.status_code == 200
        assert IDENTIFIED["full_name"] in shown.text
        assert shown.headers["cache-control"] == "no-store"
        rows = await session.execute(
            text(
                "SELECT actor_id FROM audit_event WHERE entity_id = :id"
                " AND action = 'petition.confidential_identity_viewed'"
            ),
            {"id": denunciation["id"]},
        )
        assert [row.actor_id for row in rows] == [str(ward_officer.id)]
        again = await client.get(f"/console/queue/{denunciation['id']}")
        assert IDENTIFIED["full_name"] not in again.text


def photo() -> bytes:
    """A real (decodable) JPEG, as a phone would send."""
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (30, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


async def attach(
    client: httpx.AsyncClient, petition: dict[str, Any], name: str, content: bytes
) -> str:
    """The citizen's file, sent with their tracking secret; its URL on the petition page."""
    url = f"/api/v1/track/{petition['tracking_code']}/evidence?filename={name}"
    secret = {"X-Tracking-Secret": petition["tracking_secret"]}
    response = await client.post(url, content=content, headers=secret)
    assert response.status_code == 201, response.text
    return f"/console/queue/{petition['id']}/files/{response.json()['id']}"


class TestFiles:
    async def test_an_image_has_a_preview_logged_as_a_view_and_a_download_link(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        ward_officer: StaffUser,
        petition: dict[str, Any],
    ) -> None:
        file_url = await attach(client, petition, "ngap-nuoc.jpg", photo())
        page = await client.get(f"/console/queue/{petition['id']}")
        assert f'src="{file_url}/preview"' in page.text
        preview = await client.get(f"{file_url}/preview")
        assert preview.status_code == 200
        assert preview.headers["content-type"] == "image/jpeg"
        with Image.open(io.BytesIO(preview.content)) as image:
            assert max(image.size) <= 480
        download = await client.get(file_url)
        assert download.status_code == 303
        actions = await session.execute(
            text("SELECT action FROM evidence_access WHERE evidence_id = :id ORDER BY id"),
            {"id": file_url.rsplit("/", 1)[1]},
        )
        assert [row.action for row in actions] == ["upload", "view", "download"]

    async def test_a_file_that_is_no_image_has_no_preview(
        self, client: httpx.AsyncClient, ward_officer: StaffUser, petition: dict[str, Any]
    ) -> None:
        file_url = await attach(client, petition, "bien-ban.pdf", b"%PDF-1.4\n" + b"0" * 2000)
        assert (await client.get(f"{file_url}/preview")).status_code == 404
        page = await client.get(f"/console/queue/{petition['id']}")
        assert "bien-ban.pdf" in page.text
        assert f"{file_url}/preview" not in page.text


class TestEveryForm:
    @pytest.mark.parametrize("locale", ["vi", "en"])
    async def test_every_text_comes_from_the_catalogue(
        self,
        client: httpx.AsyncClient,
        ward_officer: StaffUser,
        petition: dict[str, Any],
        locale: str,
    ) -> None:
        client.cookies.set("lang", locale)
        url = f"/console/queue/{petition['id']}"
        pages = [await client.get(f"{url}?action={name}") for name in ("accept", "reject")]
        pages += [
            await client.get(f"{url}?action=request_info"),
            await client.get("/console/queue"),
        ]
        await decide(client, petition["id"], "accept")
        pages += [await client.get(f"{url}?action={name}") for name in ("refer", "reclassify")]
        for page in pages:
            assert page.status_code == 200
            assert f'<html lang="{locale}">' in page.text
            assert "web.queue." not in page.text, re.findall(r"web\.queue\.[a-z_.]+", page.text)
            assert "enum." not in page.text, re.findall(r"enum\.[A-Za-z_.]+", page.text)

    async def test_ask_for_information_moves_it_to_its_tab(
        self, client: httpx.AsyncClient, ward_officer: StaffUser, petition: dict[str, Any]
    ) -> None:
        asked = await decide(
            client, petition["id"], "request_info", question="Xin cho biết số nhà cụ thể?"
        )
        assert asked.status_code == 303, asked.text
        tab = await client.get("/console/queue?tab=needs_info")
        assert petition["tracking_code"] in tab.text
        assert re.search(r"Chờ bổ sung thông tin <span class=\"count\">1</span>", tab.text)
        page = await client.get(f"/console/queue/{petition['id']}")
        assert "Xin cho biết số nhà cụ thể?" in page.text
        assert "Tạm dừng" in page.text  # the clock waits for the citizen
        resumed = await decide(client, petition["id"], "resume", reason="Đã gọi điện xác minh")
        assert resumed.status_code == 303, resumed.text
        back = await client.get("/console/queue")
        assert petition["tracking_code"] in back.text

    async def test_reclassify_records_the_change(
        self, client: httpx.AsyncClient, ward_officer: StaffUser, petition: dict[str, Any]
    ) -> None:
        page = await client.get(f"/console/queue/{petition['id']}?action=reclassify")
        assert re.search(r'<option value="feedback" selected>', page.text)
        done = await decide(
            client,
            petition["id"],
            "reclassify",
            kind="recommendation",
            category="environment_sanitation",
            unit_code=HOAN_KIEM,
            urgency="normal",
            reason="Người dân kiến nghị, không phải phản ánh",
        )
        assert done.status_code == 303, done.text
        after = await client.get(f"/console/queue/{petition['id']}")
        assert "Người dân kiến nghị, không phải phản ánh" in after.text  # in the history

    async def test_merge_a_duplicate_side_by_side(
        self, client: httpx.AsyncClient, api: Api, ward_officer: StaffUser
    ) -> None:
        lead = await filed(client, api)
        # The duplicate has coordinates, the lead none.
        duplicate = await filed(client, api, petition_body(latitude=21.03, longitude=105.85))
        page = await client.get(f"/console/queue/{duplicate['id']}?duplicates=now")
        assert lead["tracking_code"] in page.text
        caption = page.text.split('class="side-by-side"')[1].split("</caption>")[0]
        assert "cách" not in caption  # no coordinates, no distance (not half the earth)
        merged = await client.post(
            f"/console/queue/{duplicate['id']}/actions/merge",
            data={
                "_csrf_token": csrf_token(page.text),
                "version": page_version(page.text),
                "lead_id": lead["id"],
            },
        )
        assert merged.status_code == 303, merged.text
        assert merged.headers["location"] == f"/console/queue/{lead['id']}"
        shown = await client.get(merged.headers["location"])
        assert "Đã gộp hồ sơ; đây là hồ sơ chính." in shown.text
        assert "Số người cùng phản ánh" in shown.text


def test_highlights_cut_the_text_once() -> None:
    spans = [TextSpan(start=0, end=4), TextSpan(start=2, end=3), TextSpan(start=7, end=9)]
    assert marked("Ngập nước", spans) == [("Ngập", True), (" nư", False), ("ớc", True)]
