"""Every query of the replies package (the scorecards have their own module), the
set-based statements of the referral sweep (:mod:`service.replies.sweep`) among them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.db import children_of, narrowed, rows_where
from service.deadlines.models import DeadlineStatus
from service.directory.models import Agency
from service.directory.service import _contains as contains
from service.http import cursor as cursors
from service.kernel.rows import getter, in_period, one_where
from service.replies.models import (
    AnswerStatus,
    EscalationTarget,
    ExtensionStatus,
    NotificationStatus,
    PublicAnswer,
    Referral,
    ReferralAnswer,
    ReferralAttachment,
    ReferralExtension,
    ReferralHistory,
    ReferralNotification,
    ReferralState,
)
from service.storage.models import Evidence

MAX_PAGE = 100
LIVE_CLOCK = (DeadlineStatus.running, DeadlineStatus.due_soon, DeadlineStatus.overdue)
# The lists' keyset cursors (service.http.cursor): the name binds a cursor to its sort.
BY_DUE_DATE = "referrals:due"
PUBLIC_NEWEST = "public_answers:newest"


# -- referrals ----------------------------------------------------------------------------


get_referral = getter(Referral)


async def referrals_by_ids(session: AsyncSession, ids: Sequence[uuid.UUID]) -> list[Referral]:
    if not ids:
        return []
    result = await session.execute(select(Referral).where(col(Referral.id).in_(list(ids))))
    return list(result.scalars())


async def reread(session: AsyncSession, referral: Referral) -> None:
    """Re-read a referral a set-based statement changed (the session may hold an older copy)."""
    await session.refresh(referral)


async def referrals_for_item(
    session: AsyncSession, item_type: str, item_id: uuid.UUID
) -> list[Referral]:
    return await rows_where(
        session,
        Referral,
        col(Referral.item_type) == item_type,
        col(Referral.item_id) == item_id,
        order_by=[col(Referral.created_at), col(Referral.id)],
    )


@dataclass(frozen=True)
class ReferralFilter:
    agency_id: uuid.UUID | None = None
    unit_code: str | None = None
    states: tuple[ReferralState, ...] = ()
    item_kind: str | None = None
    item_type: str | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None
    overdue: bool | None = None
    extension_pending: bool | None = None  # True: only those awaiting the Front's decision


def _filtered(query: Any, filters: ReferralFilter, now: datetime) -> Any:
    query = narrowed(
        query,
        (col(Referral.agency_id), filters.agency_id),
        (col(Referral.unit_code), filters.unit_code),
        (col(Referral.item_kind), filters.item_kind),
        (col(Referral.item_type), filters.item_type),
    )
    if filters.states:
        query = query.where(col(Referral.state).in_([s.value for s in filters.states]))
    if filters.due_before is not None:
        query = query.where(col(Referral.due_at) < filters.due_before)
    if filters.due_after is not None:
        query = query.where(col(Referral.due_at) >= filters.due_after)
    if filters.overdue is not None:
        # Overdue = a live clock past its deadline (whether or not the sweep flagged it yet).
        is_overdue = sa.and_(
            col(Referral.deadline_status).in_([s.value for s in LIVE_CLOCK]),
            col(Referral.due_at) <= now,
        )
        query = query.where(is_overdue if filters.overdue else sa.not_(is_overdue))
    if filters.extension_pending is not None:
        # At most one pending request per referral (a partial unique index serves this).
        pending = sa.exists().where(
            col(ReferralExtension.referral_id) == col(Referral.id),
            col(ReferralExtension.status) == ExtensionStatus.pending.value,
        )
        query = query.where(pending if filters.extension_pending else sa.not_(pending))
    return query


async def list_referrals(
    session: AsyncSession,
    filters: ReferralFilter,
    *,
    now: datetime,
    cursor: str | None = None,
    limit: int = 50,
    max_page: int = MAX_PAGE,
) -> tuple[list[Referral], str | None]:
    """By due date, then id (keyset). Every referral has a due date: its clock starts when
    it is created and the date stays when the clock stops. ``max_page``: an export reads it
    in larger pages than a screen."""
    limit = max(1, min(limit, max_page))
    query = _filtered(select(Referral), filters, now).where(col(Referral.due_at).is_not(None))
    if cursor is not None:
        due, row_id = cursors.decode(BY_DUE_DATE, cursor, (datetime, uuid.UUID))
        query = query.where(sa.tuple_(col(Referral.due_at), col(Referral.id)) > (due, row_id))
    query = query.order_by(col(Referral.due_at), col(Referral.id)).limit(limit + 1)
    rows = list((await session.execute(query)).scalars())
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        assert last.due_at is not None
        next_cursor = cursors.encode(BY_DUE_DATE, last.due_at, last.id)
    return rows[:limit], next_cursor


async def council_list(
    session: AsyncSession,
    *,
    unit_code: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Referral]:
    """Referrals escalated to the People's Council, newest first."""
    query = select(Referral).where(col(Referral.escalated_to) == EscalationTarget.council.value)
    if unit_code is not None:
        query = query.where(col(Referral.unit_code) == unit_code)
    query = query.where(*in_period(col(Referral.escalated_at), start, end))
    query = query.order_by(col(Referral.escalated_at).desc(), col(Referral.id))
    return list((await session.execute(query)).scalars())


