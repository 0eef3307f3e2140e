"""Every query of the channels domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.channels.models import (
    Announcement,
    ChannelAccount,
    ChannelKind,
    ItemType,
    Publication,
    PublicationStatus,
)
from service.db import narrowed
from service.directory.models import AdminUnit
from service.http import cursor as cursors
from service.oversight.models import PlanState, SupervisionPlan
from service.storage.models import Evidence

T = TypeVar("T")

ANNOUNCEMENTS = "announcements:newest"
PUBLICATIONS = "publications:newest"


# -- accounts --------------------------------------------------------------------------------


async def account(
    session: AsyncSession, unit_code: str, channel: ChannelKind, *, lock: bool = False
) -> ChannelAccount | None:
    statement = select(ChannelAccount).where(
        col(ChannelAccount.unit_code) == unit_code, col(ChannelAccount.channel) == channel
    )
    if lock:
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def accounts(session: AsyncSession, unit_code: str | None) -> Sequence[ChannelAccount]:
    statement = select(ChannelAccount).order_by(
        col(ChannelAccount.unit_code), col(ChannelAccount.channel)
    )
    if unit_code is not None:
        statement = statement.where(col(ChannelAccount.unit_code) == unit_code)
    return (await session.execute(statement)).scalars().all()


async def mark_needs_token(session: AsyncSession, account_id: uuid.UUID) -> None:
    await session.execute(
        sa.update(ChannelAccount)
        .where(col(ChannelAccount.id) == account_id)
        .values(needs_token=True, version=ChannelAccount.version + 1)  # type: ignore[operator]
    )


# -- reference checks -------------------------------------------------------------------------


async def unknown_units(session: AsyncSession, codes: Sequence[str]) -> list[str]:
    if not codes:
        return []
    found = set(
        (
            await session.execute(
                select(AdminUnit.code).where(col(AdminUnit.code).in_(list(codes)))
            )
        ).scalars()
    )
    return [code for code in codes if code not in found]


async def evidence(session: AsyncSession, evidence_id: uuid.UUID) -> Evidence | None:
    return await session.get(Evidence, evidence_id)


async def concluded_plan(session: AsyncSession, plan_id: uuid.UUID) -> SupervisionPlan | None:
    """A supervision plan whose conclusion is final (concluded, or archived after it) and
    made public by the oversight ``publish`` action (its approver's decision, once every
    closed session is sealed): no channel may carry a conclusion before that."""
    plan = await session.get(SupervisionPlan, plan_id)
    if plan is None or plan.conclusion is None or plan.concluded_at is None:
        return None
    if plan.conclusion_published_at is None:
        return None
    return plan if plan.state in {PlanState.concluded, PlanState.archived} else None


# -- announcements -----------------------------------------------------------------------------


async def announcement(session: AsyncSession, announcement_id: uuid.UUID) -> Announcement | None:
    return await session.get(Announcement, announcement_id)


async def announcement_page(
    session: AsyncSession, unit_code: str | None, cursor: str | None, limit: int
) -> tuple[list[Announcement], str | None]:
    statement = select(Announcement)
    if unit_code is not None:
        statement = statement.where(col(Announcement.unit_code) == unit_code)
    return await _newest_first(session, statement, Announcement, ANNOUNCEMENTS, cursor, limit)


async def _newest_first(
    session: AsyncSession,
    statement: Any,
    model: type[T],
    list_name: str,
    cursor: str | None,
    limit: int,
) -> tuple[list[T], str | None]:
    """One keyset page of ``statement`` by (created_at, id), newest first."""
    created_at, row_id = col(model.created_at), col(model.id)  # type: ignore[attr-defined]
    if cursor:
        at, last_id = cursors.decode(list_name, cursor, (datetime, uuid.UUID))
        statement = statement.where(sa.tuple_(created_at, row_id) < sa.tuple_(at, last_id))
    statement = statement.order_by(created_at.desc(), row_id.desc()).limit(limit + 1)
    rows = list((await session.execute(statement)).scalars())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, cursors.encode(list_name, last.created_at, last.id)  # type: ignore[attr-defined]


def _on_portal(now: datetime) -> sa.ColumnElement[bool]:
    """Announcements whose portal publication went out and whose time has come."""
    return sa.and_(
        sa.exists().where(
            col(Publication.item_type) == ItemType.announcement,
            col(Publication.item_id) == col(Announcement.id),
            col(Publication.channel) == ChannelKind.portal,
            col(Publication.status) == PublicationStatus.sent,
        ),
        sa.or_(col(Announcement.scheduled_at).is_(None), col(Announcement.scheduled_at) <= now),
    )


async def portal_announcements(
    session: AsyncSession, now: datetime, limit: int
) -> Sequence[Announcement]:
    statement = (
        select(Announcement)
        .where(_on_portal(now))
        .order_by(
            sa.func.coalesce(col(Announcement.scheduled_at), col(Announcement.created_at)).desc(),
            col(Announcement.id).desc(),
        )
        .limit(limit)
    )
    return (await session.execute(statement)).scalars().all()


async def portal_announcement(
    session: AsyncSession, announcement_id: uuid.UUID, now: datetime
) -> Announcement | None:
    statement = select(Announcement).where(col(Announcement.id) == announcement_id, _on_portal(now))
    return (await session.execute(statement)).scalar_one_or_none()


# -- publications ------------------------------------------------------------------------------


async def add_publications(session: AsyncSession, rows: list[dict[str, object]]) -> list[uuid.UUID]:
    """Insert the rows, skipping (item, channel, unit) already published; the new ids."""
    if not rows:
        return []
    table = Publication.__table__  # type: ignore[attr-defined]
    statement = (
        pg_insert(table)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["item_type", "item_id", "channel", "unit_code"])
        .returning(table.c.id)
    )
    return list((await session.execute(statement)).scalars())


async def publications_of(
    session: AsyncSession, item_type: ItemType, item_id: uuid.UUID, unit_code: str
) -> Sequence[Publication]:
    statement = (
        select(Publication)
        .where(
            col(Publication.item_type) == item_type,
            col(Publication.item_id) == item_id,
            col(Publication.unit_code) == unit_code,
        )
        .order_by(col(Publication.channel))
    )
    return (await session.execute(statement)).scalars().all()


async def publication(
    session: AsyncSession, publication_id: uuid.UUID, *, lock: bool = False
) -> Publication | None:
    return await session.get(
        Publication, publication_id, with_for_update=lock or None, populate_existing=lock
    )


async def claim(session: AsyncSession, publication_id: uuid.UUID) -> Publication | None:
    """The publication locked for one delivery attempt, or None when another attempt holds
    it (a duplicate message: that one sends) or it does not exist."""
    statement = (
        select(Publication)
        .where(col(Publication.id) == publication_id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def publication_page(
    session: AsyncSession,
    *,
    unit_code: str | None,
    item_type: ItemType | None,
    item_id: uuid.UUID | None,
    statuses: Sequence[PublicationStatus] | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Publication], str | None]:
    statement = narrowed(
        select(Publication),
        (col(Publication.unit_code), unit_code),
        (col(Publication.item_type), item_type),
        (col(Publication.item_id), item_id),
    )
    if statuses:
        statement = statement.where(col(Publication.status).in_(list(statuses)))
    return await _newest_first(session, statement, Publication, PUBLICATIONS, cursor, limit)
