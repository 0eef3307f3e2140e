"""The agency officer's inbox (``/console/inbox``): the agency's referrals by due date with
their overdue marks, and a referral's page: acknowledge, decline with a reason, ask for an
extension, write the answer (the draft is kept), attach files, submit, and read the Front's
feedback on a returned answer. The changes are the API's agency actions
(``service.replies.controllers.actions.AGENCY_ACTIONS``), run by ``common.act``; the upload
is the API's upload service on the form's file."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.errors import NotFound, ServiceError
from service.http.params import DbSession, StaffRequest
from service.i18n import msg
from service.replies import service, views
from service.replies.controllers.actions import AGENCY_ACTIONS, AGENCY_REFERRAL
from service.replies.controllers.common import AGENCY
from service.replies.models import AnswerOutcome, Referral, ReferralState
from service.replies.schemas import ReferralDetail, RevealedIdentity, RevealRequest
from service.settings import Settings
from service.storage.store import ObjectStore
from service.web.pages import Form, HTMXTemplate, read_form, redirect
from service.web.referrals.common import (
    Side,
    action_table,
    referral_page,
    referral_routes,
)
from service.web.uploads import FORM_UPLOAD_MAX_BODY, form_file

OUTCOMES = {outcome.value: f"web.referrals.outcome.{outcome.value}" for outcome in AnswerOutcome}


def _inbox(
    viewer: StaffPrincipal, states: tuple[ReferralState, ...], overdue: bool | None
) -> views.ReferralFilter:
    # As the API's inbox: an officer sees their agency's; an admin every agency's.
    agency_id = viewer.agency_id if viewer.role == Role.agency_officer else None
    return views.ReferralFilter(agency_id=agency_id, states=states, overdue=overdue)


async def _agency_context(
    _session: AsyncSession, _referral: Referral, _detail: ReferralDetail
) -> dict[str, Any]:
    return {"outcomes": OUTCOMES, "revealed": None}


AGENCY_SIDE = Side(
    base="/console/inbox",
    filters=_inbox,
    resource=AGENCY_REFERRAL,
    actions=action_table(
        AGENCY_ACTIONS, "acknowledge", "decline", "request_extension", "save_draft", "submit"
    ),
    agency_side=True,
    list_template="console/referrals/inbox.html",
    list_caption="web.referrals.inbox.caption",
    page_template="console/referrals/referral.html",
    errors_on={"submit": "save_draft"},
    other_forms=("upload", "reveal"),
    export_name="hop-thu",
    extra=_agency_context,
)


class AgencyInboxController(Controller):
    """What is not a workflow action: the upload of a file, the audited reveal."""

    path = "/inbox"
    guards = [AGENCY]

    @post(
        "/{referral_id:uuid}/attachments",
        status_code=303,
        request_max_body_size=FORM_UPLOAD_MAX_BODY,
    )
    async def upload(
        self,
        request: StaffRequest,
        referral_id: FromPath[uuid.UUID],
        db_session: DbSession,
        settings: NamedDependency[Settings],
        object_store: NamedDependency[ObjectStore],
    ) -> Redirect | HTMXTemplate:
        """The API's upload service (its size limit, its type checks) on the form's file."""
        chosen = await form_file(request)
        error = msg("web.referrals.file_missing")
        status_code = 422
        if chosen is not None:
            try:
                await service.add_attachment(
                    db_session,
                    object_store,
                    referral_id,
                    chosen.chunks(),
                    actor=request.user,
                    filename=chosen.filename,
                    max_bytes=settings.max_upload_bytes,
                )
            except NotFound:
                raise
            except ServiceError as exc:
                error, status_code = exc.detail, exc.status_code
            else:
                return redirect(
                    f"{AGENCY_SIDE.base}/{referral_id}", flash="web.referrals.done.upload"
                )
        form: Form[Any] = Form(values={}, errors={"file": error})
        return await referral_page(
            request,
            db_session,
            AGENCY_SIDE,
            referral_id,
            forms={"upload": form},
            status_code=status_code,
        )

    @post("/{referral_id:uuid}/reveal", status_code=200)
    async def reveal(
        self,
        request: StaffRequest,
        referral_id: FromPath[uuid.UUID],
        db_session: DbSession,
    ) -> HTMXTemplate:
        """Who filed the item, for the officer the law lets know it (the API's service and
        rule, audited with the reason). Shown in this response only: never in an address,
        a cookie or the next page."""
        form = await read_form(request, RevealRequest)
        status_code = 422
        if form.data is not None:
            try:
                referral = await service.get_visible_referral(db_session, referral_id, request.user)
                shown = await service.reveal_item_identity(
                    db_session, referral, request.user, form.data.reason
                )
            except NotFound:
                raise
            except ServiceError as exc:
                form, status_code = form.failed(exc), exc.status_code
            else:
                revealed = RevealedIdentity.model_validate(shown)
                return await referral_page(
                    request, db_session, AGENCY_SIDE, referral_id, revealed=revealed
                )
        return await referral_page(
            request,
            db_session,
            AGENCY_SIDE,
            referral_id,
            forms={"reveal": form},
            status_code=status_code,
        )


agency_routes = referral_routes(AGENCY_SIDE, AGENCY)
