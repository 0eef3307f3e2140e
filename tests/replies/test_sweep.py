"""The referral sweep: due soon / overdue flags, reminders through the outbox (email when
SMTP is configured, otherwise recorded as skipped), events, and silent feedback windows."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.audit.models import AuditEvent
from service.db import utcnow
from service.deadlines.models import DeadlineStatus
from service.jobs.models import OutboxMessage
from service.kernel.wiring import Wiring
from service.replies import service as replies
from service.replies.models import (
    NotificationStatus,
    Referral,
    ReferralHistory,
    ReferralNotification,
    ReferralState,
)
from service.replies.notifications import deliver_reminder
from service.replies.schemas import AnswerDraftWrite
from service.replies.sweep import sweep_referrals
from service.settings import Settings
from tests.replies.conftest import COMPLETE_ANSWER, Recorder, StandInProvider, World, refer


async def _notifications(session: AsyncSession, referral_id: object) -> list[ReferralNotification]:
    result = await session.execute(
        select(ReferralNotification).where(col(ReferralNotification.referral_id) == referral_id)
    )
    return list(result.scalars())


def test_the_sweep_is_scheduled_every_minute(wiring: Wiring) -> None:
    schedules = {s.job_name: s for s in wiring.schedules}
    assert schedules["referrals.sweep"].every_seconds == 60
    assert wiring.job("replies.notify_agency") is not None
    assert wiring.job("replies.notify_agencies") is not None


async def test_overdue_and_due_soon_are_flagged_once(
    session: AsyncSession, world: World, provider: StandInProvider, recorder: Recorder
) -> None:
    late = await refer(session, world, provider, title="Quá hạn")
    soon = await refer(session, world, provider, title="Sắp đến hạn")
    fine = await refer(session, world, provider, title="Còn hạn")
    now = utcnow()
    late.due_at, late.warn_at = now - timedelta(hours=1), now - timedelta(hours=3)
    soon.due_at, soon.warn_at = now + timedelta(hours=5), now - timedelta(minutes=5)
    fine.due_at, fine.warn_at = now + timedelta(days=3), now + timedelta(days=2)
    session.add_all([late, soon, fine])
    await session.flush()

    result = await sweep_referrals(session, now)
    assert result.overdue == [late.id]
    assert result.due_soon == [soon.id]
    assert result.reminders == 2
    await session.refresh(late)
    await session.refresh(fine)
    assert late.deadline_status == DeadlineStatus.overdue
    assert fine.deadline_status == DeadlineStatus.running
    assert [e.referral_id for e in recorder.seen if e.name == "referral.overdue"] == [late.id]
    assert [e.referral_id for e in recorder.seen if e.name == "referral.due_soon"] == [soon.id]

    [reminder] = await _notifications(session, late.id)
    assert reminder.kind == "overdue"
    assert reminder.recipient == world.ward_agency.email
    assert reminder.status == NotificationStatus.pending
    jobs = (
        await session.execute(
            select(OutboxMessage).where(col(OutboxMessage.job_name) == "replies.notify_agencies")
        )
    ).scalars()
    soon_reminder = (await _notifications(session, soon.id))[0]
    # One job per chunk of reminders (one per flag kind here), sending each of its rows.
    assert sorted(job.payload["notification_ids"] for job in jobs) == sorted(
        [[reminder.id], [soon_reminder.id]]
    )

    again = await sweep_referrals(session, now + timedelta(minutes=1))
    assert (again.overdue, again.due_soon, again.reminders) == ([], [], 0)


async def test_reminder_is_skipped_without_smtp(
    session: AsyncSession, settings: Settings, world: World, provider: StandInProvider
) -> None:
    late = await refer(session, world, provider)
    late.due_at = late.warn_at = utcnow() - timedelta(minutes=1)
    session.add(late)
    await session.flush()
    await sweep_referrals(session, utcnow())
    [reminder] = await _notifications(session, late.id)
    assert reminder.id is not None
    status = await deliver_reminder(session, settings, reminder.id)
    assert status == NotificationStatus.skipped
    await session.refresh(reminder)
    assert reminder.detail == "SMTP is not configured"
    # Delivering twice (a redelivered message) changes nothing.
    assert await deliver_reminder(session, settings, reminder.id) == NotificationStatus.skipped


class SmtpSink:
    """A minimal SMTP server on the test's event loop that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.recipients: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 sink ESMTP\r\n")
        while line := await reader.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                writer.write(b"250-sink\r\n250 8BITMIME\r\n")
            elif verb == "RCPT":
                self.recipients.append(command.split(":", 1)[1].strip(" <>"))
                writer.write(b"250 OK\r\n")
            elif verb == "DATA":
                writer.write(b"354 go on\r\n")
                await writer.drain()
                data = await reader.readuntil(b"\r\n.\r\n")
                self.messages.append(data.decode("utf-8", "replace"))
                writer.write(b"250 OK\r\n")
            elif verb == "QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 OK\r\n")
            await writer.drain()
        writer.close()


