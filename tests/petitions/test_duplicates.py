"""Likely duplicates (unit/category, unaccented trigram similarity, distance) and merging."""

import unicodedata
import uuid
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.petitions import triage, views
from service.petitions.duplicates import find_duplicates
from service.petitions.models import DuplicateSuggestion, Petition, PetitionStatus
from service.settings import Settings
from tests.factories import BA_DINH
from tests.petitions.conftest import (
    IDENTIFIED,
    Api,
    Staff,
    act,
    filed,
    load,
    petition_body,
    principal,
    staff_headers,
    track,
)
from tests.petitions.test_codes import run_duplicate_jobs
from tests.petitions.test_referral_loop import acknowledge, new_petition, publish_answer

FLOOD = petition_body(
    title="Ngập nước đường Hàng Bông",
    description="Đường Hàng Bông ngập nước sâu mỗi khi mưa, xe máy chết máy.",
)
# Typed without diacritics, as many people do on a phone.
FLOOD_UNACCENTED = petition_body(
    title="Ngap nuoc duong Hang Bong",
    description="Duong Hang Bong ngap nuoc sau moi khi mua, xe may chet may.",
)


async def suggestions(session: AsyncSession, petition_id: Any) -> dict[uuid.UUID, float]:
    rows = await session.execute(
        select(DuplicateSuggestion).where(
            col(DuplicateSuggestion.petition_id) == uuid.UUID(str(petition_id))
        )
    )
    return {s.candidate_id: s.score for s in rows.scalars()}


