"""The citizen's rating of a published answer (through the petitions tracking route, an API
client, or the Front recording one given in person)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.errors import Conflict
from service.i18n import msg
from service.replies import events
from service.replies.access import Actor
from service.replies.models import Referral
from service.replies.redaction import redact_optional, remove_personal
from service.replies.service.review import item_personal_data
from service.replies.service.steps import begin, emit
from service.replies.workflow import Action


async def rate_answer(
    session: AsyncSession,
    referral: Referral,
    *,
    satisfied: bool,
    comment: str | None,
    actor: Actor = None,
) -> Referral:
    """The citizen's rating within the feedback window (409 after it, or before the answer
    is published). Satisfied closes the referral; not satisfied leaves the Front to reopen
    or escalate. ``actor`` None = the citizen through the petitions tracking route."""
    action = Action.rate_satisfied if satisfied else Action.rate_not_satisfied
    referral, change = await begin(session, referral, action, actor)
    now = utcnow()
    if referral.feedback_due_at is not None and now > referral.feedback_due_at:
        raise Conflict(
            msg("rating_window_closed"),
            feedback_due_at=referral.feedback_due_at.isoformat(),
        )
    comment = comment.strip() if comment else None
    if comment:
        # The comment is shown to the agency and kept in the history: never with the
        # petitioner's own identity in it (a denouncer may sign it).
        comment = remove_personal(comment, await item_personal_data(session, referral))
    referral.satisfied = satisfied
    referral.rating_comment = comment or None
    referral.rated_at = now
    if satisfied:
        referral.closed_at = now
        referral.close_reason = "satisfied"
    await change.finish(
        reason=comment,
        data={"satisfied": satisfied},
        audit_data={"satisfied": satisfied, "comment": redact_optional(comment)},
    )
    await emit(session, events.RATED, referral, actor, {"satisfied": satisfied, "comment": comment})
    if satisfied:
        await emit(session, events.CLOSED, referral, actor, {"reason": "satisfied"})
    return referral
