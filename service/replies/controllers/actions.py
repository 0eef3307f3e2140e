"""Every change to a referral, declared once: the agency's actions under
``/agency/referrals/{referral_id}`` and the Front's under ``/referrals/{referral_id}``.

:func:`service.http.actions.action_handlers` turns each into its own operation: the guard,
then the referral the caller may see, locked, at the version ``If-Match`` names (428 / 412
with ``current_etag``), then the operation (403 for someone else's action, 409 for the wrong
state), and the answer with the ETag of the referral as changed.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

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
Run = Callable[[Call], Awaitable[Any]]
Action = ActionRoute[Referral, Any]


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


def _passing(operation: Callable[..., Awaitable[Any]], *fields: str) -> Run:
    """The run of an action that hands the body's ``fields`` to ``operation`` by name (None
    for each when the body may be left out and is)."""

    async def run(call: Call) -> Any:
        values = {name: None if call.data is None else getattr(call.data, name) for name in fields}
        return await operation(call.session, call.resource, actor=call.actor, **values)

    return run


def _on_answer(name: str, path: str | None, run: Run, body: Any, summary: str) -> Action:
    """An action on the referral's answer, which it answers with."""
    return ActionRoute(
        name=name,
        path=path,
        run=run,
        body=body,
        response=AnswerRead,
        present=_answer,
        summary=summary,
    )


def _on_extension(
    name: str, path: str, run: Run, body: Any, summary: str, status_code: int
) -> Action:
    """An action on an extension request, which it answers with."""
    return ActionRoute(
        name=name,
        path=path,
        run=run,
        body=body,
        status_code=status_code,
        response=ExtensionRead,
        present=_extension,
        summary=summary,
    )


# -- the agency ----------------------------------------------------------------------------


async def _save_draft(call: ActionCall[Referral, AnswerDraftWrite]) -> ReferralAnswer:
    return await service.save_draft(call.session, call.resource, actor=call.actor, draft=call.data)


AGENCY_ACTIONS: list[Action] = [
    ActionRoute(
        name="acknowledge",
        run=_passing(service.acknowledge, "agency_reference", "note"),
        body=AcknowledgeRequest,
        summary="Thụ lý",
    ),
    ActionRoute(
        name="decline",
        run=_passing(service.decline, "reason", "suggested_agency_id"),
        body=DeclineRequest,
        summary="Decline as not competent (back to the Front)",
    ),
    _on_extension(
        "request_extension",
        "extensions",
        _passing(service.request_extension, "reason", "new_due_date"),
        ExtensionRequestCreate,
        "Ask for an extension (within the policy)",
        status_code=HTTP_201_CREATED,
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
    _on_answer(
        "submit",
        "answer/submit",
        _passing(service.submit_answer),
        None,
        "Submit the draft answer to the Front",
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


async def _escalate(call: ActionCall[Referral, EscalateRequest]) -> Referral:
    referral, _new = await service.escalate(
        call.session, call.resource, actor=call.actor, to=call.data.to, reason=call.data.reason
    )
    return referral


def _with_reason(name: str, operation: Callable[..., Awaitable[Any]], summary: str) -> Action:
    """An action on the referral whose body is only a reason."""
    run = _passing(operation, "reason")
    return ActionRoute(name=name, run=run, body=ReasonRequest, summary=summary)


FRONT_ACTIONS: list[Action] = [
    _on_extension(
        "decide_extension",
        "extensions/{extension_id:uuid}/decision",
        _decide_extension,
        ExtensionDecision,
        "Approve or refuse an extension request",
        status_code=HTTP_200_OK,
    ),
    _on_answer(
        "return_answer",
        "answer/return",
        _passing(service.return_answer, "reason"),
        ReasonRequest,
        "Return the submitted answer asking for more (the clock keeps running)",
    ),
    _on_answer(
        "accept_answer",
        "answer/accept",
        _passing(service.accept_answer, "note"),
        NoteRequest | None,
        "Accept the submitted answer",
    ),
    _on_answer(
        "publish",
        None,
        _passing(service.publish_answer, "note"),
        NoteRequest | None,
        "Publish the accepted answer to the citizen (and the public feed)",
    ),
    ActionRoute(
        name="rate",
        path="rating",
        run=_passing(service.rate_answer, "satisfied", "comment"),
        body=RatingRequest,
        summary="Record a rating the citizen gave in person",
    ),
    _with_reason(
        "reopen", service.reopen, "Send a disputed answer back to the agency (limited by policy)"
    ),
    ActionRoute(
        name="escalate",
        run=_escalate,
        body=EscalateRequest,
        summary="Escalate a disputed answer to the superior agency or the council list",
    ),
    _with_reason("close", service.close_referral, "Close a published or disputed referral"),
    _with_reason("cancel", service.cancel_referral, "Cancel an open referral"),
]

action_routes = [
    *action_handlers(AGENCY_REFERRAL, AGENCY_ACTIONS),
    *action_handlers(FRONT_REFERRAL, FRONT_ACTIONS),
]