@pytest.fixture
async def smtp_sink() -> AsyncIterator[tuple[SmtpSink, int]]:
    sink = SmtpSink()
    server = await asyncio.start_server(sink.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield sink, port
    finally:
        server.close()
        await server.wait_closed()


async def test_reminder_is_emailed_to_the_agency_when_smtp_is_configured(
    session: AsyncSession,
    settings: Settings,
    world: World,
    provider: StandInProvider,
    smtp_sink: tuple[SmtpSink, int],
) -> None:
    sink, port = smtp_sink
    late = await refer(session, world, provider, title="Cống tắc ngõ 12")
    late.due_at = late.warn_at = utcnow() - timedelta(minutes=1)
    session.add(late)
    await session.flush()
    await sweep_referrals(session, utcnow())
    [reminder] = await _notifications(session, late.id)
    assert reminder.id is not None
    smtp_settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    status = await deliver_reminder(session, smtp_settings, reminder.id)
    assert status == NotificationStatus.sent
    assert sink.recipients == [world.ward_agency.email]
    assert "Cống tắc ngõ 12" in sink.messages[0] or "=?utf-8?" in sink.messages[0]


async def test_silent_feedback_window_closes_the_referral(
    session: AsyncSession, world: World, provider: StandInProvider, recorder: Recorder
) -> None:
    referral = await refer(session, world, provider)
    agency, front = world.actor(world.agency_officer), world.actor(world.front_officer)
    await replies.acknowledge(
        session,
        await replies.load_for_change(session, referral.id, agency),
        actor=agency,
        agency_reference="1",
    )
    draft = AnswerDraftWrite.model_validate(COMPLETE_ANSWER)
    await replies.save_draft(
        session,
        await replies.load_for_change(session, referral.id, agency),
        actor=agency,
        draft=draft,
    )
    await replies.submit_answer(
        session, await replies.load_for_change(session, referral.id, agency), actor=agency
    )
    await replies.accept_answer(
        session, await replies.load_for_change(session, referral.id, front), actor=front
    )
    await replies.publish_answer(
        session, await replies.load_for_change(session, referral.id, front), actor=front
    )
    await session.refresh(referral)
    assert referral.feedback_due_at is not None
    version = referral.version

    early = await sweep_referrals(session, referral.feedback_due_at - timedelta(minutes=1))
    assert early.closed == []
    await session.execute(
        update(Referral)
        .where(col(Referral.id) == referral.id)
        .values(feedback_due_at=utcnow() - timedelta(seconds=1))
    )
    result = await sweep_referrals(session, utcnow())
    assert result.closed == [referral.id]
    await session.refresh(referral)
    assert referral.state == ReferralState.closed
    assert referral.close_reason == "feedback_window_ended"
    assert referral.version == version + 1
    assert recorder.last("referral.closed").data == {"reason": "feedback_window_ended"}
    last = (
        await session.execute(
            select(ReferralHistory)
            .where(col(ReferralHistory.referral_id) == referral.id)
            .order_by(col(ReferralHistory.id).desc())
            .limit(1)
        )
    ).scalar_one()
    assert (last.action, last.actor_type, last.visible_to_citizen) == ("close", "system", True)
    audited = await session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            col(AuditEvent.entity_id) == str(referral.id),
            col(AuditEvent.action) == "referral.close",
        )
    )
    assert audited == 1
