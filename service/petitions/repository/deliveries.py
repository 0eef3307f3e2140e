"""The statements of the ``petitions.notify`` job (:mod:`service.petitions.notifications`):
whether a notification is done already, and one ``notification_delivery`` row per attempt.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.petitions.models import DeliveryStatus, NotificationDelivery, NotifyChannel


async def done_already(
    session: AsyncSession, petition_id: uuid.UUID, event_id: int, channel: NotifyChannel
) -> bool:
    """Delivered, skipped or refused for good before on this channel, or an email the mail
    server refused for good: not sent again. Per (petition, event, channel): a citizen who
    changes channel is not told twice on one, and told once on the other."""
    found = await session.execute(
        select(col(NotificationDelivery.id))
        .where(
            col(NotificationDelivery.petition_id) == petition_id,
            col(NotificationDelivery.event_id) == event_id,
            col(NotificationDelivery.channel) == channel.value,
            sa.or_(
                col(NotificationDelivery.status).in_(
                    [
                        DeliveryStatus.delivered.value,
                        DeliveryStatus.skipped.value,
                        DeliveryStatus.refused.value,
                    ]
                ),
                # An email the mail server refused for good (its 5xx reply code).
                sa.and_(
                    col(NotificationDelivery.channel) == NotifyChannel.email.value,
                    col(NotificationDelivery.status) == DeliveryStatus.failed.value,
                    col(NotificationDelivery.response_status) >= 500,
                ),
            ),
        )
        .limit(1)
    )
    return found.first() is not None


async def record_attempt(
    session: AsyncSession,
    *,
    petition_id: uuid.UUID,
    event_id: int,
    channel: NotifyChannel,
    target: str | None,
    status: DeliveryStatus,
    response_status: int | None,
    error: str | None,
    at: datetime,
) -> None:
    """One delivery row, numbered after the attempts already logged for the notification."""
    attempts = (
        await session.execute(
            sa.select(sa.func.count()).where(
                col(NotificationDelivery.petition_id) == petition_id,
                col(NotificationDelivery.event_id) == event_id,
            )
        )
    ).scalar_one()
    session.add(
        NotificationDelivery(
            petition_id=petition_id,
            event_id=event_id,
            channel=channel,
            target=target,
            attempt=attempts + 1,
            status=status,
            response_status=response_status,
            error=error,
            created_at=at,
        )
    )
