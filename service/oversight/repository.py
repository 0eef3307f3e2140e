"""Every query of the oversight package, and the read functions reports use.

Read models returned to other packages are plain dataclasses (``PlanDetail``,
``SessionDetail``, ``RecommendationView``, ``EvidenceView``, ``ManifestView``): callers get
what they need without touching ORM instances or lazy attributes.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from service.auth.models import Role, StaffUser
from service.auth.principals import StaffPrincipal
from service.directory.models import Agency
from service.oversight.models import (
    Attendance,
    CheckResult,
    Finding,
    LogEntry,
    PlanAgency,
    PlanForm,
    PlanMember,
    PlanParticipant,
    PlanRole,
    PlanState,
    Recommendation,
    RecommendationCheck,
    RecommendationState,
    SessionState,
    SupervisionEvidence,
    SupervisionPlan,
    SupervisionSession,
)
from service.storage.models import Evidence, EvidenceStatus

# -- read models -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberView:
    user_id: uuid.UUID
    username: str
    full_name: str
    staff_role: str
    role: PlanRole


@dataclass(frozen=True)
class AgencyView:
    id: uuid.UUID
    code: str
    name: str
    unit_code: str


@dataclass(frozen=True)
class PlanDetail:
    plan: SupervisionPlan
    members: list[MemberView]
    agencies: list[AgencyView]
    participants: list[PlanParticipant]


@dataclass(frozen=True)
class SessionDetail:
    session: SupervisionSession
    attendance: list[Attendance]


@dataclass(frozen=True)
class RecommendationView:
    id: uuid.UUID
    plan_id: uuid.UUID
    plan_code: str
    finding_id: uuid.UUID | None
    agency_id: uuid.UUID
    agency_code: str
    agency_name: str
    title: str
    text: str
    state: RecommendationState
    due_at: datetime | None
    issued_at: datetime | None
    answered_at: datetime | None
    answer_outcome: str | None
    answer_summary: str | None
    referral_id: uuid.UUID | None
    last_check_result: CheckResult | None
    last_checked_at: datetime | None
    version: int


@dataclass(frozen=True)
class EvidenceView:
    evidence_id: uuid.UUID
    name: str
    content_type: str
    size_bytes: int
    sha256: str
    status: str
    captured_at: datetime | None
    latitude: float | None
    longitude: float | None
    uploaded_at: datetime
    uploaded_by_user_id: uuid.UUID | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    plan_id: uuid.UUID
    session_id: uuid.UUID | None
    log_entry_id: uuid.UUID | None
    description: str | None
    attached_at: datetime


@dataclass(frozen=True)
class ManifestView:
    session_id: uuid.UUID
    session_number: int
    session_title: str
    sealed_at: datetime
    manifest_sha256: str
    entry_count: int
    evidence_count: int
    manifest: dict[str, Any]


# -- plans -----------------------------------------------------------------------------------


async def get_plan(
    session: AsyncSession, plan_id: uuid.UUID, *, for_update: bool = False
) -> SupervisionPlan | None:
    query = select(SupervisionPlan).where(col(SupervisionPlan.id) == plan_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


async def plan_code_taken(session: AsyncSession, code: str, exclude: uuid.UUID | None) -> bool:
    query = select(col(SupervisionPlan.id)).where(col(SupervisionPlan.code) == code)
    if exclude is not None:
        query = query.where(col(SupervisionPlan.id) != exclude)
    return (await session.execute(query)).first() is not None


async def member_role(
    session: AsyncSession, plan_id: uuid.UUID, user_id: uuid.UUID
) -> PlanRole | None:
    role = (
        await session.execute(
            select(col(PlanMember.role)).where(
                col(PlanMember.plan_id) == plan_id, col(PlanMember.user_id) == user_id
            )
        )
    ).scalar_one_or_none()
    return None if role is None else PlanRole(role)


async def plan_members(session: AsyncSession, plan_id: uuid.UUID) -> list[MemberView]:
    rows = await session.execute(
        sa.select(
            col(PlanMember.user_id),
            col(StaffUser.username),
            col(StaffUser.full_name),
            col(StaffUser.role),
            col(PlanMember.role),
        )
        .join(StaffUser, col(StaffUser.id) == col(PlanMember.user_id))
        .where(col(PlanMember.plan_id) == plan_id)
        .order_by(
            sa.case(
                (col(PlanMember.role) == "head", 0),
                (col(PlanMember.role) == "secretary", 1),
                else_=2,
            ),
            col(StaffUser.full_name),
        )
    )
    return [
        MemberView(
            user_id=r[0], username=r[1], full_name=r[2], staff_role=str(r[3]), role=PlanRole(r[4])
        )
        for r in rows
    ]


async def plan_agencies(session: AsyncSession, plan_id: uuid.UUID) -> list[AgencyView]:
    rows = await session.execute(
        select(col(Agency.id), col(Agency.code), col(Agency.name), col(Agency.unit_code))
        .join(PlanAgency, col(PlanAgency.agency_id) == col(Agency.id))
        .where(col(PlanAgency.plan_id) == plan_id)
        .order_by(col(Agency.name))
    )
    return [AgencyView(id=r[0], code=r[1], name=r[2], unit_code=r[3]) for r in rows]


async def plan_participants(session: AsyncSession, plan_id: uuid.UUID) -> list[PlanParticipant]:
    rows = await session.execute(
        select(PlanParticipant)
        .where(col(PlanParticipant.plan_id) == plan_id)
        .order_by(col(PlanParticipant.name))
    )
    return list(rows.scalars())


async def plan_detail(session: AsyncSession, plan_id: uuid.UUID) -> PlanDetail | None:
    """A plan with its members, supervised agencies and outside participants."""
    plan = await get_plan(session, plan_id)
    if plan is None:
        return None
    return PlanDetail(
        plan=plan,
        members=await plan_members(session, plan_id),
        agencies=await plan_agencies(session, plan_id),
        participants=await plan_participants(session, plan_id),
    )


async def plan_by_code(session: AsyncSession, code: str) -> SupervisionPlan | None:
    return (
        await session.execute(select(SupervisionPlan).where(col(SupervisionPlan.code) == code))
    ).scalar_one_or_none()


def _visible_plans_filter(viewer: StaffPrincipal) -> Any:
    member_of = select(col(PlanMember.plan_id)).where(col(PlanMember.user_id) == viewer.user_id)
    is_member = col(SupervisionPlan.id).in_(member_of)
    if viewer.role is Role.admin:
        return sa.true()
    if viewer.role is Role.front_officer:
        if viewer.unit_code is None:
            return sa.true()
        return sa.or_(col(SupervisionPlan.unit_code) == viewer.unit_code, is_member)
    return is_member


async def list_plans(
    session: AsyncSession,
    viewer: StaffPrincipal,
    *,
    states: Sequence[PlanState] | None = None,
    unit_code: str | None = None,
    form: PlanForm | None = None,
    before: tuple[datetime, uuid.UUID] | None = None,
    limit: int = 50,
) -> list[SupervisionPlan]:
    """Plans the viewer may see, newest first; ``before`` is the keyset cursor
    (created_at, id) of the last row of the previous page."""
    query = select(SupervisionPlan).where(_visible_plans_filter(viewer))
    if states:
        query = query.where(col(SupervisionPlan.state).in_([s.value for s in states]))
    if unit_code is not None:
        query = query.where(col(SupervisionPlan.unit_code) == unit_code)
    if form is not None:
        query = query.where(col(SupervisionPlan.form) == form.value)
    if before is not None:
        query = query.where(
            sa.tuple_(col(SupervisionPlan.created_at), col(SupervisionPlan.id))
            < sa.tuple_(sa.literal(before[0]), sa.literal(before[1]))
        )
    query = query.order_by(
        col(SupervisionPlan.created_at).desc(), col(SupervisionPlan.id).desc()
    ).limit(limit)
    return list((await session.execute(query)).scalars())


async def plans_in_period(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    unit_code: str | None = None,
    states: Sequence[PlanState] | None = None,
) -> list[SupervisionPlan]:
    """Plans created in [start, end) (for reports), oldest first."""
    query = select(SupervisionPlan).where(
        col(SupervisionPlan.created_at) >= start, col(SupervisionPlan.created_at) < end
    )
    if unit_code is not None:
        query = query.where(col(SupervisionPlan.unit_code) == unit_code)
    if states:
        query = query.where(col(SupervisionPlan.state).in_([s.value for s in states]))
    query = query.order_by(col(SupervisionPlan.created_at), col(SupervisionPlan.id))
    return list((await session.execute(query)).scalars())


async def users_by_id(
    session: AsyncSession, user_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, StaffUser]:
    if not user_ids:
        return {}
    rows = await session.execute(select(StaffUser).where(col(StaffUser.id).in_(list(user_ids))))
    return {user.id: user for user in rows.scalars()}


async def agencies_by_id(
    session: AsyncSession, agency_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Agency]:
    if not agency_ids:
        return {}
    rows = await session.execute(select(Agency).where(col(Agency.id).in_(list(agency_ids))))
    return {agency.id: agency for agency in rows.scalars()}


async def replace_members(
    session: AsyncSession, plan_id: uuid.UUID, members: Sequence[tuple[uuid.UUID, PlanRole]]
) -> None:
    await session.execute(sa.delete(PlanMember).where(col(PlanMember.plan_id) == plan_id))
    await session.flush()
    for user_id, role in members:
        session.add(PlanMember(plan_id=plan_id, user_id=user_id, role=role))
    await session.flush()


async def replace_agencies(
    session: AsyncSession, plan_id: uuid.UUID, agency_ids: Sequence[uuid.UUID]
) -> None:
    await session.execute(sa.delete(PlanAgency).where(col(PlanAgency.plan_id) == plan_id))
    for agency_id in dict.fromkeys(agency_ids):
        session.add(PlanAgency(plan_id=plan_id, agency_id=agency_id))
    await session.flush()


async def replace_participants(
    session: AsyncSession, plan_id: uuid.UUID, participants: Sequence[PlanParticipant]
) -> None:
    await session.execute(sa.delete(PlanParticipant).where(col(PlanParticipant.plan_id) == plan_id))
    for participant in participants:
        session.add(participant)
    await session.flush()


async def plan_agency_ids(session: AsyncSession, plan_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await session.execute(
        select(col(PlanAgency.agency_id)).where(col(PlanAgency.plan_id) == plan_id)
    )
    return set(rows.scalars())


# -- sessions --------------------------------------------------------------------------------


async def get_session(
    session: AsyncSession, session_id: uuid.UUID, *, for_update: bool = False
) -> SupervisionSession | None:
    query = select(SupervisionSession).where(col(SupervisionSession.id) == session_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


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


async def sessions_for_plan(session: AsyncSession, plan_id: uuid.UUID) -> list[SupervisionSession]:
    rows = await session.execute(
        select(SupervisionSession)
        .where(col(SupervisionSession.plan_id) == plan_id)
        .order_by(col(SupervisionSession.number))
    )
    return list(rows.scalars())


async def open_session_count(session: AsyncSession, plan_id: uuid.UUID) -> int:
    return int(
        (
            await session.execute(
                select(sa.func.count()).where(
                    col(SupervisionSession.plan_id) == plan_id,
                    col(SupervisionSession.state) == SessionState.open.value,
                )
            )
        ).scalar_one()
    )


async def attendance_for_session(session: AsyncSession, session_id: uuid.UUID) -> list[Attendance]:
    rows = await session.execute(
        select(Attendance)
        .where(col(Attendance.session_id) == session_id)
        .order_by(col(Attendance.recorded_at), col(Attendance.person_key))
    )
    return list(rows.scalars())


async def attendance_by_key(
    session: AsyncSession, session_id: uuid.UUID, person_key: str
) -> Attendance | None:
    return (
        await session.execute(
            select(Attendance).where(
                col(Attendance.session_id) == session_id, col(Attendance.person_key) == person_key
            )
        )
    ).scalar_one_or_none()


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
    return (
        await session.execute(
            select(LogEntry).where(
                col(LogEntry.session_id) == session_id, col(LogEntry.client_ref) == client_ref
            )
        )
    ).scalar_one_or_none()


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
    if not entry_ids:
        return set()
    rows = await session.execute(
        select(col(LogEntry.id))
        .join(SupervisionSession, col(SupervisionSession.id) == col(LogEntry.session_id))
        .where(col(SupervisionSession.plan_id) == plan_id, col(LogEntry.id).in_(list(entry_ids)))
    )
    return set(rows.scalars())


# -- evidence --------------------------------------------------------------------------------


async def evidence_link(
    session: AsyncSession, evidence_id: uuid.UUID
) -> SupervisionEvidence | None:
    return (
        await session.execute(
            select(SupervisionEvidence).where(col(SupervisionEvidence.evidence_id) == evidence_id)
        )
    ).scalar_one_or_none()


def evidence_view(evidence: Evidence, link: SupervisionEvidence) -> EvidenceView:
    return EvidenceView(
        evidence_id=evidence.id,
        name=evidence.original_name,
        content_type=evidence.content_type,
        size_bytes=evidence.size_bytes,
        sha256=evidence.sha256,
        status=str(evidence.status),
        captured_at=evidence.captured_at,
        latitude=evidence.latitude,
        longitude=evidence.longitude,
        uploaded_at=evidence.uploaded_at,
        uploaded_by_user_id=evidence.uploaded_by_user_id,
        withdrawn_at=evidence.withdrawn_at,
        withdrawn_reason=evidence.withdrawn_reason,
        plan_id=link.plan_id,
        session_id=link.session_id,
        log_entry_id=link.log_entry_id,
        description=link.description,
        attached_at=link.attached_at,
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
    return [evidence_view(evidence, link) for evidence, link in rows.tuples()]


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
    return [(evidence, entry_id) for evidence, entry_id in rows.tuples()]


async def evidence_in_plan(
    session: AsyncSession, plan_id: uuid.UUID, evidence_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    if not evidence_ids:
        return set()
    rows = await session.execute(
        select(col(SupervisionEvidence.evidence_id)).where(
            col(SupervisionEvidence.plan_id) == plan_id,
            col(SupervisionEvidence.evidence_id).in_(list(evidence_ids)),
        )
    )
    return set(rows.scalars())


# -- findings and recommendations -------------------------------------------------------------


async def get_finding(
    session: AsyncSession, finding_id: uuid.UUID, *, for_update: bool = False
) -> Finding | None:
    query = select(Finding).where(col(Finding.id) == finding_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


async def findings_for_plan(session: AsyncSession, plan_id: uuid.UUID) -> list[Finding]:
    rows = await session.execute(
        select(Finding)
        .where(col(Finding.plan_id) == plan_id)
        .order_by(col(Finding.created_at), col(Finding.id))
    )
    return list(rows.scalars())


async def get_recommendation(
    session: AsyncSession, recommendation_id: uuid.UUID, *, for_update: bool = False
) -> Recommendation | None:
    query = select(Recommendation).where(col(Recommendation.id) == recommendation_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


async def list_recommendations(
    session: AsyncSession,
    *,
    plan_id: uuid.UUID | None = None,
    agency_id: uuid.UUID | None = None,
    unit_code: str | None = None,
    states: Sequence[RecommendationState] | None = None,
    issued_from: datetime | None = None,
    issued_to: datetime | None = None,
    ids: Sequence[uuid.UUID] | None = None,
) -> list[RecommendationView]:
    """Recommendations with their agency, due date and state, oldest first. Filters:
    the plan, the agency, the plan's unit, states, issue time in [issued_from, issued_to)."""
    query = (
        select(
            Recommendation,
            col(SupervisionPlan.code),
            col(Agency.code),
            col(Agency.name),
        )
        .join(SupervisionPlan, col(SupervisionPlan.id) == col(Recommendation.plan_id))
        .join(Agency, col(Agency.id) == col(Recommendation.agency_id))
    )
    if plan_id is not None:
        query = query.where(col(Recommendation.plan_id) == plan_id)
    if agency_id is not None:
        query = query.where(col(Recommendation.agency_id) == agency_id)
    if unit_code is not None:
        query = query.where(col(SupervisionPlan.unit_code) == unit_code)
    if states:
        query = query.where(col(Recommendation.state).in_([s.value for s in states]))
    if issued_from is not None:
        query = query.where(col(Recommendation.issued_at) >= issued_from)
    if issued_to is not None:
        query = query.where(col(Recommendation.issued_at) < issued_to)
    if ids is not None:
        query = query.where(col(Recommendation.id).in_(list(ids)))
    query = query.order_by(col(Recommendation.created_at), col(Recommendation.id))
    rows = await session.execute(query)
    return [
        RecommendationView(
            id=rec.id,
            plan_id=rec.plan_id,
            plan_code=plan_code,
            finding_id=rec.finding_id,
            agency_id=rec.agency_id,
            agency_code=agency_code,
            agency_name=agency_name,
            title=rec.title,
            text=rec.text,
            state=RecommendationState(rec.state),
            due_at=rec.due_at,
            issued_at=rec.issued_at,
            answered_at=rec.answered_at,
            answer_outcome=rec.answer_outcome,
            answer_summary=rec.answer_summary,
            referral_id=rec.referral_id,
            last_check_result=CheckResult(rec.last_check_result) if rec.last_check_result else None,
            last_checked_at=rec.last_checked_at,
            version=rec.version,
        )
        for rec, plan_code, agency_code, agency_name in rows.tuples()
    ]


async def recommendation_checks(
    session: AsyncSession,
    *,
    recommendation_id: uuid.UUID | None = None,
    session_id: uuid.UUID | None = None,
) -> list[RecommendationCheck]:
    query = select(RecommendationCheck)
    if recommendation_id is not None:
        query = query.where(col(RecommendationCheck.recommendation_id) == recommendation_id)
    if session_id is not None:
        query = query.where(col(RecommendationCheck.session_id) == session_id)
    query = query.order_by(col(RecommendationCheck.checked_at), col(RecommendationCheck.id))
    return list((await session.execute(query)).scalars())


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
