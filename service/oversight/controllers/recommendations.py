"""Findings, recommendations and implementation checks: written under a plan, edited and
acted on by id (``issue`` and ``withdraw`` generated from one declaration,
:mod:`service.http.actions`), checked in a re-supervision session. Agency officers answer
recommendations through the replies inbox, not here.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Response
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.http.actions import ActionCall, ActionResource, ActionRoute, action_handlers
from service.http.preconditions import with_etag
from service.oversight.controllers.common import (
    Call,
    OversightController,
    Rows,
    edit_of,
    locked,
    oversight_resource,
    route_of,
    rows_of,
)
from service.oversight.models import Finding, Recommendation
from service.oversight.schemas import (
    CheckCreate,
    CheckRead,
    FindingCreate,
    FindingRead,
    FindingUpdate,
    RecommendationCreate,
    RecommendationIssue,
    RecommendationRead,
    RecommendationUpdate,
    RecommendationWithdraw,
)
from service.oversight.service import checks as checks_service
from service.oversight.service import recommendations as rec_service


async def _recommendation(
    db_session: AsyncSession, recommendation_id: uuid.UUID, viewer: StaffPrincipal
) -> RecommendationRead:
    view, _ = await rec_service.get_recommendation_view(db_session, recommendation_id, viewer)
    return view


class PlanRecommendationController(OversightController):
    path = "/oversight/plans"


class SessionCheckController(OversightController):
    path = "/oversight/sessions"


class FindingController(OversightController):
    path = "/oversight/findings"


class RecommendationController(OversightController):
    path = "/oversight/recommendations"


rows_of(
    PlanRecommendationController,
    Rows("/{plan_id:uuid}/findings", FindingRead, FindingCreate),
    listed=("list_findings", "The plan's findings", rec_service.list_findings),
    created=("create_finding", "Record a finding", rec_service.create_finding),
)


@route_of(
    PlanRecommendationController, "/{plan_id:uuid}/recommendations", "The plan's recommendations"
)
async def list_recommendations(call: Call) -> list[RecommendationRead]:
    return await rec_service.list_plan_recommendations(call.session, call.id, call.viewer)


@route_of(
    PlanRecommendationController,
    "/{plan_id:uuid}/recommendations",
    "Draft a recommendation to one agency",
    http_method="POST",
    body=RecommendationCreate,
)
async def create_recommendation(call: Call) -> RecommendationRead:
    rec = await rec_service.create_recommendation(call.session, call.id, call.data, call.viewer)
    return await _recommendation(call.session, rec.id, call.viewer)


rows_of(
    SessionCheckController,
    Rows("/{session_id:uuid}/checks", CheckRead, CheckCreate),
    listed=(
        "list_checks",
        "Implementation checks recorded in the session",
        checks_service.list_checks,
    ),
    created=(
        "record_check",
        "Record an implementation check of a recommendation (re-supervision)",
        checks_service.record_check,
    ),
)


@edit_of(
    FindingController,
    "/{finding_id:uuid}",
    "Edit a finding (If-Match)",
    FindingUpdate,
    rec_service.update_finding,
)
async def update_finding(call: Call, finding: Finding) -> Response[FindingRead]:
    return with_etag(FindingRead.model_validate(finding), finding.version)


@route_of(
    RecommendationController,
    "/{recommendation_id:uuid}",
    "A recommendation with its state and due date",
)
async def get_recommendation(call: Call) -> Response[RecommendationRead]:
    body = await _recommendation(call.session, call.id, call.viewer)
    return with_etag(body, body.version)


@edit_of(
    RecommendationController,
    "/{recommendation_id:uuid}",
    "Edit a draft recommendation (If-Match)",
    RecommendationUpdate,
    rec_service.update_recommendation,
)
async def update_recommendation(
    call: Call, recommendation: Recommendation
) -> Response[RecommendationRead]:
    return await get_recommendation(call)


# -- the recommendation actions ----------------------------------------------------------------


async def _present(call: ActionCall[Recommendation, Any], result: Any) -> RecommendationRead:
    return await _recommendation(call.session, call.resource.id, call.actor)


async def _issue(call: ActionCall[Recommendation, RecommendationIssue | None]) -> None:
    data = call.data or RecommendationIssue()
    await rec_service.issue_recommendation(
        call.session, call.resource.id, call.actor, note=data.note, agency_id=data.agency_id
    )


async def _withdraw(call: ActionCall[Recommendation, RecommendationWithdraw]) -> None:
    await rec_service.withdraw_recommendation(
        call.session, call.resource.id, call.actor, reason=call.data.reason
    )


RECOMMENDATION_RESOURCE: ActionResource[Recommendation] = oversight_resource(
    "/oversight/recommendations/{recommendation_id:uuid}",
    locked(rec_service.load_recommendation),
    _present,
    RecommendationRead,
)

# By action; the console's forms perform these same routes (service/web/oversight).
RECOMMENDATION_ROUTES: dict[str, ActionRoute[Recommendation, Any]] = {
    "issue": ActionRoute(
        "issue",
        _issue,
        body=RecommendationIssue | None,
        summary="Issue to the agency (creates a referral; due date from policy)",
    ),
    "withdraw": ActionRoute(
        "withdraw",
        _withdraw,
        body=RecommendationWithdraw,
        summary="Withdraw a draft or unanswered recommendation (cancels its referral)",
    ),
}
RECOMMENDATION_ACTIONS = action_handlers(
    RECOMMENDATION_RESOURCE, list(RECOMMENDATION_ROUTES.values())
)
