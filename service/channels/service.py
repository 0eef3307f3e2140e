"""The channels domain's operations: channel accounts (admin), announcements and
publications (Front officers: a ward officer for their ward, a city officer for any unit).

Publishing writes one ``publication`` row per (item, channel, unit) and, for a remote
channel, one ``channels.publish`` outbox row in the same transaction; the portal channel
needs no remote call and is sent at once. Tokens are encrypted before they touch a row and
never leave this module in clear except to the adapter that sends (``delivery``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit import service as audit
from service.auth.crypto import cipher
from service.auth.principals import StaffPrincipal
from service.channels import repository
from service.channels.content import PRIVATE_KINDS
from service.channels.models import (
    REMOTE_CHANNELS,
    Announcement,
    ChannelAccount,
    ChannelKind,
    ItemType,
    Publication,
    PublicationStatus,
)
from service.channels.schemas import AnnouncementCreate, ChannelAccountSet, PublishRequest
from service.db import utcnow
from service.errors import Invalid, NotFound, StateConflict
from service.i18n import msg
from service.jobs.outbox import enqueue
from service.replies import views as replies_views
from service.settings import Settings
from service.storage.models import EvidenceStatus

PUBLISH_JOB = "channels.publish"
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


def encrypt_token(settings: Settings, token: str) -> str:
    return cipher(settings).encrypt(token.encode()).decode()


def decrypt_token(settings: Settings, ciphertext: str) -> str:
    return cipher(settings).decrypt(ciphertext.encode()).decode()


def _scope_unit(actor: StaffPrincipal, unit_code: str | None) -> str:
    """The unit an officer acts for: a ward officer's own (naming another is a 404, as for
    anything outside their area), or the one a city officer names."""
    if actor.unit_code is not None:
        if unit_code is not None and unit_code != actor.unit_code:
            raise NotFound(msg("channel_unit_not_found", code=unit_code))
        return actor.unit_code
    if unit_code is None:
        raise Invalid(msg("channel_unit_required"), field="unit_code")
    return unit_code


async def audit_event(
    session: AsyncSession,
    actor: StaffPrincipal | None,
    action: str,
    entity_id: uuid.UUID,
    after: dict[str, object],
) -> None:
    """The audit event of a channels ``action``, named ``"<entity type>.<what happened>"``
    (``channel_account.set``, ``publication.retried``); ``actor`` None is the system."""
    entity_type, _, _ = action.partition(".")
    await audit.record(
        session,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        after=after,
    )


async def _check_units(session: AsyncSession, codes: Sequence[str], field: str) -> None:
    unknown = await repository.unknown_units(session, codes)
    if unknown:
        raise Invalid(msg("ward_unknown", code=unknown[0]), field=field)


# -- accounts --------------------------------------------------------------------------------


def _is_web_url(text: str) -> bool:
    """An http(s) URL with a host that parses (``http://[`` starts like one and is not)."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  # raises on a port that is not a number
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not any(char.isspace() for char in text)
    )


async def set_account(
    session: AsyncSession,
    settings: Settings,
    actor: StaffPrincipal,
    unit_code: str,
    channel: ChannelKind,
    data: ChannelAccountSet,
) -> ChannelAccount:
    if channel not in REMOTE_CHANNELS:
        raise Invalid(msg("channel_has_no_account", channel=channel), field="channel")
    await _check_units(session, [unit_code], "unit_code")
    if channel is ChannelKind.webhook and not _is_web_url(data.external_id):
        raise Invalid(msg("channel_webhook_url_invalid"), field="external_id")
    found = await repository.account(session, unit_code, channel, lock=True)
    token = data.token.get_secret_value() if data.token is not None else None
    if found is None:
        if token is None:
            raise Invalid(msg("channel_token_required"), field="token")
        found = ChannelAccount(
            unit_code=unit_code,
            channel=channel,
            external_id=data.external_id,
            token_ciphertext=encrypt_token(settings, token),
            token_last4=token[-4:],
            updated_by=actor.user_id,
        )
        session.add(found)
    else:
        found.external_id = data.external_id
        if token is not None:
            found.token_ciphertext = encrypt_token(settings, token)
            found.token_last4 = token[-4:]
            found.needs_token = False
        found.version += 1
        found.updated_by = actor.user_id
        found.updated_at = utcnow()
    await session.flush()
    # Never the token: which account, and that a token was (re)set.
    await audit_event(
        session,
        actor,
        "channel_account.set",
        found.id,
        {
            "unit_code": unit_code,
            "channel": channel.value,
            "external_id": data.external_id,
            "token_changed": token is not None,
        },
    )
    return found


