"""Telling citizens about changes: a signed webhook to the API client that filed the
petition, or an email over SMTP. Runs in the ``petitions.notify`` job (outbox → dramatiq).

Webhook: ``POST <ApiClient.webhook_url>`` with a JSON body (no personal data: the tracking
code, the new status and the message), ``X-Giamsat-Signature: sha256=<hex HMAC-SHA256 of the
raw body with the client's webhook_secret>``, ``X-Giamsat-Timestamp`` (Unix seconds, also in
the body, so a receiver can refuse replays) and ``X-Giamsat-Delivery`` (stable per
notification: a receiver can drop repeats). A non-2xx answer or a network error is a failed
attempt: it is logged in ``notification_delivery`` and the job raises, so dramatiq retries
with exponential backoff; after the last retry the job lands in ``job_failure`` for an
administrator to re-run. Nothing is lost while a channel is down.

The receipt of a petition is announced too (``petition.received``), then every change a
citizen is told about (``petition.updated``). All of this is published in the OpenAPI
document's ``webhooks`` section (``webhook_documentation`` below), from the same model and
constants the sender uses.

Email goes through ``service.mail`` (one timeout, STARTTLS, login from the settings). A mail
server that is unavailable is a failed attempt like a webhook's (logged, retried); one that
refuses the letter for good (a 5xx) is logged as failed with that reply code in
``response_status`` and is not retried.

SMS and Zalo (``sms``, ``zalo``) go to the petitioner's mobile number through the adapters of
``service.notices`` (a generic HTTP SMS gateway; Zalo ZNS): the same events, the same job,
log and retries. A service that is down, times out, rate-limits or wants a new token is a
failed attempt (retried); one that refuses the notice for good (a number not on Zalo, a
gateway's 4xx) is logged as ``refused`` and not retried. The delivery log and every log line
keep a masked number (``8491****678``). A citizen who opted out
(``petition.notify_opted_out_at``, a tracking action) gets no email, SMS or Zalo notice:
those are recorded as skipped. (The webhook goes to the API client's app, which shows the
petition's state; it is not a message to the citizen and is not stopped.)

Every attempt is a ``notification_delivery`` row. A notification already delivered (or
skipped: no channel, no webhook URL, no SMTP host configured; or refused by the mail server)
is not sent again, so a message that arrives twice does nothing the second time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import structlog
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.auth.models import ApiClient
from service.db import session_scope, utcnow
from service.mail import Letter, LetterRefused, Mailer, MailUnavailable, mailer_for
from service.mail.queue import enqueue_letter
from service.notices import config as phone_channels
from service.notices.base import NoticeRefused, NoticeUnavailable, PhoneChannel
from service.notices.phones import mask as mask_phone
from service.notices.phones import normalise_mobile
from service.petitions import messages
from service.petitions.confidential import Identity, decrypt_identity
from service.petitions.messages import STATUS_LABELS
from service.petitions.models import DeliveryStatus, NotifyChannel, PetitionStatus
from service.petitions.phone_notices import phone_channel_for, send_to_phone
from service.petitions.repository import deliveries, notices
from service.petitions.repository import petitions as petition_rows
from service.settings import Settings

logger = structlog.get_logger(__name__)

SIGNATURE_HEADER = "X-Giamsat-Signature"
TIMESTAMP_HEADER = "X-Giamsat-Timestamp"
DELIVERY_HEADER = "X-Giamsat-Delivery"
WEBHOOK_TIMEOUT_SECONDS = 10.0
EVENT_NAME = "petition.updated"
RECEIVED_EVENT_NAME = "petition.received"
RECEIVE_ACTION = "receive"


class DeliveryFailed(RuntimeError):
    """The channel did not take the notification; the job is retried."""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """What a receiver does: recompute and compare in constant time."""
    return header is not None and hmac.compare_digest(sign(secret, body), header)


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


class PetitionWebhook(BaseModel):
    """The JSON body of every webhook. No personal data: a receiver that needs more follows
    ``track_url`` with the tracking secret."""

    model_config = ConfigDict(frozen=True)

    event: Literal["petition.received", "petition.updated"] = Field(
        description="`petition.received` once, when the petition is filed; "
        "`petition.updated` for each later change the citizen is told about."
    )
    delivery_id: str = Field(
        description="Stable per notification (also the `X-Giamsat-Delivery` header): the "
        "same id arriving again is a retry of a delivery already received; drop it."
    )
    tracking_code: str = Field(description="The petition's tracking code.")
    status: PetitionStatus = Field(description="The petition's status after the change.")
    status_label: str = Field(description="The status in Vietnamese, for display.")
    action: str = Field(description="What happened (`receive`, `accept`, `refer`, ...).")
    message: str = Field(description="The message for the citizen, in Vietnamese.")
    occurred_at: str = Field(description="When it happened (ISO 8601, with offset).")
    track_url: str = Field(description="The citizen's tracking view of the petition.")
    timestamp: int = Field(
        description="When this attempt was signed (Unix seconds; the `X-Giamsat-Timestamp` "
        "header too). Refuse a delivery whose timestamp is far from your clock (replay)."
    )


@dataclass(frozen=True)
class Notice:
    petition_id: uuid.UUID
    event_id: int
    channel: NotifyChannel
    tracking_code: str
    status: str
    action: str
    message: str
    occurred_at: str
    webhook_url: str | None = None
    webhook_secret: str | None = None
    email: str | None = None
    phone: str | None = None  # normalised (84xxxxxxxxx), for sms and zalo
    opted_out: bool = False

    @property
    def delivery_id(self) -> str:
        return f"{self.petition_id}:{self.event_id}"

    @property
    def kind(self) -> str:
        """Which ZNS template: the receipt, or any later change."""
        return phone_channels.RECEIVED if self.action == RECEIVE_ACTION else phone_channels.UPDATED

    def payload(self, timestamp: int, track_url: str) -> dict[str, object]:
        return PetitionWebhook(
            event=RECEIVED_EVENT_NAME if self.action == RECEIVE_ACTION else EVENT_NAME,
            delivery_id=self.delivery_id,
            tracking_code=self.tracking_code,
            status=PetitionStatus(self.status),
            status_label=STATUS_LABELS.get(PetitionStatus(self.status), self.status),
            action=self.action,
            message=self.message,
            occurred_at=self.occurred_at,
            track_url=track_url,
            timestamp=timestamp,
        ).model_dump(mode="json")


async def prepare(
    session: AsyncSession, settings: Settings, petition_id: uuid.UUID, event_id: int
) -> Notice | None:
    """What to send, or None when there is nothing (left) to do."""
    petition = await petition_rows.get(session, petition_id)
    event = await petition_rows.event(session, event_id)
    if petition is None or event is None or event.petition_id != petition.id:
        return None
    channel = NotifyChannel(petition.notify_channel)
    if event.citizen_message is None or await deliveries.done_already(
        session, petition_id, event_id, channel
    ):
        return None
    notice = Notice(
        petition_id=petition.id,
        event_id=event_id,
        channel=channel,
        tracking_code=petition.tracking_code,
        status=str(event.to_status or petition.status),
        action=event.action,
        message=event.citizen_message,
        occurred_at=event.at.isoformat(),
        opted_out=petition.notify_opted_out_at is not None,
    )
    if channel == NotifyChannel.webhook:
        client = await session.get(ApiClient, petition.client_id)
        if client is not None and client.active and client.webhook_url and client.webhook_secret:
            return replace(
                notice, webhook_url=client.webhook_url, webhook_secret=client.webhook_secret
            )
        return notice
    # Nothing of theirs is read for a notice that will not go to them.
    if notice.opted_out or channel not in (NotifyChannel.email, *PHONE_CHANNELS):
        return notice
    contact = await _contact(session, settings, petition.id)
    if contact is None:
        return notice
    if channel == NotifyChannel.email:
        return replace(notice, email=contact.email)
    return replace(notice, phone=normalise_mobile(contact.phone))


PHONE_CHANNELS = frozenset({NotifyChannel.sms, NotifyChannel.zalo})


async def _contact(
    session: AsyncSession, settings: Settings, petition_id: uuid.UUID
) -> Identity | None:
    """The petitioner's identity (a denouncer's decrypted, for this notice only)."""
    petitioner = await petition_rows.petitioner(session, petition_id)
    if petitioner is None:
        return None
    if petitioner.identity_ciphertext is not None:
        return decrypt_identity(settings, petitioner.identity_ciphertext)
    return Identity.of(petitioner)


def _track_url(settings: Settings, code: str) -> str:
    return settings.public_base_url.rstrip("/") + "/api/v1/track/" + code


async def send_webhook(settings: Settings, notice: Notice) -> int:
    """POST the signed body; returns the HTTP status (raises DeliveryFailed for non-2xx)."""
    assert notice.webhook_url is not None
    assert notice.webhook_secret is not None
    timestamp = int(time.time())
    body = json.dumps(
        notice.payload(timestamp, _track_url(settings, notice.tracking_code)),
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "giamsat-webhook/1",
        SIGNATURE_HEADER: sign(notice.webhook_secret, body),
        TIMESTAMP_HEADER: str(timestamp),
        DELIVERY_HEADER: notice.delivery_id,
    }
    try:
        async with httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT_SECONDS) as http:
            response = await http.post(notice.webhook_url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"the webhook answered {response.status_code}")
    return response.status_code


def email_letter(settings: Settings, notice: Notice) -> Letter:
    assert notice.email is not None
    label = STATUS_LABELS.get(PetitionStatus(notice.status), notice.status)
    return Letter(
        to=notice.email,
        subject=f"Đơn {notice.tracking_code}: {label}",
        text=(
            f"{notice.message}\n\nMã đơn: {notice.tracking_code}\n"
            f"Theo dõi đơn: {_track_url(settings, notice.tracking_code)}\n"
            "(Dùng mã bí mật được cấp khi gửi đơn.)\n"
        ),
        key=f"petition-notification:{notice.delivery_id}",
    )


async def send_email(mailer: Mailer, settings: Settings, notice: Notice) -> None:
    """Send the email; raises DeliveryFailed while the server is unavailable (retried)."""
    try:
        await mailer.send(email_letter(settings, notice))
    except MailUnavailable as exc:
        raise DeliveryFailed(exc.detail) from None


def _target(notice: Notice) -> str | None:
    if notice.webhook_url:
        parts = urlsplit(notice.webhook_url)
        return f"{parts.scheme}://{parts.netloc}{parts.path}"[:300]
    if notice.email:
        return mask_email(notice.email)
    if notice.phone:
        return mask_phone(notice.phone)
    return None


async def _log(
    sessions: async_sessionmaker[AsyncSession],
    notice: Notice,
    status: DeliveryStatus,
    *,
    response_status: int | None = None,
    error: str | None = None,
) -> None:
    """Its own committed transaction: a failed attempt is recorded even as the job fails."""
    async with session_scope(sessions) as session:
        await deliveries.record_attempt(
            session,
            petition_id=notice.petition_id,
            event_id=notice.event_id,
            channel=notice.channel,
            target=_target(notice),
            status=status,
            response_status=response_status,
            error=error[:2000] if error else None,
            at=utcnow(),
        )


async def deliver(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    petition_id: uuid.UUID,
    event_id: int,
    mailer: Mailer | None = None,
) -> DeliveryStatus | None:
    """Send one notification; None when there was nothing to do (already done).

    ``mailer``: how email goes (default: the SMTP mailer of ``settings``)."""
    async with session_scope(sessions) as session:
        notice = await prepare(session, settings, petition_id, event_id)
    if notice is None:
        return None
    mailer = mailer or mailer_for(settings)
    phone_channel = (
        phone_channel_for(settings, notice) if notice.channel in PHONE_CHANNELS else None
    )
    skipped_because = _skip_reason(mailer, phone_channel, notice)
    if skipped_because is not None:
        await _log(sessions, notice, DeliveryStatus.skipped, error=skipped_because)
        return DeliveryStatus.skipped
    response_status: int | None = None
    try:
        if notice.channel == NotifyChannel.webhook:
            response_status = await send_webhook(settings, notice)
        elif phone_channel is not None:
            try:
                response_status = await send_to_phone(phone_channel, settings, notice)
            except NoticeUnavailable as exc:
                raise DeliveryFailed(exc.detail) from None  # handled below, as a webhook's
        else:
            assert mailer is not None
            await send_email(mailer, settings, notice)
    except LetterRefused as exc:
        await _log(
            sessions, notice, DeliveryStatus.failed, response_status=exc.smtp_code, error=exc.detail
        )
        logger.warning(
            "petition_email_refused", petition_id=str(notice.petition_id), error=exc.detail
        )
        return DeliveryStatus.failed
    except NoticeRefused as exc:
        await _log(
            sessions, notice, DeliveryStatus.refused, response_status=exc.code, error=exc.detail
        )
        logger.warning(
            "petition_notice_refused",
            petition_id=str(notice.petition_id),
            event_id=notice.event_id,
            channel=notice.channel.value,
            error=exc.detail,
        )
        return DeliveryStatus.refused
    except DeliveryFailed as exc:
        await _log(sessions, notice, DeliveryStatus.failed, error=str(exc))
        logger.warning(
            "petition_notification_failed",
            petition_id=str(notice.petition_id),
            event_id=notice.event_id,
            channel=notice.channel.value,
            error=str(exc),
        )
        raise
    await _log(sessions, notice, DeliveryStatus.delivered, response_status=response_status)
    return DeliveryStatus.delivered


def _skip_reason(
    mailer: Mailer | None, phone_channel: PhoneChannel | None, notice: Notice
) -> str | None:
    if notice.channel == NotifyChannel.none:
        return "the citizen asked for no notifications"
    if notice.channel == NotifyChannel.webhook and not notice.webhook_url:
        return "the API client has no webhook URL"
    if notice.channel == NotifyChannel.webhook:
        return None
    if notice.opted_out:
        return "the citizen opted out of notifications"
    if notice.channel == NotifyChannel.email:
        if not notice.email:
            return "no email address"
        if mailer is None:
            return "no SMTP host configured"
    if notice.channel in PHONE_CHANNELS:
        if not notice.phone:
            return "no Vietnamese mobile number"
        if phone_channel is None:
            return (
                "no SMS gateway configured"
                if notice.channel == NotifyChannel.sms
                else f"no Zalo ZNS access token or {notice.kind} template configured"
            )
    return None


# -- staff notices (``petitions.notify_staff``) ---------------------------------------------

STAFF_SUBJECTS = {
    "overdue": "Đơn quá hạn chuyển xử lý (chuyển MTTQ thành phố)",
    "due_soon": "Đơn sắp đến hạn chuyển xử lý",
}


async def staff_letters(
    session: AsyncSession, reason: str, petition_ids: list[uuid.UUID]
) -> list[Letter]:
    """One letter per Front officer concerned: due soon, the officers of each petition's
    ward; overdue, the city Front. Each lists its petitions, one line each.

    A letter's key depends only on the notice (reason, petitions) and the address, so the
    same notice run twice queues the same letters, once."""
    petitions = await notices.staff_notice_petitions(session, petition_ids)
    officers = await notices.front_officer_addresses(session)
    lines_for: dict[str, list[str]] = {}
    for code, title, unit_code, due_at in petitions:
        due = f"{due_at:%d/%m/%Y %H:%M} UTC" if due_at else "không rõ"
        line = f"{code} ({unit_code}) hạn {due}: {title}"
        for address, officer_unit in officers:
            concerned = officer_unit is None if reason == "overdue" else officer_unit == unit_code
            if concerned:
                lines_for.setdefault(address, []).append(line)
    notice = "|".join([reason, *sorted(str(i) for i in petition_ids)])
    return [
        Letter(
            to=address,
            subject=STAFF_SUBJECTS.get(reason, STAFF_SUBJECTS["due_soon"]),
            text="\n".join(lines),
            key="petition-staff:" + hashlib.sha256(f"{notice}|{address}".encode()).hexdigest(),
        )
        for address, lines in lines_for.items()
    ]


async def queue_staff_letters(
    session: AsyncSession, reason: str, petition_ids: list[uuid.UUID]
) -> int:
    """Queue the notice's letters, one ``mail.send_letter`` job each (in the caller's
    transaction); returns how many were new."""
    letters = await staff_letters(session, reason, petition_ids)
    return sum([await enqueue_letter(session, letter) for letter in letters])


# -- the OpenAPI document's ``webhooks`` -----------------------------------------------------

WEBHOOK_SCHEMA = "PetitionWebhook"


def _webhook_operation(event: str, summary: str, example: dict[str, Any]) -> dict[str, Any]:
    header = {"in": "header", "required": True}
    return {
        "post": {
            "operationId": event.replace(".", "_"),
            "tags": ["webhooks"],
            "summary": summary,
            "description": (
                f"`POST` to the API client's `webhook_url` (set with `giamsat create-api-client "
                f"--webhook-url`; the `webhook_secret` is shown once, when the client is "
                f"created), for petitions the client filed with `notify_channel: webhook`.\n\n"
                f"**Verify before trusting it**: compute HMAC-SHA256 of the raw body (the exact "
                f"bytes received, before any JSON parsing) with the `webhook_secret` as the key, "
                f"hex-encode it, and compare `sha256=<hex>` with `{SIGNATURE_HEADER}` in constant "
                f"time (e.g. Python `hmac.compare_digest`). Refuse a `{TIMESTAMP_HEADER}` more "
                f"than a few minutes from your clock.\n\n"
                f"**Answer 2xx quickly** (within {WEBHOOK_TIMEOUT_SECONDS:.0f} s). Any other "
                f"answer, a timeout or a network error is a failed attempt: it is retried with "
                f"exponential backoff, and after the last retry an administrator can re-send it "
                f"(`giamsat jobs retry`). Deliveries may therefore arrive more than once and out "
                f"of order: drop a `{DELIVERY_HEADER}` you have already processed, and order by "
                f"`occurred_at`."
            ),
            "parameters": [
                {
                    **header,
                    "name": SIGNATURE_HEADER,
                    "description": "`sha256=` and the hex HMAC-SHA256 of the raw body, keyed "
                    "with the client's webhook_secret.",
                    "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"},
                },
                {
                    **header,
                    "name": TIMESTAMP_HEADER,
                    "description": "Unix seconds when this attempt was signed (= `timestamp`).",
                    "schema": {"type": "string", "pattern": "^[0-9]+$"},
                },
                {
                    **header,
                    "name": DELIVERY_HEADER,
                    "description": "Stable per notification (= `delivery_id`): the same on "
                    "every retry.",
                    "schema": {"type": "string"},
                },
                {
                    **header,
                    "name": "User-Agent",
                    "schema": {"type": "string", "examples": ["giamsat-webhook/1"]},
                },
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{WEBHOOK_SCHEMA}"},
                        "examples": {event: {"value": example}},
                    }
                },
            },
            "responses": {
                "2XX": {"description": "Received; not sent again."},
                "default": {"description": "A failed attempt: retried with backoff."},
            },
        }
    }


def webhook_documentation() -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``webhooks`` entries and the component schemas they use, for service/openapi.py."""
    schema = PetitionWebhook.model_json_schema(ref_template="#/components/schemas/{model}")
    components: dict[str, Any] = schema.pop("$defs", {})
    components[WEBHOOK_SCHEMA] = schema
    common = {
        "tracking_code": "HN-2026-000001",
        "occurred_at": "2026-11-30T02:15:04.123456+00:00",
        "track_url": "https://giamsat.example.vn/api/v1/track/HN-2026-000001",
        "timestamp": 1795999000,
    }
    received = {
        **common,
        "event": RECEIVED_EVENT_NAME,
        "delivery_id": "0b7f3c1e-5d2a-4e7b-9a51-3c2d9e8f7a61:1",
        "status": "received",
        "status_label": STATUS_LABELS[PetitionStatus.received],
        "action": RECEIVE_ACTION,
        "message": messages.RECEIVED.format(code="HN-2026-000001"),
    }
    updated = {
        **common,
        "event": EVENT_NAME,
        "delivery_id": "0b7f3c1e-5d2a-4e7b-9a51-3c2d9e8f7a61:2",
        "status": "accepted",
        "status_label": STATUS_LABELS[PetitionStatus.accepted],
        "action": "accept",
        "message": messages.ACCEPT,
    }
    webhooks = {
        RECEIVED_EVENT_NAME: _webhook_operation(
            RECEIVED_EVENT_NAME, "A petition the client filed was received", received
        ),
        EVENT_NAME: _webhook_operation(
            EVENT_NAME, "A petition the client filed changed (status, answer...)", updated
        ),
    }
    return webhooks, components
