"""The sweeps' results on one fixture with several items in every case, written before the
sweeps became set-based and kept unchanged since (the refactor must give the same results).

Petitions (routing clock): overdue ward items (escalated to the city Front), items due soon,
one still running. Referrals of routed petitions: overdue, due soon (a reminder each), one
running, and published answers whose feedback window ended without a rating (closed by the
sweep, and the petition with them). The sweeps run as the worker runs them, with the
platform's real subscribers (petitions mirrors referral closures) plus a recorder.

Checked: states and versions, history rows, audit rows, outbox jobs (and the reminders they
send), the events, and the petitions' closure effects (status, history, the citizen's
notification job, audit), and that a second sweep changes nothing.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic_core import to_jsonable_python
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.audit.models import AuditEvent
from service.db import utcnow
from service.deadlines.models import DeadlineStatus
from service.jobs.models import OutboxMessage
from service.kernel.wiring import Wiring, WiringBuilder
from service.mail import RecordingMailer
from service.petitions import messages
from service.petitions.models import Petition, PetitionEvent, PetitionStatus
from service.petitions.sweep import sweep as sweep_petitions
from service.replies import events
from service.replies.models import (
    NotificationStatus,
    Referral,
    ReferralHistory,
    ReferralNotification,
    ReferralState,
)
from service.replies.notifications import deliver_reminder
from service.replies.sweep import sweep_referrals
from service.settings import Settings
from tests.petitions.conftest import Api, Staff
from tests.petitions.test_referral_loop import (
    acknowledge,
    new_petition,
    publish_answer,
    reload,
    routed,
)

SWEPT_EVENTS = (events.DUE_SOON, events.OVERDUE, events.CLOSED)


@dataclass
class Recorder:
    seen: list[events.ReferralEvent] = field(default_factory=list)

    async def __call__(self, session: AsyncSession, event: events.ReferralEvent) -> None:
        self.seen.append(event)

    def of(self, name: str) -> dict[uuid.UUID, dict[str, Any]]:
        return {e.referral_id: to_jsonable_python(e.data) for e in self.seen if e.name == name}


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def wiring(base_wiring: Wiring, recorder: Recorder) -> Wiring:
    """The platform's wiring (petitions and oversight subscribed) plus the recorder."""

    def record(builder: WiringBuilder) -> None:
        for name in SWEPT_EVENTS:
            builder.subscribe(name, recorder)

    return base_wiring.extend(record)


async def _set_clock(
    session: AsyncSession, model: Any, ids: list[uuid.UUID], **values: Any
) -> None:
    await session.execute(update(model).where(col(model.id).in_(ids)).values(**values))


async def _audits(session: AsyncSession, action: str) -> dict[str, AuditEvent]:
    rows = (
        (await session.execute(select(AuditEvent).where(col(AuditEvent.action) == action)))
        .scalars()
        .all()
    )
    by_entity = {row.entity_id: row for row in rows}
    assert len(by_entity) == len(rows), f"{action} audited twice for one entity"
    return by_entity


async def _jobs(session: AsyncSession, name: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(OutboxMessage).where(col(OutboxMessage.job_name) == name).order_by(OutboxMessage.id)
    )
    return [m.payload for m in rows.scalars()]


def _reminder_ids(payloads: list[dict[str, Any]]) -> list[int]:
    """The reminder rows the agency reminder jobs send (one id a job, or a chunk of ids)."""
    ids: list[int] = []
    for payload in payloads:
        ids += payload.get("notification_ids") or [payload["notification_id"]]
    return ids


async def _reminder_job_payloads(session: AsyncSession) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(OutboxMessage)
        .where(col(OutboxMessage.job_name).like("replies.notify_agenc%"))
        .order_by(OutboxMessage.id)
    )
    return [m.payload for m in rows.scalars()]


def _snapshot_petition(p: Petition) -> dict[str, Any]:
    return to_jsonable_python(
        {
            "tracking_code": p.tracking_code,
            "status": p.status,
            "kind": p.kind,
            "category_code": p.category_code,
            "unit_code": p.unit_code,
            "urgency": p.urgency,
            "agency_id": p.agency_id,
            "referral_id": p.referral_id,
            "merged_into_id": p.merged_into_id,
            "due_at": p.due_at,
            "deadline_status": p.deadline_status,
            "version": p.version,
        }
    )


