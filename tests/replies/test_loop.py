"""The whole agency -> Front -> citizen loop, for a petition and for a recommendation."""

from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.audit.models import AuditEvent
from service.deadlines.clock import ceil_to_minute
from service.deadlines.models import DeadlineStep, ItemKind
from service.deadlines.policy import rule_for
from service.directory.calendar import load_calendar
from service.replies import service as replies
from service.replies import views as referral_views
from service.replies.models import ReferralState
from tests.factories import login
from tests.replies.conftest import COMPLETE_ANSWER, Api, Recorder, StandInProvider, World, refer
from tests.storage.samples import pdf


async def test_petition_loop(
    session: AsyncSession,
    client: httpx.AsyncClient,
    world: World,
    provider: StandInProvider,
    recorder: Recorder,
    as_agency: Api,
    as_front: Api,
) -> None:
    referral = await refer(
        session,
        world,
        provider,
        description="Liên hệ chị Lan 0912 345 678, lan.nguyen@gmail.com, CCCD 001203004567.",
    )
    calendar = await load_calendar(session)
    acceptance = await rule_for(
        session, ItemKind.feedback, referral.urgency, DeadlineStep.acceptance
    )
    assert referral.state == ReferralState.sent
    assert referral.deadline_step == DeadlineStep.acceptance
    assert referral.clock_started_at is not None
    # A working-hours due date is a whole minute, rounded up (service/deadlines/clock.py).
    assert referral.due_at == ceil_to_minute(
        calendar.add_working_hours(referral.clock_started_at, acceptance.amount)
    )

    # The agency's inbox lists it; the referral shows the item as the agency may see it (a
    # list carries no item content, so no personal data spreads through lists).
    inbox = (await as_agency.get()).json()
    assert [i["id"] for i in inbox["items"]] == [str(referral.id)]
    assert inbox["items"][0]["item"] is None
    detail = (await as_agency.get(f"/{referral.id}")).json()
    assert detail["item"]["description"].startswith("Liên hệ chị Lan")
    assert "acknowledge" in inbox["items"][0]["allowed_actions"]

    # Thụ lý: the answer clock follows the policy for feedback (working days).
    response = await as_agency.act(referral.id, "/acknowledge", {"agency_reference": "45/TL"})
    assert response.status_code == 200, response.text
    body = response.json()
    answer_rule = await rule_for(session, ItemKind.feedback, referral.urgency, DeadlineStep.answer)
    await session.refresh(referral)
    assert body["state"] == "acknowledged"
    assert body["agency_reference"] == "45/TL"
    assert referral.acknowledged_at is not None
    assert referral.due_at == calendar.add_working_days(
        referral.acknowledged_at, answer_rule.amount
    )
    assert recorder.names(referral.id) == ["referral.acknowledged"]

    # An extension within policy: the Front approves, the clock moves, the citizen sees it.
    assert referral.due_at is not None
    wanted = calendar.local_date(referral.due_at) + timedelta(days=3)
    response = await as_agency.act(
        referral.id,
        "/extensions",
        {"reason": "Cần khảo sát hiện trường", "new_due_date": str(wanted)},
    )
    assert response.status_code == 201, response.text
    extension_id = response.json()["id"]
    response = await as_front.act(
        referral.id, f"/extensions/{extension_id}/decision", {"approve": True}
    )
    assert response.status_code == 200, response.text
    await session.refresh(referral)
    assert calendar.local_date(referral.due_at) >= wanted
    assert recorder.last("referral.extension_granted").data["new_due_at"] == referral.due_at
    seen_by_citizen = await referral_views.citizen_history(session, "petition", referral.item_id)
    assert [e.action for e in seen_by_citizen] == ["create", "acknowledge", "approve_extension"]
    assert seen_by_citizen[-1].reason == "Cần khảo sát hiện trường"

    # The signed answer as PDF, streamed to evidence storage.
    response = await client.post(
        f"/api/v1/agency/referrals/{referral.id}/attachments",
        params={"filename": "tra-loi.pdf"},
        content=pdf(),
        headers=as_agency.headers,
    )
    assert response.status_code == 201, response.text
    evidence_id = response.json()["evidence_id"]
    assert response.json()["content_type"] == "application/pdf"

    # A draft is private to the agency.
    draft = {**COMPLETE_ANSWER, "text": "Đang xử lý", "attachment_ids": [evidence_id]}
    response = await as_agency.act(referral.id, "/answer", draft, method="PUT")
    assert response.status_code == 200, response.text
    front_view = (await as_front.get(f"/{referral.id}")).json()
    assert front_view["answers"] == []
    assert front_view["attachments"] == []
    agency_view = (await as_agency.get(f"/{referral.id}")).json()
    assert agency_view["answers"][0]["status"] == "draft"

    # Submitted, returned for more (the clock keeps running), re-drafted, accepted.
    assert (await as_agency.act(referral.id, "/answer/submit")).status_code == 200
    response = await as_front.act(referral.id, "/answer/return", {"reason": "Nêu rõ thời gian"})
    assert response.status_code == 200, response.text
    await session.refresh(referral)
    assert referral.state == ReferralState.acknowledged
    assert referral.clock_stopped_at is None
    answer = {
        **COMPLETE_ANSWER,
        "text": "Đã nạo vét cống ngày 18/3. Liên hệ cán bộ Minh 0987.654.321 khi cần.",
        "attachment_ids": [evidence_id],
    }
    assert (await as_agency.act(referral.id, "/answer", answer, method="PUT")).status_code == 200
    assert (await as_agency.act(referral.id, "/answer/submit")).status_code == 200
    response = await as_front.act(referral.id, "/answer/accept", {"note": "Đạt"})
    assert response.status_code == 200, response.text
    front_view = (await as_front.get(f"/{referral.id}")).json()
    assert [a["status"] for a in front_view["answers"]] == ["returned", "accepted"]
    assert [a["evidence_id"] for a in front_view["attachments"]] == [evidence_id]
    download = await as_front.get(f"/{referral.id}/attachments/{evidence_id}")
    assert download.status_code == 307

    # Published: the citizen sees it, the public feed gets it without personal data.
    response = await as_front.act(referral.id, "/publish")
    assert response.status_code == 200, response.text
    published = recorder.last("referral.answer_published")
    assert published.data["outcome"] == "resolved"
    assert published.data["summary"].startswith("Đã nạo vét cống")
    await session.refresh(referral)  # the requests changed it through their own sessions
    citizen = await referral_views.published_answer_for_item(session, "petition", referral.item_id)
    assert citizen is not None
    assert citizen.document_number == "125/UBND-QLĐT"
    assert citizen.agency_name == world.ward_agency.name
    assert citizen.feedback_due_at is not None
    feed = (await client.get("/api/v1/public/answers")).json()["items"]
    assert len(feed) == 1
    text = feed[0]["description"] + feed[0]["answer_text"]
    for secret in ("0912 345 678", "lan.nguyen@gmail.com", "001203004567", "0987.654.321"):
        assert secret not in text
    assert "Trần Văn B" not in str(feed[0])

    # The citizen is satisfied: closed.
    rated = await replies.rate_answer(
        session, await replies.lock_referral(session, referral.id), satisfied=True, comment="Cảm ơn"
    )
    assert rated.state == ReferralState.closed
    assert recorder.names(referral.id)[-2:] == ["referral.rated", "referral.closed"]
    history = (await as_agency.get(f"/{referral.id}")).json()["history"]
    assert [h["action"] for h in history] == [
        "create",
        "acknowledge",
        "request_extension",
        "approve_extension",
        "save_draft",
        "submit_answer",
        "return_answer",
        "save_draft",
        "submit_answer",
        "accept_answer",
        "publish",
        "rate_satisfied",
    ]
    audited = await session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(col(AuditEvent.entity_id) == str(referral.id))
    )
    assert audited is not None
    assert audited >= len(history)


