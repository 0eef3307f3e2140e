"""The petition follows its referral in replies: acknowledged, declined (bounce), extended,
answered (everyone told), rated, closed, reopened, escalated, cancelled; withdrawal cancels
the referral. Replies' own service functions drive the referral, as the agency would."""

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.db import utcnow
from service.deadlines.models import DeadlineStatus, DeadlineStep
from service.jobs.models import OutboxMessage
from service.petitions import citizen, triage, views
from service.petitions.intake import file_petition
from service.petitions.models import Petition, PetitionEvent, PetitionStatus
from service.petitions.schemas import PetitionCreate
from service.replies import service as replies
from service.replies.models import AnswerOutcome, EscalationTarget, Referral, ReferralState
from service.replies.schemas import AnswerDraftWrite
from service.settings import Settings
from tests.petitions.conftest import Api, Staff, petition_body, principal


async def new_petition(
    session: AsyncSession, settings: Settings, api: Api, **overrides: Any
) -> tuple[Petition, str]:
    data = PetitionCreate.model_validate(petition_body(**overrides))
    return await file_petition(session, settings, api.principal, data)


async def routed(
    session: AsyncSession, settings: Settings, api: Api, staff: Staff, **overrides: Any
) -> Petition:
    petition, _ = await new_petition(session, settings, api, **overrides)
    officer = principal(staff.ward_front)
    await triage.accept(session, petition, officer, None)
    await triage.refer(session, settings, petition, officer, agency_id=None, reason=None, note=None)
    return petition


async def acknowledge(session: AsyncSession, petition: Petition, staff: Staff) -> None:
    assert petition.referral_id is not None
    await replies.acknowledge(
        session,
        await replies.load_for_change(
            session, petition.referral_id, principal(staff.agency_officer)
        ),
        actor=principal(staff.agency_officer),
        agency_reference="123/UBND-HK",
    )


async def publish_answer(session: AsyncSession, petition: Petition, staff: Staff) -> None:
    referral_id = petition.referral_id
    assert referral_id is not None
    agency, front = principal(staff.agency_officer), principal(staff.ward_front)
    await replies.save_draft(
        session,
        await replies.load_for_change(session, referral_id, agency),
        actor=agency,
        draft=AnswerDraftWrite(
            outcome=AnswerOutcome.resolved,
            text="Đã nạo vét cống thoát nước đoạn trước số 12 Hàng Bông.",
            document_number="45/UBND-HK",
            document_date=utcnow().date(),
            signer_name="Lê Văn Cường",
            signer_title="Phó Chủ tịch UBND phường",
        ),
    )
    await replies.submit_answer(
        session, await replies.load_for_change(session, referral_id, agency), actor=agency
    )
    await replies.accept_answer(
        session, await replies.load_for_change(session, referral_id, front), actor=front
    )
    await replies.publish_answer(
        session, await replies.load_for_change(session, referral_id, front), actor=front
    )


async def reload(session: AsyncSession, petition: Petition) -> Petition:
    fresh = await session.get(Petition, petition.id, populate_existing=True)
    assert fresh is not None
    return fresh


async def notifications_for(session: AsyncSession, petition: Petition) -> list[int]:
    rows = await session.execute(
        select(OutboxMessage).where(col(OutboxMessage.job_name) == "petitions.notify")
    )
    return [
        int(m.payload["event_id"])
        for m in rows.scalars()
        if m.payload["petition_id"] == str(petition.id)
    ]


async def last_event(session: AsyncSession, petition: Petition) -> PetitionEvent:
    return (
        await session.execute(
            select(PetitionEvent)
            .where(col(PetitionEvent.petition_id) == petition.id)
            .order_by(col(PetitionEvent.id).desc())
            .limit(1)
        )
    ).scalar_one()