async def test_the_sweeps_results_on_a_fixture_of_every_case(
    session: AsyncSession, settings: Settings, api: Api, staff: Staff, recorder: Recorder
) -> None:
    now = utcnow()
    staff.ward_agency.email = "vanthu.hoankiem@example.vn"
    session.add(staff.ward_agency)
    # -- petitions in triage: overdue (escalated), due soon, running
    p_late = [(await new_petition(session, settings, api))[0] for _ in range(3)]
    p_soon = [(await new_petition(session, settings, api))[0] for _ in range(2)]
    p_fine = (await new_petition(session, settings, api))[0]
    # -- routed petitions whose referrals are overdue, due soon, running, silent
    r_late = [await routed(session, settings, api, staff) for _ in range(3)]
    r_soon = [await routed(session, settings, api, staff) for _ in range(2)]
    r_fine = await routed(session, settings, api, staff)
    silent = [await routed(session, settings, api, staff) for _ in range(2)]
    for petition in silent:
        await acknowledge(session, petition, staff)
        await publish_answer(session, petition, staff)
    await session.flush()

    def ids(petitions: list[Petition]) -> list[uuid.UUID]:
        return [p.id for p in petitions]

    def referral_ids(petitions: list[Petition]) -> list[uuid.UUID]:
        return [p.referral_id for p in petitions if p.referral_id is not None]

    hour = timedelta(hours=1)
    await _set_clock(session, Petition, ids(p_late), due_at=now - hour, warn_at=now - 3 * hour)
    await _set_clock(session, Petition, ids(p_soon), due_at=now + 5 * hour, warn_at=now - hour)
    await _set_clock(session, Petition, [p_fine.id], due_at=now + 72 * hour, warn_at=now + hour)
    await _set_clock(
        session, Referral, referral_ids(r_late), due_at=now - hour, warn_at=now - 3 * hour
    )
    await _set_clock(
        session, Referral, referral_ids(r_soon), due_at=now + 5 * hour, warn_at=now - hour
    )
    await _set_clock(
        session, Referral, referral_ids([r_fine]), due_at=now + 72 * hour, warn_at=now + hour
    )
    await _set_clock(session, Referral, referral_ids(silent), feedback_due_at=now - hour)
    before_close = {p.id: _snapshot_petition(await reload(session, p)) for p in silent}
    referral_versions = {
        r.id: r.version
        for r in (
            await session.execute(
                select(Referral).where(col(Referral.id).in_(referral_ids(silent)))
            )
        ).scalars()
    }
    petition_history_before = {
        p.id: len(
            (
                await session.execute(
                    select(PetitionEvent).where(col(PetitionEvent.petition_id) == p.id)
                )
            ).all()
        )
        for p in [*p_late, *p_soon, p_fine, *silent]
    }

    # -- the sweeps, as the worker runs them
    petitions_outcome = await sweep_petitions(session, now)
    referrals_outcome = await sweep_referrals(session, now)

    # outcomes
    assert sorted(petitions_outcome.overdue) == sorted(ids(p_late))
    assert sorted(petitions_outcome.due_soon) == sorted(ids(p_soon))
    assert sorted(petitions_outcome.escalated) == sorted(ids(p_late))
    assert sorted(referrals_outcome.overdue) == sorted(referral_ids(r_late))
    assert sorted(referrals_outcome.due_soon) == sorted(referral_ids(r_soon))
    assert referrals_outcome.reminders == 5
    assert sorted(referrals_outcome.closed) == sorted(referral_ids(silent))

    # petitions' states, history (escalation) and audit
    for petition in p_late:
        fresh = await reload(session, petition)
        assert fresh.deadline_status == DeadlineStatus.overdue
        assert fresh.escalated_at == now
    for petition in p_soon:
        fresh = await reload(session, petition)
        assert (fresh.deadline_status, fresh.escalated_at) == (DeadlineStatus.due_soon, None)
    fresh_fine = await reload(session, p_fine)
    assert fresh_fine.deadline_status == DeadlineStatus.running
    escalations = (
        (
            await session.execute(
                select(PetitionEvent).where(col(PetitionEvent.action) == "escalate_overdue")
            )
        )
        .scalars()
        .all()
    )
    assert sorted(e.petition_id for e in escalations) == sorted(ids(p_late))
    for event in escalations:
        petition = await reload(session, next(p for p in p_late if p.id == event.petition_id))
        assert (event.at, event.actor_kind, event.citizen_visible) == (now, "system", False)
        assert event.from_status == event.to_status == petition.status
        assert event.data["to"] == "city_front"
        assert event.data["step"] == petition.deadline_step
        assert datetime.fromisoformat(event.data["due_at"]) == petition.due_at
    escalation_audits = await _audits(session, "petition.escalated_to_city_front")
    assert set(escalation_audits) == {str(i) for i in ids(p_late)}
    for row in escalation_audits.values():
        assert (row.actor_type, row.actor_id, row.entity_type, row.before) == (
            "system",
            None,
            "petition",
            None,
        )
        assert row.after == {
            "escalated_at": to_jsonable_python(now),
            "reason": "routing deadline passed",
        }
    staff_notices = await _jobs(session, "petitions.notify_staff")
    assert sorted((n["reason"], pid) for n in staff_notices for pid in n["petition_ids"]) == sorted(
        [("due_soon", str(i)) for i in ids(p_soon)] + [("overdue", str(i)) for i in ids(p_late)]
    )

    # referrals' flags, reminders (their jobs and the letters they send), events
    flagged = {
        r.id: r
        for r in (
            await session.execute(
                select(Referral)
                .where(col(Referral.id).in_(referral_ids([*r_late, *r_soon, r_fine, *silent])))
                .execution_options(populate_existing=True)
            )
        ).scalars()
    }
    for referral_id in referral_ids(r_late):
        assert flagged[referral_id].deadline_status == DeadlineStatus.overdue
    for referral_id in referral_ids(r_soon):
        assert flagged[referral_id].deadline_status == DeadlineStatus.due_soon
    assert flagged[referral_ids([r_fine])[0]].deadline_status == DeadlineStatus.running
    reminders = (
        (await session.execute(select(ReferralNotification).order_by(ReferralNotification.id)))
        .scalars()
        .all()
    )
    assert sorted((n.referral_id, n.kind) for n in reminders) == sorted(
        [(i, "overdue") for i in referral_ids(r_late)]
        + [(i, "due_soon") for i in referral_ids(r_soon)]
    )
    assert all(n.status == NotificationStatus.pending for n in reminders)
    assert all(n.recipient == "vanthu.hoankiem@example.vn" for n in reminders)
    payloads = await _reminder_job_payloads(session)
    assert sorted(_reminder_ids(payloads)) == sorted(n.id for n in reminders if n.id)
    mailer = RecordingMailer()
    for notification_id in _reminder_ids(payloads):
        status = await deliver_reminder(session, settings, notification_id, mailer=mailer)
        assert status == NotificationStatus.sent
    assert len(mailer.letters) == 5
    subjects = sorted(letter.subject.split(":")[0] for letter in mailer.letters)
    assert subjects == ["Sắp đến hạn trả lời"] * 2 + ["Đã quá hạn trả lời"] * 3
    assert {letter.to for letter in mailer.letters} == {"vanthu.hoankiem@example.vn"}
    for notification_id in _reminder_ids(payloads):  # a redelivered job sends nothing again
        await deliver_reminder(session, settings, notification_id, mailer=mailer)
    assert len(mailer.letters) == 5

    assert recorder.of(events.OVERDUE) == {
        i: {"due_at": to_jsonable_python(flagged[i].due_at), "step": flagged[i].deadline_step}
        for i in referral_ids(r_late)
    }
    assert recorder.of(events.DUE_SOON) == {
        i: {"due_at": to_jsonable_python(flagged[i].due_at), "step": flagged[i].deadline_step}
        for i in referral_ids(r_soon)
    }
    assert recorder.of(events.CLOSED) == {
        i: {"reason": "feedback_window_ended"} for i in referral_ids(silent)
    }
    for event in recorder.seen:
        referral = flagged[event.referral_id]
        assert (event.item_type, event.item_id, event.agency_id, event.actor) == (
            "petition",
            referral.item_id,
            referral.agency_id,
            None,
        )

    # silent close: referral state, history, audit
    close_audits = await _audits(session, "referral.close")
    assert set(close_audits) == {str(i) for i in referral_ids(silent)}
    for referral_id in referral_ids(silent):
        referral = flagged[referral_id]
        assert referral.state == ReferralState.closed
        assert (referral.close_reason, referral.closed_at) == ("feedback_window_ended", now)
        assert referral.version == referral_versions[referral_id] + 1
        [history] = (
            (
                await session.execute(
                    select(ReferralHistory).where(
                        col(ReferralHistory.referral_id) == referral_id,
                        col(ReferralHistory.action) == "close",
                    )
                )
            )
            .scalars()
            .all()
        )
        assert (history.at, history.actor_type, history.actor_id) == (now, "system", None)
        assert (history.from_state, history.to_state) == ("published", "closed")
        assert (history.reason, history.visible_to_citizen) == ("feedback_window_ended", True)
        assert history.data == {"reason": "feedback_window_ended"}
        audit = close_audits[str(referral_id)]
        assert (audit.actor_type, audit.actor_id, audit.entity_type) == ("system", None, "referral")
        assert audit.before == {"state": "published"}
        assert audit.after == to_jsonable_python(
            {
                "state": "closed",
                "version": referral.version,
                "agency_id": referral.agency_id,
                "deadline_step": referral.deadline_step,
                "due_at": referral.due_at,
                "deadline_status": referral.deadline_status,
                "agency_reference": referral.agency_reference,
                "reopen_count": referral.reopen_count,
                "extensions": 0,
                "reason": "feedback_window_ended",
            }
        )

    # the petitions' closure effects: status, history, citizen notification job, audit
    petition_close_audits = await _audits(session, "petition.close")
    assert set(petition_close_audits) == {str(i) for i in ids(silent)}
    notify_jobs = await _jobs(session, "petitions.notify")
    for petition in silent:
        fresh = await reload(session, petition)
        assert fresh.status == PetitionStatus.closed
        assert fresh.version == before_close[petition.id]["version"] + 1
        assert fresh.closed_at is not None
        [event] = (
            (
                await session.execute(
                    select(PetitionEvent).where(
                        col(PetitionEvent.petition_id) == petition.id,
                        col(PetitionEvent.action) == "close",
                    )
                )
            )
            .scalars()
            .all()
        )
        assert fresh.closed_at == fresh.updated_at == event.at
        assert (event.actor_kind, event.actor_id, event.actor_role) == ("system", None, None)
        assert (event.from_status, event.to_status) == ("answered", "closed")
        assert (event.reason, event.reason_code) == ("feedback_window_ended", None)
        assert (event.citizen_visible, event.citizen_message) == (True, messages.CLOSE)
        assert event.data == {
            "referral_id": str(fresh.referral_id),
            "reason": "feedback_window_ended",
        }
        assert {"petition_id": str(petition.id), "event_id": event.id} in notify_jobs
        audit = petition_close_audits[str(petition.id)]
        assert (audit.actor_type, audit.actor_id, audit.entity_type) == ("system", None, "petition")
        assert audit.before == before_close[petition.id]
        assert audit.after == _snapshot_petition(fresh)
    # nothing else was written to the petitions' histories
    for petition_id, count in petition_history_before.items():
        rows = (
            await session.execute(
                select(PetitionEvent).where(col(PetitionEvent.petition_id) == petition_id)
            )
        ).all()
        extra = 1 if petition_id in ids(p_late) or petition_id in ids(silent) else 0
        assert len(rows) == count + extra

    # a second sweep a minute later finds nothing new
    seen = len(recorder.seen)
    again_petitions = await sweep_petitions(session, now + timedelta(minutes=1))
    again = await sweep_referrals(session, now + timedelta(minutes=1))
    assert (again_petitions.overdue, again_petitions.due_soon, again_petitions.escalated) == (
        [],
        [],
        [],
    )
    assert (again.overdue, again.due_soon, again.reminders, again.closed) == ([], [], 0, [])
    assert len(recorder.seen) == seen