async def test_recommendation_loop_with_escalation(
    session: AsyncSession,
    client: httpx.AsyncClient,
    world: World,
    provider: StandInProvider,
    recorder: Recorder,
    as_agency: Api,
    as_front: Api,
) -> None:
    referral = await refer(
        session,
        world,
        provider,
        item_type="recommendation",
        kind=ItemKind.supervision_recommendation,
        title="Kiến nghị sau giám sát: công khai quy hoạch",
        consent_to_publish=False,
    )
    assert (
        await as_agency.act(referral.id, "/acknowledge", {"agency_reference": "9/KN"})
    ).status_code == 200
    await session.refresh(referral)
    calendar = await load_calendar(session)
    assert referral.acknowledged_at is not None
    assert referral.due_at == calendar.add_calendar_days(referral.acknowledged_at, 30)

    answer = {**COMPLETE_ANSWER, "outcome": "partly_resolved", "text": "Đã công khai một phần."}
    assert (await as_agency.act(referral.id, "/answer", answer, method="PUT")).status_code == 200
    assert (await as_agency.act(referral.id, "/answer/submit")).status_code == 200
    assert (await as_front.act(referral.id, "/answer/accept")).status_code == 200
    assert (await as_front.act(referral.id, "/publish")).status_code == 200
    # No consent to publish (the provider says None): not on the public feed.
    assert (await client.get("/api/v1/public/answers")).json()["items"] == []

    # Not satisfied (recorded by the Front), then escalated to the superior agency.
    response = await as_front.act(
        referral.id, "/rating", {"satisfied": False, "comment": "Chưa công khai đủ"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "disputed"
    assert set(response.json()["allowed_actions"]) == {"close", "reopen", "escalate", "cancel"}
    response = await as_front.act(
        referral.id, "/escalate", {"to": "superior_agency", "reason": "Cấp phường chưa xử lý"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "escalated"
    escalated = recorder.last("referral.escalated")
    assert escalated.data["to"] == "superior_agency"
    assert escalated.data["new_agency_id"] == world.city_agency.id

    await session.refresh(referral)
    for_item = await referral_views.get_referrals_for_item(
        session, "recommendation", referral.item_id
    )
    assert [r.agency_id for r in for_item] == [world.ward_agency.id, world.city_agency.id]
    successor = for_item[1]
    assert successor.state == ReferralState.sent
    assert successor.escalated_from_id == referral.id
    assert successor.deadline_step == DeadlineStep.acceptance

    # The city agency answers; the citizen (through the Front) disputes again; the Front
    # escalates to the People's Council list.
    city_officer = world.city_agency_officer
    city = Api(client, await login(client, city_officer), "/api/v1/agency/referrals")
    assert (
        await city.act(successor.id, "/acknowledge", {"agency_reference": "1/TP"})
    ).status_code == 200
    assert (await city.act(successor.id, "/answer", answer, method="PUT")).status_code == 200
    assert (await city.act(successor.id, "/answer/submit")).status_code == 200
    city_front = Api(client, await login(client, world.city_front_officer), "/api/v1/referrals")
    assert (await city_front.act(successor.id, "/answer/accept")).status_code == 200
    assert (await city_front.act(successor.id, "/publish")).status_code == 200
    await replies.rate_answer(
        session, await replies.lock_referral(session, successor.id), satisfied=False, comment=None
    )
    response = await city_front.act(
        successor.id, "/escalate", {"to": "council", "reason": "Đưa vào báo cáo HĐND"}
    )
    assert response.status_code == 200, response.text
    reader = await login(client, world.council_reader)
    council = (await client.get("/api/v1/referrals/council", headers=reader)).json()
    assert [r["id"] for r in council] == [str(successor.id)]
    assert council[0]["escalated_to"] == "council"
