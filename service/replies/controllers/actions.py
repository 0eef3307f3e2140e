"""Every change to a referral, declared once: the agency's actions under
``/agency/referrals/{referral_id}`` and the Front's under ``/referrals/{referral_id}``.

:func:`service.http.actions.action_handlers` turns each into its own operation: the guard,
then the referral the caller may see, locked, at the version ``If-Match`` names (428 / 412
with ``current_etag``), then the operation (403 for someone else's action, 409 for the wrong
state), and the answer with the ETag of the referral as changed.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar.status_codes import HTTP_201_CREATED

from service.http.actions import ActionCall, ActionResource, ActionRoute, action_handlers
from service.i18n import msg
from service.replies import service, views
from service.replies.controllers.common import AGENCY, FRONT
from service.replies.models import Referral, ReferralAnswer, ReferralExtension
from service.replies.schemas import (
    AcknowledgeRequest,
    AnswerDraftWrite,
    AnswerRead,
    DeclineRequest,
    EscalateRequest,
    ExtensionDecision,
    ExtensionRead,
    ExtensionRequestCreate,
    InboxItem,
    NoteRequest,
    RatingRequest,
    ReasonRequest,
    ReferralRead,
)

Call = ActionCall[Referral, Any]


async def _referral(call: Call, _result: object) -> InboxItem:
    return views.referral_read(call.resource, call.actor)


async def _answer(call: Call, answer: ReferralAnswer) -> AnswerRead:
    return views.answer_read(answer)


async def _extension(call: Call, extension: ReferralExtension) -> ExtensionRead:
    return ExtensionRead.model_validate(extension)


def _resource(path: str, tags: list[str], guards: list[Any]) -> ActionResource[Referral]:
    return ActionResource(
        path=f"{path}/{{referral_id:uuid}}",
        id_name="referral_id",
        load=service.load_for_change,
        present=_referral,
        response=ReferralRead,
        tags=tags,
        guards=guards,
        missing=msg("if_match_required"),
        stale=msg("referral_changed"),
    )


AGENCY_REFERRAL = _resource("/agency/referrals", ["agency referrals"], [AGENCY])
FRONT_REFERRAL = _resource("/referrals", ["referrals"], [FRONT])


# -- the agency ----------------------------------------------------------------------------


async def _acknowledge(call: ActionCall[Referral, AcknowledgeRequest]) -> Referral:
    return await service.acknowledge(
        call.session,
        call.resource,
        actor=call.actor,
        agency_reference=call.data.agency_reference,
        note=call.data.note,
    )


async def _decline(call: ActionCall[Referral, DeclineRequest]) -> Referral:
    return await service.decline(
        call.session,
        call.resource,
        actor=call.actor,
        reason=call.data.reason,
        suggested_agency_id=call.data.suggested_agency_id,
    )


async def _request_extension(
    call: ActionCall[Referral, ExtensionRequestCreate],
) -> ReferralExtension:
    return await service.request_extension(
        call.session,
        call.resource,
        actor=call.actor,
        reason=call.data.reason,
        new_due_date=call.data.new_due_date,
    )


async def _save_draft(call: ActionCall[Referral, AnswerDraftWrite]) -> ReferralAnswer:
    return await service.save_draft(call.session, call.resource, actor=call.actor, draft=call.data)


async def _submit(call: ActionCall[Referral, None]) -> ReferralAnswer:
    return await service.submit_answer(call.session, call.resource, actor=call.actor)


AGENCY_ACTIONS: list[ActionRoute[Referral, Any]] = [
    ActionRoute(name="acknowledge", run=_acknowledge, body=AcknowledgeRequest, summary="Thụ lý"),
    ActionRoute(
        name="decline",
        run=_decline,
        body=DeclineRequest,
        summary="Decline as not competent (back to the Front)",
    ),
    ActionRoute(
        name="request_extension",
        path="extensions",
        run=_request_extension,
        body=ExtensionRequestCreate,
        status_code=HTTP_201_CREATED,
        response=ExtensionRead,
        present=_extension,
        summary="Ask for an extension (within the policy)",
    ),
    ActionRoute(
        name="save_draft",
        path="answer",
        http_method="PUT",
        run=_save_draft,
        body=AnswerDraftWrite,
        response=AnswerRead,
        present=_answer,
        summary="Save the draft answer (private to the agency)",
    ),
    ActionRoute(
        name="submit",
        path="answer/submit",
        run=_submit,
        response=AnswerRead,
        present=_answer,
        summary="Submit the draft answer to the Front",
    ),
]


# -- the Front -----------------------------------------------------------------------------


async def _decide_extension(call: ActionCall[Referral, ExtensionDecision]) -> ReferralExtension:
    extension_id = call.request.path_params["extension_id"]
    return await service.decide_extension(
        call.session,
        call.resource,
        extension_id if isinstance(extension_id, uuid.UUID) else uuid.UUID(str(extension_id)),
        actor=call.actor,
        approve=call.data.approve,
        note=call.data.note,
    )


async def _return_answer(call: ActionCall[Referral, ReasonRequest]) -> ReferralAnswer:
    return await service.return_answer(
        call.session, call.resource, actor=call.actor, reason=call.data.reason
    )


async def _accept_answer(call: ActionCall[Referral, NoteRequest | None]) -> ReferralAnswer:
    note = call.data.note if call.data else None
    return await service.accept_answer(call.session, call.resource, actor=call.actor, note=note)


async def _publish(call: ActionCall[Referral, NoteRequest | None]) -> ReferralAnswer:
    note = call.data.note if call.data else None
    return await service.publish_answer(call.session, call.resource, actor=call.actor, note=note)


async def _rate(call: ActionCall[Referral, RatingRequest]) -> Referral:
    return await service.rate_answer(
        call.session,
        call.resource,
        satisfied=call.data.satisfied,
        comment=call.data.comment,
        actor=call.actor,
    )


async def _reopen(call: ActionCall[Referral, ReasonRequest]) -> Referral:
    return await service.reopen(
        call.session, call.resource, actor=call.actor, reason=call.data.reason
    )


async def _escalate(call: ActionCall[Referral, EscalateRequest]) -> Referral:
    referral, _new = await service.escalate(
        call.session, call.resource, actor=call.actor, to=call.data.to, reason=call.data.reason
    )
    return referral


async def _close(call: ActionCall[Referral, ReasonRequest]) -> Referral:
    return await service.close_referral(
        call.session, call.resource, actor=call.actor, reason=call.data.reason
    )


async def _cancel(call: ActionCall[Referral, ReasonRequest]) -> Referral:
    return await service.cancel_referral(
        call.session, call.resource, actor=call.actor, reason=call.data.reason
    )


FRONT_ACTIONS: list[ActionRoute[Referral, Any]] = [
    ActionRoute(
        name="decide_extension",
        path="extensions/{extension_id:uuid}/decision",
        run=_decide_extension,
        body=ExtensionDecision,
        response=ExtensionRead,
        present=_extension,
        summary="Approve or refuse an extension request",
    ),
    ActionRoute(
        name="return_answer",
        path="answer/return",
        run=_return_answer,
        body=ReasonRequest,
        response=AnswerRead,
        present=_answer,
        summary="Return the submitted answer asking for more (the clock keeps running)",
    ),
    ActionRoute(
        name="accept_answer",
        path="answer/accept",
        run=_accept_answer,
        body=NoteRequest | None,
        response=AnswerRead,
        present=_answer,
        summary="Accept the submitted answer",
    ),
    ActionRoute(
        name="publish",
        run=_publish,
        body=NoteRequest | None,
        response=AnswerRead,
        present=_answer,
        summary="Publish the accepted answer to the citizen (and the public feed)",
    ),
    ActionRoute(
        name="rate",
        path="rating",
        run=_rate,
        body=RatingRequest,
        summary="Record a rating the citizen gave in person",
    ),
    ActionRoute(
        name="reopen",
        run=_reopen,
        body=ReasonRequest,
        summary="Send a disputed answer back to the agency (limited by policy)",
    ),
    ActionRoute(
        name="escalate",
        run=_escalate,
        body=EscalateRequest,
        summary="Escalate a disputed answer to the superior agency or the council list",
    ),
    ActionRoute(
        name="close",
        run=_close,
        body=ReasonRequest,
        summary="Close a published or disputed referral",
    ),
    ActionRoute(
        name="cancel",
        run=_cancel,
        body=ReasonRequest,
        summary="Cancel an open referral",
    ),
]

action_routes = [
    *action_handlers(AGENCY_REFERRAL, AGENCY_ACTIONS),
    *action_handlers(FRONT_REFERRAL, FRONT_ACTIONS),
]