# -- answers, extensions, history, attachments --------------------------------------------


async def open_answer(
    session: AsyncSession, referral_id: uuid.UUID, status: AnswerStatus, *, for_update: bool = False
) -> ReferralAnswer | None:
    return await one_where(
        session,
        ReferralAnswer,
        col(ReferralAnswer.referral_id) == referral_id,
        col(ReferralAnswer.status) == status.value,
        for_update=for_update,
    )


answers_of = children_of(
    ReferralAnswer, ReferralAnswer.referral_id, ReferralAnswer.created_at, ReferralAnswer.id
)


async def latest_published_answer(
    session: AsyncSession, item_type: str, item_id: uuid.UUID
) -> tuple[ReferralAnswer, Referral, str] | None:
    query = (
        select(ReferralAnswer, Referral, col(Agency.name))
        .join(Referral, col(Referral.id) == col(ReferralAnswer.referral_id))
        .join(Agency, col(Agency.id) == col(Referral.agency_id))
        .where(
            col(Referral.item_type) == item_type,
            col(Referral.item_id) == item_id,
            col(ReferralAnswer.status) == AnswerStatus.published.value,
        )
        .order_by(col(ReferralAnswer.published_at).desc(), col(ReferralAnswer.id).desc())
        .limit(1)
    )
    row = (await session.execute(query)).first()
    if row is None:
        return None
    return row[0], row[1], row[2]


extensions_of = children_of(
    ReferralExtension,
    ReferralExtension.referral_id,
    ReferralExtension.requested_at,
    ReferralExtension.id,
)


async def pending_extension(
    session: AsyncSession, referral_id: uuid.UUID
) -> ReferralExtension | None:
    result = await session.execute(
        select(ReferralExtension)
        .where(
            col(ReferralExtension.referral_id) == referral_id,
            col(ReferralExtension.status) == ExtensionStatus.pending.value,
        )
        .with_for_update()
    )
    return result.scalar_one_or_none()


history_of = children_of(ReferralHistory, ReferralHistory.referral_id, ReferralHistory.id)


async def citizen_history(
    session: AsyncSession, item_type: str, item_id: uuid.UUID
) -> list[tuple[ReferralHistory, Referral]]:
    result = await session.execute(
        select(ReferralHistory, Referral)
        .join(Referral, col(Referral.id) == col(ReferralHistory.referral_id))
        .where(
            col(Referral.item_type) == item_type,
            col(Referral.item_id) == item_id,
            col(ReferralHistory.visible_to_citizen).is_(True),
        )
        .order_by(col(ReferralHistory.at), col(ReferralHistory.id))
    )
    return [(row[0], row[1]) for row in result.all()]


async def attachments_of(
    session: AsyncSession, referral_id: uuid.UUID
) -> list[tuple[ReferralAttachment, Evidence]]:
    result = await session.execute(
        select(ReferralAttachment, Evidence)
        .join(Evidence, col(Evidence.id) == col(ReferralAttachment.evidence_id))
        .where(col(ReferralAttachment.referral_id) == referral_id)
        .order_by(col(ReferralAttachment.added_at))
    )
    return [(row[0], row[1]) for row in result.all()]


