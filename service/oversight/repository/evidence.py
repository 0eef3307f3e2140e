"""Evidence attached to a plan, a session or a log entry."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.kernel.rows import ids_found, one_where
from service.oversight.models import (
    SupervisionEvidence,
)
from service.oversight.views import (
    EvidenceView,
    evidence_view,
)
from service.storage.models import Evidence, EvidenceStatus

# -- evidence --------------------------------------------------------------------------------


async def evidence_link(
    session: AsyncSession, evidence_id: uuid.UUID
) -> SupervisionEvidence | None:
    return await one_where(
        session, SupervisionEvidence, col(SupervisionEvidence.evidence_id) == evidence_id
    )


async def evidence_list(
    session: AsyncSession,
    plan_id: uuid.UUID,
    *,
    session_id: uuid.UUID | None = None,
    log_entry_id: uuid.UUID | None = None,
    include_pending: bool = False,
) -> list[EvidenceView]:
    """Evidence of a plan (or of one of its sessions / log entries), oldest first:
    name, type, size, SHA-256, capture time and place, withdrawal."""
    query = (
        select(Evidence, SupervisionEvidence)
        .join(SupervisionEvidence, col(SupervisionEvidence.evidence_id) == col(Evidence.id))
        .where(col(SupervisionEvidence.plan_id) == plan_id)
    )
    if session_id is not None:
        query = query.where(col(SupervisionEvidence.session_id) == session_id)
    if log_entry_id is not None:
        query = query.where(col(SupervisionEvidence.log_entry_id) == log_entry_id)
    if not include_pending:
        query = query.where(col(Evidence.status) == EvidenceStatus.stored.value)
    query = query.order_by(col(SupervisionEvidence.attached_at), col(Evidence.id))
    rows = await session.execute(query)
    return [evidence_view(evidence, link) for evidence, link in rows.all()]


async def session_evidence(
    session: AsyncSession, session_id: uuid.UUID
) -> list[tuple[Evidence, uuid.UUID | None]]:
    """Stored evidence attached to a session or its entries, with the entry id (manifest)."""
    rows = await session.execute(
        select(Evidence, col(SupervisionEvidence.log_entry_id))
        .join(SupervisionEvidence, col(SupervisionEvidence.evidence_id) == col(Evidence.id))
        .where(
            col(SupervisionEvidence.session_id) == session_id,
            col(Evidence.status) == EvidenceStatus.stored.value,
        )
        .order_by(col(Evidence.id))
    )
    return [(evidence, entry_id) for evidence, entry_id in rows.all()]


async def evidence_in_plan(
    session: AsyncSession, plan_id: uuid.UUID, evidence_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of ``evidence_ids`` that are attached to the plan."""
    attached = col(SupervisionEvidence.evidence_id)
    query = select(attached).where(col(SupervisionEvidence.plan_id) == plan_id)
    return await ids_found(session, query, attached, evidence_ids)
