"""Findings, recommendations and their follow-up through replies' referrals: the state
follows the agency's answer, declines, overdue sweeps, withdrawals, re-supervision."""

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.directory.calendar import load_calendar
from service.errors import Forbidden, Invalid, StateConflict
from service.oversight import repository
from service.oversight import service as plans
from service.oversight.models import (
    CheckResult,
    PlanState,
    Recommendation,
    RecommendationState,
    SupervisionPlan,
)
from service.oversight.provider import provider
from service.oversight.schemas import (
    CheckCreate,
    FindingCreate,
    PlanActionRequest,
    RecommendationCreate,
)
from service.oversight.service import checks
from service.oversight.service import log as log_service
from service.oversight.service import recommendations as recs
from service.replies import service as replies
from service.replies import views as referral_views
from service.replies.models import AnswerOutcome, ReferralState
from service.replies.schemas import AnswerDraftWrite
from service.replies.sweep import sweep_referrals
from tests.oversight.conftest import World, approved_plan, open_session, write


async def _plan_with_finding(session: AsyncSession, world: World) -> tuple[SupervisionPlan, Any]:
    plan = await approved_plan(session, world)
    supervision_session = await open_session(session, world, plan)
    entry = await write(session, world, supervision_session, "12 công trình vi phạm chưa bị xử lý")
    finding = await recs.create_finding(
        session,
        plan.id,
        FindingCreate(
            title="Chậm xử lý vi phạm trật tự xây dựng",
            text="UBND phường chưa xử lý dứt điểm 12 công trình vi phạm.",
            session_id=supervision_session.id,
            log_entry_ids=[entry.id],
        ),
        world.p("member"),
    )
    await plans.close_session(session, supervision_session.id, world.p("secretary"))
    return plan, finding


async def _issued(session: AsyncSession, world: World) -> Recommendation:
    plan, finding = await _plan_with_finding(session, world)
    rec = await recs.create_recommendation(
        session,
        plan.id,
        RecommendationCreate(
            agency_id=world.agency.id,
            title="Xử lý dứt điểm các công trình vi phạm",
            text="Đề nghị UBND phường xử lý dứt điểm 12 công trình trước 30/9.",
            finding_id=finding.id,
        ),
        world.p("member"),
    )
    return await recs.issue_recommendation(session, rec.id, world.p("head"))


async def _answer(
    session: AsyncSession, world: World, rec: Recommendation, outcome: AnswerOutcome
) -> None:
    """The agency answers through replies, the Front accepts and publishes."""
    assert rec.referral_id is not None
    agency, front = world.p("agency_officer"), world.p("ward_officer")
    await replies.acknowledge(
        session,
        await replies.load_for_change(session, rec.referral_id, agency),
        actor=agency,
        agency_reference="123/UBND",
    )
    await replies.save_draft(
        session,
        await replies.load_for_change(session, rec.referral_id, agency),
        actor=agency,
        draft=AnswerDraftWrite(
            outcome=outcome,
            text="UBND phường đã xử lý 12 công trình vi phạm.",
            legal_basis="Luật Xây dựng 2014; Nghị định 16/2022/NĐ-CP",
            document_number="456/UBND-QLĐT",
            document_date=date(2026, 9, 20),
            signer_name="Nguyễn Văn E",
            signer_title="Chủ tịch UBND phường",
        ),
    )
    await replies.submit_answer(
        session, await replies.load_for_change(session, rec.referral_id, agency), actor=agency
    )
    await replies.accept_answer(
        session, await replies.load_for_change(session, rec.referral_id, front), actor=front
    )
    await replies.publish_answer(
        session, await replies.load_for_change(session, rec.referral_id, front), actor=front
    )


async def _reload(session: AsyncSession, rec: Recommendation) -> Recommendation:
    found = await repository.get_recommendation(session, rec.id, for_update=True)
    assert found is not None
    return found


class TestFindings:
    async def test_links_must_belong_to_the_plan(self, session: AsyncSession, world: World) -> None:
        plan, _ = await _plan_with_finding(session, world)
        other_plan = await approved_plan(session, world)
        other_session = await open_session(session, world, other_plan)
        foreign = await write(session, world, other_session, "Ở kế hoạch khác")
        with pytest.raises(Invalid):
            await recs.create_finding(
                session,
                plan.id,
                FindingCreate(title="Sai", text="x", log_entry_ids=[foreign.id]),
                world.p("member"),
            )


