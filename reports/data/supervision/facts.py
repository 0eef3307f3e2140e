"""The facts of the supervision report, read from the database: the plan and what oversight
records of it, the counts of the log, and every seal (and, with a store, every evidence file)
checked again in the same snapshot."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from reports.data.common import counted, lower_first
from reports.data.supervision.queries import EVIDENCE_COUNT, EVIDENCE_OBJECTS, LOG_COUNT, LOG_COUNTS
from reports.numbers import format_number
from service.oversight.manifest import Verification
from service.oversight.models import SessionState, SupervisionPlan
from service.oversight.repository import (
    ManifestView,
    PlanDetail,
    RecommendationView,
    SessionDetail,
    findings_for_plan,
    list_recommendations,
    manifests,
    plan_detail,
    sessions_with_attendance,
)
from service.oversight.service.log import check_seal, rehash_object
from service.storage.store import ObjectStore


@dataclass(frozen=True)
class SupervisionParameters:
    plan_id: uuid.UUID
    plan_code: str
    timezone: str = "Asia/Ho_Chi_Minh"
    include_log: bool = True


@dataclass(frozen=True)
class SealCheck:
    """One sealed session's seal, recomputed from the rows the report prints."""

    session_id: uuid.UUID
    session_number: int
    session_title: str
    verification: Verification


@dataclass(frozen=True)
class EvidenceMismatch:
    """An evidence file whose stored bytes no longer hash to the SHA-256 the report prints."""

    name: str
    recorded_sha256: str
    stored_sha256: str | None  # None: the object is gone


@dataclass(frozen=True)
class SupervisionData:
    detail: PlanDetail
    sessions: list[SessionDetail]
    log_counts: dict[uuid.UUID, dict[str, int]]
    findings: list[Any]
    recommendations: list[RecommendationView]
    manifests: list[ManifestView]
    evidence_count: int
    log_count: int
    seal_checks: list[SealCheck] = field(default_factory=list)
    # None: the evidence files were not re-read (no object store at hand).
    evidence_mismatches: list[EvidenceMismatch] | None = None

    @property
    def plan(self) -> SupervisionPlan:
        return self.detail.plan

    def seal_of(self, session_id: uuid.UUID) -> SealCheck | None:
        return next((c for c in self.seal_checks if c.session_id == session_id), None)

    @property
    def integrity_warnings(self) -> list[str]:
        """One Vietnamese sentence per seal or hash that does not match."""
        warnings = [_seal_warning(c) for c in self.seal_checks if not c.verification.ok]
        for item in self.evidence_mismatches or []:
            if item.stored_sha256 is None:
                warnings.append(
                    f"Tệp chứng cứ “{item.name}” không còn trong kho lưu trữ; không đối chiếu "
                    "được mã SHA-256 in trong báo cáo."
                )
            else:
                warnings.append(
                    f"Tệp chứng cứ “{item.name}” trong kho lưu trữ không còn khớp mã SHA-256 "
                    f"đã ghi ({item.recorded_sha256[:12]}…); nội dung tệp đã bị thay đổi."
                )
        return warnings


_PART_LABELS = {
    "manifest": "bản niêm phong bị sửa",
    "audit": "mã niêm phong khác với mã ghi trong nhật ký kiểm toán",
    "attendance": "thành phần tham dự bị thay đổi",
    "evidence": "danh sách chứng cứ bị thay đổi",
    "evidence_objects": "tệp chứng cứ bị thay đổi",
}


def _seal_warning(check: SealCheck) -> str:
    result = check.verification
    parts = []
    if "entries" in result.differing_parts:
        details = [
            f"{format_number(len(rows))} nội dung {what}"
            for rows, what in (
                (result.changed_entries, "bị sửa"),
                (result.missing_entries, "bị xóa"),
                (result.added_entries, "được thêm vào"),
            )
            if rows
        ]
        parts.append("nhật ký: " + ", ".join(details or ["bị thay đổi"]))
    parts += [_PART_LABELS[p] for p in result.differing_parts if p in _PART_LABELS]
    return (
        f"Buổi làm việc số {check.session_number} (“{check.session_title}”): biên bản điện tử "
        f"đã niêm phong không còn khớp với dữ liệu hiện có ({'; '.join(parts)}); mã niêm "
        f"phong {result.stored_sha256[:12]}…, tính lại được {result.recomputed_sha256[:12]}…."
    )


async def check_seals(session: AsyncSession, sessions: list[SessionDetail]) -> list[SealCheck]:
    """Every sealed session's seal, verified as ``GET .../verify`` does."""
    checks = []
    for detail in sessions:
        supervision_session = detail.session
        if supervision_session.sealed_at is None and supervision_session.manifest_sha256 is None:
            continue
        sealed = supervision_session.state == SessionState.sealed
        if (
            not sealed
            or supervision_session.manifest is None
            or not supervision_session.manifest_sha256
        ):
            # A seal half there (the database refuses this; only a bypass makes it).
            result = Verification(
                ok=False,
                stored_sha256=supervision_session.manifest_sha256 or "-",
                recomputed_sha256="-",
                differing_parts=["manifest"],
            )
        else:
            result, _ = await check_seal(session, supervision_session)
        checks.append(
            SealCheck(
                supervision_session.id,
                supervision_session.number,
                supervision_session.title,
                result,
            )
        )
    return checks


async def check_evidence_objects(
    session: AsyncSession, store: ObjectStore, plan_id: uuid.UUID
) -> list[EvidenceMismatch]:
    """Re-read every evidence file the report lists and compare its SHA-256."""
    mismatches = []
    for row in (await session.execute(EVIDENCE_OBJECTS, {"plan": plan_id})).mappings():
        stored = await rehash_object(store, row["object_key"])
        if stored != row["sha256"]:
            mismatches.append(EvidenceMismatch(row["original_name"], row["sha256"], stored))
    return mismatches


async def gather(
    session: AsyncSession, params: SupervisionParameters, *, store: ObjectStore | None = None
) -> SupervisionData:
    detail = await plan_detail(session, params.plan_id)
    if detail is None:
        raise LookupError(f"no supervision plan {params.plan_id}")
    sessions = await sessions_with_attendance(session, params.plan_id)
    counts: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for row in (await session.execute(LOG_COUNTS, {"plan": params.plan_id})).mappings():
        counts[row["session_id"]][row["kind"]] = int(row["n"])
    bind = {"plan": params.plan_id}
    return SupervisionData(
        detail=detail,
        sessions=sessions,
        log_counts=dict(counts),
        findings=await findings_for_plan(session, params.plan_id),
        recommendations=await list_recommendations(session, plan_id=params.plan_id),
        manifests=await manifests(session, params.plan_id),
        evidence_count=await counted(session, EVIDENCE_COUNT, bind),
        log_count=await counted(session, LOG_COUNT, bind),
        seal_checks=await check_seals(session, sessions),
        evidence_mismatches=(
            None if store is None else await check_evidence_objects(session, store, params.plan_id)
        ),
    )


def _activity(subject: str) -> str:
    """ "giám sát việc ..." whether or not the subject already starts with "Giám sát"."""
    subject = subject.strip()
    if subject.lower().startswith("giám sát"):
        return lower_first(subject)
    return f"giám sát {lower_first(subject)}"


def summary(plan: SupervisionPlan) -> str:
    return f"Kết quả {_activity(plan.subject)}"


def head_of(detail: PlanDetail) -> str | None:
    """The head of the delegation: the default signer of the report."""
    for member in detail.members:
        if member.role == "head":
            return member.full_name
    return None
