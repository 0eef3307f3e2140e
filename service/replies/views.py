"""The read models of the replies API: what a viewer is shown of a referral, its answers,
attachments and history, the lists and the public feed, and what the petitions package
shows the citizen. Reads only; the operations are in ``service/``."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.db import utcnow
from service.errors import Invalid, NotFound
from service.i18n import msg
from service.replies import repository
from service.replies.access import Actor, actions_for, get_visible_referral, may_read_answer_text
from service.replies.models import (
    ANSWER_CONTENT,
    AnswerStatus,
    Referral,
    ReferralAnswer,
    ReferralState,
)
from service.replies.providers import item_provider
from service.replies.repository import MAX_PAGE, PublicFilter, ReferralFilter
from service.replies.schemas import (
    AgencyScorecardRead,
    AnswerRead,
    AttachmentRead,
    CitizenHistoryEntry,
    ExtensionRead,
    HistoryRead,
    InboxItem,
    PublicAnswerPage,
    PublicAnswerRead,
    PublishedAnswer,
    ReferralDetail,
    ReferralPage,
    ScorecardResponse,
)
from service.replies.scorecards import agency_scorecards
from service.replies.service.review import PublicText, public_text
from service.settings import Settings
from service.storage.models import Evidence

__all__ = [
    "MAX_PAGE",
    "PublicFilter",
    "ReferralFilter",
    "answer_read",
    "attachment_read",
    "citizen_history",
    "council_list",
    "downloadable_attachment",
    "get_referrals_for_item",
    "public_answer",
    "public_feed",
    "public_preview",
    "published_answer_for_item",
    "referral_detail",
    "referral_page",
    "referral_read",
    "scorecards",
    "scorecards_of_period",
]


# -- one referral -----------------------------------------------------------------------------


def referral_read(
    referral: Referral, viewer: Actor, item: dict[str, Any] | None = None
) -> InboxItem:
    """A referral as a list row (and the body of every action that answers with it)."""
    return InboxItem.model_validate(referral).model_copy(
        update={
            "extensions_granted": len(referral.extensions),
            "allowed_actions": actions_for(referral, viewer),
            "item": item,
        }
    )


def answer_read(answer: ReferralAnswer, readable: bool = True) -> AnswerRead:
    """An answer; its text and signer withheld from a viewer who may not read them."""
    shaped = AnswerRead.model_validate(answer)
    if readable:
        return shaped
    return shaped.model_copy(
        update={
            "text": "",
            "legal_basis": None,
            "signer_name": None,
            "review_note": None,
            "attachment_ids": [],
            "text_withheld": True,
        }
    )


def attachment_read(evidence: Evidence, added_at: datetime | None = None) -> AttachmentRead:
    """An attachment as the referral shows it (``added_at``: when it was linked; a fresh
    upload's is its upload time)."""
    return AttachmentRead(
        evidence_id=evidence.id,
        original_name=evidence.original_name,
        content_type=evidence.content_type,
        size_bytes=evidence.size_bytes,
        sha256=evidence.sha256,
        added_at=added_at or evidence.uploaded_at,
    )


async def _agency_item(
    session: AsyncSession, referral: Referral, viewer: StaffPrincipal
) -> dict[str, Any] | None:
    provider = item_provider(session, referral.item_type)
    if provider is None:
        return None
    return await provider.agency_view(session, referral.item_id, viewer)


async def referral_detail(
    session: AsyncSession, referral: Referral, viewer: StaffPrincipal, *, agency_side: bool
) -> ReferralDetail:
    """The referral with its answers, extensions, history and attachments; the item itself
    for the agency. The Front never sees the agency's drafts, nor the files only they list."""
    answers = await repository.answers_of(session, referral.id)
    if not agency_side:  # drafts are private to the agency
        answers = [a for a in answers if a.status != AnswerStatus.draft]
    attachments = await repository.attachments_of(session, referral.id)
    if not agency_side:
        shown = {i for a in answers for i in a.attachment_ids}
        attachments = [(link, ev) for link, ev in attachments if ev.id in shown]
    item = await _agency_item(session, referral, viewer) if agency_side else None
    base = referral_read(referral, viewer, item)
    readable = may_read_answer_text(referral, viewer)
    if not readable:
        attachments = []
    return ReferralDetail(
        **base.model_dump(),
        answers=[answer_read(a, readable) for a in answers],
        extensions=[
            ExtensionRead.model_validate(e)
            for e in await repository.extensions_of(session, referral.id)
        ],
        history=[
            HistoryRead.model_validate(h) for h in await repository.history_of(session, referral.id)
        ],
        attachments=[attachment_read(ev, link.added_at) for link, ev in attachments],
    )


async def downloadable_attachment(
    session: AsyncSession,
    referral_id: uuid.UUID,
    evidence_id: uuid.UUID,
    viewer: StaffPrincipal,
    *,
    agency_side: bool,
) -> Evidence:
    """The attachment the viewer may download (404 otherwise): the agency any of the
    referral's files, the Front only those of answers past the draft."""
    referral = await get_visible_referral(session, referral_id, viewer)
    if not may_read_answer_text(referral, viewer):
        raise NotFound(msg("attachment_not_found"))
    attachments = {ev.id: ev for _, ev in await repository.attachments_of(session, referral.id)}
    evidence = attachments.get(evidence_id)
    if evidence is not None and not agency_side:
        shown = {
            i
            for a in await repository.answers_of(session, referral.id)
            if a.status != AnswerStatus.draft
            for i in a.attachment_ids
        }
        evidence = evidence if evidence.id in shown else None
    if evidence is None:
        raise NotFound(msg("attachment_not_found"))
    return evidence


async def public_preview(session: AsyncSession, referral: Referral) -> PublicText | None:
    """What publishing would put on the public feed of the answer the Front reviews
    (submitted or accepted), redacted exactly as ``publish_answer`` redacts it; None without
    such an answer, or when the item may not be published (no consent, a denunciation)."""
    for status in (AnswerStatus.accepted, AnswerStatus.submitted):
        answer = await repository.open_answer(session, referral.id, status)
        if answer is not None:
            return await public_text(session, referral, answer)
    return None


# -- lists ------------------------------------------------------------------------------------


async def referral_page(
    session: AsyncSession,
    filters: ReferralFilter,
    viewer: StaffPrincipal,
    *,
    cursor: str | None,
    limit: int,
) -> ReferralPage:
    """By due date (keyset). The item itself (text, and identity where the law allows) only
    in the detail view: a list must not spread personal data, nor cost a provider call per
    row."""
    rows, next_cursor = await repository.list_referrals(
        session, filters, now=utcnow(), cursor=cursor, limit=limit
    )
    return ReferralPage(items=[referral_read(r, viewer) for r in rows], next_cursor=next_cursor)


async def council_list(
    session: AsyncSession,
    viewer: StaffPrincipal,
    *,
    start: datetime | None,
    end: datetime | None,
) -> list[InboxItem]:
    rows = await repository.council_list(session, unit_code=viewer.unit_code, start=start, end=end)
    return [referral_read(r, viewer) for r in rows]


async def public_feed(
    session: AsyncSession, filters: PublicFilter, *, cursor: str | None, limit: int
) -> PublicAnswerPage:
    rows, next_cursor = await repository.public_answers(
        session, filters, cursor=cursor, limit=limit
    )
    return PublicAnswerPage(
        items=[PublicAnswerRead.model_validate(r) for r in rows], next_cursor=next_cursor
    )


async def public_answer(session: AsyncSession, public_id: uuid.UUID) -> PublicAnswerRead:
    """One answer of the public feed, as the feed shows it (404 once it left the feed)."""
    row = await repository.public_answer(session, public_id)
    if row is None:
        raise NotFound(msg("public_answer_not_found"))
    return PublicAnswerRead.model_validate(row)


async def scorecards(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    agency_id: uuid.UUID | None,
    unit_code: str | None,
) -> ScorecardResponse:
    cards = await agency_scorecards(
        session, start=start, end=end, agency_id=agency_id, unit_code=unit_code
    )
    return ScorecardResponse(
        start=start,
        end=end,
        # from_attributes: the counts and the rates (properties of the card) by name.
        agencies=[AgencyScorecardRead.model_validate(card) for card in cards],
    )


async def scorecards_of_period(
    session: AsyncSession,
    settings: Settings,
    viewer: StaffPrincipal,
    *,
    first: date | None,
    last: date | None,
    agency_id: uuid.UUID | None = None,
    unit_code: str | None = None,
) -> ScorecardResponse:
    """The scorecards of local days ``first``..``last`` (inclusive; default: the 30 days to
    today), for the API's route and the console's dashboard alike: a viewer of one ward
    sees that ward's referrals only, whatever ``unit_code`` asks."""
    tz = ZoneInfo(settings.timezone)
    last = last or utcnow().astimezone(tz).date()
    first = first or (last - timedelta(days=29))
    if first > last:
        raise Invalid(msg("period_reversed"), field="from")
    if viewer.unit_code is not None:
        unit_code = viewer.unit_code
    return await scorecards(
        session,
        start=datetime.combine(first, time(0), tzinfo=tz),
        end=datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz),
        agency_id=agency_id,
        unit_code=unit_code,
    )


