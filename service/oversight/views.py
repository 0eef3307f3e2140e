"""Read models of the oversight package: plain dataclasses the repository returns to the
services, the controllers and the reports (no ORM instance or lazy attribute leaks out),
and the functions that shape API responses from them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.oversight.access import PlanAccess
from service.oversight.models import (
    Attendance,
    PlanForm,
    PlanParticipant,
    PlanRole,
    PlanState,
    SessionState,
    SupervisionEvidence,
    SupervisionPlan,
    SupervisionSession,
)
from service.oversight.schemas import (
    AgencyRef,
    EvidenceItem,
    ManifestRead,
    MemberRead,
    ParticipantRead,
    PlanRead,
    PlanSummary,
    RecommendationRead,
    SessionRead,
)
from service.storage.models import Evidence


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


# A recommendation as the repository reads it (with its plan's code and its agency) is
# exactly what the API answers: one model serves both.
RecommendationView = RecommendationRead


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


# -- API responses -----------------------------------------------------------------------------
# The controllers and the generated actions answer with these; the services decide the
# allowed actions, the shaping here only copies fields.


def plan_summary(plan: SupervisionPlan) -> PlanSummary:
    return PlanSummary(
        id=plan.id,
        code=plan.code,
        subject=plan.subject,
        form=PlanForm(plan.form),
        unit_code=plan.unit_code,
        period_start=plan.period_start,
        period_end=plan.period_end,
        state=PlanState(plan.state),
        submitted=plan.submitted_at is not None,
        created_at=plan.created_at,
        version=plan.version,
    )


def plan_read(
    plan: SupervisionPlan, detail: PlanDetail, access: PlanAccess, allowed_actions: list[str]
) -> PlanRead:
    return PlanRead(
        **plan_summary(plan).model_dump(),
        legal_basis=plan.legal_basis,
        description=plan.description,
        petition_ids=list(plan.petition_ids),
        submitted_at=plan.submitted_at,
        approved_at=plan.approved_at,
        approved_by=plan.approved_by,
        conclusion=plan.conclusion,
        concluded_at=plan.concluded_at,
        archived_at=plan.archived_at,
        created_by=plan.created_by,
        updated_at=plan.updated_at,
        agencies=[
            AgencyRef(id=a.id, code=a.code, name=a.name, unit_code=a.unit_code)
            for a in detail.agencies
        ],
        members=[
            MemberRead(user_id=m.user_id, username=m.username, full_name=m.full_name, role=m.role)
            for m in detail.members
        ],
        participants=[ParticipantRead.model_validate(p) for p in detail.participants],
        my_role=access.member_role,
        allowed_actions=allowed_actions,
    )


def session_read(
    supervision_session: SupervisionSession, allowed_actions: list[str]
) -> SessionRead:
    return SessionRead(
        id=supervision_session.id,
        plan_id=supervision_session.plan_id,
        number=supervision_session.number,
        title=supervision_session.title,
        mode=supervision_session.mode,
        state=SessionState(supervision_session.state),
        scheduled_start=supervision_session.scheduled_start,
        scheduled_end=supervision_session.scheduled_end,
        place=supervision_session.place,
        meeting_link=supervision_session.meeting_link,
        agenda=list(supervision_session.agenda),
        invited=list(supervision_session.invited),
        resupervision_of=list(supervision_session.resupervision_of),
        entry_count=supervision_session.log_seq,
        opened_at=supervision_session.opened_at,
        closed_at=supervision_session.closed_at,
        sealed_at=supervision_session.sealed_at,
        manifest_sha256=supervision_session.manifest_sha256,
        cancelled_reason=supervision_session.cancelled_reason,
        version=supervision_session.version,
        allowed_actions=allowed_actions,
    )


def sealed_manifest(supervision_session: SupervisionSession) -> ManifestRead:
    assert supervision_session.sealed_at is not None
    assert supervision_session.manifest_sha256 is not None
    assert supervision_session.manifest is not None
    return ManifestRead(
        session_id=supervision_session.id,
        sealed_at=supervision_session.sealed_at,
        manifest_sha256=supervision_session.manifest_sha256,
        manifest=supervision_session.manifest,
    )


def manifest_read(view: ManifestView) -> ManifestRead:
    return ManifestRead(
        session_id=view.session_id,
        sealed_at=view.sealed_at,
        manifest_sha256=view.manifest_sha256,
        manifest=view.manifest,
    )


def evidence_item(view: EvidenceView) -> EvidenceItem:
    return EvidenceItem(**view.__dict__)
