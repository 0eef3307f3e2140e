"""Delivering reminders to agencies (run by the ``replies.notify_agency`` job).

A reminder row is written by the sweep in the same transaction that flags the referral;
this sends it by email (``service.mail``) when SMTP is configured and the agency has an
address, and records it as skipped otherwise. Delivering the same row twice is a no-op (the
job may run twice). A server that is unavailable leaves the row pending and the job is
retried; a letter the server refuses for good (5xx) is recorded as failed.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from service.db import claim_pending, utcnow
from service.directory.models import Agency
from service.mail import Letter, LetterRefused, Mailer, mailer_for
from service.replies.models import NotificationStatus, Referral, ReferralNotification
from service.settings import Settings

SUBJECTS = {
    "due_soon": "Sắp đến hạn trả lời: {title}",
    "overdue": "Đã quá hạn trả lời: {title}",
}
STEP_LABELS = {"acceptance": "thụ lý", "answer": "trả lời", "routing": "chuyển đơn"}


def compose(
    referral: Referral, agency: Agency, notification: ReferralNotification, settings: Settings
) -> Letter:
    due = referral.due_at.astimezone(ZoneInfo(settings.timezone)) if referral.due_at else None
    step = STEP_LABELS.get(str(referral.deadline_step), str(referral.deadline_step))
    subject = SUBJECTS.get(notification.kind, "Nhắc việc: {title}")
    lines = [
        f"Kính gửi {agency.name},",
        "",
        f"Vụ việc: {referral.title}",
        f"Hạn {step}: {due.strftime('%H:%M ngày %d/%m/%Y') if due else 'không rõ'}",
    ]
    if referral.agency_reference:
        lines.append(f"Số thụ lý của cơ quan: {referral.agency_reference}")
    lines += [
        "",
        f"Xem và xử lý tại: {settings.public_base_url}/api/v1/agency/referrals/{referral.id}",
    ]
    return Letter(
        to=agency.email or "",
        subject=subject.format(title=referral.title[:150]),
        text="\n".join(lines),
        key=f"referral-notification:{notification.id}",
    )


async def deliver_reminder(
    session: AsyncSession,
    settings: Settings,
    notification_id: int,
    mailer: Mailer | None = None,
) -> NotificationStatus | None:
    """Send one reminder; returns its final status (None if the row does not exist).
    ``MailUnavailable`` propagates (nothing is recorded) so that the job is retried with
    backoff."""
    notification, settled = await claim_pending(
        session, ReferralNotification, notification_id, NotificationStatus.pending, column="status"
    )
    if notification is None:
        return settled
    referral = await session.get(Referral, notification.referral_id)
    agency = await session.get(Agency, referral.agency_id) if referral else None
    if referral is None or agency is None:
        notification.status = NotificationStatus.failed
        notification.detail = "the referral or its agency no longer exists"
    elif (mailer := mailer or mailer_for(settings)) is None:
        notification.status = NotificationStatus.skipped
        notification.detail = "SMTP is not configured"
    elif not agency.email:
        notification.status = NotificationStatus.skipped
        notification.detail = "the agency has no email address"
    else:
        notification.recipient = agency.email
        try:
            await mailer.send(compose(referral, agency, notification, settings))
        except LetterRefused as exc:
            notification.status = NotificationStatus.failed
            notification.detail = f"the mail server refused the letter: {exc.detail}"
        else:
            notification.status = NotificationStatus.sent
            notification.sent_at = utcnow()
    session.add(notification)
    await session.flush()
    return NotificationStatus(notification.status)