async def link_attachment(
    session: AsyncSession, referral_id: uuid.UUID, evidence_id: uuid.UUID, added_by: uuid.UUID
) -> None:
    """The same file uploaded twice is the same evidence: it is attached once."""
    await session.execute(
        pg_insert(ReferralAttachment)
        .values(referral_id=referral_id, evidence_id=evidence_id, added_by=added_by)
        .on_conflict_do_nothing()
    )


async def attachment_ids_of(session: AsyncSession, referral_id: uuid.UUID) -> set[uuid.UUID]:
    result = await session.execute(
        select(col(ReferralAttachment.evidence_id)).where(
            col(ReferralAttachment.referral_id) == referral_id
        )
    )
    return set(result.scalars())


# -- public feed --------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicFilter:
    unit_code: str | None = None
    category_code: str | None = None
    agency_id: uuid.UUID | None = None
    # Words looked for in the title, description and answer, diacritics and case ignored.
    text: str | None = None


def _public_text_matches(text: str) -> sa.ColumnElement[bool]:
    """Every word of ``text`` somewhere in the answer's public text (unaccented LIKE: the
    feed is the already redacted, published answers only, read newest first)."""
    document = sa.func.immutable_unaccent(
        sa.func.concat_ws(
            " ",
            col(PublicAnswer.title),
            col(PublicAnswer.description),
            col(PublicAnswer.answer_text),
        )
    )
    clauses = [document.like(contains(word)) for word in text.split()[:8]]
    return sa.and_(sa.true(), *clauses)


async def public_answers(
    session: AsyncSession, filters: PublicFilter, *, cursor: str | None = None, limit: int = 20
) -> tuple[list[PublicAnswer], str | None]:
    """Newest first (keyset on published_at, id)."""
    limit = max(1, min(limit, MAX_PAGE))
    query = narrowed(
        select(PublicAnswer),
        (col(PublicAnswer.unit_code), filters.unit_code),
        (col(PublicAnswer.category_code), filters.category_code),
        (col(PublicAnswer.agency_id), filters.agency_id),
    )
    if filters.text:
        query = query.where(_public_text_matches(filters.text))
    if cursor is not None:
        published, row_id = cursors.decode(PUBLIC_NEWEST, cursor, (datetime, uuid.UUID))
        query = query.where(
            sa.tuple_(col(PublicAnswer.published_at), col(PublicAnswer.id)) < (published, row_id)
        )
    query = query.order_by(col(PublicAnswer.published_at).desc(), col(PublicAnswer.id).desc())
    rows = list((await session.execute(query.limit(limit + 1))).scalars())
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = cursors.encode(PUBLIC_NEWEST, last.published_at, last.id)
    return rows[:limit], next_cursor


async def public_answer(session: AsyncSession, public_id: uuid.UUID) -> PublicAnswer | None:
    return await session.get(PublicAnswer, public_id)


async def public_answer_for_referral(
    session: AsyncSession, referral_id: uuid.UUID
) -> PublicAnswer | None:
    result = await session.execute(
        select(PublicAnswer).where(col(PublicAnswer.referral_id) == referral_id)
    )
    return result.scalar_one_or_none()


