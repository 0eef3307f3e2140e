"""Generated petitions with their petitioners, referrals, answers and public answers.

Every row is built in Python from a seeded random generator and handed to COPY as a tuple in
the order of the ``*_COLUMNS`` lists. A petition's story is drawn first (status, then the
delays between receipt, routing, acknowledgement, answer, publication and closing), then
placed in time so that it ends before ``now``: finished petitions spread evenly over three
years, open ones mostly recent with a backlog tail. The deadline columns follow from that
story through ``bench.clocks`` (the platform's own clock arithmetic), so a clock is
``running``/``due_soon``/``overdue`` exactly as a sweep at ``now`` would have left it, and an
overdue ward item carries the ``escalated_at`` that sweep would have set.

The module is longer than 600 lines because it is one `PetitionFactory`: a petition, its
referral, answer and public answer are drawn by the same methods from one generator, in the
order a seed's database depends on, and read best as one story.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

from bench import vocabulary as vocab
from bench.clocks import CLOCK_COLUMNS, ClockMath, status_at
from bench.columns import model_columns
from service.deadlines.clock import DeadlineRule
from service.deadlines.models import DeadlineStep
from service.petitions.confidential import Identity, encrypt_identity
from service.petitions.models import Petitioner
from service.replies.models import PublicAnswer, ReferralAnswer
from service.settings import Settings

DAY = 86_400.0
HOUR = 3_600.0
LOCAL_OFFSET = timedelta(hours=7)  # Asia/Ho_Chi_Minh has no daylight saving time
YEARS = 3

KINDS = ("feedback", "recommendation", "complaint", "denunciation")
KIND_WEIGHTS = list(accumulate((0.55, 0.22, 0.15, 0.08)))
URGENCIES = ("normal", "urgent", "complex")
URGENCY_WEIGHTS = list(accumulate((0.85, 0.05, 0.10)))
CHANNELS = ("app", "zalo", "web", "hotline", "voter_meeting", "walk_in")
CHANNEL_WEIGHTS = list(accumulate((0.35, 0.25, 0.15, 0.10, 0.08, 0.07)))
CATEGORY_WEIGHTS = {
    "land": 0.16,
    "construction_order": 0.14,
    "environment_sanitation": 0.15,
    "traffic_infrastructure": 0.14,
    "social_welfare": 0.08,
    "public_security_order": 0.07,
    "health": 0.05,
    "education": 0.05,
    "administrative_procedures": 0.07,
    "officials_conduct": 0.05,
    "other": 0.04,
}
# About 20% open (received ... reopened), the rest finished.
STATUS_WEIGHTS = {
    "received": 0.04,
    "needs_info": 0.01,
    "accepted": 0.02,
    "referred": 0.04,
    "in_progress": 0.05,
    "answered": 0.03,
    "reopened": 0.01,
    "closed": 0.725,
    "rejected": 0.035,
    "withdrawn": 0.015,
    "merged": 0.025,
}
ROUTED = frozenset({"referred", "in_progress", "answered", "closed", "reopened"})
FINISHED = frozenset({"closed", "rejected", "withdrawn", "merged"})
OUTCOMES = ("resolved", "partly_resolved", "explained", "rejected_with_legal_basis")
OUTCOME_WEIGHTS = list(accumulate((0.55, 0.2, 0.2, 0.05)))
REJECT_REASONS = (
    ("not_competent", "Không thuộc thẩm quyền tiếp nhận của Mặt trận."),
    ("insufficient_information", "Nội dung không rõ ràng, không đủ thông tin để xem xét."),
    ("already_resolved", "Nội dung đã được cơ quan có thẩm quyền giải quyết."),
)

PETITION_COLUMNS = [
    "id",
    "tracking_code",
    "secret_hash",
    "kind",
    "category_code",
    "title",
    "description",
    "unit_code",
    "address_text",
    "residential_group",
    "latitude",
    "longitude",
    "channel",
    "urgency",
    "status",
    "contested_decision_date",
    "identified",
    "client_id",
    "notify_channel",
    "consent_process",
    "consent_publish",
    "consent_recorded_at",
    "suggested_agency_id",
    "agency_id",
    "referral_id",
    "bounce_count",
    "reopen_count",
    "merged_into_id",
    "raised_by_count",
    "evidence_count",
    "reject_reason_code",
    "reject_reason",
    "escalated_at",
    "version",
    "created_at",
    "updated_at",
    "answered_at",
    "closed_at",
    *CLOCK_COLUMNS,
]
_P = {name: index for index, name in enumerate(PETITION_COLUMNS)}
PETITIONER_COLUMNS = model_columns(Petitioner)
REFERRAL_COLUMNS = [
    "id",
    "item_type",
    "item_id",
    "item_kind",
    "urgency",
    "agency_id",
    "unit_code",
    "title",
    "state",
    "version",
    "acceptance_due_at",
    "acknowledged_at",
    "answered_at",
    "answer_due_at",
    "published_at",
    "feedback_due_at",
    "satisfied",
    "rated_at",
    "extension_requests",
    "reopen_count",
    "closed_at",
    "close_reason",
    "created_at",
    "updated_at",
    *CLOCK_COLUMNS,
]
ANSWER_COLUMNS = model_columns(
    ReferralAnswer,
    left_default=(
        "legal_basis",
        "attachment_ids",
        "created_by",
        "submitted_by",
        "reviewed_by",
        "review_note",
    ),
)
PUBLIC_ANSWER_COLUMNS = model_columns(PublicAnswer, left_default=("legal_basis",))


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    weight: float
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Case:
    """What a petition's referral and its answer are about: one value for both rows."""

    petition_id: uuid.UUID
    kind: str
    urgency: str
    agency_id: uuid.UUID
    unit_code: str
    category: str
    title: str
    description: str
    consent_publish: bool