async def list_accounts(session: AsyncSession, unit_code: str | None) -> Sequence[ChannelAccount]:
    return await repository.accounts(session, unit_code)


# -- announcements -----------------------------------------------------------------------------


async def create_announcement(
    session: AsyncSession, actor: StaffPrincipal, data: AnnouncementCreate
) -> Announcement:
    unit_code = _scope_unit(actor, data.unit_code)
    await _check_units(session, [unit_code], "unit_code")
    targets = list(dict.fromkeys(data.target_units))
    await _check_units(session, targets, "target_units")
    if data.image_evidence_id is not None:
        image = await repository.evidence(session, data.image_evidence_id)
        if image is None or image.uploaded_by_user_id != actor.user_id:
            raise Invalid(msg("announcement_image_not_found"), field="image_evidence_id")
        if image.status != EvidenceStatus.stored or image.withdrawn_at is not None:
            raise Invalid(msg("announcement_image_not_found"), field="image_evidence_id")
        if image.content_type not in IMAGE_TYPES:
            raise Invalid(msg("announcement_image_not_image"), field="image_evidence_id")
    announcement = Announcement(
        unit_code=unit_code,
        title=data.title,
        body=data.body,
        image_evidence_id=data.image_evidence_id,
        target_units=targets or [unit_code],
        target_groups=list(dict.fromkeys(data.target_groups)),
        scheduled_at=data.scheduled_at,
        created_by=actor.user_id,
    )
    session.add(announcement)
    await session.flush()
    await audit_event(
        session,
        actor,
        "announcement.created",
        announcement.id,
        {"unit_code": unit_code, "title": data.title, "scheduled_at": data.scheduled_at},
    )
    return announcement


async def get_announcement(
    session: AsyncSession, actor: StaffPrincipal, announcement_id: uuid.UUID
) -> Announcement:
    found = await repository.announcement(session, announcement_id)
    if found is None or not actor.sees_unit(found.unit_code):
        raise NotFound(msg("announcement_not_found"))
    return found


async def list_announcements(
    session: AsyncSession, actor: StaffPrincipal, *, cursor: str | None, limit: int
) -> tuple[list[Announcement], str | None]:
    return await repository.announcement_page(session, actor.unit_code, cursor, limit)


# -- publications ------------------------------------------------------------------------------


async def _check_item(
    session: AsyncSession, actor: StaffPrincipal, item_type: ItemType, item_id: uuid.UUID
) -> datetime | None:
    """404 unless the item is publishable and the officer's to publish; its schedule."""
    if item_type is ItemType.answer:
        try:
            answer = await replies_views.public_answer(session, item_id)
        except NotFound:
            raise NotFound(msg("publication_item_not_found")) from None
        if not actor.sees_unit(answer.unit_code) or answer.item_kind in PRIVATE_KINDS:
            raise NotFound(msg("publication_item_not_found"))
        return None
    if item_type is ItemType.conclusion:
        plan = await repository.concluded_plan(session, item_id)
        if plan is None or not actor.sees_unit(plan.unit_code):
            raise NotFound(msg("publication_item_not_found"))
        return None
    announcement = await repository.announcement(session, item_id)
    if announcement is None or not actor.sees_unit(announcement.unit_code):
        raise NotFound(msg("publication_item_not_found"))
    return announcement.scheduled_at


