"""The set-based statements of the routing-step sweep (see :mod:`service.petitions.sweep`):
one UPDATE ... RETURNING for the escalation flags, one INSERT ... SELECT for their history.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.directory.models import AdminUnit, UnitLevel
from service.petitions.models import Petition, PetitionEvent


def _id_array(ids: list[uuid.UUID]) -> sa.BindParameter[Any]:
    """One array parameter, however many ids (an IN list is limited by bind parameters)."""
    array_type: Any = postgresql.ARRAY(sa.Uuid())
    return sa.bindparam(None, ids, type_=array_type)


async def flag_escalated(
    session: AsyncSession, ids: list[uuid.UUID], now: datetime
) -> list[uuid.UUID]:
    """Flag those of ``ids`` that are ward/commune petitions not escalated yet; their ids."""
    ward_units = sa.select(col(AdminUnit.code)).where(
        col(AdminUnit.level) == UnitLevel.commune.value
    )
    flagged = await session.execute(
        sa.update(Petition)
        .where(
            col(Petition.id) == sa.any_(_id_array(ids)),
            col(Petition.escalated_at).is_(None),
            col(Petition.unit_code).in_(ward_units),
        )
        .values(escalated_at=now)
        .returning(col(Petition.id))
    )
    return list(flagged.scalars())


async def add_escalation_events(
    session: AsyncSession, escalated: list[uuid.UUID], now: datetime
) -> None:
    """One history entry per escalated petition, in one statement."""
    event_table = PetitionEvent.__table__  # type: ignore[attr-defined]
    source = sa.select(
        col(Petition.id),
        sa.literal(now, sa.DateTime(timezone=True)),
        sa.literal_column("'system'"),
        sa.literal_column("'escalate_overdue'"),
        col(Petition.status),
        col(Petition.status),
        sa.false(),
        sa.func.jsonb_build_object(
            sa.literal_column("'to'"),
            sa.literal_column("'city_front'"),
            sa.literal_column("'due_at'"),
            col(Petition.due_at),
            sa.literal_column("'step'"),
            col(Petition.deadline_step),
        ),
    ).where(col(Petition.id) == sa.any_(_id_array(escalated)))
    await session.execute(
        event_table.insert().from_select(
            [
                "petition_id",
                "at",
                "actor_kind",
                "action",
                "from_status",
                "to_status",
                "citizen_visible",
                "data",
            ],
            source,
        )
    )
