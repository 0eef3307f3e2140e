"""Queries of one petition and what hangs off it: the row (plain or locked), its
petitioner(s), history, questions, additions, files and the petitions merged into it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.db import children_of, pairs_where, rows_where
from service.petitions.models import (
    Clarification,
    ClarificationStatus,
    NotificationDelivery,
    Petition,
    PetitionAddition,
    Petitioner,
    PetitionEvent,
    PetitionEvidence,
)
from service.storage.models import Evidence


async def find(
    session: AsyncSession, petition_id: uuid.UUID, *, lock: bool = False
) -> Petition | None:
    query = select(Petition).where(col(Petition.id) == petition_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def get(session: AsyncSession, petition_id: uuid.UUID) -> Petition | None:
    """The petition by its key (from the session when it holds it already)."""
    return await session.get(Petition, petition_id)


async def by_tracking_code(session: AsyncSession, code: str) -> Petition | None:
    return (
        await session.execute(select(Petition).where(col(Petition.tracking_code) == code))
    ).scalar_one_or_none()


async def lock(session: AsyncSession, petition: Petition) -> Petition:
    """Re-read ``petition`` locked FOR UPDATE (after work done without the lock)."""
    await session.refresh(petition, with_for_update=True)
    return petition


async def petitioner(session: AsyncSession, petition_id: uuid.UUID) -> Petitioner | None:
    return await session.get(Petitioner, petition_id)


async def petitioners(session: AsyncSession, petition_ids: Sequence[uuid.UUID]) -> list[Petitioner]:
    rows = await session.execute(
        select(Petitioner).where(col(Petitioner.petition_id).in_(list(petition_ids)))
    )
    return list(rows.scalars())


async def merged_ids(session: AsyncSession, lead_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """The petitions merged into any of ``lead_ids``."""
    leads = list(lead_ids)
    if not leads:
        return []
    rows = await session.execute(
        sa.select(col(Petition.id)).where(col(Petition.merged_into_id).in_(leads))
    )
    return list(rows.scalars())


# The petitions merged into a lead, oldest first.
merged_into = children_of(Petition, col(Petition.merged_into_id), Petition.created_at)


async def history(
    session: AsyncSession, petition_id: uuid.UUID, *, citizen_only: bool = False
) -> list[PetitionEvent]:
    where = [col(PetitionEvent.petition_id) == petition_id]
    if citizen_only:
        where.append(col(PetitionEvent.citizen_visible).is_(True))
    return await rows_where(session, PetitionEvent, *where, order_by=[PetitionEvent.id])


async def event(session: AsyncSession, event_id: int) -> PetitionEvent | None:
    # By id alone: the key is (id, at) since the table is partitioned by year (0230).
    rows = await session.execute(select(PetitionEvent).where(col(PetitionEvent.id) == event_id))
    return rows.scalar_one_or_none()


async def clarifications(
    session: AsyncSession,
    petition_id: uuid.UUID,
    *,
    open_only: bool = False,
    status: ClarificationStatus | None = None,
) -> list[Clarification]:
    """The petition's questions in the order they were asked (only those in ``status``, or
    open ones with ``open_only``)."""
    if open_only:
        status = ClarificationStatus.open
    where = [col(Clarification.petition_id) == petition_id]
    if status is not None:
        where.append(col(Clarification.status) == status.value)
    return await rows_where(session, Clarification, *where, order_by=[Clarification.asked_at])


async def answered_clarifications(
    session: AsyncSession, petition_id: uuid.UUID
) -> list[Clarification]:
    """The questions the petitioner answered, in the order they were asked."""
    return await clarifications(session, petition_id, status=ClarificationStatus.answered)


async def lock_clarification(
    session: AsyncSession, clarification_id: uuid.UUID
) -> Clarification | None:
    return await session.get(Clarification, clarification_id, with_for_update=True)


async def cancel_open_clarifications(
    session: AsyncSession, petition_id: uuid.UUID, *, closed_at: datetime | None = None
) -> None:
    """Questions nobody will answer now (withdrawn, merged): cancelled, in one UPDATE."""
    values: dict[str, object] = {"status": ClarificationStatus.cancelled.value}
    if closed_at is not None:
        values["answered_at"] = closed_at
    await session.execute(
        sa.update(Clarification)
        .where(
            col(Clarification.petition_id) == petition_id,
            col(Clarification.status) == ClarificationStatus.open.value,
        )
        .values(**values)
    )


# What the petitioner added to a petition, in the order it came.
additions = children_of(
    PetitionAddition, col(PetitionAddition.petition_id), PetitionAddition.created_at
)


async def evidence(
    session: AsyncSession, petition_id: uuid.UUID
) -> list[tuple[Evidence, PetitionEvidence]]:
    """The petition's files with how they were attached, in the order they came."""
    return await pairs_where(
        session,
        Evidence,
        PetitionEvidence,
        col(PetitionEvidence.evidence_id) == col(Evidence.id),
        col(PetitionEvidence.petition_id) == petition_id,
        order_by=[col(PetitionEvidence.added_at)],
    )


async def evidence_ids(session: AsyncSession, petition_id: uuid.UUID) -> list[uuid.UUID]:
    """The ids of the petition's files (no order)."""
    rows = await session.execute(
        select(col(PetitionEvidence.evidence_id)).where(
            col(PetitionEvidence.petition_id) == petition_id
        )
    )
    return list(rows.scalars())


async def evidence_link(
    session: AsyncSession, petition_id: uuid.UUID, evidence_id: uuid.UUID
) -> PetitionEvidence | None:
    return await session.get(PetitionEvidence, (petition_id, evidence_id))


# The notification delivery log of one petition, oldest first.
deliveries = children_of(
    NotificationDelivery, col(NotificationDelivery.petition_id), NotificationDelivery.id
)
