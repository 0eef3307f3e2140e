"""A denouncer's identity (Law on Denunciations, Art. 9 and 47): encrypted at rest; in no
view (lists, details, referral views, history, audit rows, logs, dashboards, the public feed),
not even inside the texts; revealed only through an audited action with a reason, to the
Front officers handling it and to the agency competent to resolve it; a denunciation about
the head or an official of an agency goes to that agency's superior."""

import logging
import unicodedata
import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from reports.data import council
from service.petitions import access, triage
from service.petitions.intake import file_petition
from service.petitions.models import PetitionStatus
from service.petitions.schemas import PetitionCreate
from service.replies import service as replies
from service.replies.models import AnswerOutcome
from service.replies.providers import item_provider
from service.replies.schemas import AnswerDraftWrite
from service.settings import Settings
from tests.petitions.conftest import (
    IDENTIFIED,
    Api,
    Staff,
    act,
    etag_of,
    file,
    filed,
    load,
    petition_body,
    principal,
    staff_headers,
)
from tests.storage import samples

SECRET_VALUES = list(IDENTIFIED.values())


def assert_nothing_of_the_identity_in(text_: str, where: str) -> None:
    for value in SECRET_VALUES:
        assert value not in text_, f"{value!r} leaked into {where}"


@pytest.fixture
async def denunciation(client: httpx.AsyncClient, api: Api) -> dict[str, Any]:
    return await filed(
        client,
        api,
        petition_body(
            kind="denunciation",
            category="officials_conduct",
            title="Tố cáo cán bộ địa chính nhận tiền",
            description="Cán bộ địa chính phường nhận tiền để cấp giấy phép xây dựng.",
            petitioner=dict(IDENTIFIED),
            consent_to_publish=True,
        ),
    )


REASON = "Xác minh nhân thân người tố cáo theo Điều 28 Luật Tố cáo"


async def reveal(
    client: httpx.AsyncClient, headers: dict[str, str], url: str, reason: str = REASON
) -> httpx.Response:
    return await client.post(f"{url}/petitioner/reveal", json={"reason": reason}, headers=headers)


async def referred_to(
    client: httpx.AsyncClient, officer: dict[str, str], petition_id: str, agency_id: Any
) -> str:
    await act(client, officer, petition_id, "accept")
    response = await act(
        client,
        officer,
        petition_id,
        "refer",
        {"agency_id": str(agency_id), "reason": "Thuộc thẩm quyền giải quyết"},
    )
    assert response.status_code == 200, response.text
    referral_id: str = response.json()["referral_id"]
    return referral_id


async def reveals(session: AsyncSession, petition_id: str) -> list[Any]:
    rows = await session.execute(
        text(
            "SELECT actor_id, occurred_at, after FROM audit_event WHERE entity_id = :id"
            " AND action = 'petition.confidential_identity_viewed' ORDER BY id"
        ),
        {"id": petition_id},
    )
    return list(rows.all())


