"""Triage by Front officers: the workflow table, every transition and forbidden one,
roles and areas, If-Match, classification corrections, routing with override."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.audit.models import AuditEvent
from service.deadlines.models import DeadlineStatus
from service.errors import Forbidden, StateConflict
from service.petitions.models import Petitioner, PetitionEvent, PetitionStatus
from service.petitions.workflow import (
    PETITION,
    TRANSITIONS,
    Action,
    Performer,
    allowed_actions,
    transition_for,
)
from service.replies.models import Referral
from tests.petitions.conftest import (
    IDENTIFIED,
    Api,
    Staff,
    act,
    etag_of,
    filed,
    load,
    petition_body,
    staff_headers,
)

ALL_PAIRS = [(status, action) for status in PetitionStatus for action in Action]


class TestWorkflowTable:
    @pytest.mark.parametrize(("status", "action"), ALL_PAIRS)
    def test_every_pair_is_allowed_or_a_conflict(
        self, status: PetitionStatus, action: Action
    ) -> None:
        row = TRANSITIONS.get((status, action))
        if row is None:
            for performer in Performer:
                if not PETITION.may_ever(action, frozenset({performer})):
                    # Someone else's action is 403 whatever the state (issue 15).
                    with pytest.raises(Forbidden):
                        transition_for(status, action, performer)
                    continue
                with pytest.raises(StateConflict) as raised:
                    transition_for(status, action, performer)
                assert raised.value.extra["allowed_actions"] == allowed_actions(status, performer)
            return
        for performer in Performer:
            if performer in row.performers:
                assert transition_for(status, action, performer).target == row.target
            else:
                with pytest.raises(Forbidden):
                    transition_for(status, action, performer)

    def test_the_lifecycle_of_the_issue(self) -> None:
        S, A = PetitionStatus, Action
        expected = {
            (S.received, A.request_info): S.needs_info,
            (S.needs_info, A.provide_info): S.received,
            (S.needs_info, A.accept): S.accepted,
            (S.received, A.reject): S.rejected,
            (S.accepted, A.refer): S.referred,
            (S.referred, A.acknowledge): S.in_progress,
            (S.in_progress, A.publish_answer): S.answered,
            (S.answered, A.close): S.closed,
            (S.answered, A.reopen): S.reopened,
            (S.in_progress, A.decline): S.accepted,
            (S.accepted, A.merge): S.merged,
            (S.in_progress, A.withdraw): S.withdrawn,
        }
        for key, target in expected.items():
            assert TRANSITIONS[key].target == target

    def test_final_states_allow_nothing_to_anyone_but_reopen(self) -> None:
        for status in (PetitionStatus.rejected, PetitionStatus.withdrawn, PetitionStatus.merged):
            assert allowed_actions(status) == []
        assert allowed_actions(PetitionStatus.closed) == ["escalate", "reopen"]


class TestTransitionsOverHttp:
    async def test_accept_then_reject_records_history_and_audit(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        body = await filed(client, api)
        officer = await staff_headers(client, staff.ward_front)
        accepted = await act(client, officer, body["id"], "accept", {"reason": "Đủ nội dung"})
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["status"] == "accepted"
        assert accepted.headers["etag"] == '"2"'
        rejected = await act(
            client,
            officer,
            body["id"],
            "reject",
            {"reason_code": "already_resolved", "reason": "Đã được xử lý theo đơn trước."},
        )
        assert rejected.status_code == 200, rejected.text
        detail = rejected.json()
        assert detail["status"] == "rejected"
        assert detail["reject_reason_code"] == "already_resolved"
        assert detail["deadline_status"] == DeadlineStatus.stopped
        history = (
            await client.get(f"/api/v1/petitions/{body['id']}/history", headers=officer)
        ).json()
        entries = [(e["action"], e["from_status"], e["to_status"]) for e in history]
        assert entries == [
            ("receive", None, "received"),
            ("accept", "received", "accepted"),
            ("reject", "accepted", "rejected"),
        ]
        assert history[2]["actor_id"] == str(staff.ward_front.id)
        assert history[2]["reason"] == "Đã được xử lý theo đơn trước."
        assert history[2]["citizen_visible"] is True
        actions = (
            await session.execute(
                select(AuditEvent.action).where(  # type: ignore[call-overload]
                    col(AuditEvent.entity_id) == body["id"]
                )
            )
        ).scalars()
        assert {"petition.received", "petition.accept", "petition.reject"} <= set(actions)

    async def test_forbidden_action_is_409_listing_allowed_ones(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        body = await filed(client, api)
        officer = await staff_headers(client, staff.ward_front)
        response = await act(client, officer, body["id"], "refer", {})
        assert response.status_code == 409
        problem = response.json()
        assert problem["state"] == "received"
        assert problem["allowed_actions"] == ["accept", "merge", "reject", "request_info"]

    async def test_reject_needs_a_reason_code(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        body = await filed(client, api)
        officer = await staff_headers(client, staff.ward_front)
        response = await act(client, officer, body["id"], "reject", {"reason": "Không rõ"})
        assert response.status_code in (400, 422)

    async def test_resume_without_an_answer(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        body = await filed(client, api)
        officer = await staff_headers(client, staff.ward_front)
        await act(client, officer, body["id"], "request-info", {"question": "Địa chỉ cụ thể?"})
        response = await act(client, officer, body["id"], "resume", {"reason": "Đã gọi điện"})
        assert response.status_code == 200
        assert response.json()["status"] == "received"
        assert (await load(session, body["id"])).clock_paused_at is None


class TestConcurrency:
    async def test_if_match_missing_428_stale_412(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        body = await filed(client, api)
        officer = await staff_headers(client, staff.ward_front)
        url = f"/api/v1/petitions/{body['id']}/accept"
        missing = await client.post(url, json={}, headers=officer)
        assert missing.status_code == 428
        tag = await etag_of(client, officer, body["id"])
        assert (
            await client.post(url, json={}, headers={**officer, "If-Match": tag})
        ).status_code == 200
        stale = await client.post(
            f"/api/v1/petitions/{body['id']}/reject",
            json={"reason_code": "other", "reason": "Lý do"},
            headers={**officer, "If-Match": tag},
        )
        assert stale.status_code == 412
        assert stale.json()["current_etag"] == '"2"'

    async def test_if_match_star_lists_and_weak_tags_pass(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        body = await filed(client, api)
        officer = await staff_headers(client, staff.ward_front)
        url = f"/api/v1/petitions/{body['id']}"
        star = await client.post(
            f"{url}/request-info", json={"question": "Ở đâu?"}, headers={**officer, "If-Match": "*"}
        )
        assert star.status_code == 200, star.text
        assert star.headers["etag"] == '"2"' == f'"{star.json()["version"]}"'
        listed = await client.post(
            f"{url}/resume", json={}, headers={**officer, "If-Match": '"1", W/"2"'}
        )
        assert listed.status_code == 200, listed.text
        lead = await filed(client, api)
        merge = await client.post(f"{url}/merge", json={"lead_id": lead["id"]}, headers=officer)
        assert merge.status_code == 428
        merge = await client.post(
            f"{url}/merge", json={"lead_id": lead["id"]}, headers={**officer, "If-Match": '"2"'}
        )
        assert merge.status_code == 412
        assert merge.json()["current_etag"] == '"3"'
        merged = await client.post(
            f"{url}/merge", json={"lead_id": lead["id"]}, headers={**officer, "If-Match": '"3"'}
        )
        assert merged.status_code == 200, merged.text
        # The answer is the lead, with the lead's ETag.
        assert merged.json()["id"] == lead["id"]
        assert merged.headers["etag"] == f'"{merged.json()["version"]}"'


class TestRolesAndAreas:
    async def test_other_ward_sees_404_city_and_admin_act(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        body = await filed(client, api)
        other = await staff_headers(client, staff.other_ward_front)
        assert (
            await client.get(f"/api/v1/petitions/{body['id']}", headers=other)
        ).status_code == 404
        response = await client.post(
            f"/api/v1/petitions/{body['id']}/accept",
            json={},
            headers={**other, "If-Match": '"1"'},
        )
        assert response.status_code == 404
        city = await staff_headers(client, staff.city_front)
        assert (await act(client, city, body["id"], "accept")).status_code == 200
        admin = await staff_headers(client, staff.admin)
        response = await act(
            client, admin, body["id"], "reject", {"reason_code": "other", "reason": "Thử"}
        )
        assert response.status_code == 200

    @pytest.mark.parametrize("role", ["supervisor", "council_reader", "agency_officer"])
    async def test_other_roles_may_not_triage(
        self, client: httpx.AsyncClient, api: Api, staff: Staff, role: str
    ) -> None:
        body = await filed(client, api)
        user = {
            "supervisor": staff.supervisor,
            "council_reader": staff.council_reader,
            "agency_officer": staff.agency_officer,
        }[role]
        headers = await staff_headers(client, user)
        response = await client.post(
            f"/api/v1/petitions/{body['id']}/accept",
            json={},
            headers={**headers, "If-Match": '"1"'},
        )
        assert response.status_code == 403

    async def test_supervisor_reads_without_personal_data(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        body = await filed(client, api, petition_body(petitioner=dict(IDENTIFIED)))
        supervisor = await staff_headers(client, staff.supervisor)
        detail = await client.get(f"/api/v1/petitions/{body['id']}", headers=supervisor)
        assert detail.status_code == 200
        assert detail.json()["petitioner"] is None
        assert detail.json()["allowed_actions"] == []
        officer = await staff_headers(client, staff.ward_front)
        detail = await client.get(f"/api/v1/petitions/{body['id']}", headers=officer)
        assert detail.json()["petitioner"]["full_name"] == IDENTIFIED["full_name"]

    async def test_api_clients_cannot_use_staff_routes(
        self, client: httpx.AsyncClient, api: Api
    ) -> None:
        body = await filed(client, api)
        response = await client.get(f"/api/v1/petitions/{body['id']}", headers=api.headers)
        assert response.status_code == 403


class TestRouting:
    async def test_confirming_the_suggestion_creates_the_referral(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        body = await filed(client, api)
        officer = await staff_headers(client, staff.ward_front)
        await act(client, officer, body["id"], "accept")
        response = await act(client, officer, body["id"], "refer", {"note": "Đề nghị xử lý"})
        assert response.status_code == 200, response.text
        detail = response.json()
        assert detail["status"] == "referred"
        assert detail["agency_id"] == str(staff.ward_agency.id)
        assert detail["deadline_status"] == DeadlineStatus.stopped
        referral = await session.get(Referral, uuid.UUID(detail["referral_id"]))
        assert referral is not None
        assert referral.item_type == "petition"
        assert referral.item_id == uuid.UUID(body["id"])
        assert referral.agency_id == staff.ward_agency.id
        assert referral.unit_code == "00070"

    async def test_override_needs_a_reason_and_is_recorded(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        body = await filed(client, api)
        officer = await staff_headers(client, staff.ward_front)
        await act(client, officer, body["id"], "accept")
        other = {"agency_id": str(staff.other_agency.id)}
        response = await act(client, officer, body["id"], "refer", other)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "reason"
        response = await act(
            client, officer, body["id"], "refer", {**other, "reason": "Việc ở ranh giới hai phường"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["agency_id"] == str(staff.other_agency.id)
        event = (
            await session.execute(
                select(PetitionEvent).where(
                    col(PetitionEvent.petition_id) == uuid.UUID(body["id"]),
                    col(PetitionEvent.action) == "refer",
                )
            )
        ).scalar_one()
        assert event.data["override"] is True
        assert event.data["suggested_agency_id"] == str(staff.ward_agency.id)
        assert event.reason == "Việc ở ranh giới hai phường"


class TestClassification:
    async def _patch(
        self, client: httpx.AsyncClient, headers: dict[str, str], petition_id: Any, data: dict
    ) -> httpx.Response:
        tag = await etag_of(client, headers, petition_id)
        return await client.patch(
            f"/api/v1/petitions/{petition_id}", json=data, headers={**headers, "If-Match": tag}
        )

    async def test_category_correction_is_recorded_and_resuggests(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        body = await filed(client, api)
        officer = await staff_headers(client, staff.ward_front)
        response = await self._patch(
            client,
            officer,
            body["id"],
            {"category": "public_security_order", "reason": "Thực chất là mất trật tự"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["category_code"] == "public_security_order"
        # Security matters go to the city police by the routing rules.
        assert response.json()["suggested_agency_id"] != str(staff.ward_agency.id)
        event = (
            await session.execute(
                select(PetitionEvent).where(
                    col(PetitionEvent.petition_id) == uuid.UUID(body["id"]),
                    col(PetitionEvent.action) == "reclassify",
                )
            )
        ).scalar_one()
        assert event.data["changes"]["category"] == [
            "environment_sanitation",
            "public_security_order",
        ]
        assert event.reason == "Thực chất là mất trật tự"

    async def test_kind_change_to_complaint_needs_identity(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        body = await filed(client, api)
        officer = await staff_headers(client, staff.ward_front)
        response = await self._patch(
            client, officer, body["id"], {"kind": "complaint", "reason": "Là khiếu nại"}
        )
        assert response.status_code == 422
        assert "petitioner.national_id" in {e["field"] for e in response.json()["errors"]}

    async def test_becoming_a_denunciation_encrypts_the_identity(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        body = await filed(client, api, petition_body(petitioner=dict(IDENTIFIED)))
        officer = await staff_headers(client, staff.ward_front)
        response = await self._patch(
            client, officer, body["id"], {"kind": "denunciation", "reason": "Tố cáo cán bộ"}
        )
        assert response.status_code == 200, response.text
        petitioner = await session.get(Petitioner, uuid.UUID(body["id"]), populate_existing=True)
        assert petitioner is not None
        assert petitioner.full_name is None
        assert petitioner.identity_ciphertext is not None
        assert response.json()["petitioner"] == {
            "confidential": True,
            "full_name": None,
            "phone": None,
            "email": None,
            "national_id": None,
            "address": None,
        }

    async def test_urgency_change_recomputes_the_deadline(
        self, client: httpx.AsyncClient, session: AsyncSession, api: Api, staff: Staff
    ) -> None:
        body = await filed(client, api)
        before = (await load(session, body["id"])).due_at
        officer = await staff_headers(client, staff.ward_front)
        response = await self._patch(
            client, officer, body["id"], {"urgency": "urgent", "reason": "Nguy cơ sụt lún"}
        )
        assert response.status_code == 200
        petition = await load(session, body["id"])
        assert petition.urgency == "urgent"
        assert petition.deadline_rule is not None
        assert petition.deadline_rule["unit"] == "working_hours"
        assert before is not None
        assert petition.due_at is not None
        assert petition.due_at < before

    async def test_reclassifying_after_triage_is_409(
        self, client: httpx.AsyncClient, api: Api, staff: Staff
    ) -> None:
        body = await filed(client, api)
        officer = await staff_headers(client, staff.ward_front)
        await act(client, officer, body["id"], "reject", {"reason_code": "other", "reason": "X y"})
        response = await self._patch(
            client, officer, body["id"], {"category": "land", "reason": "Sửa"}
        )
        assert response.status_code == 409