class TestIssuing:
    async def test_issuing_creates_a_referral_with_the_policy_due_date(
        self, session: AsyncSession, world: World
    ) -> None:
        rec = await _issued(session, world)
        assert rec.state == RecommendationState.issued
        assert rec.issued_at is not None
        assert rec.due_at is not None
        # 30 calendar days by policy, to the end of that (local) day; a 30th day the calendar
        # has off (1 January after a 2 December issue) moves to the next working day.
        local = ZoneInfo("Asia/Ho_Chi_Minh")
        calendar = await load_calendar(session)
        assert rec.due_at.astimezone(local).date() == calendar.working_day_on_or_after(
            rec.issued_at.astimezone(local).date() + timedelta(days=30)
        )
        [referral] = await referral_views.get_referrals_for_item(session, "recommendation", rec.id)
        assert referral.id == rec.referral_id
        assert referral.agency_id == world.agency.id
        assert referral.item_kind == "supervision_recommendation"
        assert referral.state == ReferralState.sent

    async def test_a_member_drafts_but_does_not_issue(
        self, session: AsyncSession, world: World
    ) -> None:
        plan, _ = await _plan_with_finding(session, world)
        rec = await recs.create_recommendation(
            session,
            plan.id,
            RecommendationCreate(agency_id=world.agency.id, title="Kiến nghị", text="Nội dung"),
            world.p("member"),
        )
        with pytest.raises(Forbidden):
            await recs.issue_recommendation(session, rec.id, world.p("member"))
        issued = await recs.issue_recommendation(session, rec.id, world.p("ward_officer"))
        assert issued.state == RecommendationState.issued
        with pytest.raises(StateConflict):
            await recs.issue_recommendation(session, rec.id, world.p("head"))


class TestFollowingTheAnswer:
    @pytest.mark.parametrize(
        ("outcome", "state"),
        [
            (AnswerOutcome.resolved, RecommendationState.implemented),
            (AnswerOutcome.partly_resolved, RecommendationState.partly_implemented),
            (AnswerOutcome.explained, RecommendationState.accepted),
            (AnswerOutcome.rejected_with_legal_basis, RecommendationState.rejected),
        ],
    )
    async def test_the_state_follows_the_published_answer(
        self,
        session: AsyncSession,
        world: World,
        outcome: AnswerOutcome,
        state: RecommendationState,
    ) -> None:
        rec = await _issued(session, world)
        await _answer(session, world, rec, outcome)
        rec = await _reload(session, rec)
        assert rec.state == state
        assert rec.answer_outcome == outcome.value
        assert rec.answer_summary is not None
        assert "12 công trình" in rec.answer_summary
        assert rec.answered_at is not None

    async def test_acknowledgement_moves_the_due_date_to_the_referral_answer_deadline(
        self, session: AsyncSession, world: World
    ) -> None:
        rec = await _issued(session, world)
        assert rec.referral_id is not None
        referral = await replies.acknowledge(
            session,
            await replies.load_for_change(session, rec.referral_id, world.p("agency_officer")),
            actor=world.p("agency_officer"),
            agency_reference="1/UB",
        )
        rec = await _reload(session, rec)
        assert rec.state == RecommendationState.acknowledged
        assert rec.due_at == referral.due_at

    async def test_an_unanswered_recommendation_becomes_overdue(
        self, session: AsyncSession, world: World
    ) -> None:
        rec = await _issued(session, world)
        await sweep_referrals(session, utcnow() + timedelta(days=90))
        rec = await _reload(session, rec)
        assert rec.state == RecommendationState.overdue

    async def test_a_declined_recommendation_is_reissued_to_the_competent_agency(
        self, session: AsyncSession, world: World
    ) -> None:
        rec = await _issued(session, world)
        first_referral = rec.referral_id
        assert first_referral is not None
        await replies.decline(
            session,
            await replies.load_for_change(session, first_referral, world.p("agency_officer")),
            actor=world.p("agency_officer"),
            reason="Thuộc thẩm quyền Sở Xây dựng",
            suggested_agency_id=world.other_agency.id,
        )
        rec = await _reload(session, rec)
        assert rec.state == RecommendationState.declined
        with pytest.raises(Invalid):  # name the competent agency
            await recs.issue_recommendation(session, rec.id, world.p("head"))
        rec = await recs.issue_recommendation(
            session, rec.id, world.p("head"), agency_id=world.other_agency.id
        )
        assert rec.state == RecommendationState.issued
        assert rec.agency_id == world.other_agency.id
        assert rec.referral_id != first_referral
        referrals = await referral_views.get_referrals_for_item(session, "recommendation", rec.id)
        assert len(referrals) == 2

    async def test_withdrawing_cancels_the_referral(
        self, session: AsyncSession, world: World
    ) -> None:
        rec = await _issued(session, world)
        rec = await recs.withdraw_recommendation(
            session, rec.id, world.p("head"), reason="Trùng kiến nghị khác"
        )
        assert rec.state == RecommendationState.withdrawn
        [referral] = await referral_views.get_referrals_for_item(session, "recommendation", rec.id)
        assert referral.state == ReferralState.cancelled


