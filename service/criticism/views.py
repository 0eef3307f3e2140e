"""Read models of social criticism: a draft as an officer sees it, and as the portal shows
it (public comments redacted, only those moderation showed; names of member organisations
and experts are public, a citizen's only as the redacted name they chose to give)."""

from __future__ import annotations

from dataclasses import dataclass

from service.auth.principals import StaffPrincipal
from service.criticism.models import CriticismDraft, CriticismOpinion, CriticismPoint, DraftState
from service.criticism.schemas import DraftRead, OpinionRead, PointRead
from service.criticism.service import allowed_actions, criticism_number
from service.replies.redaction import redact, redact_optional


def draft_read(draft: CriticismDraft, viewer: StaffPrincipal | None = None) -> DraftRead:
    body = DraftRead.model_validate(draft)
    body.document_number = criticism_number(draft)
    if viewer is not None:
        body.allowed_actions = allowed_actions(draft, viewer)
    return body


def opinion_read(opinion: CriticismOpinion) -> OpinionRead:
    return OpinionRead.model_validate(opinion)


def point_read(point: CriticismPoint) -> PointRead:
    return PointRead.model_validate(point)


@dataclass(frozen=True)
class PublicOpinion:
    section_number: int | None
    author_name: str | None
    text: str


@dataclass(frozen=True)
class PublicPoint:
    number: int
    text: str
    state: str
    answer_summary: str | None


def public_opinion(opinion: CriticismOpinion) -> PublicOpinion:
    return PublicOpinion(
        section_number=opinion.section_number,
        author_name=redact_optional(opinion.author_name),
        text=redact(opinion.text),
    )


def public_points(draft: CriticismDraft, points: list[CriticismPoint]) -> list[PublicPoint]:
    """The outcome, once the Front has made it public (nothing before)."""
    if DraftState(draft.state) is not DraftState.published:
        return []
    return [
        PublicPoint(
            number=point.number,
            text=redact(point.text),
            state=str(point.state),
            answer_summary=redact_optional(point.answer_summary),
        )
        for point in points
    ]