class TestWhoSeesTheIdentity:
    async def test_front_officers_reveal_it_with_a_reason_who_when_why_audited(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        staff: Staff,
        denunciation: dict[str, Any],
    ) -> None:
        url = f"/api/v1/petitions/{denunciation['id']}"
        for user in (staff.ward_front, staff.city_front):
            response = await reveal(client, await staff_headers(client, user), url)
            assert response.status_code == 200, response.text
            assert response.json()["full_name"] == IDENTIFIED["full_name"]
            assert response.json()["confidential"] is True
        rows = await reveals(session, denunciation["id"])
        assert [r.actor_id for r in rows] == [str(staff.ward_front.id), str(staff.city_front.id)]
        assert all(r.occurred_at is not None for r in rows)
        assert all(r.after["reason"] == REASON for r in rows)
        assert_nothing_of_the_identity_in(str([r.after for r in rows]), "the reveal's audit")
        # Without a reason there is no reveal.
        officer = await staff_headers(client, staff.ward_front)
        response = await client.post(f"{url}/petitioner/reveal", json={}, headers=officer)
        assert response.status_code == 422, response.text
        assert_nothing_of_the_identity_in(response.text, "a refused reveal")

    async def test_a_get_never_shows_it(
        self, client: httpx.AsyncClient, staff: Staff, denunciation: dict[str, Any]
    ) -> None:
        url = f"/api/v1/petitions/{denunciation['id']}/petitioner"
        for user in (staff.ward_front, staff.city_front, staff.admin):
            response = await client.get(url, headers=await staff_headers(client, user))
            assert response.status_code == 403, response.text
            assert "reveal" in response.json()["detail"] or user is staff.admin
            assert_nothing_of_the_identity_in(response.text, f"GET as {user.role}")

    async def test_nobody_else_reveals_it(
        self, client: httpx.AsyncClient, staff: Staff, denunciation: dict[str, Any]
    ) -> None:
        url = f"/api/v1/petitions/{denunciation['id']}"
        other_ward = await staff_headers(client, staff.other_ward_front)
        assert (await reveal(client, other_ward, url)).status_code == 404
        for user in (staff.supervisor, staff.council_reader, staff.admin, staff.agency_officer):
            response = await reveal(client, await staff_headers(client, user), url)
            assert response.status_code in (403, 404), (user.role, response.status_code)
            assert_nothing_of_the_identity_in(response.text, f"{user.role} reveal")

    async def test_views_show_only_that_it_is_confidential(
        self, client: httpx.AsyncClient, staff: Staff, denunciation: dict[str, Any]
    ) -> None:
        officer = await staff_headers(client, staff.ward_front)
        detail = await client.get(f"/api/v1/petitions/{denunciation['id']}", headers=officer)
        assert detail.json()["petitioner"] == {
            "confidential": True,
            "full_name": None,
            "phone": None,
            "email": None,
            "national_id": None,
            "address": None,
        }
        assert_nothing_of_the_identity_in(detail.text, "the detail view")
        for path in ("", "/dashboard", f"/{denunciation['id']}/history"):
            response = await client.get(f"/api/v1/petitions{path}", headers=officer)
            assert response.status_code == 200
            assert_nothing_of_the_identity_in(response.text, f"GET /petitions{path}")
        other_ward = await staff_headers(client, staff.other_ward_front)
        response = await client.get(f"/api/v1/petitions/{denunciation['id']}", headers=other_ward)
        assert response.status_code == 404

    async def test_the_denouncers_own_words_are_shown_without_who_they_are(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        """A denouncer often signs the letter: the texts shown to staff lose the identity,
        whatever its spelling (the reveal is the only way to it)."""
        body = await filed(
            client,
            api,
            petition_body(
                kind="denunciation",
                category="officials_conduct",
                title="Tố cáo cán bộ địa chính - NGUYEN VAN AN gửi",
                description=(
                    "Tôi là nguyễn văn an, CCCD 001203004567, ở 12 Hàng Bông, Hoàn Kiếm, "
                    "ĐT 0912.345.678. Cán bộ địa chính nhận tiền qua STK 0011004567890."
                ),
                petitioner=dict(IDENTIFIED),
            ),
        )
        officer = await staff_headers(client, staff.ward_front)
        for path in ("", f"/{body['id']}", f"/{body['id']}/history"):
            response = await client.get(f"/api/v1/petitions{path}", headers=officer)
            assert response.status_code == 200
            assert "nguyễn văn an" not in response.text.lower()
            assert "NGUYEN VAN AN" not in response.text
            assert_nothing_of_the_identity_in(response.text, f"GET /petitions{path}")
        detail = (await client.get(f"/api/v1/petitions/{body['id']}", headers=officer)).json()
        # The facts stay: the account the official was paid into is evidence.
        assert "STK 0011004567890" in detail["description"]
        assert "[họ tên đã ẩn]" in detail["description"]
        assert "[họ tên đã ẩn]" in detail["title"]


class TestReferralViews:
    async def test_the_agency_never_sees_it_in_a_referral_view(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        api: Api,
        staff: Staff,
    ) -> None:
        body = await filed(
            client,
            api,
            petition_body(
                kind="denunciation",
                category="officials_conduct",
                title="Tố cáo cán bộ địa chính nhận tiền",
                description="Tôi là Nguyễn Văn An (0912 345 678), cán bộ nhận tiền của tôi.",
                petitioner=dict(IDENTIFIED),
            ),
        )
        officer = await staff_headers(client, staff.ward_front)
        referral_id = await referred_to(client, officer, body["id"], staff.ward_agency.id)
        agency = await staff_headers(client, staff.agency_officer)
        views = {
            "inbox": await client.get("/api/v1/agency/referrals", headers=agency),
            "referral": await client.get(f"/api/v1/agency/referrals/{referral_id}", headers=agency),
            "petition": await client.get(f"/api/v1/petitions/{body['id']}", headers=agency),
            "history": await client.get(f"/api/v1/petitions/{body['id']}/history", headers=agency),
        }
        for name, response in views.items():
            assert response.status_code == 200, (name, response.text)
            assert_nothing_of_the_identity_in(response.text, f"the agency's {name} view")
        item = views["referral"].json()["item"]
        assert item["petitioner"] == {"confidential": True}
        assert "[họ tên đã ẩn]" in item["description"]
        admin = await staff_headers(client, staff.admin)
        response = await client.get(f"/api/v1/agency/referrals/{referral_id}", headers=admin)
        assert_nothing_of_the_identity_in(response.text, "the admin's referral view")
        provider = item_provider(session, "petition")
        assert provider is not None
        petition_id = uuid.UUID(body["id"])
        view = await provider.agency_view(session, petition_id, principal(staff.agency_officer))
        assert_nothing_of_the_identity_in(str(view), "agency_view")
        # Never on the public feed, consent or not.
        assert await provider.public_view(session, petition_id) is None

    async def test_the_competent_agency_reveals_it_with_a_reason(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        staff: Staff,
        denunciation: dict[str, Any],
    ) -> None:
        officer = await staff_headers(client, staff.ward_front)
        referral_id = await referred_to(client, officer, denunciation["id"], staff.ward_agency.id)
        url = f"/api/v1/agency/referrals/{referral_id}"
        other = await staff_headers(client, staff.other_agency_officer)
        assert (await reveal(client, other, url)).status_code == 404
        admin = await staff_headers(client, staff.admin)
        response = await reveal(client, admin, url)
        assert response.status_code == 403
        assert_nothing_of_the_identity_in(response.text, "the admin's reveal")
        agency = await staff_headers(client, staff.agency_officer)
        response = await reveal(client, agency, url)
        assert response.status_code == 200, response.text
        assert response.json()["full_name"] == IDENTIFIED["full_name"]
        [row] = await reveals(session, denunciation["id"])
        assert row.actor_id == str(staff.agency_officer.id)
        assert row.after["reason"] == REASON
        assert row.after["via"] == "referral"
        history = await client.get(
            f"/api/v1/petitions/{denunciation['id']}/history", headers=officer
        )
        [entry] = [e for e in history.json() if e["action"] == "identity_revealed"]
        assert entry["actor_id"] == str(staff.agency_officer.id)
        assert entry["reason"] == REASON


class TestDenouncedAgency:
    """A denunciation about the head or an official of an agency goes to its superior."""

    async def test_filed_against_the_head_it_is_suggested_to_the_superior(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        superior = staff.ward_agency.parent_id
        assert superior is not None
        body = await filed(
            client,
            api,
            petition_body(
                kind="denunciation",
                category="officials_conduct",
                petitioner=dict(IDENTIFIED),
                denounced={"agency_id": str(staff.ward_agency.id), "position": "head"},
            ),
        )
        officer = await staff_headers(client, staff.ward_front)
        detail = (await client.get(f"/api/v1/petitions/{body['id']}", headers=officer)).json()
        assert detail["suggested_agency_id"] == str(superior)
        assert detail["denounced_agency_id"] == str(staff.ward_agency.id)
        assert detail["denounced_position"] == "head"
        await act(client, officer, body["id"], "accept")
        refused = await act(
            client,
            officer,
            body["id"],
            "refer",
            {"agency_id": str(staff.ward_agency.id), "reason": "Thử chuyển cho phường"},
        )
        assert refused.status_code == 422, refused.text
        assert "cấp trên" in refused.json()["detail"]
        referred = await act(client, officer, body["id"], "refer", {})
        assert referred.status_code == 200, referred.text
        assert referred.json()["agency_id"] == str(superior)

    async def test_set_in_triage_and_the_denounced_agency_never_reveals(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        body = await filed(
            client,
            api,
            petition_body(
                kind="denunciation", category="officials_conduct", petitioner=dict(IDENTIFIED)
            ),
        )
        officer = await staff_headers(client, staff.ward_front)
        tag = await etag_of(client, officer, body["id"])
        response = await client.patch(
            f"/api/v1/petitions/{body['id']}",
            json={
                "denounced": {"agency_id": str(staff.ward_agency.id), "position": "official"},
                "reason": "Người bị tố cáo là cán bộ địa chính UBND phường",
            },
            headers={**officer, "If-Match": tag},
        )
        assert response.status_code == 200, response.text
        assert response.json()["suggested_agency_id"] == str(staff.ward_agency.parent_id)
        # Even if it came to the denounced agency's officers, they could not reveal it.
        petition = await load(session, body["id"])
        petition.agency_id = staff.ward_agency.id
        petition.status = PetitionStatus.referred
        session.add(petition)
        await session.flush()
        assert not access.may_reveal_identity(principal(staff.agency_officer), petition)

    async def test_only_denunciations_name_a_denounced_agency(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        response = await file(
            client,
            api,
            petition_body(denounced={"agency_id": str(staff.ward_agency.id), "position": "head"}),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "denounced"


class TestNowhereElse:
    async def test_not_in_audit_rows_history_or_logs(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        api: Api,
        staff: Staff,
        caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        caplog.set_level(logging.DEBUG)
        body = await filed(
            client,
            api,
            petition_body(kind="denunciation", petitioner=dict(IDENTIFIED)),
        )
        officer = await staff_headers(client, staff.ward_front)
        await reveal(client, officer, f"/api/v1/petitions/{body['id']}")
        await act(client, officer, body["id"], "accept")
        await act(client, officer, body["id"], "request-info", {"question": "Thời điểm?"})
        audit_rows = (
            await session.execute(
                text("SELECT coalesce(string_agg(row_to_json(a)::text, ''), '') FROM audit_event a")
            )
        ).scalar_one()
        assert body["id"] in audit_rows
        assert_nothing_of_the_identity_in(audit_rows, "audit_event")
        history = (
            await session.execute(
                text(
                    "SELECT coalesce(string_agg(row_to_json(e)::text, ''), '')"
                    " FROM petition_event e"
                )
            )
        ).scalar_one()
        assert_nothing_of_the_identity_in(history, "petition_event")
        outbox = (
            await session.execute(
                text("SELECT coalesce(string_agg(row_to_json(o)::text, ''), '') FROM outbox o")
            )
        ).scalar_one()
        assert_nothing_of_the_identity_in(outbox, "the outbox")
        captured = capsys.readouterr()
        assert_nothing_of_the_identity_in(caplog.text + captured.out + captured.err, "the logs")


class TestPublishedTexts:
    async def test_the_feed_never_shows_the_petitioners_own_data(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
        api: Api,
        staff: Staff,
    ) -> None:
        """The agency's answer and the petition itself quote the petitioner (another spelling,
        NFD, a Hà Nội landline, the stored phone with dots): the public feed has none of it."""
        person = {**IDENTIFIED, "full_name": "Hoàng Công Khai"}
        data = PetitionCreate.model_validate(
            petition_body(
                petitioner=person,
                consent_to_publish=True,
                description="Tôi, HOÀNG CÔNG KHAI, nhà 12 Hàng Bông, báo rác ùn ứ.",
            )
        )
        petition, _ = await file_petition(session, settings, api.principal, data)
        officer, agency = principal(staff.ward_front), principal(staff.agency_officer)
        await triage.accept(session, petition, officer, None)
        referral_id = await triage.refer(
            session, settings, petition, officer, agency_id=None, reason=None, note=None
        )
        await replies.acknowledge(
            session,
            await replies.load_for_change(session, referral_id, agency),
            actor=agency,
            agency_reference="1",
        )
        text = unicodedata.normalize(
            "NFD",
            "Trả lời phản ánh của ông Hoang Cong Khai (ĐT (024) 3825 1234, di động "
            "0912.345.678): rác đã được thu gom, lịch thu gom đã công khai.",
        )
        await replies.save_draft(
            session,
            await replies.load_for_change(session, referral_id, agency),
            actor=agency,
            draft=AnswerDraftWrite(
                outcome=AnswerOutcome.resolved,
                text=text,
                document_number="45/UBND-HK",
                document_date=date(2026, 11, 30),
                signer_name="Lê Văn Cường",
                signer_title="Phó Chủ tịch UBND phường",
            ),
        )
        await replies.submit_answer(
            session, await replies.load_for_change(session, referral_id, agency), actor=agency
        )
        await replies.accept_answer(
            session, await replies.load_for_change(session, referral_id, officer), actor=officer
        )
        await replies.publish_answer(
            session, await replies.load_for_change(session, referral_id, officer), actor=officer
        )
        response = await client.get("/api/v1/public/answers")
        [item] = response.json()["items"]
        assert item["answer_text"] == (
            "Trả lời phản ánh của ông [họ tên đã ẩn] (ĐT [số điện thoại đã ẩn], di động "
            "[số điện thoại đã ẩn]): rác đã được thu gom, lịch thu gom đã công khai."
        )
        assert "[họ tên đã ẩn]" in item["description"]
        assert "[địa chỉ đã ẩn]" in item["description"]
        assert "khai" not in item["description"].lower()


class TestTheRestOfTheClass:
    async def test_a_denunciation_is_never_a_duplicate_of_another_kind(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        text = {
            "category": "officials_conduct",
            "title": "Cán bộ địa chính phường nhận tiền cấp phép xây dựng",
            "description": "Cán bộ địa chính phường nhận tiền để cấp giấy phép xây dựng.",
        }
        accusation = await filed(
            client,
            api,
            petition_body(kind="denunciation", petitioner=dict(IDENTIFIED), **text),
        )
        feedback = await filed(client, api, petition_body(**text))
        officer = await staff_headers(client, staff.ward_front)
        for one, other in ((feedback, accusation), (accusation, feedback)):
            found = await client.get(f"/api/v1/petitions/{one['id']}/duplicates", headers=officer)
            assert found.status_code == 200
            assert other["id"] not in found.text
            merged = await act(client, officer, one["id"], "merge", {"lead_id": other["id"]})
            assert merged.status_code == 422, merged.text

    async def test_a_referral_title_travels_without_the_petitioner(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        """The referral's title is in the agency's inbox and its reminder emails."""
        body = await filed(
            client,
            api,
            petition_body(
                title="Nguyễn Văn An báo ngập trước số 12 Hàng Bông",
                petitioner=dict(IDENTIFIED),
            ),
        )
        officer = await staff_headers(client, staff.ward_front)
        referral_id = await referred_to(client, officer, body["id"], staff.ward_agency.id)
        agency = await staff_headers(client, staff.agency_officer)
        inbox = await client.get("/api/v1/agency/referrals", headers=agency)
        [row] = [r for r in inbox.json()["items"] if r["id"] == referral_id]
        assert row["title"] == "[họ tên đã ẩn] báo ngập trước số [địa chỉ đã ẩn]"

    async def test_the_council_report_prints_cluster_titles_without_their_petitioners(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        lead = await filed(
            client,
            api,
            petition_body(
                title="Ông Nguyễn Văn An (0912 345 678) báo ngập Hàng Bông",
                petitioner=dict(IDENTIFIED),
                consent_to_publish=True,
            ),
        )
        row = {"id": uuid.UUID(lead["id"]), "consent_publish": True, "title": ""}
        row["title"] = (await load(session, lead["id"])).title
        assert await council._cluster_title(session, row) == (
            "Ông [họ tên đã ẩn] ([số điện thoại đã ẩn]) báo ngập Hàng Bông"
        )

    async def test_a_denunciations_files_only_for_those_who_may_reveal(
        self, client: httpx.AsyncClient, staff: Staff, denunciation: dict[str, Any]
    ) -> None:
        """A scanned letter carries the denouncer's handwriting and signature (Art. 9)."""
        upload = await client.post(
            f"/api/v1/track/{denunciation['tracking_code']}/evidence",
            params={"filename": "don-to-cao.jpg"},
            content=samples.jpeg(5_000),
            headers={"X-Tracking-Secret": denunciation["tracking_secret"]},
        )
        assert upload.status_code == 201, upload.text
        url = f"/api/v1/petitions/{denunciation['id']}/evidence/{upload.json()['id']}/download"
        for user in (staff.supervisor, staff.admin):
            response = await client.get(url, headers=await staff_headers(client, user))
            assert response.status_code == 403, (user.role, response.text)
        officer = await staff_headers(client, staff.ward_front)
        response = await client.get(url, headers=officer, follow_redirects=False)
        assert response.status_code == 307, response.text

    async def test_searching_a_denunciations_words_is_for_the_front_only(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        """Finding a denunciation by a name in it says who wrote it."""
        body = await filed(
            client,
            api,
            petition_body(
                kind="denunciation",
                category="officials_conduct",
                description="Tôi là Nguyễn Văn An, cán bộ phường nhận tiền của tôi.",
                petitioner=dict(IDENTIFIED),
            ),
        )
        params = {"q": "Nguyen Van An"}
        front = await staff_headers(client, staff.ward_front)
        found = await client.get("/api/v1/petitions", params=params, headers=front)
        assert [p["id"] for p in found.json()["items"]] == [body["id"]]
        for user in (staff.supervisor, staff.admin):
            headers = await staff_headers(client, user)
            found = await client.get("/api/v1/petitions", params=params, headers=headers)
            assert found.json()["items"] == [], user.role
            by_code = await client.get(
                "/api/v1/petitions", params={"q": body["tracking_code"]}, headers=headers
            )
            assert [p["id"] for p in by_code.json()["items"]] == [body["id"]]
