"""The Front's triage actions, declared once (:mod:`service.http.actions`).

Each is ``POST /petitions/{id}/<action>`` (a correction of the classification is ``PATCH
/petitions/{id}``) and runs the same way: the Front guard, the petition loaded in the
caller's area and locked (404 outside it, 403 for roles that never triage), ``If-Match``
against the locked row (428 / 412 with ``current_etag``), the service (the workflow answers
403 / 409), and the answer: the petition as it is now, with the ETag of the version written.

``merge`` takes the same steps but answers with another petition (the lead it merged into)
and that petition's ETag.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import staff
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.http.actions import ActionCall, ActionResource, ActionRoute, action_handlers
from service.i18n import msg
from service.petitions import duplicates, triage, views
from service.petitions.models import Petition
from service.petitions.schemas import (
    MergeRequest,
    PetitionDetail,
    ReasonRequest,
    Reclassify,
    ReferRequest,
    RejectRequest,
    RequestInfo,
)
from service.petitions.service import load_for_triage

TRIAGE = staff(Role.front_officer)
IF_MATCH_MISSING = msg("if_match_required_petition")
IF_MATCH_STALE = msg("petition_changed")

Call = ActionCall[Petition, Any]


async def _load(session: AsyncSession, petition_id: uuid.UUID, viewer: StaffPrincipal) -> Petition:
    return await load_for_triage(session, petition_id, viewer)


async def present(call: Call, _result: Any) -> PetitionDetail:
    """The petition as it is now (even if a reclassification moved it out of the officer's
    ward: they just made that change), from the object in hand."""
    return await views.detail(call.session, call.settings, call.resource, call.actor)


PETITION = ActionResource[Petition](
    path="/petitions/{petition_id:uuid}",
    id_name="petition_id",
    load=_load,
    present=present,
    response=PetitionDetail,
    tags=("petitions",),
    guards=(TRIAGE,),
    missing=IF_MATCH_MISSING,
    stale=IF_MATCH_STALE,
)
# The correction is a PATCH of the petition itself: the same resource, its path the action's.
PETITION_ITSELF = replace(PETITION, path="/petitions")


async def _request_info(call: Call) -> None:
    await triage.request_info(call.session, call.resource, call.actor, call.data.question)


async def _resume(call: Call) -> None:
    await triage.resume(call.session, call.resource, call.actor, call.data.reason)


async def _accept(call: Call) -> None:
    await triage.accept(call.session, call.resource, call.actor, call.data.reason)


async def _reject(call: Call) -> None:
    await triage.reject(call.session, call.resource, call.actor, call.data)


async def _refer(call: Call) -> None:
    data: ReferRequest = call.data
    await triage.refer(
        call.session,
        call.settings,
        call.resource,
        call.actor,
        agency_id=data.agency_id,
        reason=data.reason,
        note=data.note,
    )


async def _reclassify(call: Call) -> None:
    await triage.reclassify(call.session, call.settings, call.resource, call.actor, call.data)


async def _merge(call: Call) -> Petition:
    data: MergeRequest = call.data
    return await duplicates.merge(
        call.session, call.resource, data.lead_id, call.actor, reason=data.reason
    )


async def _present_lead(call: Call, lead: Petition) -> PetitionDetail:
    return await views.detail(call.session, call.settings, lead, call.actor)


# The actions by name, for the API's generated routes below and the console's forms
# (``service.web.queue``), which run them through the same ``perform``.
ACTIONS: dict[str, ActionRoute[Petition, Any]] = {
    action.name: action
    for action in (
        ActionRoute(
            name="request_info",
            run=_request_info,
            body=RequestInfo,
            description="Ask the citizen a question; the routing clock pauses.",
        ),
        ActionRoute(
            name="resume",
            run=_resume,
            body=ReasonRequest,
            description="Stop waiting for the citizen; the routing clock resumes.",
        ),
        ActionRoute(name="accept", run=_accept, body=ReasonRequest),
        ActionRoute(name="reject", run=_reject, body=RejectRequest),
        ActionRoute(
            name="refer",
            run=_refer,
            body=ReferRequest,
            description=(
                "Route to the suggested agency (no agency_id) or another one (with a reason)."
            ),
        ),
        # Merge this petition (the duplicate) into ``lead_id``; the answer is the lead.
        ActionRoute(
            name="merge",
            run=_merge,
            body=MergeRequest,
            present=_present_lead,
            etag_of=lambda lead: lead.version,
        ),
    )
}
RECLASSIFY = ActionRoute[Petition, Any](
    name="reclassify",
    run=_reclassify,
    body=Reclassify,
    path="{petition_id:uuid}",
    http_method="PATCH",
    summary="Correct kind/category/unit/urgency",
)

TRIAGE_ACTIONS = [
    *action_handlers(PETITION, list(ACTIONS.values())),
    *action_handlers(PETITION_ITSELF, [RECLASSIFY]),
]
