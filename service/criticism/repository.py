"""Every SQL statement of social criticism."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.criticism.models import (
    CriticismDraft,
    CriticismOpinion,
    CriticismPoint,
    DraftState,
    OpinionStatus,
)
from service.deadlines.models import DeadlinePolicy, DeadlineStep, ItemKind, Urgency
from service.directory.models import AdminUnit, Agency
from service.http import cursor as cursors
from service.kernel.rows import per_id

DRAFTS_LIST = "criticism_drafts:newest"


async def get_draft(
    session: AsyncSession, draft_id: uuid.UUID, *, for_update: bool = False
) -> CriticismDraft | None:
    return await session.get(CriticismDraft, draft_id, with_for_update=for_update)


async def draft_by_code(session: AsyncSession, code: str) -> CriticismDraft | None:
    result = await session.execute(select(CriticismDraft).where(col(CriticismDraft.code) == code))
    return result.scalars().first()


async def code_taken(session: AsyncSession, code: str) -> bool:
    return await draft_by_code(session, code) is not None


async def list_drafts(
    session: AsyncSession,
    *,
    unit_code: str | None,
    states: Collection[DraftState] | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[CriticismDraft], str | None]:
    """Newest received first, keyset-paged; ``unit_code`` None is every unit."""
    query = select(CriticismDraft)
    if unit_code is not None:
        query = query.where(col(CriticismDraft.unit_code) == unit_code)
    if states:
        query = query.where(col(CriticismDraft.state).in_([str(s) for s in states]))
    if cursor:
        received_at, draft_id = cursors.decode(DRAFTS_LIST, cursor, (datetime, uuid.UUID))
        query = query.where(
            tuple_(col(CriticismDraft.received_at), col(CriticismDraft.id))
            < tuple_(received_at, draft_id)
        )
    query = query.order_by(
        col(CriticismDraft.received_at).desc(), col(CriticismDraft.id).desc()
    ).limit(limit + 1)
    rows = list((await session.execute(query)).scalars())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = cursors.encode(DRAFTS_LIST, last.received_at, last.id)
    return rows, next_cursor


async def consulting_drafts(session: AsyncSession, limit: int = 100) -> list[CriticismDraft]:
    """The drafts whose consultation is open or whose outcome is public, for the portal."""
    query = (
        select(CriticismDraft)
        .where(col(CriticismDraft.state).in_([DraftState.consulting, DraftState.published]))
        .order_by(col(CriticismDraft.opinion_due_at).desc(), col(CriticismDraft.id))
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def next_criticism_number(session: AsyncSession, unit_code: str, year: int) -> int:
    """The next number of the unit's criticism documents in ``year``. Two issues of one unit
    at once take their numbers one after the other (a transaction-scoped advisory lock per
    unit and year), so the unique constraint never has to refuse one."""
    await session.execute(
        select(
            func.pg_advisory_xact_lock(func.hashtextextended(f"criticism:{unit_code}:{year}", 0))
        )
    )
    result = await session.execute(
        select(func.coalesce(func.max(col(CriticismDraft.criticism_number)), 0)).where(
            col(CriticismDraft.unit_code) == unit_code,
            col(CriticismDraft.criticism_year) == year,
        )
    )
    return int(result.scalar_one() or 0) + 1


async def agency(session: AsyncSession, agency_id: uuid.UUID) -> Agency | None:
    return await session.get(Agency, agency_id)


async def opinions_for_draft(
    session: AsyncSession,
    draft_id: uuid.UUID,
    *,
    statuses: Collection[OpinionStatus] | None = None,
    limit: int = 500,
) -> list[CriticismOpinion]:
    query = select(CriticismOpinion).where(col(CriticismOpinion.draft_id) == draft_id)
    if statuses:
        query = query.where(col(CriticismOpinion.status).in_([str(s) for s in statuses]))
    query = query.order_by(col(CriticismOpinion.created_at), col(CriticismOpinion.id)).limit(limit)
    return list((await session.execute(query)).scalars())


async def get_opinion(
    session: AsyncSession, opinion_id: uuid.UUID, *, for_update: bool = False
) -> CriticismOpinion | None:
    return await session.get(CriticismOpinion, opinion_id, with_for_update=for_update)


async def points_for_draft(session: AsyncSession, draft_id: uuid.UUID) -> list[CriticismPoint]:
    query = (
        select(CriticismPoint)
        .where(col(CriticismPoint.draft_id) == draft_id)
        .order_by(col(CriticismPoint.number))
    )
    return list((await session.execute(query)).scalars())


async def get_point(
    session: AsyncSession, point_id: uuid.UUID, *, for_update: bool = False
) -> CriticismPoint | None:
    return await session.get(CriticismPoint, point_id, with_for_update=for_update)


async def next_point_number(session: AsyncSession, draft_id: uuid.UUID) -> int:
    result = await session.execute(
        select(func.coalesce(func.max(CriticismPoint.number), 0)).where(
            col(CriticismPoint.draft_id) == draft_id
        )
    )
    return int(result.scalar_one() or 0) + 1


async def pending_counts(
    session: AsyncSession, draft_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Public comments waiting for moderation, per draft."""
    return await per_id(
        session,
        col(CriticismOpinion.draft_id),
        func.count(),
        draft_ids,
        col(CriticismOpinion.status) == OpinionStatus.pending,
    )


async def unit_exists(session: AsyncSession, unit_code: str) -> bool:
    return await session.get(AdminUnit, unit_code) is not None


async def lead_legal_basis(session: AsyncSession) -> str | None:
    """The legal basis of the policy's lead time for social criticism."""
    result = await session.execute(
        select(col(DeadlinePolicy.legal_basis)).where(
            col(DeadlinePolicy.item_kind) == ItemKind.social_criticism,
            col(DeadlinePolicy.step) == DeadlineStep.criticism_lead,
            col(DeadlinePolicy.urgency) == Urgency.normal,
        )
    )
    return result.scalars().first()


async def point_states(
    session: AsyncSession, *, start: datetime, end: datetime, unit_code: str | None
) -> dict[str, int]:
    """The points of the criticisms of drafts received in [start, end) in the area, by state
    (one GROUP BY)."""
    query = (
        select(col(CriticismPoint.state), func.count())
        .join(CriticismDraft, col(CriticismDraft.id) == col(CriticismPoint.draft_id))
        .where(
            col(CriticismDraft.received_at) >= start,
            col(CriticismDraft.received_at) < end,
            col(CriticismPoint.state) != "draft",
        )
        .group_by(col(CriticismPoint.state))
    )
    if unit_code is not None:
        query = query.where(col(CriticismDraft.unit_code) == unit_code)
    return {str(state): int(n) for state, n in (await session.execute(query)).all()}