async def delete_public_answers_of_item(
    session: AsyncSession, item_type: str, item_id: uuid.UUID
) -> int:
    referral_ids = sa.select(col(Referral.id)).where(
        col(Referral.item_type) == item_type, col(Referral.item_id) == item_id
    )
    result = await session.execute(
        sa.delete(PublicAnswer).where(col(PublicAnswer.referral_id).in_(referral_ids))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def extension_for_update(
    session: AsyncSession, extension_id: uuid.UUID
) -> ReferralExtension | None:
    return await session.get(ReferralExtension, extension_id, with_for_update=True)


# -- the sweep (set-based) ----------------------------------------------------------------


async def insert_reminders(session: AsyncSession, kind: str, ids: list[uuid.UUID]) -> list[int]:
    """One ``kind`` reminder row per referral of ``ids``, to its agency's address (INSERT ...
    SELECT; the dedupe key, per deadline, makes a repeat a no-op); the ids inserted."""
    referral = Referral.__table__  # type: ignore[attr-defined]
    agency = Agency.__table__  # type: ignore[attr-defined]
    notification = ReferralNotification.__table__  # type: ignore[attr-defined]
    source = (
        sa.select(
            referral.c.id,
            sa.literal(kind),
            sa.literal("email"),
            agency.c.email,
            sa.literal(NotificationStatus.pending.value),
            sa.func.concat(
                kind,
                ":",
                sa.cast(referral.c.id, sa.String),
                ":",
                referral.c.deadline_step,
                ":",
                sa.cast(referral.c.due_at, sa.String),
            ),
            sa.func.now(),
        )
        .select_from(referral.join(agency, agency.c.id == referral.c.agency_id))
        .where(referral.c.id.in_(ids))
    )
    inserted = await session.execute(
        pg_insert(notification)
        .from_select(
            ["referral_id", "kind", "channel", "recipient", "status", "dedupe_key", "created_at"],
            source,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(notification.c.id)
    )
    return list(inserted.scalars())


def _swept_columns(table: Any) -> list[Any]:
    """What the sweep needs of a referral it changed: its event's fields and the audit
    snapshot (``service.replies.service.steps.snapshot``)."""
    return [
        table.c.id,
        table.c.item_type,
        table.c.item_id,
        table.c.agency_id,
        table.c.state,
        table.c.version,
        table.c.deadline_step,
        table.c.due_at,
        table.c.deadline_status,
        table.c.agency_reference,
        table.c.reopen_count,
        sa.func.coalesce(sa.func.jsonb_array_length(table.c.extensions), 0).label("extensions"),
    ]


async def swept_referrals(session: AsyncSession, ids: list[uuid.UUID]) -> Sequence[sa.Row[Any]]:
    """The sweep's columns (``_swept_columns``) of the referrals ``ids``, in one SELECT."""
    if not ids:
        return []
    table = Referral.__table__  # type: ignore[attr-defined]
    id_array: Any = postgresql.ARRAY(sa.Uuid())
    result = await session.execute(
        sa.select(*_swept_columns(table))
        .where(table.c.id == sa.any_(sa.bindparam("ids", ids, type_=id_array)))
        .order_by(table.c.id)
    )
    return result.all()


async def close_feedback_ended(
    session: AsyncSession, now: datetime, *, to_state: ReferralState, reason: str
) -> Sequence[sa.Row[Any]]:
    """Published referrals whose feedback window ended by ``now``: moved to ``to_state`` in
    one UPDATE ... RETURNING; their sweep columns (``_swept_columns``), by id."""
    table = Referral.__table__  # type: ignore[attr-defined]
    result = await session.execute(
        sa.update(table)
        .where(
            table.c.state == ReferralState.published.value,
            table.c.feedback_due_at <= now,
        )
        .values(
            state=to_state.value,
            closed_at=now,
            close_reason=reason,
            version=table.c.version + 1,
            updated_at=now,
        )
        .returning(*_swept_columns(table))
    )
    return sorted(result.all(), key=lambda row: row.id)


async def add_system_history(
    session: AsyncSession,
    ids: list[uuid.UUID],
    now: datetime,
    *,
    action: str,
    from_state: ReferralState,
    to_state: ReferralState,
    reason: str,
    visible_to_citizen: bool,
) -> None:
    """One history row per referral of ``ids`` for a change the system made (INSERT ...
    SELECT), with ``{"reason": reason}`` as its data."""
    table = Referral.__table__  # type: ignore[attr-defined]
    history = ReferralHistory.__table__  # type: ignore[attr-defined]
    await session.execute(
        sa.insert(history).from_select(
            [
                "referral_id",
                "at",
                "actor_type",
                "action",
                "from_state",
                "to_state",
                "reason",
                "visible_to_citizen",
                "data",
            ],
            sa.select(
                table.c.id,
                sa.literal(now, sa.DateTime(timezone=True)),
                sa.literal("system"),
                sa.literal(action),
                sa.literal(from_state.value),
                sa.literal(to_state.value),
                sa.literal(reason),
                sa.literal(visible_to_citizen),
                sa.cast(sa.literal(json.dumps({"reason": reason})), postgresql.JSONB),
            ).where(table.c.id.in_(ids)),
        )
    )
