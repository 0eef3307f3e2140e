"""Findings, recommendations and implementation checks: written under a plan, edited and
acted on by id (``issue`` and ``withdraw`` generated from one declaration,
:mod:`service.http.actions`), checked in a re-supervision session. Agency officers answer
recommendations through the replies inbox, not here.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, RequestBody
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.http.actions import ActionCall, ActionResource, ActionRoute, action_handlers
from service.http.preconditions import IfMatch, with_etag
from service.oversight.controllers.common import GUARDS, TAGS, DbSession, StaffRequest
from service.oversight.models import Recommendation
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


class PlanRecommendationController(Controller):
    path = "/oversight/plans"
    tags = TAGS
    guards = GUARDS

    @get("/{plan_id:uuid}/findings", summary="The plan's findings")
    async def list_findings(
        self, request: StaffRequest, plan_id: FromPath[uuid.UUID], db_session: DbSession
    ) -> list[FindingRead]:
        found = await rec_service.list_findings(db_session, plan_id, request.user)
        return [FindingRead.model_validate(f) for f in found]

    @post("/{plan_id:uuid}/findings", status_code=HTTP_201_CREATED, summary="Record a finding")
    async def create_finding(
        self,
        request: StaffRequest,
        plan_id: FromPath[uuid.UUID],
        data: RequestBody[FindingCreate],
        db_session: DbSession,
    ) -> FindingRead:
        finding = await rec_service.create_finding(db_session, plan_id, data, request.user)
        return FindingRead.model_validate(finding)

    @get("/{plan_id:uuid}/recommendations", summary="The plan's recommendations")
    async def list_recommendations(
        self, request: StaffRequest, plan_id: FromPath[uuid.UUID], db_session: DbSession
    ) -> list[RecommendationRead]:
        return await rec_service.list_plan_recommendations(db_session, plan_id, request.user)

    @post(
        "/{plan_id:uuid}/recommendations",
        status_code=HTTP_201_CREATED,
        summary="Draft a recommendation to one agency",
    )
    async def create_recommendation(
        self,
        request: StaffRequest,
        plan_id: FromPath[uuid.UUID],
        data: RequestBody[RecommendationCreate],
        db_session: DbSession,
    ) -> RecommendationRead:
        rec = await rec_service.create_recommendation(db_session, plan_id, data, request.user)
        return await _recommendation(db_session, rec.id, request.user)


class SessionCheckController(Controller):
    path = "/oversight/sessions"
    tags = TAGS
    guards = GUARDS

    @get("/{session_id:uuid}/checks", summary="Implementation checks recorded in the session")
    async def list_checks(
        self, request: StaffRequest, session_id: FromPath[uuid.UUID], db_session: DbSession
    ) -> list[CheckRead]:
        checks = await checks_service.list_checks(db_session, session_id, request.user)
        return [CheckRead.model_validate(c) for c in checks]

    @post(
        "/{session_id:uuid}/checks",
        status_code=HTTP_201_CREATED,
        summary="Record an implementation check of a recommendation (re-supervision)",
    )
    async def record_check(
        self,
        request: StaffRequest,
        session_id: FromPath[uuid.UUID],
        data: RequestBody[CheckCreate],
        db_session: DbSession,
    ) -> CheckRead:
        check = await checks_service.record_check(db_session, session_id, data, request.user)
        return CheckRead.model_validate(check)


class FindingController(Controller):
    path = "/oversight/findings"
    tags = TAGS
    guards = GUARDS

    @patch("/{finding_id:uuid}", summary="Edit a finding (If-Match)")
    async def update_finding(
        self,
        request: StaffRequest,
        finding_id: FromPath[uuid.UUID],
        data: RequestBody[FindingUpdate],
        db_session: DbSession,
        if_match: NamedDependency[IfMatch | None],  # type: ignore[misc]
    ) -> Response[FindingRead]:
        finding = await rec_service.update_finding(
            db_session, finding_id, data, request.user, expected_version=if_match
        )
        return with_etag(FindingRead.model_validate(finding), finding.version)


class RecommendationController(Controller):
    path = "/oversight/recommendations"
    tags = TAGS
    guards = GUARDS

    @get("/{recommendation_id:uuid}", summary="A recommendation with its state and due date")
    async def get_recommendation(
        self, request: StaffRequest, recommendation_id: FromPath[uuid.UUID], db_session: DbSession
    ) -> Response[RecommendationRead]:
        body = await _recommendation(db_session, recommendation_id, request.user)
        return with_etag(body, body.version)

    @patch("/{recommendation_id:uuid}", summary="Edit a draft recommendation (If-Match)")
    async def update_recommendation(
        self,
        request: StaffRequest,
        recommendation_id: FromPath[uuid.UUID],
        data: RequestBody[RecommendationUpdate],
        db_session: DbSession,
        if_match: NamedDependency[IfMatch | None],  # type: ignore[misc]
    ) -> Response[RecommendationRead]:
        rec = await rec_service.update_recommendation(
            db_session, recommendation_id, data, request.user, expected_version=if_match
        )
        body = await _recommendation(db_session, rec.id, request.user)
        return with_etag(body, body.version)


# -- the recommendation actions ----------------------------------------------------------------


async def _load(
    db_session: AsyncSession, recommendation_id: uuid.UUID, user: Any
) -> Recommendation:
    rec, _, _ = await rec_service.load_recommendation(
        db_session, recommendation_id, user, for_update=True
    )
    return rec


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


RECOMMENDATION_RESOURCE: ActionResource[Recommendation] = ActionResource(
    path="/oversight/recommendations/{recommendation_id:uuid}",
    id_name="recommendation_id",
    load=_load,
    present=_present,
    response=RecommendationRead,
    tags=TAGS,
    guards=GUARDS,
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