class TestSuggestions:
    async def test_intake_stores_likely_duplicates_across_diacritics(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        first = await filed(client, api, FLOOD)
        unrelated = await filed(
            client,
            api,
            petition_body(title="Rác thải ở chợ Đồng Xuân", description="Rác không được thu gom."),
        )
        second = await filed(client, api, FLOOD_UNACCENTED)
        await run_duplicate_jobs(session)  # after the intakes commit, in a job
        found = await suggestions(session, second["id"])
        assert uuid.UUID(first["id"]) in found
        assert uuid.UUID(unrelated["id"]) not in found
        assert found[uuid.UUID(first["id"])] >= 0.3

    async def test_other_category_or_far_unit_is_not_a_duplicate(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        await filed(client, api, {**FLOOD, "category": "traffic_infrastructure"})
        await filed(client, api, {**FLOOD, "unit_code": BA_DINH})
        latest = await filed(client, api, FLOOD)
        await run_duplicate_jobs(session)
        assert await suggestions(session, latest["id"]) == {}

    async def test_nearby_in_a_neighbouring_unit_by_distance(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        here = {"latitude": 21.0310, "longitude": 105.8490}
        across = {"latitude": 21.0330, "longitude": 105.8470}  # about 300 m away
        first = await filed(client, api, {**FLOOD, **here, "unit_code": BA_DINH})
        second = await filed(client, api, {**FLOOD, **across})
        await run_duplicate_jobs(session)
        found = await suggestions(session, second["id"])
        assert uuid.UUID(first["id"]) in found

    async def test_on_demand_in_triage(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        first = await filed(client, api, FLOOD)
        second = await filed(client, api, FLOOD_UNACCENTED)
        await run_duplicate_jobs(session)
        officer = await staff_headers(client, staff.ward_front)
        response = await client.get(f"/api/v1/petitions/{first['id']}/duplicates", headers=officer)
        assert response.status_code == 200, response.text
        assert [c["petition"]["id"] for c in response.json()] == [second["id"]]
        assert response.json()[0]["score"] > 0.3
        # The other ward's officer may not even ask.
        other = await staff_headers(client, staff.other_ward_front)
        response = await client.get(f"/api/v1/petitions/{first['id']}/duplicates", headers=other)
        assert response.status_code == 404
        # The stored suggestions show in the detail.
        detail = (await client.get(f"/api/v1/petitions/{second['id']}", headers=officer)).json()
        assert [c["petition"]["id"] for c in detail["duplicate_suggestions"]] == [first["id"]]


class TestMerge:
    async def test_merge_points_the_duplicate_at_the_lead_and_counts_people(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        lead = await filed(client, api, {**FLOOD, "petitioner": dict(IDENTIFIED)})
        duplicate = await filed(client, api, FLOOD_UNACCENTED)
        officer = await staff_headers(client, staff.ward_front)
        response = await act(
            client, officer, duplicate["id"], "merge", {"lead_id": lead["id"], "reason": "Trùng"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["id"] == lead["id"]
        assert response.json()["raised_by_count"] == 2
        assert [p["id"] for p in response.json()["merged_petitions"]] == [duplicate["id"]]
        merged = await load(session, duplicate["id"])
        assert merged.status == PetitionStatus.merged
        assert merged.merged_into_id == uuid.UUID(lead["id"])
        assert merged.clock_stopped_at is not None
        # The duplicate's citizen sees where it went.
        view = (
            await track(client, duplicate["tracking_code"], duplicate["tracking_secret"])
        ).json()
        assert view["status"] == "merged"
        assert view["merged_into"]["tracking_code"] == lead["tracking_code"]
        assert lead["tracking_code"] in view["history"][-1]["message"]
        assert view["raised_by_count"] == 2

    async def test_merging_a_lead_moves_its_followers(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        a = await filed(client, api, FLOOD)
        b = await filed(client, api, FLOOD)
        c = await filed(client, api, FLOOD_UNACCENTED)
        officer = await staff_headers(client, staff.ward_front)
        await act(client, officer, c["id"], "merge", {"lead_id": b["id"]})
        response = await act(client, officer, b["id"], "merge", {"lead_id": a["id"]})
        assert response.status_code == 200, response.text
        assert response.json()["raised_by_count"] == 3
        assert (await load(session, c["id"])).merged_into_id == uuid.UUID(a["id"])

    async def test_merge_rules(self, client: httpx.AsyncClient, api: Api, staff: Staff) -> None:
        lead = await filed(client, api, FLOOD)
        duplicate = await filed(client, api, FLOOD)
        officer = await staff_headers(client, staff.ward_front)
        itself = await act(client, officer, lead["id"], "merge", {"lead_id": lead["id"]})
        assert itself.status_code == 422
        unknown = await act(client, officer, lead["id"], "merge", {"lead_id": str(uuid.uuid4())})
        assert unknown.status_code == 404
        await act(
            client, officer, lead["id"], "reject", {"reason_code": "other", "reason": "Đã xử lý"}
        )
        closed_lead = await act(client, officer, duplicate["id"], "merge", {"lead_id": lead["id"]})
        assert closed_lead.status_code == 409

    async def test_the_answer_to_the_lead_reaches_every_petitioner(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        from tests.petitions.test_referral_loop import notifications_for

        lead, _ = await new_petition(session, settings, api)
        duplicate, _ = await new_petition(session, settings, api, title="Ngap nuoc Hang Bong")
        officer = principal(staff.ward_front)
        from service.petitions.duplicates import merge

        await merge(session, duplicate, lead.id, officer, reason="Trùng nội dung")
        await triage.accept(session, lead, officer, None)
        await triage.refer(session, settings, lead, officer, agency_id=None, reason=None, note=None)
        await acknowledge(session, lead, staff)
        await publish_answer(session, lead, staff)
        assert await notifications_for(session, lead)
        told = await notifications_for(session, duplicate)
        assert told, "the merged petition's citizen is notified of the lead's answer"
        view = await views.tracking_view(session, duplicate)
        assert view.answer is not None
        assert view.answer.outcome == "resolved"
        assert view.history[-1].action == "lead_answered"


class TestStoredDocument:
    async def test_similarity_reads_the_stored_folded_text_whatever_its_normal_form(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api
    ) -> None:
        """The candidates' folded text is stored (migration 0200), NFC first: a row written
        with combining marks (an import) is as similar as a precomposed one."""
        imported = await filed(client, api, petition_body(title="Tạm", description="Tạm."))
        await session.execute(
            sa.update(Petition)
            .where(col(Petition.id) == uuid.UUID(imported["id"]))
            .values(
                title=unicodedata.normalize("NFD", FLOOD["title"]),
                description=unicodedata.normalize("NFD", FLOOD["description"]),
            )
        )
        stored = await load(session, imported["id"])
        folded = (
            await session.execute(
                sa.select(col(Petition.search_title)).where(col(Petition.id) == stored.id)
            )
        ).scalar_one()
        assert folded == "ngap nuoc duong hang bong"
        second = await filed(client, api, FLOOD_UNACCENTED)
        found = await find_duplicates(session, await load(session, second["id"]))
        assert [c.petition.id for c in found] == [stored.id]
        assert found[0].score > 0.9
