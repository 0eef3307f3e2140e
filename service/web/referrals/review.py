"""The Front's review of answers (``/console/review``): the answers awaiting review or
publication by due date, and a referral's page with the answer, its files, and the decisions:
return with comments, accept, publish; before publishing, the public feed's text as
publishing would write it (the replies redaction, ``views.public_preview``); and the decision
on an agency's pending extension request (approve: the clock moves by what the policy grants
for the requested date; refuse with a note). The decisions are the API's Front actions
(``service.replies.controllers.actions.FRONT_ACTIONS``)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from pydantic import field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.directory.models import Agency
from service.http.params import DbSession, StaffRequest
from service.readonly import ReadSession
from service.replies import views
from service.replies.controllers.actions import FRONT_ACTIONS, FRONT_REFERRAL
from service.replies.controllers.common import FRONT, Cursor
from service.replies.models import ExtensionStatus, Referral, ReferralState
from service.replies.schemas import ExtensionDecision, ReferralDetail
from service.settings import Settings
from service.web.pages import HTMXTemplate, render
from service.web.referrals.common import (
    PAGE_SIZE,
    Side,
    act,
    action_table,
    referral_routes,
)

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
        "pending_extensions": [
            e for e in _detail.extensions if e.status is ExtensionStatus.pending
        ],
        "decided_extensions": [
            e for e in _detail.extensions if e.status is not ExtensionStatus.pending
        ],
    }


def _waiting_for_time(viewer: StaffPrincipal) -> views.ReferralFilter:
    """The referrals of the officer's unit whose agency waits for a decision on more time."""
    return views.ReferralFilter(
        unit_code=viewer.unit_code, states=(ReferralState.acknowledged,), extension_pending=True
    )


async def _pending_extensions(session: AsyncSession, viewer: StaffPrincipal) -> dict[str, Any]:
    """Above the answers to review: the first page of the pending extension requests by due
    date (the rest: ``/console/review/extensions``, paged)."""
    waiting = _waiting_for_time(viewer)
    page = await views.referral_page(session, waiting, viewer, cursor=None, limit=PAGE_SIZE)
    return {"pending_extension_items": page.items, "more_pending_extensions": page.next_cursor}


@get("/review/extensions", guards=[FRONT], name="review.extensions")
async def pending_extensions(
    request: StaffRequest, read_session: ReadSession, cursor: Cursor = None
) -> HTMXTemplate:
    """Every pending extension request of the officer's unit, by due date, keyset pages
    (``cursor`` from the previous page, as the other lists)."""
    waiting = _waiting_for_time(request.user)
    page = await views.referral_page(
        read_session, waiting, request.user, cursor=cursor, limit=PAGE_SIZE
    )
    return render(
        request,
        "console/review/extensions.html",
        page=page,
        base=FRONT_SIDE.base,
        first_page=cursor is None,
    )


class ExtensionDecisionForm(ExtensionDecision):
    """The API's ``ExtensionDecision`` from the page's two buttons (``approve`` = "true" or
    "false"; the API's body takes a JSON boolean only)."""

    @field_validator("approve", mode="before")
    @classmethod
    def _button(cls, value: Any) -> Any:
        return {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value


DECIDE_EXTENSION = action_table(FRONT_ACTIONS, "decide_extension")["decide_extension"]


FRONT_SIDE = Side(
    base="/console/review",
    filters=_awaiting,
    resource=FRONT_REFERRAL,
    actions=action_table(FRONT_ACTIONS, "return_answer", "accept_answer", "publish"),
    agency_side=False,
    list_template="console/review/list.html",
    list_caption="web.referrals.review.caption",
    page_template="console/review/referral.html",
    other_forms=("decide_extension",),
    extra=_review_context,
    list_extra=_pending_extensions,
)


@post(
    "/review/{referral_id:uuid}/extensions/{extension_id:uuid}/decision",
    guards=[FRONT],
    status_code=303,
    name="review.decide_extension",
)
async def decide_extension(
    request: StaffRequest,
    referral_id: FromPath[uuid.UUID],
    extension_id: FromPath[uuid.UUID],
    db_session: DbSession,
    settings: NamedDependency[Settings],
) -> Redirect | HTMXTemplate:
    """The API's ``decide_extension`` (``…/extensions/{extension_id}/decision``): the
    extension is the one this path names, as on the API."""
    return await act(
        request,
        db_session,
        settings,
        FRONT_SIDE,
        referral_id,
        "decide_extension",
        route=DECIDE_EXTENSION,
        schema=ExtensionDecisionForm,
    )


front_routes = [pending_extensions, *referral_routes(FRONT_SIDE, FRONT), decide_extension]
