"""The set-based statements of the sweeps: the routing-step sweep's (see
:mod:`service.petitions.sweep`: one UPDATE ... RETURNING for the overdue and escalation
flags, one INSERT ... SELECT for the escalations' history) and those of the petitions' batch form of
``referral.closed`` (:mod:`service.petitions.referral_events`: one UPDATE ... RETURNING for
the closures, one INSERT ... SELECT ... RETURNING for their history).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.deadlines.models import DeadlineStatus
from service.directory.models import AdminUnit, UnitLevel
from service.petitions.models import ActorKind, Petition, PetitionEvent


def _id_array(ids: list[uuid.UUID]) -> sa.BindParameter[Any]:
    """One array parameter, however many ids (an IN list is limited by bind parameters)."""
    array_type: Any = postgresql.ARRAY(sa.Uuid())
    return sa.bindparam(None, ids, type_=array_type)


async def flag_overdue(
    session: AsyncSession, now: datetime
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Flag the live routing clocks past their deadline overdue and, in the same UPDATE (one
    new version of the wide petition row, not two), the ward/commune petitions among them
    not escalated yet as escalated to the city Front; the ids flagged and those escalated.

    What ``service.deadlines.sweep.sweep_clocks`` does for overdue clocks, with the
    escalation flag; ``escalate`` is read from the row as it was, locked."""
    table = Petition.__table__  # type: ignore[attr-defined]
    ward_units = sa.select(col(AdminUnit.code)).where(
        col(AdminUnit.level) == UnitLevel.commune.value
    )
    live = (DeadlineStatus.running.value, DeadlineStatus.due_soon.value)
    old = (
        sa.select(
            table.c.id,
            sa.and_(table.c.escalated_at.is_(None), table.c.unit_code.in_(ward_units)).label(
                "escalate"
            ),
        )
        .where(table.c.deadline_status.in_(live), table.c.due_at <= now)
        .with_for_update()
        .subquery("old")
    )
    result = await session.execute(
        sa.update(table)
        .where(table.c.id == old.c.id)
        .values(
            deadline_status=DeadlineStatus.overdue.value,
            escalated_at=sa.case((old.c.escalate, now), else_=table.c.escalated_at),
        )
        .returning(table.c.id, old.c.escalate)
    )
    rows = result.all()
    return [row.id for row in rows], [row.id for row in rows if row.escalate]


async def add_escalation_events(
    session: AsyncSession, escalated: list[uuid.UUID], now: datetime
) -> None:
    """One history entry per escalated petition, in one statement."""
    entries = {
        "petition_id": col(Petition.id),
        "at": sa.literal(now, sa.DateTime(timezone=True)),
        "actor_kind": sa.literal_column("'system'"),
        "action": sa.literal_column("'escalate_overdue'"),
        "from_status": col(Petition.status),
        "to_status": col(Petition.status),
        "citizen_visible": sa.false(),
        "data": sa.func.jsonb_build_object(
            sa.literal_column("'to'"),
            sa.literal_column("'city_front'"),
            sa.literal_column("'due_at'"),
            col(Petition.due_at),
            sa.literal_column("'step'"),
            col(Petition.deadline_step),
        ),
    }
    await session.execute(_events_of(escalated, entries))


def _events_of(petition_ids: list[uuid.UUID], entries: dict[str, Any]) -> sa.Insert:
    """``INSERT INTO petition_event (<columns>) SELECT <their values> FROM petition``, one
    entry per petition of ``petition_ids``: each column named beside its value."""
    event_table = PetitionEvent.__table__  # type: ignore[attr-defined]
    source = sa.select(*entries.values()).where(
        col(Petition.id) == sa.any_(_id_array(petition_ids))
    )
    insert: sa.Insert = event_table.insert().from_select(list(entries), source)
    return insert


def _snapshot_columns(table: Any) -> list[Any]:
    """What ``service.petitions.service.snapshot`` keeps of a petition, and its channel."""
    return [
        table.c.id,
        table.c.tracking_code,
        table.c.status,
        table.c.kind,
        table.c.category_code,
        table.c.unit_code,
        table.c.urgency,
        table.c.agency_id,
        table.c.referral_id,
        table.c.merged_into_id,
        table.c.due_at,
        table.c.deadline_status,
        table.c.version,
        table.c.notify_channel,
    ]


async def transition_current(
    session: AsyncSession,
    item_ids: list[uuid.UUID],
    referral_ids: list[uuid.UUID],
    now: datetime,
    *,
    from_status: str,
    to_status: str,
    closes: bool,
) -> Sequence[sa.Row[Any]]:
    """Move those of ``item_ids`` whose current referral is one of ``referral_ids`` and whose
    status is ``from_status`` to ``to_status`` (version + 1; ``closed_at`` when it ``closes``),
    in one UPDATE ... RETURNING their snapshot columns (``_snapshot_columns``), by id."""
    table = Petition.__table__  # type: ignore[attr-defined]
    values: dict[str, Any] = {
        "status": to_status,
        "version": table.c.version + 1,
        "updated_at": now,
    }
    if closes:
        values["closed_at"] = now
    result = await session.execute(
        sa.update(table)
        .where(
            table.c.id == sa.any_(_id_array(item_ids)),
            table.c.referral_id == sa.any_(_id_array(referral_ids)),
            table.c.status == from_status,
        )
        .values(**values)
        .returning(*_snapshot_columns(table))
    )
    return sorted(result.all(), key=lambda row: row.id)


async def add_system_events(
    session: AsyncSession,
    petition_ids: list[uuid.UUID],
    now: datetime,
    *,
    action: str,
    from_status: str,
    to_status: str,
    reason: str | None,
    citizen_message: str | None,
    data: dict[str, Any],
) -> dict[uuid.UUID, int]:
    """One history entry by the system per petition of ``petition_ids`` (what ``add_event``
    writes), in one INSERT ... SELECT; ``data`` plus ``{"referral_id": <its referral>}``.
    The new entries' ids by petition."""
    event_table = PetitionEvent.__table__  # type: ignore[attr-defined]
    jsonb: Any = postgresql.JSONB
    entries = {
        "petition_id": col(Petition.id),
        "at": sa.literal(now, sa.DateTime(timezone=True)),
        "actor_kind": sa.literal(ActorKind.system.value),
        "action": sa.literal(action),
        "from_status": sa.literal(from_status),
        "to_status": sa.literal(to_status),
        "reason": sa.literal(reason, sa.Text),
        "citizen_visible": sa.literal(citizen_message is not None),
        "citizen_message": sa.literal(citizen_message, sa.Text),
        "data": sa.func.jsonb_build_object(
            sa.literal_column("'referral_id'"), sa.cast(col(Petition.referral_id), sa.Text)
        ).op("||")(sa.cast(sa.literal(json.dumps(data)), jsonb)),
    }
    inserted = await session.execute(
        _events_of(petition_ids, entries).returning(event_table.c.petition_id, event_table.c.id)
    )
    return {row.petition_id: row.id for row in inserted}
