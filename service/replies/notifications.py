"""Delivering reminders to agencies (run by the ``replies.notify_agency`` job).

A reminder row is written by the sweep in the same transaction that flags the referral;
this sends it by email when SMTP is configured and the agency has an address, and records
it as skipped otherwise. Delivering the same row twice is a no-op (the job may run twice).
"""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.directory.models import Agency
from service.replies.models import NotificationStatus, Referral, ReferralNotification
from service.settings import Settings

SUBJECTS = {
    "due_soon": "Sắp đến hạn trả lời: {title}",
    "overdue": "Đã quá hạn trả lời: {title}",
}
STEP_LABELS = {"acceptance": "thụ lý", "answer": "trả lời", "routing": "chuyển đơn"}


def compose(referral: Referral, agency: Agency, kind: str, settings: Settings) -> EmailMessage:
    due = referral.due_at.astimezone(ZoneInfo(settings.timezone)) if referral.due_at else None
    step = STEP_LABELS.get(str(referral.deadline_step), str(referral.deadline_step))
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = agency.email or ""
    message["Subject"] = SUBJECTS.get(kind, "Nhắc việc: {title}").format(title=referral.title[:150])
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
    message.set_content("\n".join(lines))
    return message


def _send(settings: Settings, message: EmailMessage) -> None:
    assert settings.smtp_host is not None
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        smtp.send_message(message)


async def deliver_reminder(
    session: AsyncSession, settings: Settings, notification_id: int
) -> NotificationStatus | None:
    """Send one reminder; returns its final status (None if the row does not exist).
    An SMTP error propagates so that the job is retried with backoff."""
    notification = await session.get(ReferralNotification, notification_id, with_for_update=True)
    if notification is None:
        return None
    if notification.status != NotificationStatus.pending:
        return NotificationStatus(notification.status)
    referral = await session.get(Referral, notification.referral_id)
    agency = await session.get(Agency, referral.agency_id) if referral else None
    if referral is None or agency is None:
        notification.status = NotificationStatus.failed
        notification.detail = "the referral or its agency no longer exists"
    elif not settings.smtp_host:
        notification.status = NotificationStatus.skipped
        notification.detail = "SMTP is not configured"
    elif not agency.email:
        notification.status = NotificationStatus.skipped
        notification.detail = "the agency has no email address"
    else:
        message = compose(referral, agency, notification.kind, settings)
        await asyncio.to_thread(_send, settings, message)
        notification.status = NotificationStatus.sent
        notification.recipient = agency.email
        notification.sent_at = utcnow()
    session.add(notification)
    await session.flush()
    return NotificationStatus(notification.status)
