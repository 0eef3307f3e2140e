"""The Front's review of answers (``/console/review``): the answers awaiting review or
publication by due date, and a referral's page with the answer, its files, and the decisions:
return with comments, accept, publish; before publishing, the public feed's text as
publishing would write it (the replies redaction, ``views.public_preview``). The decisions
are the API's Front actions (``service.replies.controllers.actions.FRONT_ACTIONS``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.directory.models import Agency
from service.replies import views
from service.replies.controllers.actions import FRONT_ACTIONS, FRONT_REFERRAL
from service.replies.controllers.common import FRONT
from service.replies.models import Referral, ReferralState
from service.replies.schemas import ReferralDetail
from service.web.referrals.common import Side, action_table, referral_routes

IN_REVIEW = (ReferralState.answer_submitted, ReferralState.answer_accepted)


def _awaiting(
    viewer: StaffPrincipal, states: tuple[ReferralState, ...], overdue: bool | None
) -> views.ReferralFilter:
    # As the API's list: the Front officer's unit (every unit at city level).
    return views.ReferralFilter(
        unit_code=viewer.unit_code, states=states or IN_REVIEW, overdue=overdue
    )


async def _review_context(
    session: AsyncSession, referral: Referral, _detail: ReferralDetail
) -> dict[str, Any]:
    """The answering agency, and the preview of the public text while there is an answer to
    review or publish."""
    in_review = referral.state in IN_REVIEW
    return {
        "agency": await session.get(Agency, referral.agency_id),
        "in_review": in_review,
        "preview": await views.public_preview(session, referral) if in_review else None,
    }


FRONT_SIDE = Side(
    base="/console/review",
    filters=_awaiting,
    resource=FRONT_REFERRAL,
    actions=action_table(FRONT_ACTIONS, "return_answer", "accept_answer", "publish"),
    agency_side=False,
    list_template="console/review/list.html",
    list_caption="web.referrals.review.caption",
    page_template="console/review/referral.html",
    extra=_review_context,
)

front_routes = referral_routes(FRONT_SIDE, FRONT)
