"""Sending an issued report to one recipient on its "Nơi nhận:" list, by email.

The PDF goes as an attachment when it is small enough (``report_attachment_max_bytes``),
otherwise as a download link valid for ``report_link_ttl_seconds``. Without an SMTP server
(``GIAMSAT_SMTP_HOST`` unset) the delivery is recorded as skipped, with the reason.

The stored file is hashed before it is sent, attached or linked: when it no longer matches the
SHA-256 the report was issued with (and which the email quotes), nothing is sent and the
delivery fails at once (a retry would send the same altered file).

The email goes through ``service.mail`` (one timeout, STARTTLS, login from the settings).
Each attempt is recorded on the delivery row (attempts, last error). An attempt the mail
server could not take (unreachable, timeout, 4xx) raises `DeliveryFailed` after its record is
committed, so dramatiq retries the job with backoff; after ``report_delivery_max_attempts``
the delivery is marked failed and the job stops. A letter the server refuses for good (a 5xx
for the recipient or the content) is marked failed at once. The row is locked while the
email is sent, so a message delivered twice sends one email.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reports import repository
from reports.models import DeliveryChannel, DeliveryState, Report, ReportDelivery
from reports.service import download_name
from service.db import claim_pending, session_scope, utcnow
from service.mail import (
    NO_SMTP,
    Attachment,
    Letter,
    LetterRefused,
    Mailer,
    MailError,
    mailer_for,
)
from service.settings import Settings
from service.storage.store import ObjectStore

logger = structlog.get_logger(__name__)


ALTERED = (
    "Tệp báo cáo trong kho lưu trữ không còn khớp mã SHA-256 đã phát hành; không gửi. Đề nghị "
    "kiểm tra kho lưu trữ và lập lại báo cáo."
)


class DeliveryFailed(RuntimeError):
    """One attempt failed; the job is retried."""


class StoredReportAltered(RuntimeError):
    """The stored PDF is not the one issued: never sent, never retried."""


async def deliver(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    store: ObjectStore,
    delivery_id: uuid.UUID,
    mailer: Mailer | None = None,
) -> DeliveryState | None:
    """Send one delivery; returns its state afterwards (None if there is no such row).

    ``mailer``: how the email goes (default: the SMTP mailer of ``settings``)."""
    failure: str | None = None
    async with session_scope(sessions) as session:
        delivery, settled = await claim_pending(
            session, ReportDelivery, delivery_id, DeliveryState.pending
        )
        if delivery is None:
            return settled
        report = await repository.get_report(session, delivery.report_id)
        assert report is not None
        delivery.updated_at = utcnow()
        mailer = mailer or mailer_for(settings)
        if mailer is None or not delivery.email:
            delivery.state = DeliveryState.skipped
            delivery.last_error = NO_SMTP if mailer is None else "no email address"
            return DeliveryState.skipped
        delivery.attempts += 1
        try:
            await mailer.send(await build_letter(settings, store, report, delivery))
        except StoredReportAltered:
            delivery.state = DeliveryState.failed
            delivery.last_error = ALTERED
            logger.error("report_stored_file_altered", report_id=str(report.id))
            return DeliveryState.failed
        except LetterRefused as exc:
            delivery.state = DeliveryState.failed
            delivery.last_error = exc.detail
            logger.warning("report_delivery_refused", delivery_id=str(delivery_id))
            return DeliveryState.failed
        except Exception as exc:  # every other failure is recorded and retried, up to the limit
            # The type and SMTP code only: a server's text may echo the address.
            failure = exc.detail if isinstance(exc, MailError) else type(exc).__name__
            delivery.last_error = failure
            if delivery.attempts >= settings.report_delivery_max_attempts:
                delivery.state = DeliveryState.failed
                logger.warning("report_delivery_failed", delivery_id=str(delivery_id))
                return DeliveryState.failed
        else:
            delivery.state = DeliveryState.sent
            delivery.sent_at = utcnow()
            delivery.last_error = None
            return DeliveryState.sent
    raise DeliveryFailed(f"delivery {delivery_id}: {failure}; will retry")


async def build_letter(
    settings: Settings, store: ObjectStore, report: Report, delivery: ReportDelivery
) -> Letter:
    assert report.object_key is not None
    assert delivery.email
    tz = ZoneInfo(settings.timezone)
    subject = f"Báo cáo số {report.number_symbol}: {report.summary}"
    verify_url = (
        settings.public_base_url.rstrip("/") + f"/api/v1/reports/verify/{report.verification_code}"
    )
    issuer = " ".join(
        part.replace("\\n", " ").replace("\n", " ")
        for part in (report.issuing_body, report.parent_body or "")
        if part
    )
    lines = [
        f"Kính gửi: {delivery.recipient_name},",
        "",
        f"{issuer} gửi báo cáo số {report.number_symbol} ngày "
        f"{report.issue_date.strftime('%d/%m/%Y')}: {report.summary}.",
        "",
    ]
    attach = delivery.channel == DeliveryChannel.email_attachment
    if attach:
        lines.append(f"Báo cáo được gửi kèm theo thư này (tệp PDF, {report.page_count} trang).")
    else:
        url = await store.presigned_get(
            report.object_key,
            filename=download_name(report),
            content_type="application/pdf",
            ttl=settings.report_link_ttl_seconds,
        )
        until = (utcnow() + timedelta(seconds=settings.report_link_ttl_seconds)).astimezone(tz)
        lines += [
            f"Tải báo cáo (liên kết có hiệu lực đến {until.strftime('%H:%M ngày %d/%m/%Y')}):",
            url,
        ]
    lines += [
        "",
        f"Mã xác thực: {report.verification_code}",
        f"SHA-256 của tệp: {report.sha256}",
        f"Kiểm tra bản in: {verify_url}",
    ]
    data = bytearray()
    digest = hashlib.sha256()
    async for chunk in await store.open(report.object_key):
        digest.update(chunk)
        if attach:
            data += chunk
            if len(data) > settings.report_attachment_max_bytes * 2:
                raise StoredReportAltered("the stored report is larger than its record says")
    if digest.hexdigest() != report.sha256:
        raise StoredReportAltered(f"report {report.id}: the stored file's SHA-256 differs")
    attachments = (
        (Attachment(download_name(report), bytes(data), "application", "pdf"),) if attach else ()
    )
    return Letter(
        to=delivery.email,
        subject=subject if len(subject) <= 200 else subject[:199] + "…",
        text="\n".join(lines) + "\n",
        key=f"report-delivery:{delivery.id}",
        attachments=attachments,
    )
