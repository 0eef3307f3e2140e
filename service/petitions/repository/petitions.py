"""Queries of one petition and what hangs off it: the row (plain or locked), its
petitioner(s), history, questions, additions, files and the petitions merged into it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

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

M = TypeVar("M", bound=SQLModel)


async def _rows(
    session: AsyncSession, model: type[M], *where: ColumnElement[bool], order_by: Any
) -> list[M]:
    """The rows of ``model`` that match ``where``, in ``order_by`` order: most reads of what
    hangs off a petition."""
    rows = await session.execute(select(model).where(*where).order_by(order_by))
    return list(rows.scalars())


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


async def merged_into(session: AsyncSession, lead_id: uuid.UUID) -> list[Petition]:
    """The petitions merged into ``lead_id``, oldest first."""
    return await _rows(
        session, Petition, col(Petition.merged_into_id) == lead_id, order_by=Petition.created_at
    )


async def history(
    session: AsyncSession, petition_id: uuid.UUID, *, citizen_only: bool = False
) -> list[PetitionEvent]:
    where = [col(PetitionEvent.petition_id) == petition_id]
    if citizen_only:
        where.append(col(PetitionEvent.citizen_visible).is_(True))
    return await _rows(session, PetitionEvent, *where, order_by=PetitionEvent.id)


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
    return await _rows(session, Clarification, *where, order_by=Clarification.asked_at)


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


async def additions(session: AsyncSession, petition_id: uuid.UUID) -> list[PetitionAddition]:
    return await _rows(
        session,
        PetitionAddition,
        col(PetitionAddition.petition_id) == petition_id,
        order_by=PetitionAddition.created_at,
    )


async def evidence(
    session: AsyncSession, petition_id: uuid.UUID
) -> list[tuple[Evidence, PetitionEvidence]]:
    """The petition's files with how they were attached, in the order they came."""
    rows = await session.execute(
        select(Evidence, PetitionEvidence)
        .join(PetitionEvidence, col(PetitionEvidence.evidence_id) == col(Evidence.id))
        .where(col(PetitionEvidence.petition_id) == petition_id)
        .order_by(col(PetitionEvidence.added_at))
    )
    return [(row[0], row[1]) for row in rows.all()]


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


async def deliveries(session: AsyncSession, petition_id: uuid.UUID) -> list[NotificationDelivery]:
    """The notification delivery log of one petition, oldest first."""
    return await _rows(
        session,
        NotificationDelivery,
        col(NotificationDelivery.petition_id) == petition_id,
        order_by=NotificationDelivery.id,
    )
