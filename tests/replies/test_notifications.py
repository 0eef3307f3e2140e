"""Reminders to agencies through the mailer: the letter, a server that is down (retried,
nothing recorded), a refusal (recorded as failed, never retried)."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.db import utcnow
from service.mail import MailUnavailable, RecordingMailer
from service.replies.models import NotificationStatus, ReferralNotification
from service.replies.notifications import deliver_reminder
from service.replies.sweep import sweep_referrals
from service.settings import Settings
from tests.replies.conftest import StandInProvider, World, refer


async def overdue_reminder(
    session: AsyncSession, world: World, provider: StandInProvider
) -> ReferralNotification:
    late = await refer(session, world, provider, title="Cống tắc ngõ 12")
    late.due_at = late.warn_at = utcnow() - timedelta(minutes=1)
    session.add(late)
    await session.flush()
    await sweep_referrals(session, utcnow())
    [reminder] = (
        await session.execute(
            select(ReferralNotification).where(col(ReferralNotification.referral_id) == late.id)
        )
    ).scalars()
    return reminder


async def test_the_reminder_letter(
    session: AsyncSession, settings: Settings, world: World, provider: StandInProvider
) -> None:
    reminder = await overdue_reminder(session, world, provider)
    assert reminder.id is not None
    mailer = RecordingMailer()
    status = await deliver_reminder(session, settings, reminder.id, mailer)
    assert status == NotificationStatus.sent
    [letter] = mailer.letters
    assert letter.to == world.ward_agency.email
    assert letter.subject == "Đã quá hạn trả lời: Cống tắc ngõ 12"
    assert letter.key == f"referral-notification:{reminder.id}"
    # Delivered again (a redelivered message): nothing more is sent.
    assert await deliver_reminder(session, settings, reminder.id, mailer) == status
    assert len(mailer.letters) == 1


async def test_down_is_retried_refused_is_final(
    session: AsyncSession, settings: Settings, world: World, provider: StandInProvider
) -> None:
    reminder = await overdue_reminder(session, world, provider)
    assert reminder.id is not None
    with pytest.raises(MailUnavailable):
        await deliver_reminder(session, settings, reminder.id, RecordingMailer(unavailable=True))
    await session.refresh(reminder)
    assert reminder.status == NotificationStatus.pending
    assert world.ward_agency.email is not None
    refusing = RecordingMailer(refuse=frozenset({world.ward_agency.email}))
    status = await deliver_reminder(session, settings, reminder.id, refusing)
    assert status == NotificationStatus.failed
    await session.refresh(reminder)
    assert reminder.detail == "the mail server refused the letter: SMTPRecipientsRefused (550)"
    working = RecordingMailer()
    assert await deliver_reminder(session, settings, reminder.id, working) == status
    assert working.letters == []