class TestAgencySide:
    async def test_acknowledged_means_in_progress_and_the_citizen_is_told(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        petition = await routed(session, settings, api, staff)
        await acknowledge(session, petition, staff)
        petition = await reload(session, petition)
        assert petition.status == PetitionStatus.in_progress
        event = await last_event(session, petition)
        assert event.action == "acknowledge"
        assert staff.ward_agency.name in (event.citizen_message or "")
        assert event.id in await notifications_for(session, petition)

    async def test_declined_goes_back_to_triage_and_counts_a_bounce(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        petition = await routed(session, settings, api, staff)
        old_referral = petition.referral_id
        assert old_referral is not None
        await replies.decline(
            session,
            await replies.load_for_change(session, old_referral, principal(staff.agency_officer)),
            actor=principal(staff.agency_officer),
            reason="Thuộc thẩm quyền phường Ba Đình",
            suggested_agency_id=staff.other_agency.id,
        )
        petition = await reload(session, petition)
        assert petition.status == PetitionStatus.accepted
        assert petition.bounce_count == 1
        assert petition.referral_id is None
        assert petition.agency_id is None
        assert petition.suggested_agency_id == staff.other_agency.id
        # A new routing step: the Front must forward it again.
        assert petition.deadline_step == DeadlineStep.routing
        assert petition.deadline_status == DeadlineStatus.running
        # Re-routing to the proposed agency works without a reason (it is the suggestion).
        await triage.refer(
            session,
            settings,
            petition,
            principal(staff.ward_front),
            agency_id=None,
            reason=None,
            note=None,
        )
        assert petition.agency_id == staff.other_agency.id
        assert petition.referral_id != old_referral

    async def test_extension_is_shown_to_the_citizen(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        petition = await routed(session, settings, api, staff)
        await acknowledge(session, petition, staff)
        assert petition.referral_id is not None
        referral = await session.get(Referral, petition.referral_id)
        assert referral is not None
        assert referral.due_at is not None
        extension = await replies.request_extension(
            session,
            await replies.load_for_change(session, referral.id, principal(staff.agency_officer)),
            actor=principal(staff.agency_officer),
            reason="Cần khảo sát hiện trường",
            new_due_date=(referral.due_at + timedelta(days=3)).date(),
        )
        await replies.decide_extension(
            session,
            await replies.load_for_change(session, referral.id, principal(staff.ward_front)),
            extension.id,
            actor=principal(staff.ward_front),
            approve=True,
        )
        event = await last_event(session, petition)
        assert event.action == "extension_granted"
        assert event.citizen_visible
        assert "gia hạn" in (event.citizen_message or "")


class TestAnswers:
    async def test_published_answer_reaches_the_citizen(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        petition = await routed(session, settings, api, staff)
        await acknowledge(session, petition, staff)
        await publish_answer(session, petition, staff)
        petition = await reload(session, petition)
        assert petition.status == PetitionStatus.answered
        assert petition.answered_at is not None
        view = await views.tracking_view(session, petition)
        assert view.answer is not None
        assert view.answer.outcome == "resolved"
        assert "nạo vét" in view.answer.text
        assert "rate" in view.allowed_actions
        event = await last_event(session, petition)
        assert event.id in await notifications_for(session, petition)

    async def test_rating_satisfied_closes_through_the_tracking_route(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        settings: Settings,
        api: Api,
        staff: Staff,
    ) -> None:
        petition, secret = await new_petition(session, settings, api)
        officer = principal(staff.ward_front)
        await triage.accept(session, petition, officer, None)
        await triage.refer(
            session, settings, petition, officer, agency_id=None, reason=None, note=None
        )
        await acknowledge(session, petition, staff)
        await publish_answer(session, petition, staff)
        response = await client.post(
            f"/api/v1/track/{petition.tracking_code}/rating",
            json={"satisfied": True, "comment": "Cảm ơn phường"},
            headers={"X-Tracking-Secret": secret},
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "closed"
        referral = await session.get(Referral, petition.referral_id, populate_existing=True)
        assert referral is not None
        assert referral.state == ReferralState.closed
        assert referral.satisfied is True

    async def test_not_satisfied_then_reopened_and_answered_again(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        petition = await routed(session, settings, api, staff)
        await acknowledge(session, petition, staff)
        await publish_answer(session, petition, staff)
        await citizen.rate(session, petition, False, "Vẫn còn ngập")
        assert petition.referral_id is not None
        await replies.reopen(
            session,
            await replies.load_for_change(
                session, petition.referral_id, principal(staff.ward_front)
            ),
            actor=principal(staff.ward_front),
            reason="Chưa xong",
        )
        petition = await reload(session, petition)
        assert petition.status == PetitionStatus.reopened
        assert petition.reopen_count == 1
        await publish_answer(session, petition, staff)
        assert (await reload(session, petition)).status == PetitionStatus.answered

    async def test_escalated_to_the_superior_agency_follows_the_new_referral(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        petition = await routed(session, settings, api, staff)
        await acknowledge(session, petition, staff)
        await publish_answer(session, petition, staff)
        await citizen.rate(session, petition, False, "Không đồng ý")
        old = petition.referral_id
        assert old is not None
        _, new = await replies.escalate(
            session,
            await replies.load_for_change(session, old, principal(staff.ward_front)),
            actor=principal(staff.ward_front),
            to=EscalationTarget.superior_agency,
            reason="Vượt thẩm quyền phường",
        )
        assert new is not None
        petition = await reload(session, petition)
        assert petition.status == PetitionStatus.referred
        assert petition.referral_id == new.id
        assert petition.agency_id == staff.ward_agency.parent_id

    async def test_escalated_to_the_council_closes_the_front_handling(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        petition = await routed(session, settings, api, staff)
        await acknowledge(session, petition, staff)
        await publish_answer(session, petition, staff)
        await citizen.rate(session, petition, False, "Không đồng ý")
        assert petition.referral_id is not None
        await replies.escalate(
            session,
            await replies.load_for_change(
                session, petition.referral_id, principal(staff.ward_front)
            ),
            actor=principal(staff.ward_front),
            to=EscalationTarget.council,
            reason="Đưa vào báo cáo HĐND",
        )
        petition = await reload(session, petition)
        assert petition.status == PetitionStatus.closed
        assert "Hội đồng nhân dân" in ((await last_event(session, petition)).citizen_message or "")


class TestCancellation:
    async def test_withdrawal_cancels_the_referral(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        petition = await routed(session, settings, api, staff)
        await acknowledge(session, petition, staff)
        await citizen.withdraw(session, petition, "Tự thỏa thuận được")
        petition = await reload(session, petition)
        assert petition.status == PetitionStatus.withdrawn
        assert petition.referral_id is not None
        referral = await session.get(Referral, petition.referral_id, populate_existing=True)
        assert referral is not None
        assert referral.state == ReferralState.cancelled

    async def test_front_cancelling_the_referral_recalls_the_petition(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        petition = await routed(session, settings, api, staff)
        assert petition.referral_id is not None
        await replies.cancel_referral(
            session,
            await replies.load_for_change(
                session, petition.referral_id, principal(staff.ward_front)
            ),
            actor=principal(staff.ward_front),
            reason="Chuyển nhầm",
        )
        petition = await reload(session, petition)
        assert petition.status == PetitionStatus.accepted
        assert petition.bounce_count == 0
        assert petition.referral_id is None

    async def test_events_of_other_items_are_ignored(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        petition = await routed(session, settings, api, staff)
        stray = await replies.create_referral(
            session,
            item=replies.ReferredItem(
                "petition",
                petition.id,
                petition.kind,  # type: ignore[arg-type]
                petition.unit_code,
                "Một referral cũ",
                petition.urgency,  # type: ignore[arg-type]
            ),
            agency_id=staff.other_agency.id,
            actor=principal(staff.ward_front),
        )
        await replies.acknowledge(
            session,
            await replies.load_for_change(session, stray.id, principal(staff.other_agency_officer)),
            actor=principal(staff.other_agency_officer),
            agency_reference="9",
        )
        # Not the petition's current referral: nothing changes.
        assert (await reload(session, petition)).status == PetitionStatus.referred


class TestProvider:
    async def test_agency_view_and_public_view(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        from service.replies.providers import item_provider

        provider = item_provider(session, "petition")
        assert provider is not None
        petition = await routed(session, settings, api, staff, consent_to_publish=True)
        view = await provider.agency_view(session, petition.id, principal(staff.agency_officer))
        assert view["tracking_code"] == petition.tracking_code
        assert view["description"].startswith("Mỗi khi mưa lớn")
        assert view["petitioner"] is None  # feedback: the agency gets no personal data
        public = await provider.public_view(session, petition.id)
        assert public is not None
        assert public["title"] == petition.title
        petition.consent_publish = False
        assert await provider.public_view(session, petition.id) is None

    async def test_public_view_redacts(
        self, session: AsyncSession, settings: Settings, api: Api, staff: Staff
    ) -> None:
        from service.replies.providers import item_provider

        provider = item_provider(session, "petition")
        assert provider is not None
        petition, _ = await new_petition(
            session,
            settings,
            api,
            consent_to_publish=True,
            description="Gọi tôi số 0912 345 678 hoặc an@example.vn để biết thêm.",
        )
        public = await provider.public_view(session, petition.id)
        assert public is not None
        assert "0912" not in public["description"]
        assert "an@example.vn" not in public["description"]
