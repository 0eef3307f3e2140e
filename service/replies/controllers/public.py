"""Without a referral in hand: the public feed of published answers and the agencies'
scorecards."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get
from litestar.params import FromQuery, QueryParameter

from service.http.declared import Call, route_of
from service.readonly import ReadSession
from service.replies import views
from service.replies.controllers.common import (
    PERIOD,
    PERIOD_DEFAULTS,
    READERS,
    Cursor,
    UnitCode,
    check_day,
)
from service.replies.schemas import PublicAnswerPage, ScorecardResponse


class PublicAnswerController(Controller):
    path = "/public/answers"
    tags = ["public"]

    @get(
        "/",
        exclude_from_auth=True,
        summary="Published answers, newest first (personal data removed)",
        description=(
            "`q`: words that must all appear in the title, description or answer "
            "(diacritics and case ignored), as the portal's search."
        ),
    )
    async def feed(
        self,
        read_session: ReadSession,
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        unit_code: UnitCode = None,
        category_code: Annotated[str | None, QueryParameter(max_length=64)] = None,
        agency_id: FromQuery[uuid.UUID | None] = None,
        cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=views.MAX_PAGE)] = 20,
    ) -> PublicAnswerPage:
        filters = views.PublicFilter(
            unit_code=unit_code,
            category_code=category_code,
            agency_id=agency_id,
            text=q,
        )
        return await views.public_feed(read_session, filters, cursor=cursor, limit=limit)


class ScorecardController(Controller):
    path = "/scorecards"
    tags = ["scorecards"]


@route_of(
    ScorecardController,
    "/",
    "Agency scorecards for referrals received in a period",
    description=(
        "`from` and `to` are local dates (inclusive); default: the last 30 days. A Front "
        "officer of a ward sees the referrals of that ward only."
    ),
    session="read_session",
    guards=[READERS],
    extra={
        **PERIOD,
        "agency_id": Annotated[uuid.UUID | None, QueryParameter()],
        "unit_code": UnitCode,
    },
    defaults={**PERIOD_DEFAULTS, "agency_id": None, "unit_code": None},
)
async def scorecards(call: Call) -> ScorecardResponse:
    query = call.extra
    check_day(query["from_"], "from")
    check_day(query["to"], "to")
    return await views.scorecards_of_period(
        call.session,
        call.settings,
        call.viewer,
        first=query["from_"],
        last=query["to"],
        agency_id=query["agency_id"],
        unit_code=query["unit_code"],
    )
