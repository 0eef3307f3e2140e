"""Sessions, attendance, the log and the seals of sealed sessions."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.audit.models import AuditEvent
from service.db import children_of
from service.kernel.rows import getter, ids_found, one_where
from service.oversight.models import (
    Attendance,
    LogEntry,
    SessionState,
    SupervisionSession,
)
from service.oversight.views import (
    ManifestView,
    SessionDetail,
)

# -- sessions --------------------------------------------------------------------------------


get_session = getter(SupervisionSession)


async def next_session_number(session: AsyncSession, plan_id: uuid.UUID) -> int:
    """Call with the plan row locked."""
    current = (
        await session.execute(
            select(sa.func.coalesce(sa.func.max(col(SupervisionSession.number)), 0)).where(
                col(SupervisionSession.plan_id) == plan_id
            )
        )
    ).scalar_one()
    return int(current) + 1


sessions_for_plan = children_of(
    SupervisionSession, SupervisionSession.plan_id, SupervisionSession.number
)


async def _session_count(session: AsyncSession, plan_id: uuid.UUID, state: SessionState) -> int:
    """How many sessions of the plan are in ``state``."""
    statement = select(sa.func.count()).where(
        col(SupervisionSession.plan_id) == plan_id,
        col(SupervisionSession.state) == state.value,
    )
    return int((await session.execute(statement)).scalar_one())


async def open_session_count(session: AsyncSession, plan_id: uuid.UUID) -> int:
    return await _session_count(session, plan_id, SessionState.open)


async def unsealed_closed_session_count(session: AsyncSession, plan_id: uuid.UUID) -> int:
    """Sessions of the plan closed but not sealed yet (their record may still change)."""
    return await _session_count(session, plan_id, SessionState.closed)


attendance_for_session = children_of(
    Attendance, Attendance.session_id, Attendance.recorded_at, Attendance.person_key
)


async def attendance_by_key(
    session: AsyncSession, session_id: uuid.UUID, person_key: str
) -> Attendance | None:
    return await one_where(
        session,
        Attendance,
        col(Attendance.session_id) == session_id,
        col(Attendance.person_key) == person_key,
    )


async def sessions_with_attendance(
    session: AsyncSession, plan_id: uuid.UUID
) -> list[SessionDetail]:
    """A plan's sessions in order, each with its attendance records."""
    sessions = await sessions_for_plan(session, plan_id)
    if not sessions:
        return []
    rows = await session.execute(
        select(Attendance)
        .where(col(Attendance.session_id).in_([s.id for s in sessions]))
        .order_by(col(Attendance.recorded_at), col(Attendance.person_key))
    )
    by_session: dict[uuid.UUID, list[Attendance]] = {}
    for record in rows.scalars():
        by_session.setdefault(record.session_id, []).append(record)
    return [SessionDetail(session=s, attendance=by_session.get(s.id, [])) for s in sessions]


# -- the log ---------------------------------------------------------------------------------


async def lock_session_state(session: AsyncSession, session_id: uuid.UUID) -> SessionState | None:
    """Take the session row lock (writers of one session queue here) and read its state."""
    state = (
        await session.execute(
            sa.select(col(SupervisionSession.state))
            .where(col(SupervisionSession.id) == session_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    return None if state is None else SessionState(state)


async def take_next_seq(session: AsyncSession, session_id: uuid.UUID) -> int:
    """The next log sequence number of an open session (call with the row locked)."""
    table = SupervisionSession.__table__  # type: ignore[attr-defined]
    seq = (
        await session.execute(
            sa.update(table)
            .where(table.c.id == session_id, table.c.state == SessionState.open.value)
            .values(log_seq=table.c.log_seq + 1)
            .returning(table.c.log_seq)
        )
    ).scalar_one()
    return int(seq)


async def entry_by_client_ref(
    session: AsyncSession, session_id: uuid.UUID, client_ref: str
) -> LogEntry | None:
    by_ref = (col(LogEntry.session_id) == session_id, col(LogEntry.client_ref) == client_ref)
    return await one_where(session, LogEntry, *by_ref)


async def get_entry(session: AsyncSession, entry_id: uuid.UUID) -> LogEntry | None:
    return await session.get(LogEntry, entry_id)


async def log_entries(
    session: AsyncSession, session_id: uuid.UUID, *, after: int = 0, limit: int | None = None
) -> list[LogEntry]:
    """Entries with ``seq > after`` in order."""
    query = (
        select(LogEntry)
        .where(col(LogEntry.session_id) == session_id, col(LogEntry.seq) > after)
        .order_by(col(LogEntry.seq))
    )
    if limit is not None:
        query = query.limit(limit)
    return list((await session.execute(query)).scalars())


async def stream_log_entries(
    session: AsyncSession, session_id: uuid.UUID, *, batch_size: int = 500
) -> AsyncIterator[LogEntry]:
    """Every entry of a session in seq order, fetched in keyset batches (a long session's
    log never sits in memory at once)."""
    after = 0
    while True:
        batch = await log_entries(session, session_id, after=after, limit=batch_size)
        for entry in batch:
            yield entry
        if len(batch) < batch_size:
            return
        after = batch[-1].seq


async def entries_in_plan(
    session: AsyncSession, plan_id: uuid.UUID, entry_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of ``entry_ids`` that are log entries of one of the plan's sessions."""
    query = (
        select(col(LogEntry.id))
        .join(SupervisionSession, col(SupervisionSession.id) == col(LogEntry.session_id))
        .where(col(SupervisionSession.plan_id) == plan_id)
    )
    return await ids_found(session, query, col(LogEntry.id), entry_ids)


# -- manifests -------------------------------------------------------------------------------


async def manifests(session: AsyncSession, plan_id: uuid.UUID) -> list[ManifestView]:
    """The seals of a plan's sealed sessions, in session order."""
    rows = await session.execute(
        select(SupervisionSession)
        .where(
            col(SupervisionSession.plan_id) == plan_id,
            col(SupervisionSession.state) == SessionState.sealed.value,
        )
        .order_by(col(SupervisionSession.number))
    )
    views = []
    for sealed in rows.scalars():
        manifest = sealed.manifest or {}
        assert sealed.sealed_at is not None
        assert sealed.manifest_sha256 is not None
        views.append(
            ManifestView(
                session_id=sealed.id,
                session_number=sealed.number,
                session_title=sealed.title,
                sealed_at=sealed.sealed_at,
                manifest_sha256=sealed.manifest_sha256,
                entry_count=len(manifest.get("entries", [])),
                evidence_count=len(manifest.get("evidence", [])),
                manifest=manifest,
            )
        )
    return views


async def latest_audit_after(
    session: AsyncSession, entity_type: str, entity_id: uuid.UUID, action: str
) -> Any:
    """The ``after`` of the latest audit event of ``action`` on the entity (None if none)."""
    return (
        await session.execute(
            select(col(AuditEvent.after))
            .where(
                col(AuditEvent.entity_type) == entity_type,
                col(AuditEvent.entity_id) == str(entity_id),
                col(AuditEvent.action) == action,
            )
            .order_by(col(AuditEvent.id).desc())
            .limit(1)
        )
    ).scalar_one_or_none()