@dataclass
class Reference:
    """What the generator needs from the seeded database."""

    units: list[Unit]
    categories: list[str]
    # (category, unit) -> the agency that routing suggests (directory.routing.suggest_agency)
    routing: dict[tuple[str, str], uuid.UUID | None]
    agency_ids: list[uuid.UUID]
    agency_names: dict[uuid.UUID, str]
    fallback_agency_id: uuid.UUID
    rules: dict[tuple[str, str, str], DeadlineRule]
    client_id: uuid.UUID
    settings: Settings
    now: datetime

    def rule(self, kind: str, urgency: str, step: DeadlineStep) -> DeadlineRule:
        return self.rules.get((kind, urgency, step.value)) or self.rules[(kind, "normal", step)]


@dataclass
class Batch:
    petitions: list[list[Any]] = field(default_factory=list)
    petitioners: list[tuple[Any, ...]] = field(default_factory=list)
    referrals: list[tuple[Any, ...]] = field(default_factory=list)
    answers: list[tuple[Any, ...]] = field(default_factory=list)
    public_answers: list[tuple[Any, ...]] = field(default_factory=list)

    def petition_tuples(self) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.petitions]


def _weighted(weights: dict[str, float]) -> tuple[list[str], list[float]]:
    names = list(weights)
    total = 0.0
    cumulative = []
    for name in names:
        total += weights[name]
        cumulative.append(total)
    return names, cumulative


