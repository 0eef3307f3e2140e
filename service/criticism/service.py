"""The operations of social criticism: receive a draft (flagged when it reached the Front
later than the law's minimum time before its opinion is due), gather opinions (officers enter
those of member organisations and experts; the public comments on the portal while the Front
keeps the consultation open, each comment moderated), write and issue the Front's criticism
(numbered; each point a referral to the drafting agency through ``replies``), follow the
agency's answer per point, and make the outcome public.

Every change bumps ``version``, writes an audit event and flushes, in the caller's
transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.audited import Audited, pick
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.criticism import repository
from service.criticism.models import (
    ANSWERED_POINT_STATES,
    CriticismDraft,
    CriticismOpinion,
    CriticismPoint,
    DraftState,
    OpinionSource,
    OpinionStatus,
    PointState,
)
from service.criticism.schemas import (
    DraftCreate,
    IssueRequest,
    OpinionCreate,
    PointCreate,
    PublicComment,
)
from service.criticism.workflow import DRAFT_WORKFLOW, FRONT, PREPARING, DraftAction, Party
from service.db import utcnow
from service.deadlines.clock import add_duration
from service.deadlines.models import DeadlineStep, DeadlineUnit, ItemKind, Urgency
from service.deadlines.policy import answer_due_at, rule_for
from service.directory.calendar import load_calendar
from service.errors import Conflict, Invalid, NotFound, StateConflict
from service.i18n import msg
from service.kernel.rows import visible_loader
from service.replies import events
from service.replies import service as replies
from service.replies.events import ReferralEvent
from service.replies.redaction import redact
from service.storage import service as storage
from service.storage.models import EvidenceStatus

ITEM_TYPE = "criticism_point"
DEFAULT_LEAD_DAYS = 15  # Law on the Fatherland Front 2015 Art. 33, when no policy row exists
DEFAULT_ANSWER_DAYS = 30
SYMBOL = "PB-MTTQ"
READERS_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")

# The agency's answer outcome (replies.AnswerOutcome) -> the point's state: a point taken
# in whole or in part is accepted (tiếp thu); explained is giải trình; refused with a legal
# basis is not accepted. A transfer leaves the point where it was.
OUTCOME_STATES: dict[str, PointState] = {
    "resolved": PointState.accepted,
    "partly_resolved": PointState.accepted,
    "explained": PointState.explained,
    "rejected_with_legal_basis": PointState.not_accepted,
}
FOLLOWED = events.FollowedStates(PointState, PointState.sent, OUTCOME_STATES, ANSWERED_POINT_STATES)


# -- access ---------------------------------------------------------------------------------


def parties(actor: StaffPrincipal, draft: CriticismDraft) -> frozenset[Party]:
    if actor.role in (Role.front_officer, Role.admin) and actor.sees_unit(draft.unit_code):
        return FRONT
    return frozenset()


# The draft, for a Front officer of its unit or of the city (404 for anyone else).
load_draft = visible_loader(repository.get_draft, parties, "criticism_draft_not_found")


async def lock_draft(
    session: AsyncSession, draft_id: uuid.UUID, actor: StaffPrincipal
) -> CriticismDraft:
    return await load_draft(session, draft_id, actor, for_update=True)


def allowed_actions(draft: CriticismDraft, actor: StaffPrincipal) -> list[str]:
    return DRAFT_WORKFLOW.allowed(DraftState(draft.state), parties(actor, draft))


def criticism_number(draft: CriticismDraft) -> str | None:
    if draft.criticism_number is None:
        return None
    return f"{draft.criticism_number}/{SYMBOL}"


def snapshot(draft: CriticismDraft) -> dict[str, Any]:
    return pick(
        draft, "code", "state", "received_late", "opinion_due_at", "criticism_number", "version"
    )


DRAFT_AUDIT = Audited("criticism_draft", snapshot, stamps_updated_at=True)
OPINION_AUDIT: Audited[CriticismOpinion] = Audited(
    "criticism_opinion", lambda opinion: pick(opinion, "status", "version")
)
POINT_AUDIT: Audited[CriticismPoint] = Audited(
    "criticism_point", lambda point: pick(point, "state", "version"), stamps_updated_at=True
)


# -- receiving a draft ----------------------------------------------------------------------


async def lead_time(session: AsyncSession) -> tuple[int, DeadlineUnit, str | None]:
    """The minimum time the policy gives the Front before its opinion is due."""
    try:
        rule = await rule_for(
            session, ItemKind.social_criticism, Urgency.normal, DeadlineStep.criticism_lead
        )
    except LookupError:
        return DEFAULT_LEAD_DAYS, DeadlineUnit.calendar_days, None
    return rule.amount, rule.unit, await repository.lead_legal_basis(session)


def _local_date(moment: datetime) -> Any:
    return moment.astimezone(READERS_ZONE).date()


async def is_late(
    session: AsyncSession, received_at: datetime, due_at: datetime, amount: int, unit: DeadlineUnit
) -> bool:
    """Whether fewer than ``amount`` ``unit`` separate the receipt from the opinion's
    deadline (calendar days count dates in Vietnam, as the law's "ngày" does)."""
    if unit is DeadlineUnit.calendar_days:
        return (_local_date(due_at) - _local_date(received_at)).days < amount
    calendar = await load_calendar(session)
    return add_duration(calendar, received_at, amount, unit) > due_at


def _scope_unit(actor: StaffPrincipal, unit_code: str) -> None:
    if not actor.sees_unit(unit_code):
        raise NotFound(msg("criticism_unit_not_found", code=unit_code))


# The fields of a received draft that are checked or resolved before the draft keeps them.
RESOLVED_ON_RECEIPT = {"drafting_agency_id", "sections", "document_ids", "received_at"}


async def receive_draft(
    session: AsyncSession, actor: StaffPrincipal, data: DraftCreate
) -> CriticismDraft:
    _scope_unit(actor, data.unit_code)
    if not await repository.unit_exists(session, data.unit_code):
        raise Invalid(msg("ward_unknown", code=data.unit_code), field="unit_code")
    agency = await repository.agency(session, data.drafting_agency_id)
    if agency is None or not agency.active:
        raise Invalid(msg("agency_unknown_or_inactive"), field="drafting_agency_id")
    if await repository.code_taken(session, data.code):
        raise Conflict(msg("criticism_code_taken", code=data.code))
    numbers = [section.number for section in data.sections]
    if len(set(numbers)) != len(numbers):
        raise Invalid(msg("criticism_section_numbers_repeat"), field="sections")
    documents: list[str] = []
    for index, document_id in enumerate(dict.fromkeys(data.document_ids)):
        try:
            evidence = await storage.get_visible_evidence(session, document_id, actor)
        except NotFound as exc:
            exc.extra["field"] = f"document_ids[{index}]"
            raise
        if EvidenceStatus(evidence.status) is not EvidenceStatus.stored:
            raise Invalid(msg("criticism_document_not_stored"), field=f"document_ids[{index}]")
        documents.append(str(evidence.id))
    received_at = data.received_at or utcnow()
    if received_at > utcnow() + timedelta(minutes=5):
        raise Invalid(msg("criticism_received_in_future"), field="received_at")
    if data.opinion_due_at <= received_at:
        raise Invalid(msg("criticism_due_before_receipt"), field="opinion_due_at")
    amount, unit, basis = await lead_time(session)
    draft = CriticismDraft(
        # The request's fields as it gives them, but those checked or resolved above.
        **data.model_dump(exclude=RESOLVED_ON_RECEIPT),
        drafting_agency_id=agency.id,
        sections=[section.model_dump() for section in data.sections],
        document_ids=documents,
        received_at=received_at,
        required_lead_days=amount,
        lead_legal_basis=basis,
        received_late=await is_late(session, received_at, data.opinion_due_at, amount, unit),
        created_by=actor.user_id,
    )
    return await DRAFT_AUDIT.created(session, actor, draft, "criticism_draft.received")


async def list_drafts(
    session: AsyncSession,
    actor: StaffPrincipal,
    *,
    states: list[DraftState] | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[CriticismDraft], str | None]:
    return await repository.list_drafts(
        session, unit_code=actor.unit_code, states=states, cursor=cursor, limit=limit
    )


# -- the draft's workflow -------------------------------------------------------------------


async def _step(
    session: AsyncSession, draft: CriticismDraft, actor: StaffPrincipal, action: DraftAction
) -> dict[str, Any]:
    """Move the draft by ``action``; its snapshot from before, for the audit event."""
    row = DRAFT_WORKFLOW.step(DraftState(draft.state), action, parties(actor, draft))
    before = snapshot(draft)
    draft.state = row.target
    return before


async def transition(
    session: AsyncSession, draft: CriticismDraft, actor: StaffPrincipal, action: DraftAction
) -> CriticismDraft:
    """open_consultation, close_consultation, publish_outcome (no body)."""
    before = await _step(session, draft, actor, action)
    if action is DraftAction.publish_outcome:
        draft.published_at = utcnow()
    return await DRAFT_AUDIT.changed(
        session, actor, draft, f"criticism_draft.{action.value}", before
    )


async def issue(
    session: AsyncSession, draft: CriticismDraft, actor: StaffPrincipal, data: IssueRequest
) -> CriticismDraft:
    """Issue the Front's criticism: numbered in the unit's year, each point handed to the
    drafting agency as a referral (its answer deadline from policy)."""
    points = await repository.points_for_draft(session, draft.id)
    open_points = [p for p in points if PointState(p.state) is PointState.draft]
    if DraftState(draft.state) in PREPARING and not open_points:
        raise Invalid(msg("criticism_no_points"), field="points")
    before = await _step(session, draft, actor, DraftAction.issue)
    now = utcnow()
    year = _local_date(now).year
    draft.criticism_year = year
    draft.criticism_number = await repository.next_criticism_number(session, draft.unit_code, year)
    draft.criticism_text = data.criticism_text
    draft.signer_name = data.signer_name
    draft.signer_title = data.signer_title
    draft.issued_at = now
    due_at = await answer_due_at(session, ItemKind.social_criticism, now, DEFAULT_ANSWER_DAYS)
    number = criticism_number(draft)
    for point in open_points:
        title = msg("criticism_point_title", number=number, point=point.number, title=draft.title)
        item = replies.ReferredItem(
            ITEM_TYPE, point.id, ItemKind.social_criticism, draft.unit_code, title.render("vi")
        )
        referral = await replies.create_referral(
            session, item=item, agency_id=draft.drafting_agency_id, actor=actor
        )
        point.referral_id = referral.id
        point.state = PointState.sent
        point.due_at = due_at
        POINT_AUDIT.touch(point, now)
    return await DRAFT_AUDIT.changed(
        session, actor, draft, "criticism_draft.issued", before, at=now
    )


# -- opinions -------------------------------------------------------------------------------


def _require_preparing(draft: CriticismDraft, actor: StaffPrincipal) -> None:
    if DraftState(draft.state) not in PREPARING:
        raise StateConflict(
            msg("criticism_draft_closed", state=DraftState(draft.state)),
            state=draft.state,
            allowed_actions=allowed_actions(draft, actor),
        )


def _check_section(draft: CriticismDraft, number: int | None) -> None:
    if number is not None and number not in {s["number"] for s in draft.sections}:
        raise Invalid(msg("criticism_section_unknown", number=number), field="section_number")


async def add_opinion(
    session: AsyncSession, actor: StaffPrincipal, draft_id: uuid.UUID, data: OpinionCreate
) -> CriticismOpinion:
    draft = await lock_draft(session, draft_id, actor)
    _require_preparing(draft, actor)
    if data.source is OpinionSource.public:
        raise Invalid(msg("criticism_public_only_on_portal"), field="source")
    _check_section(draft, data.section_number)
    opinion = CriticismOpinion(
        draft_id=draft.id,
        **data.model_dump(),
        status=OpinionStatus.shown,
        entered_by=actor.user_id,
    )
    return await OPINION_AUDIT.created(
        session, actor, opinion, "criticism_opinion.entered", draft_id=draft.id, source=data.source
    )


async def list_opinions(
    session: AsyncSession,
    actor: StaffPrincipal,
    draft_id: uuid.UUID,
    statuses: list[OpinionStatus] | None = None,
) -> list[CriticismOpinion]:
    draft = await load_draft(session, draft_id, actor)
    return await repository.opinions_for_draft(session, draft.id, statuses=statuses)


async def points_of(session: AsyncSession, draft: CriticismDraft) -> list[CriticismPoint]:
    """The points of the criticism of a draft the caller has loaded (so may see)."""
    return await repository.points_for_draft(session, draft.id)


async def opinions_of(
    session: AsyncSession,
    draft: CriticismDraft,
    statuses: Collection[OpinionStatus] | None = None,
) -> list[CriticismOpinion]:
    """The opinions on a draft the caller has loaded: every one (public ones in any status),
    or those in ``statuses`` (the portal shows only ``shown`` comments)."""
    return await repository.opinions_for_draft(session, draft.id, statuses=statuses)


async def consulting_drafts(session: AsyncSession) -> list[CriticismDraft]:
    """The drafts open for public comment (the portal's list)."""
    return await repository.consulting_drafts(session)


async def pending_comments(
    session: AsyncSession, drafts: list[CriticismDraft]
) -> dict[uuid.UUID, int]:
    """Public comments waiting for moderation, per draft of a list the caller was given."""
    return await repository.pending_counts(session, [draft.id for draft in drafts])


async def lock_opinion(
    session: AsyncSession, opinion_id: uuid.UUID, actor: StaffPrincipal
) -> CriticismOpinion:
    opinion = await repository.get_opinion(session, opinion_id, for_update=True)
    if opinion is None:
        raise NotFound(msg("criticism_opinion_not_found"))
    draft = await repository.get_draft(session, opinion.draft_id)
    if draft is None or not parties(actor, draft):
        raise NotFound(msg("criticism_opinion_not_found"))
    return opinion


async def moderate(
    session: AsyncSession, opinion: CriticismOpinion, actor: StaffPrincipal, status: OpinionStatus
) -> CriticismOpinion:
    """Show or hide an opinion (a public comment is pending until then)."""
    if status is OpinionStatus.pending:
        raise Invalid(msg("criticism_moderation_pending"), field="status")
    before = OPINION_AUDIT.snapshot(opinion)
    opinion.status = status
    opinion.moderated_by = actor.user_id
    opinion.moderated_at = utcnow()
    return await OPINION_AUDIT.changed(
        session, actor, opinion, f"criticism_opinion.{status.value}", before
    )


async def public_draft(session: AsyncSession, code: str) -> CriticismDraft:
    """A draft the portal shows: its consultation open, or its outcome public."""
    draft = await repository.draft_by_code(session, code)
    if draft is None or DraftState(draft.state) not in (
        DraftState.consulting,
        DraftState.published,
    ):
        raise NotFound(msg("criticism_consultation_not_found"))
    return draft


async def comment(session: AsyncSession, code: str, data: PublicComment) -> CriticismOpinion:
    """A comment of the public (the portal has checked the form's bot defences). It waits
    for moderation; its author's name is kept only as redacted."""
    draft = await repository.draft_by_code(session, code)
    if draft is None or DraftState(draft.state) is not DraftState.consulting:
        raise NotFound(msg("criticism_consultation_not_found"))
    _check_section(draft, data.section_number)
    opinion = CriticismOpinion(
        draft_id=draft.id,
        source=OpinionSource.public,
        author_name=redact(data.author_name) or None,
        section_number=data.section_number,
        text=data.text,
        status=OpinionStatus.pending,
    )
    return await OPINION_AUDIT.created(
        session,
        None,
        opinion,
        "criticism_opinion.commented",
        draft_id=draft.id,
        source=OpinionSource.public,
    )


# -- points of the criticism ----------------------------------------------------------------


async def add_point(
    session: AsyncSession, actor: StaffPrincipal, draft_id: uuid.UUID, data: PointCreate
) -> CriticismPoint:
    draft = await lock_draft(session, draft_id, actor)
    _require_preparing(draft, actor)
    _check_section(draft, data.section_number)
    point = CriticismPoint(
        draft_id=draft.id,
        number=await repository.next_point_number(session, draft.id),
        section_number=data.section_number,
        text=data.text,
    )
    return await POINT_AUDIT.created(
        session, actor, point, "criticism_point.written", draft_id=draft.id, number=point.number
    )


async def list_points(
    session: AsyncSession, actor: StaffPrincipal, draft_id: uuid.UUID
) -> list[CriticismPoint]:
    draft = await load_draft(session, draft_id, actor)
    return await repository.points_for_draft(session, draft.id)


# -- following each point's referral --------------------------------------------------------


async def apply_referral_event(session: AsyncSession, event: ReferralEvent) -> None:
    """Mirror what happened to a point's referral, in the same transaction."""
    moving = await FOLLOWED.moving(
        event, ITEM_TYPE, lambda item_id: repository.get_point(session, item_id, for_update=True)
    )
    if moving is None:
        return
    point, state = moving
    before = POINT_AUDIT.snapshot(point)
    new_state = FOLLOWED.follow(event, point, state)
    if new_state is None:
        return
    point.state = new_state
    action = f"criticism_point.{event.name.removeprefix('referral.')}"
    await POINT_AUDIT.changed(session, event.actor, point, action, before)


async def point_outcomes(
    session: AsyncSession,
    viewer: StaffPrincipal,
    *,
    start: datetime,
    end: datetime,
    unit_code: str | None,
) -> list[tuple[PointState, int]]:
    """How the drafting agencies answered the points of the Front's criticisms (drafts
    received in the period, in the viewer's area), for the dashboard."""
    if viewer.unit_code is not None:
        unit_code = viewer.unit_code
    counts = await repository.point_states(session, start=start, end=end, unit_code=unit_code)
    return [(state, counts[state.value]) for state in PointState if counts.get(state.value)]
