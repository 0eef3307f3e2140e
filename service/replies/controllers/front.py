"""The Front's reads: the referrals of its unit, the council list, one referral (without
the agency's drafts) and the answers' files. Its decisions are the generated actions
(``actions.py``)."""

from __future__ import annotations

import uuid
from datetime import datetime

from litestar import Controller
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery

from service.deadlines.models import ItemKind
from service.http.declared import Call, route_of
from service.replies import views
from service.replies.controllers.common import (
    FRONT,
    PERIOD,
    PERIOD_DEFAULTS,
    READERS,
    ItemTypeParam,
    StaffRequest,
    States,
    attachment_download,
    period_bounds,
    referral_detail_route,
    referral_export_route,
    referral_filter,
    referral_list_route,
)
from service.replies.repository import ReferralFilter
from service.replies.schemas import ReferralRead
from service.settings import Settings


async def _unit_listing(
    request: StaffRequest,
    settings: NamedDependency[Settings],
    states: States = None,
    agency_id: FromQuery[uuid.UUID | None] = None,
    item_kind: FromQuery[ItemKind | None] = None,
    item_type: ItemTypeParam = None,
    due_before: FromQuery[datetime | None] = None,
    due_after: FromQuery[datetime | None] = None,
    overdue: FromQuery[bool | None] = None,
) -> ReferralFilter:
    """The list's filters as the query string gives them (the list's and its file's)."""
    scope = views.ReferralFilter(agency_id=agency_id, unit_code=request.user.unit_code)
    return referral_filter(
        settings, scope, states, item_kind, item_type, due_before, due_after, overdue
    )


class FrontReferralController(Controller):
    path = "/referrals"
    tags = ["referrals"]
    dependencies = {"listing": Provide(_unit_listing)}

    list_referrals = referral_list_route(
        "list_referrals", "Referrals of my unit (all at city level), by due date", guards=[FRONT]
    )

    export_list = referral_export_route(
        "export_list",
        "Referrals of my unit as a file (CSV or XLSX), with the list's filters, streamed",
        file_name="chuyen-don",
        guards=[FRONT],
    )

    detail = referral_detail_route(
        "One referral (drafts are not shown)", agency_side=False, guards=[FRONT]
    )

    download = attachment_download(
        "Download an attachment of a submitted answer", agency_side=False, guards=[FRONT]
    )


@route_of(
    FrontReferralController,
    "/council",
    "Referrals escalated to the People's Council list",
    session="read_session",
    guards=[READERS],
    extra=PERIOD,
    defaults=PERIOD_DEFAULTS,
)
async def council(call: Call) -> list[ReferralRead]:
    start, end = period_bounds(call.extra["from_"], call.extra["to"], call.settings)
    return list(await views.council_list(call.session, call.viewer, start=start, end=end))