# -- for the petitions package (the citizen's tracking view) ---------------------------------


async def get_referrals_for_item(
    session: AsyncSession, item_type: str, item_id: uuid.UUID
) -> list[Referral]:
    return await repository.referrals_for_item(session, item_type, item_id)


async def published_answer_for_item(
    session: AsyncSession, item_type: str, item_id: uuid.UUID
) -> PublishedAnswer | None:
    """The latest published answer to the item (for the citizen's tracking view)."""
    found = await repository.latest_published_answer(session, item_type, item_id)
    if found is None:
        return None
    answer, referral, agency_name = found
    assert answer.published_at is not None
    return PublishedAnswer(
        referral_id=referral.id,
        answer_id=answer.id,
        agency_id=referral.agency_id,
        agency_name=agency_name,
        **{name: getattr(answer, name) for name in ANSWER_CONTENT},
        attachment_ids=list(answer.attachment_ids),
        published_at=answer.published_at,
        feedback_due_at=referral.feedback_due_at,
        referral_state=ReferralState(referral.state),
        satisfied=referral.satisfied,
    )


# Staff notes stay internal; the citizen sees why an extension was granted and their rating.
_CITIZEN_REASONS = frozenset({"approve_extension", "rate_satisfied", "rate_not_satisfied"})
_CITIZEN_DATA = frozenset(
    {
        "agency_name",
        "agency_reference",
        "due_at",
        "new_due_at",
        "outcome",
        "feedback_due_at",
        "satisfied",
        "to",
        "reopen_count",
    }
)


async def citizen_history(
    session: AsyncSession, item_type: str, item_id: uuid.UUID
) -> list[CitizenHistoryEntry]:
    """The entries of the item's referrals that the citizen may see (acknowledged,
    extensions granted, answer published, rating, closed, reopened, escalated)."""
    rows = await repository.citizen_history(session, item_type, item_id)
    return [
        CitizenHistoryEntry(
            referral_id=referral.id,
            agency_id=referral.agency_id,
            at=entry.at,
            action=entry.action,
            to_state=entry.to_state,
            reason=entry.reason if entry.action in _CITIZEN_REASONS else None,
            data={k: v for k, v in entry.data.items() if k in _CITIZEN_DATA},
        )
        for entry, referral in rows
    ]