class PetitionFactory:
    """Builds petitions batch by batch; tracking numbers continue across batches."""

    def __init__(self, reference: Reference, rng: random.Random, clocks: ClockMath) -> None:
        self.ref = reference
        self.rng = rng
        self.clocks = clocks
        self.now = reference.now
        self.start = reference.now - timedelta(days=365 * YEARS)
        self.sequences: dict[int, int] = {}
        self._statuses, self._status_cum = _weighted(STATUS_WEIGHTS)
        self._categories, self._category_cum = _weighted(
            {c: CATEGORY_WEIGHTS.get(c, 0.02) for c in reference.categories}
        )
        total = 0.0
        self._unit_cum = []
        for unit in reference.units:
            total += unit.weight
            self._unit_cum.append(total)
        self._rule_json: dict[DeadlineRule, str] = {}
        self.counts: dict[str, int] = {}

    # -- small helpers ---------------------------------------------------------------------

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _expo(self, mean: float, cap: float) -> float:
        return min(self.rng.expovariate(1.0 / mean), cap)

    def _json(self, rule: DeadlineRule) -> str:
        cached = self._rule_json.get(rule)
        if cached is None:
            cached = self._rule_json[rule] = json.dumps(rule.as_json())
        return cached

    def _tracking_code(self, created: datetime) -> str:
        year = (created + LOCAL_OFFSET).year
        number = self.sequences.get(year, 0) + 1
        self.sequences[year] = number
        return f"HN-{year}-{number:06d}"

    def _at(self, moment: datetime) -> datetime:
        return min(moment, self.now - timedelta(seconds=1))

    # -- one batch -------------------------------------------------------------------------

    def batch(self, size: int) -> Batch:
        batch = Batch()
        # Open or recent petitions of (unit, category) that a duplicate can be merged into.
        leads: dict[tuple[str, str], int] = {}
        for _ in range(size):
            self._petition(batch, leads)
        return batch

    def _petition(self, batch: Batch, leads: dict[tuple[str, str], int]) -> None:
        rng = self.rng
        status = rng.choices(self._statuses, cum_weights=self._status_cum)[0]
        category = rng.choices(self._categories, cum_weights=self._category_cum)[0]
        unit = rng.choices(self.ref.units, cum_weights=self._unit_cum)[0]
        lead_index = leads.get((unit.code, category)) if status == "merged" else None
        if status == "merged" and lead_index is None:
            status = "closed"
        kind = rng.choices(KINDS, cum_weights=KIND_WEIGHTS)[0]
        urgency = rng.choices(URGENCIES, cum_weights=URGENCY_WEIGHTS)[0]
        self.counts[status] = self.counts.get(status, 0) + 1

        story = self._story(status, kind, urgency)
        lead = batch.petitions[lead_index] if lead_index is not None else None
        created = self._place(status, story, lead)
        times = {name: created + timedelta(seconds=offset) for name, offset in story.items()}

        petition_id = self._uuid()
        if lead is not None:
            title = lead[_P["title"]]
            _, description = vocab.petition_text(rng, category, unit.name)
            lead[_P["raised_by_count"]] += 1
        else:
            title, description = vocab.petition_text(rng, category, unit.name)
        has_point = rng.random() < 0.55
        if lead is not None and lead[_P["latitude"]] is not None:
            latitude = lead[_P["latitude"]] + rng.uniform(-0.001, 0.001)
            longitude = lead[_P["longitude"]] + rng.uniform(-0.001, 0.001)
        elif has_point:
            latitude = unit.latitude + rng.uniform(-0.008, 0.008)
            longitude = unit.longitude + rng.uniform(-0.008, 0.008)
        else:
            latitude = longitude = None

        identity = self._identity(kind)
        identified = identity is not None
        if identity is None:
            notify = "none" if rng.random() < 0.5 else "webhook"
        elif identity.email and rng.random() < 0.3:
            notify = "email"
        else:
            notify = "webhook"
        consent_publish = kind != "denunciation" and rng.random() < 0.6

        # The routing-step clock on the petition.
        routing_rule = self.ref.rule(kind, urgency, DeadlineStep.routing)
        due, warn = self.clocks.times(created, routing_rule)
        stop_at = {
            "rejected": times.get("decided"),
            "withdrawn": times.get("withdrawn"),
            "merged": times.get("decided"),
        }.get(status, times.get("routed"))
        paused = times.get("paused") if status == "needs_info" else None
        clock_status = status_at(self.now, due=due, warn=warn, stopped=stop_at, paused=paused)
        escalated_at = None
        late_point = stop_at or paused or self.now
        if late_point > due + timedelta(seconds=30):
            escalated_at = due + timedelta(seconds=30)

        suggested = self.ref.routing.get((category, unit.code))
        agency_id = None
        referral_id = None
        if status in ROUTED:
            agency_id = suggested or self.ref.fallback_agency_id
            if rng.random() < 0.08:  # the officer overrode the suggestion
                agency_id = rng.choice(self.ref.agency_ids)
            case = Case(
                petition_id,
                kind,
                urgency,
                agency_id,
                unit.code,
                category,
                title,
                description,
                consent_publish,
            )
            referral_id = self._referral(batch, case, status=status, times=times)

        last_event = max(times.values(), default=created)
        reject = rng.choice(REJECT_REASONS) if status == "rejected" else (None, None)
        closed_at = times.get("closed") if status == "closed" else None
        if status in ("rejected", "withdrawn"):
            closed_at = stop_at
        answered_at = (
            times.get("published") if status in ("answered", "closed", "reopened") else None
        )
        row: list[Any] = [
            petition_id,
            self._tracking_code(created),
            f"{rng.getrandbits(256):064x}",
            kind,
            category,
            title,
            description,
            unit.code,
            f"Số {rng.randint(1, 300)} {rng.choice(vocab.STREETS)}" if rng.random() < 0.7 else None,
            f"Tổ dân phố số {rng.randint(1, 40)}" if rng.random() < 0.5 else None,
            latitude,
            longitude,
            rng.choices(CHANNELS, cum_weights=CHANNEL_WEIGHTS)[0],
            urgency,
            status,
            (created - timedelta(days=rng.randint(1, 80))).date() if kind == "complaint" else None,
            identified,
            self.ref.client_id,
            notify,
            True,
            consent_publish,
            created,
            suggested,
            agency_id,
            referral_id,
            0,
            1 if status == "reopened" else 0,
            lead[_P["id"]] if lead is not None else None,
            1,
            0,
            reject[0],
            reject[1],
            escalated_at,
            1 + len(times),
            created,
            last_event,
            answered_at,
            closed_at,
            DeadlineStep.routing.value,
            self._json(routing_rule),
            created,
            paused,
            "[]",
            due,
            warn,
            clock_status,
            stop_at,
            "[]",
        ]
        batch.petitions.append(row)
        if identity is not None:
            batch.petitioners.append(self._petitioner_row(petition_id, kind, identity, created))
        if status not in ("merged", "withdrawn", "rejected"):
            leads[(unit.code, category)] = len(batch.petitions) - 1

    # -- the story -------------------------------------------------------------------------

    def _story(self, status: str, kind: str, urgency: str) -> dict[str, float]:
        """Offsets in seconds from receipt of the events this status implies."""
        expo = self._expo
        story: dict[str, float] = {}
        if status == "needs_info":
            story["paused"] = expo(DAY, 10 * DAY) + 600
        elif status in ("rejected", "merged"):
            story["decided"] = expo(2 * DAY, 20 * DAY) + 600
        elif status == "withdrawn":
            story["withdrawn"] = expo(3 * DAY, 30 * DAY) + 600
        if status not in ROUTED:
            return story
        t = story["routed"] = expo(1.5 * DAY, 20 * DAY) + 600
        if status == "referred":
            return story
        t = story["acknowledged"] = t + expo(0.6 * DAY, 10 * DAY) + 300
        answer_mean = {"urgent": 1.5 * DAY, "complex": 25 * DAY}.get(urgency, 11 * DAY)
        if status == "in_progress":
            if self.rng.random() < 0.2:
                story["submitted"] = t + expo(answer_mean, 90 * DAY) + HOUR
            return story
        t = story["submitted"] = t + expo(answer_mean, 90 * DAY) + HOUR
        t = story["published"] = t + expo(DAY, 10 * DAY) + 600
        if status == "answered":
            return story
        if status == "reopened":
            story["rated"] = t + self.rng.uniform(0.2, 10) * DAY
            story["reopened"] = story["rated"] + expo(2 * DAY, 10 * DAY) + 600
            return story
        # closed: rated satisfied within the window, or closed when it ended (sweep)
        if self.rng.random() < 0.55:
            story["rated"] = t + self.rng.uniform(0.2, 12) * DAY
            story["closed"] = story["rated"]
        else:
            # The sweep closes it when the window ends (feedback_due_at, a few days more at
            # most when the last day is not a working day); room enough before ``now``.
            story["closed"] = t + 20 * DAY
        return story

    def _place(self, status: str, story: dict[str, float], lead: list[Any] | None) -> datetime:
        """The moment of receipt, so that the story ends before ``now``."""
        rng = self.rng
        length = max(story.values(), default=0.0)
        latest = self.now - timedelta(seconds=length + 60)
        if lead is not None:
            created = lead[_P["created_at"]] + timedelta(seconds=rng.uniform(HOUR, 5 * DAY))
            return min(created, latest)
        if status in FINISHED:
            span = max((latest - self.start).total_seconds(), 0.0)
            return self.start + timedelta(seconds=rng.uniform(0, span))
        if status == "answered":
            # Published inside the feedback window, so the sweep has not closed it yet.
            published = self.now - timedelta(seconds=rng.uniform(HOUR, 13 * DAY))
            return max(published - timedelta(seconds=story["published"]), self.start)
        recent = rng.random() < 0.7
        age = self._expo(4 * DAY if recent else 60 * DAY, 700 * DAY)
        return max(latest - timedelta(seconds=age), self.start)

    # -- people ----------------------------------------------------------------------------

    def _identity(self, kind: str) -> Identity | None:
        rng = self.rng
        if kind in ("feedback", "recommendation") and rng.random() < 0.35:
            return None
        name = vocab.person_name(rng)
        full = kind in ("complaint", "denunciation")
        return Identity(
            full_name=name,
            phone=f"09{rng.randrange(10**8):08d}",
            email=f"nguoidan{rng.randrange(10**7)}@example.vn" if rng.random() < 0.35 else None,
            national_id=f"001{rng.randrange(10**9):09d}" if full else None,
            address=f"Số {rng.randint(1, 200)} {rng.choice(vocab.STREETS)}, Hà Nội"
            if full
            else None,
        )

    def _petitioner_row(
        self, petition_id: uuid.UUID, kind: str, identity: Identity, created: datetime
    ) -> tuple[Any, ...]:
        if kind == "denunciation":
            cipher = encrypt_identity(self.ref.settings, identity)
            return (petition_id, None, None, None, None, None, cipher, created)
        return (
            petition_id,
            identity.full_name,
            identity.phone,
            identity.email,
            identity.national_id,
            identity.address,
            None,
            created,
        )

    # -- the referral and its answer -------------------------------------------------------

    def _referral(
        self, batch: Batch, case: Case, *, status: str, times: dict[str, datetime]
    ) -> uuid.UUID:
        rng = self.rng
        kind, urgency = case.kind, case.urgency
        now = self.now
        referral_id = self._uuid()
        routed = times["routed"]
        acceptance = self.ref.rule(kind, urgency, DeadlineStep.acceptance)
        acceptance_due, acceptance_warn = self.clocks.times(routed, acceptance)
        answer_rule = self.ref.rule(kind, urgency, DeadlineStep.answer)
        acknowledged = times.get("acknowledged")
        submitted = times.get("submitted")
        published = times.get("published")
        rated = times.get("rated")
        satisfied: bool | None = None
        closed_at = None
        close_reason = None
        feedback_due = None
        extensions: list[list[Any]] = []
        if status == "referred":
            state = "sent"
            step, rule, start = DeadlineStep.acceptance, acceptance, routed
            due, warn = acceptance_due, acceptance_warn
            stopped = None
        else:
            assert acknowledged is not None
            step, rule = DeadlineStep.answer, answer_rule
            start = times.get("reopened", acknowledged)
            if answer_rule.max_extensions and status != "reopened" and rng.random() < 0.05:
                extensions = [[answer_rule.extension_amount, answer_rule.extension_unit.value]]
            due, warn = self.clocks.times(start, answer_rule, extensions)
            stopped = None if status == "reopened" else submitted
            if status == "in_progress":
                state = "answer_submitted" if submitted is not None else "acknowledged"
            elif status == "answered":
                state = "published"
            elif status == "reopened":
                state = "acknowledged"
                satisfied = False
            else:
                state = "closed"
        if published is not None:
            feedback_due = self.clocks.feedback_due(published, answer_rule.feedback_window_days)
        feedback_due_column: datetime | None = None
        if state == "closed":
            assert feedback_due is not None
            if rated is not None:
                satisfied, closed_at, close_reason = True, rated, "satisfied"
            else:
                closed_at, close_reason = self._at(feedback_due), "feedback_window_ended"
            times["closed"] = closed_at
            feedback_due_column = feedback_due
        elif state == "published":
            feedback_due_column = feedback_due
        clock_status = status_at(now, due=due, warn=warn, stopped=stopped)
        first_due = (
            self.clocks.times(acknowledged, answer_rule, extensions)[0]
            if status == "reopened" and acknowledged is not None
            else due
        )
        answered_at = submitted
        answer_due_at = first_due if submitted is not None else None
        last = max(t for t in times.values())
        batch.referrals.append(
            (
                referral_id,
                "petition",
                case.petition_id,
                kind,
                urgency,
                case.agency_id,
                case.unit_code,
                case.title[:500],
                state,
                1 + sum(1 for key in times if key != "routed"),
                acceptance_due,
                acknowledged,
                answered_at,
                answer_due_at,
                published,
                feedback_due_column,
                satisfied,
                rated,
                len(extensions),
                1 if status == "reopened" else 0,
                closed_at,
                close_reason,
                routed,
                last,
                step.value,
                self._json(rule),
                start,
                None,
                "[]",
                due,
                warn,
                clock_status,
                stopped,
                json.dumps(extensions),
            )
        )
        if submitted is not None:
            self._answer(
                batch,
                case,
                referral_id=referral_id,
                acknowledged=acknowledged or routed,
                submitted=submitted,
                published=published,
            )
        return referral_id

    def _answer(
        self,
        batch: Batch,
        case: Case,
        *,
        referral_id: uuid.UUID,
        acknowledged: datetime,
        submitted: datetime,
        published: datetime | None,
    ) -> None:
        rng = self.rng
        answer_id = self._uuid()
        outcome = rng.choices(OUTCOMES, cum_weights=OUTCOME_WEIGHTS)[0]
        text = rng.choice(vocab.ANSWER_TEXTS)
        number = f"{rng.randint(1, 9999)}/UBND-VP"
        document_date = (submitted + LOCAL_OFFSET).date()
        batch.answers.append(
            (
                answer_id,
                referral_id,
                0,
                "published" if published is not None else "submitted",
                outcome,
                text,
                number,
                document_date,
                vocab.person_name(rng),
                "Chủ tịch",
                acknowledged,
                published or submitted,
                submitted,
                published,
                published,
            )
        )
        if published is None or not case.consent_publish or case.kind == "denunciation":
            return
        batch.public_answers.append(
            (
                self._uuid(),
                referral_id,
                answer_id,
                "petition",
                case.kind,
                case.agency_id,
                self.ref.agency_names.get(case.agency_id, ""),
                case.unit_code,
                case.category,
                case.title[:500],
                case.description,
                outcome,
                text,
                number,
                document_date,
                "Chủ tịch",
                published,
            )
        )


def unit_point(code: str) -> tuple[float, float]:
    """A stable pseudo-centre for a unit inside Hanoi's bounding box."""
    digest = hashlib.sha256(code.encode()).digest()
    lat = 20.60 + (digest[0] * 256 + digest[1]) / 65535 * 0.75
    lon = 105.35 + (digest[2] * 256 + digest[3]) / 65535 * 0.60
    return round(lat, 5), round(lon, 5)
