"""Generated supervision plans, sessions, attendance, append-only logs, evidence records,
findings and recommendations (with their referrals).

Sessions of finished plans are sealed with a manifest built by
``service.oversight.manifest.build_manifest`` over the generated rows, so a seal verifies.
Evidence is metadata only (no object in the store): the supervision report lists evidence by
name, type, size and SHA-256, which is what is measured. One plan, ``BENCH-REPORT``, has the
size the supervision-report benchmark asks for (500 log entries and 200 evidence items at
full scale).
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bench import vocabulary as vocab
from bench.clocks import ClockMath, status_at
from bench.columns import model_columns
from bench.petition_rows import REFERRAL_COLUMNS
from bench.reference import HANOI
from service.deadlines.clock import DeadlineRule
from service.deadlines.models import DeadlineStep
from service.oversight.manifest import build_manifest, manifest_hash
from service.oversight.models import (
    Attendance,
    AttendanceStatus,
    EntryKind,
    Finding,
    LogEntry,
    PlanAgency,
    PlanMember,
    Recommendation,
    SupervisionEvidence,
    SupervisionPlan,
    SupervisionSession,
)
from service.storage.keys import content_key
from service.storage.models import Evidence, EvidenceStatus

REPORT_PLAN_CODE = "BENCH-REPORT"
FORMS = ("delegation", "document_review", "people_inspection_board", "joint")
KINDS = (
    EntryKind.statement,
    EntryKind.question,
    EntryKind.answer,
    EntryKind.finding,
    EntryKind.note,
)
CONTENT_TYPES = (
    ("image/jpeg", "anh-hien-truong-{n:03d}.jpg"),
    ("application/pdf", "bao-cao-giai-trinh-{n:03d}.pdf"),
    ("video/mp4", "ghi-hinh-phien-{n:03d}.mp4"),
    ("audio/mpeg", "ghi-am-{n:03d}.mp3"),
)

# What each table is COPYed with: its model's columns, less those a generated row leaves to
# their default.
PLAN_COLUMNS = model_columns(
    SupervisionPlan,
    left_default=(
        "petition_ids",
        "archived_at",
        "conclusion_published_at",
        "conclusion_published_by",
    ),
)
PLAN_AGENCY_COLUMNS = model_columns(PlanAgency)
PLAN_MEMBER_COLUMNS = model_columns(PlanMember)
SESSION_COLUMNS = model_columns(
    SupervisionSession, left_default=("agenda", "invited", "resupervision_of", "cancelled_reason")
)
ATTENDANCE_COLUMNS = model_columns(Attendance, left_default=("reason",))
LOG_COLUMNS = model_columns(LogEntry, left_default=("corrects_entry_id", "client_ref"))
EVIDENCE_COLUMNS = model_columns(
    Evidence,
    left_default=(
        "multipart_upload_id",
        "uploaded_by_client_id",
        "latitude",
        "longitude",
        "withdrawn_at",
        "withdrawn_by",
        "withdrawn_reason",
    ),
)
SUPERVISION_EVIDENCE_COLUMNS = model_columns(SupervisionEvidence)
FINDING_COLUMNS = model_columns(Finding, left_default=("log_entry_ids", "evidence_ids"))
RECOMMENDATION_COLUMNS = model_columns(
    Recommendation, left_default=("answer_summary", "last_check_result", "last_checked_at")
)
# A recommendation's referral is the same ``referral`` row as a petition's, but is never
# published to a citizen, rated or closed by one: those columns stay NULL.
_CITIZEN_ONLY = frozenset(
    ("published_at", "feedback_due_at", "satisfied", "rated_at", "closed_at", "close_reason")
)
RECOMMENDATION_REFERRAL_COLUMNS = [name for name in REFERRAL_COLUMNS if name not in _CITIZEN_ONLY]


@dataclass
class OversightReference:
    unit_codes: list[str]
    agencies: list[tuple[uuid.UUID, str]]  # (id, name)
    supervisors: list[uuid.UUID]
    acceptance: DeadlineRule
    answer: DeadlineRule
    now: datetime


@dataclass
class OversightRows:
    plans: list[tuple[Any, ...]] = field(default_factory=list)
    plan_agencies: list[tuple[Any, ...]] = field(default_factory=list)
    members: list[tuple[Any, ...]] = field(default_factory=list)
    sessions: list[tuple[Any, ...]] = field(default_factory=list)
    attendance: list[tuple[Any, ...]] = field(default_factory=list)
    log_entries: list[tuple[Any, ...]] = field(default_factory=list)
    evidence: list[tuple[Any, ...]] = field(default_factory=list)
    supervision_evidence: list[tuple[Any, ...]] = field(default_factory=list)
    findings: list[tuple[Any, ...]] = field(default_factory=list)
    recommendations: list[tuple[Any, ...]] = field(default_factory=list)
    referrals: list[tuple[Any, ...]] = field(default_factory=list)


def _row(obj: Any, columns: list[str]) -> tuple[Any, ...]:
    return tuple(getattr(obj, name) for name in columns)


@dataclass(frozen=True)
class PlanSize:
    sessions: int
    entries: int  # log entries per session
    evidence: int  # evidence items per session


@dataclass(frozen=True)
class Delegation:
    """Who supervises one plan: what each of its sessions and its conclusion are written by
    and about."""

    plan_id: uuid.UUID
    head: uuid.UUID
    member: uuid.UUID
    agencies: list[tuple[uuid.UUID, str]]  # the supervised agencies: (id, name)


class OversightFactory:
    def __init__(self, reference: OversightReference, rng: random.Random, clocks: ClockMath):
        self.ref = reference
        self.rng = rng
        self.clocks = clocks
        self.rows = OversightRows()

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def build(
        self,
        *,
        sessions: int,
        entries_per_session: int,
        evidence_per_session: int,
        report_entries: int,
        report_evidence: int,
    ) -> OversightRows:
        """``sessions`` sessions over plans of 4, then the report plan (5 sessions)."""
        plans = max(1, sessions // 4)
        for index in range(plans):
            count = min(4, sessions - index * 4) or 1
            size = PlanSize(count, entries_per_session, evidence_per_session)
            self._plan(f"GS-{index + 1:05d}", size)
        size = PlanSize(5, max(1, report_entries // 5), max(1, report_evidence // 5))
        self._plan(REPORT_PLAN_CODE, size, finished=True, unit_code=HANOI)
        return self.rows

    def _plan(
        self,
        code: str,
        size: PlanSize,
        *,
        finished: bool | None = None,
        unit_code: str | None = None,
    ) -> None:
        rng = self.rng
        sessions = size.sessions
        now = self.ref.now
        plan_id = self._uuid()
        finished = rng.random() < 0.8 if finished is None else finished
        created = now - timedelta(days=rng.uniform(40 if finished else 5, 3 * 365))
        start = (created + timedelta(days=7)).date()
        head, member = rng.sample(self.ref.supervisors, 2)
        agencies = rng.sample(self.ref.agencies, min(2, len(self.ref.agencies)))
        session_gap = timedelta(days=rng.uniform(3, 8))
        last_session_end = created + timedelta(days=7) + session_gap * sessions
        concluded_at = last_session_end + timedelta(days=3) if finished else None
        if concluded_at is not None and concluded_at > now:
            concluded_at = now - timedelta(hours=1)
        state = "concluded" if finished else "in_progress"
        self.rows.plans.append(
            (
                plan_id,
                code,
                vocab.text(rng.choice(vocab.SUPERVISION_SUBJECTS)),
                vocab.LEGAL_BASIS,
                rng.choice(FORMS),
                unit_code or (HANOI if rng.random() < 0.2 else rng.choice(self.ref.unit_codes)),
                start,
                max(start, (last_session_end + timedelta(days=5)).date()),
                None,
                state,
                4,
                created + timedelta(hours=2),
                head,
                created + timedelta(days=1),
                head,
                vocab.text("Kết luận giám sát: " + rng.choice(vocab.RECOMMENDATION_TEXTS))
                if finished
                else None,
                concluded_at,
                head,
                created,
                concluded_at or created + timedelta(days=1),
            )
        )
        for agency_id, _ in agencies:
            self.rows.plan_agencies.append((plan_id, agency_id))
        self.rows.members.append((plan_id, head, "head", created))
        self.rows.members.append((plan_id, member, "member", created))
        delegation = Delegation(plan_id, head, member, agencies)
        for number in range(1, sessions + 1):
            begin = created + timedelta(days=7) + session_gap * (number - 1)
            sealed = finished or number < sessions
            self._session(
                delegation, number, size, begin=min(begin, now - timedelta(hours=3)), sealed=sealed
            )
        if finished:
            self._conclusion(delegation, concluded_at or now)

    def _session(
        self, delegation: Delegation, number: int, size: PlanSize, *, begin: datetime, sealed: bool
    ) -> None:
        rng = self.rng
        plan_id, head, member = delegation.plan_id, delegation.head, delegation.member
        entries, evidence = size.entries, size.evidence
        session_id = self._uuid()
        mode = rng.choice(("online", "in_person", "hybrid"))
        end = begin + timedelta(hours=3)
        people: list[Attendance] = [
            Attendance(
                id=self._uuid(),
                session_id=session_id,
                person_key=f"user:{user}",
                user_id=user,
                name=vocab.person_name(rng),
                organisation="Ủy ban MTTQ Việt Nam",
                capacity="Thành viên đoàn giám sát",
                status=AttendanceStatus.attended,
                arrived_at=begin,
                recorded_by=head,
                recorded_at=begin,
            )
            for user in (head, member)
        ]
        for agency_id, agency_name in delegation.agencies:
            name = vocab.person_name(rng)
            people.append(
                Attendance(
                    id=self._uuid(),
                    session_id=session_id,
                    person_key=f"name:{name.casefold()}|{agency_name.casefold()}",
                    agency_id=agency_id,
                    name=name,
                    organisation=agency_name,
                    capacity="Đại diện cơ quan được giám sát",
                    status=AttendanceStatus.attended,
                    arrived_at=begin,
                    recorded_by=head,
                    recorded_at=begin,
                )
            )
        log: list[LogEntry] = []
        step = timedelta(seconds=max(1.0, 3 * 3600 / max(entries, 1)))
        for seq in range(1, entries + 1):
            speaker = rng.choice(people)
            log.append(
                LogEntry(
                    id=self._uuid(),
                    session_id=session_id,
                    seq=seq,
                    kind=rng.choice(KINDS),
                    text=vocab.fill(rng.choice(vocab.LOG_TEXTS), rng, unit_name="Hà Nội"),
                    speaker_user_id=speaker.user_id,
                    speaker_name=speaker.name,
                    speaker_organisation=speaker.organisation,
                    author_id=head,
                    created_at=begin + step * seq,
                )
            )
        files: list[tuple[Evidence, uuid.UUID | None]] = []
        for n in range(1, evidence + 1):
            content_type, name = rng.choice(CONTENT_TYPES)
            digest = f"{rng.getrandbits(256):064x}"
            item = Evidence(
                id=self._uuid(),
                sha256=digest,
                size_bytes=rng.randint(40_000, 25_000_000),
                content_type=content_type,
                original_name=name.format(n=n),
                object_key=content_key(digest),
                status=EvidenceStatus.stored,
                uploaded_by_user_id=head,
                uploaded_at=begin + step * min(n, max(entries, 1)),
                captured_at=begin,
            )
            entry_id = log[n % len(log)].id if log and rng.random() < 0.5 else None
            files.append((item, entry_id))
        manifest = (
            build_manifest(
                session_id=session_id,
                plan_id=plan_id,
                entries=log,
                attendance=people,
                evidence=files,
            )
            if sealed
            else None
        )
        online = mode != "in_person"
        self.rows.sessions.append(
            (
                session_id,
                plan_id,
                number,
                f"Phiên giám sát số {number}",
                mode,
                "sealed" if sealed else "closed",
                begin,
                end,
                None if mode == "online" else "Hội trường UBND",
                "https://meet.example.vn/giamsat" if online else None,
                len(log),
                3 if sealed else 2,
                begin,
                end,
                end + timedelta(minutes=30) if sealed else None,
                head if sealed else None,
                json.dumps(manifest, ensure_ascii=False) if manifest is not None else None,
                manifest_hash(manifest) if manifest is not None else None,
                head,
                begin - timedelta(days=2),
            )
        )
        self.rows.attendance.extend(_row(a, ATTENDANCE_COLUMNS) for a in people)
        self.rows.log_entries.extend(_row(e, LOG_COLUMNS) for e in log)
        for item, entry_id in files:
            self.rows.evidence.append(_row(item, EVIDENCE_COLUMNS))
            self.rows.supervision_evidence.append(
                (
                    self._uuid(),
                    item.id,
                    plan_id,
                    session_id,
                    entry_id,
                    item.original_name,
                    head,
                    item.uploaded_at,
                )
            )

    def _conclusion(self, delegation: Delegation, concluded: datetime) -> None:
        rng = self.rng
        plan_id, head = delegation.plan_id, delegation.head
        now = self.ref.now
        for agency_id, _ in delegation.agencies:
            finding_id = self._uuid()
            title = vocab.text(rng.choice(vocab.FINDING_TITLES))
            self.rows.findings.append(
                (
                    finding_id,
                    plan_id,
                    None,
                    title,
                    vocab.text(title + ". Đoàn giám sát ghi nhận qua các phiên làm việc."),
                    1,
                    head,
                    concluded,
                    concluded,
                )
            )
            recommendation_id = self._uuid()
            referral_id = self._uuid()
            issued = concluded
            acceptance_due, acceptance_warn = self.clocks.times(issued, self.ref.acceptance)
            acknowledged = issued + timedelta(days=rng.uniform(0.5, 6))
            answered = acknowledged + timedelta(days=rng.uniform(5, 50))
            if acknowledged > now:
                step, rule, start = DeadlineStep.acceptance, self.ref.acceptance, issued
                due, warn = acceptance_due, acceptance_warn
                state, referral_state, stopped = "issued", "sent", None
                acknowledged_at = answered_at = None
            else:
                step, rule, start = DeadlineStep.answer, self.ref.answer, acknowledged
                due, warn = self.clocks.times(acknowledged, self.ref.answer)
                acknowledged_at = acknowledged
                if answered <= now:
                    state = rng.choice(("implemented", "partly_implemented", "accepted"))
                    referral_state, stopped, answered_at = "closed", answered, answered
                else:
                    state, referral_state, stopped = "acknowledged", "acknowledged", None
                    answered_at = None
            clock = status_at(now, due=due, warn=warn, stopped=stopped)
            if clock == "overdue" and state in ("issued", "acknowledged"):
                state = "overdue"
            text = vocab.text(rng.choice(vocab.RECOMMENDATION_TEXTS))
            self.rows.recommendations.append(
                (
                    recommendation_id,
                    plan_id,
                    finding_id,
                    agency_id,
                    text[:500],
                    text,
                    state,
                    2,
                    referral_id,
                    due,
                    issued,
                    head,
                    answered_at,
                    "resolved" if answered_at else None,
                    head,
                    concluded,
                    answered_at or acknowledged_at or issued,
                )
            )
            self.rows.referrals.append(
                (
                    referral_id,
                    "recommendation",
                    recommendation_id,
                    "supervision_recommendation",
                    "normal",
                    agency_id,
                    HANOI,
                    text[:500],
                    referral_state,
                    2,
                    acceptance_due,
                    acknowledged_at,
                    answered_at,
                    due if answered_at else None,
                    0,
                    0,
                    issued,
                    answered_at or acknowledged_at or issued,
                    step.value,
                    json.dumps(rule.as_json()),
                    start,
                    None,
                    "[]",
                    due,
                    warn,
                    clock,
                    stopped,
                    "[]",
                )
            )