class TestResupervision:
    async def test_a_later_session_records_implementation_checks(
        self, session: AsyncSession, world: World
    ) -> None:
        rec = await _issued(session, world)
        await _answer(session, world, rec, AnswerOutcome.resolved)
        follow_up = await approved_plan(session, world, subject="Giám sát lại việc thực hiện")
        supervision_session = await open_session(
            session, world, follow_up, resupervision_of=[rec.id]
        )
        entry = await write(
            session, world, supervision_session, "Kiểm tra thực tế: còn 3 công trình"
        )
        check = await checks.record_check(
            session,
            supervision_session.id,
            CheckCreate(
                recommendation_id=rec.id,
                result=CheckResult.partly_implemented,
                note="Còn 3 công trình chưa xử lý",
                log_entry_id=entry.id,
            ),
            world.p("member"),
        )
        assert check.result == CheckResult.partly_implemented
        rec = await _reload(session, rec)
        assert rec.state == RecommendationState.implemented  # what the agency answered
        assert rec.last_check_result == CheckResult.partly_implemented  # what was found
        assert [
            c.id for c in await checks.list_checks(session, supervision_session.id, world.p("head"))
        ] == [check.id]

    async def test_only_recommendations_named_by_the_session_are_checked(
        self, session: AsyncSession, world: World
    ) -> None:
        rec = await _issued(session, world)
        follow_up = await approved_plan(session, world)
        supervision_session = await open_session(session, world, follow_up)
        with pytest.raises(Invalid):
            await checks.record_check(
                session,
                supervision_session.id,
                CheckCreate(recommendation_id=rec.id, result=CheckResult.implemented),
                world.p("member"),
            )

    async def test_a_draft_cannot_be_resupervised(
        self, session: AsyncSession, world: World
    ) -> None:
        plan, _ = await _plan_with_finding(session, world)
        draft = await recs.create_recommendation(
            session,
            plan.id,
            RecommendationCreate(agency_id=world.agency.id, title="Nháp", text="Nháp"),
            world.p("member"),
        )
        from tests.oversight.conftest import session_data

        with pytest.raises(Invalid):
            await plans.schedule_session(
                session, plan.id, session_data(resupervision_of=[draft.id]), world.p("head")
            )


class TestItemProvider:
    async def test_the_agency_sees_the_recommendation_and_its_supervision(
        self, session: AsyncSession, world: World
    ) -> None:
        rec = await _issued(session, world)
        view = await provider.agency_view(session, rec.id, world.p("agency_officer"))
        assert view["title"] == "Xử lý dứt điểm các công trình vi phạm"
        assert view["supervision"]["form"] == "delegation"
        assert view["finding"]["title"] == "Chậm xử lý vi phạm trật tự xây dựng"
        assert view["due_at"] is not None

    async def test_the_public_sees_it_redacted_once_the_supervision_is_concluded(
        self, session: AsyncSession, world: World
    ) -> None:
        plan, _ = await _plan_with_finding(session, world)
        rec = await recs.create_recommendation(
            session,
            plan.id,
            RecommendationCreate(
                agency_id=world.agency.id,
                title="Liên hệ cán bộ địa chính",
                text="Người dân phản ánh qua số 0912 345 678 chưa được trả lời.",
            ),
            world.p("member"),
        )
        assert await provider.public_view(session, rec.id) is None
        await plans.transition_plan(
            session,
            plan.id,
            "conclude",
            world.p("head"),
            PlanActionRequest(conclusion="Kết luận giám sát."),
        )
        public = await provider.public_view(session, rec.id)
        assert public is not None
        assert "0912" not in public["description"]
        assert public["unit_code"] == plan.unit_code


async def test_reports_read_a_whole_supervision(session: AsyncSession, world: World) -> None:
    """The read functions reports use: plan, sessions with attendance, log, findings,
    recommendations, evidence and seals."""
    rec = await _issued(session, world)
    detail = await repository.plan_detail(session, rec.plan_id)
    assert detail is not None
    assert {m.role.value for m in detail.members} == {"head", "member", "secretary"}
    [session_detail] = await repository.sessions_with_attendance(session, rec.plan_id)
    await log_service.seal_session(session, session_detail.session.id, world.p("head"))
    entries = [e async for e in repository.stream_log_entries(session, session_detail.session.id)]
    assert [e.seq for e in entries] == [1]
    assert len(await repository.findings_for_plan(session, rec.plan_id)) == 1
    [view] = await repository.list_recommendations(session, plan_id=rec.plan_id)
    assert (view.agency_name, view.state, view.due_at) == (
        world.agency.name,
        RecommendationState.issued,
        rec.due_at,
    )
    assert await repository.evidence_list(session, rec.plan_id) == []
    [seal] = await repository.manifests(session, rec.plan_id)
    assert seal.entry_count == 1
    plan = await repository.get_plan(session, rec.plan_id)
    assert plan is not None
    assert plan.state == PlanState.in_progress