async def publish(
    session: AsyncSession, actor: StaffPrincipal, data: PublishRequest
) -> Sequence[Publication]:
    """The item's publications on the chosen channels of the unit (those published before
    are returned as they are: nothing is published twice)."""
    unit_code = _scope_unit(actor, data.unit_code)
    await _check_units(session, [unit_code], "unit_code")
    channels = list(dict.fromkeys(data.channels))
    if ChannelKind.portal in channels and data.item_type is not ItemType.announcement:
        # Published answers and conclusions are on the portal and its Atom feeds already.
        raise Invalid(msg("channel_portal_announcements_only"), field="channels")
    not_before = await _check_item(session, actor, data.item_type, data.item_id)
    now = utcnow()
    rows: list[dict[str, object]] = []
    for channel in channels:
        portal = channel is ChannelKind.portal
        rows.append(
            {
                "id": uuid.uuid4(),
                "item_type": data.item_type.value,
                "item_id": data.item_id,
                "unit_code": unit_code,
                "channel": channel.value,
                "status": (PublicationStatus.sent if portal else PublicationStatus.pending).value,
                "attempts": 0,
                "not_before": not_before,
                "sent_at": now if portal else None,
                "created_by": actor.user_id,
                "created_at": now,
                "updated_at": now,
            }
        )
    created = set(await repository.add_publications(session, rows))
    by_id = {row["id"]: row for row in rows}
    for publication_id in created:
        row = by_id[publication_id]
        if row["channel"] != ChannelKind.portal.value:
            delay = (not_before - now).total_seconds() if not_before and not_before > now else None
            await enqueue(
                session,
                PUBLISH_JOB,
                {"publication_id": publication_id},
                dedupe_key=f"{PUBLISH_JOB}:{publication_id}:0",
                delay=delay,
            )
        await audit_event(
            session,
            actor,
            "publication.created",
            publication_id,
            {
                "item_type": data.item_type.value,
                "item_id": data.item_id,
                "unit_code": unit_code,
                "channel": row["channel"],
            },
        )
    found = await repository.publications_of(session, data.item_type, data.item_id, unit_code)
    return [p for p in found if p.channel in channels]


async def list_publications(
    session: AsyncSession,
    actor: StaffPrincipal,
    *,
    item_type: ItemType | None,
    item_id: uuid.UUID | None,
    statuses: Sequence[PublicationStatus] | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Publication], str | None]:
    return await repository.publication_page(
        session,
        unit_code=actor.unit_code,
        item_type=item_type,
        item_id=item_id,
        statuses=statuses,
        cursor=cursor,
        limit=limit,
    )


async def get_publication(
    session: AsyncSession, actor: StaffPrincipal, publication_id: uuid.UUID, *, lock: bool = False
) -> Publication:
    found = await repository.publication(session, publication_id, lock=lock)
    if found is None or not actor.sees_unit(found.unit_code):
        raise NotFound(msg("publication_not_found"))
    return found


async def retry(
    session: AsyncSession, actor: StaffPrincipal, publication_id: uuid.UUID
) -> Publication:
    """A failed publication goes out again (a fresh budget of attempts)."""
    publication = await get_publication(session, actor, publication_id, lock=True)
    if publication.status != PublicationStatus.failed:
        raise StateConflict(
            msg("publication_not_failed", status=PublicationStatus(publication.status)),
            state=str(publication.status),
            allowed_actions=[],
        )
    account = await repository.account(session, publication.unit_code, publication.channel)
    if account is not None and account.needs_token:
        raise StateConflict(
            msg("channel_account_needs_token", channel=ChannelKind(publication.channel)),
            state=str(publication.status),
            allowed_actions=[],
        )
    publication.status = PublicationStatus.pending
    publication.attempts = 0
    publication.updated_at = utcnow()
    # A new key per retry (the id of the audit-visible round): the first round's key is taken.
    round_key = uuid.uuid4().hex[:12]
    await enqueue(
        session,
        PUBLISH_JOB,
        {"publication_id": publication.id},
        dedupe_key=f"{PUBLISH_JOB}:{publication.id}:{round_key}",
    )
    await session.flush()
    await audit_event(
        session, actor, "publication.retried", publication.id, {"status": publication.status.value}
    )
    return publication


# -- the portal --------------------------------------------------------------------------------


async def portal_announcements(session: AsyncSession, limit: int) -> Sequence[Announcement]:
    """Announcements published to the portal whose time has come, newest first."""
    return await repository.portal_announcements(session, utcnow(), limit)


async def portal_announcement(session: AsyncSession, announcement_id: uuid.UUID) -> Announcement:
    found = await repository.portal_announcement(session, announcement_id, utcnow())
    if found is None:
        raise NotFound(msg("announcement_not_found"))
    return found


async def portal_image(session: AsyncSession, announcement_id: uuid.UUID) -> tuple[str, str, int]:
    """(object key, content type, size) of a published announcement's image; the image is
    as public as the announcement (the Zalo and Facebook posts link it)."""
    found = await portal_announcement(session, announcement_id)
    image = (
        await repository.evidence(session, found.image_evidence_id)
        if found.image_evidence_id
        else None
    )
    if image is None or image.withdrawn_at is not None or image.content_type not in IMAGE_TYPES:
        raise NotFound(msg("announcement_not_found"))
    return image.object_key, image.content_type, image.size_bytes
