"""Read models of the oversight package: plain dataclasses the repository returns to the
services, the controllers and the reports (no ORM instance or lazy attribute leaks out),
and the functions that shape API responses from them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import SQLModel

from service.oversight.access import PlanAccess
from service.oversight.models import (
    Attendance,
    PlanParticipant,
    PlanRole,
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


# Evidence as the services read it (the storage row and its link) is what the API answers.
EvidenceView = EvidenceItem


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


def columns(row: SQLModel, *, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A table row's values by column name, as they are (no serialisation: an enum column
    read back from the database holds its text), for building a read model from it."""
    return {name: getattr(row, name) for name in type(row).model_fields if name not in exclude}


def evidence_view(evidence: Evidence, link: SupervisionEvidence) -> EvidenceView:
    return EvidenceView.model_validate(
        {
            **columns(link, exclude=frozenset({"id"})),
            **columns(evidence, exclude=frozenset({"id"})),
            "name": evidence.original_name,
            "status": str(evidence.status),
        }
    )


# -- API responses -----------------------------------------------------------------------------
# The controllers and the generated actions answer with these; the services decide the
# allowed actions, the shaping here only copies fields.


def _plan_fields(plan: SupervisionPlan) -> dict[str, Any]:
    """The plan's columns, and whether it was submitted (what the summary shows of it)."""
    return {**columns(plan), "submitted": plan.submitted_at is not None}


def plan_summary(plan: SupervisionPlan) -> PlanSummary:
    return PlanSummary.model_validate(_plan_fields(plan))


def plan_read(
    plan: SupervisionPlan, detail: PlanDetail, access: PlanAccess, allowed_actions: list[str]
) -> PlanRead:
    return PlanRead.model_validate(
        {
            **_plan_fields(plan),
            "agencies": [
                AgencyRef.model_validate(a, from_attributes=True) for a in detail.agencies
            ],
            "members": [MemberRead.model_validate(m, from_attributes=True) for m in detail.members],
            "participants": [ParticipantRead.model_validate(p) for p in detail.participants],
            "my_role": access.member_role,
            "allowed_actions": allowed_actions,
        }
    )


def session_read(
    supervision_session: SupervisionSession, allowed_actions: list[str]
) -> SessionRead:
    return SessionRead.model_validate(
        {
            # The manifest is its own resource (``sealed_manifest``).
            **columns(supervision_session, exclude=frozenset({"manifest"})),
            "entry_count": supervision_session.log_seq,
            "allowed_actions": allowed_actions,
        }
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
