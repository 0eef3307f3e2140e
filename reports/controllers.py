"""Routes of the reports API: request a report (202, rendered in the background), follow its
progress, list, download (307 to a short-lived URL), retry, regenerate, and the public
verification of a printed copy."""

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter, RequestBody
from litestar.response import Redirect
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_307_TEMPORARY_REDIRECT
from sqlalchemy.ext.asyncio import AsyncSession

from reports import service, views
from reports.access import READERS, REQUESTERS
from reports.models import Report, ReportKind, ReportState
from reports.schemas import MAX_PAGE, ReportCreate, ReportPage, ReportRead, Verification
from service.auth.guards import staff
from service.auth.principals import StaffPrincipal
from service.http.cursor import MAX_LENGTH as CURSOR_MAX_LENGTH
from service.i18n import msg
from service.ratelimit import AddressFailures, Limit, address_failures
from service.settings import Settings
from service.storage.store import ObjectStore

StaffRequest = Request[StaffPrincipal, Any, Any]
# Failed look-ups of a verification code per client address.
VERIFY_FAILURES = Limit(allowed=30, window_seconds=600)

REQUEST = staff(*REQUESTERS)
READ = staff(*READERS)


async def _accepted(
    session: AsyncSession, viewer: StaffPrincipal, report: Report
) -> Response[ReportRead]:
    """202 with the report as its requester now sees it, and where to follow it."""
    body = await views.report_read(session, viewer, report, with_deliveries=False)
    return Response(
        body,
        status_code=HTTP_202_ACCEPTED,
        headers={"Location": f"/api/v1/reports/{body.id}"},
    )


class ReportController(Controller):
    path = "/reports"
    tags = ["reports"]

    @post(
        "/",
        guards=[REQUEST],
        status_code=HTTP_202_ACCEPTED,
        summary="Request a report; it is rendered in the background",
        description=(
            "Answers 202 with the report resource (state `queued`); follow `GET "
            "/reports/{id}` for `stage` and `percent` until `issued` (or `failed`). Front "
            "officers report on their own ward (city level: anywhere); supervisors on the "
            "result of their own supervision; People's Council members (`council_reader`) "
            "request the council report and agency scorecards of their area. A ward, plan "
            "or agency outside the caller's area answers 404; a kind the role may not "
            "request, 403."
        ),
    )
    async def create(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        data: RequestBody[ReportCreate],
    ) -> Response[ReportRead]:
        report = await service.request_report(db_session, settings, request.user, data)
        return await _accepted(db_session, request.user, report)

    @get("/", guards=[READ], summary="Reports the caller may see, newest first")
    async def list_reports(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        kind: Annotated[ReportKind | None, QueryParameter()] = None,
        report_state: Annotated[ReportState | None, QueryParameter(name="state")] = None,
        series_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=CURSOR_MAX_LENGTH)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 20,
    ) -> ReportPage:
        rows, next_cursor = await service.list_reports(
            db_session,
            request.user,
            kind=kind,
            state=report_state,
            series_id=series_id,
            cursor=cursor,
            limit=limit,
        )
        return await views.report_page(db_session, request.user, rows, next_cursor)

    @get(
        "/{report_id:uuid}",
        guards=[READ],
        summary="A report: state, stage and percent while it renders; hash and deliveries",
    )
    async def get_report(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        report_id: FromPath[uuid.UUID],
    ) -> ReportRead:
        report = await service.get_visible(db_session, request.user, report_id)
        return await views.report_read(db_session, request.user, report, with_deliveries=True)

    @get(
        "/{report_id:uuid}/download",
        guards=[READ],
        status_code=HTTP_307_TEMPORARY_REDIRECT,
        summary="Redirect to a short-lived download URL of the issued PDF",
    )
    async def download(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        object_store: NamedDependency[ObjectStore],
        report_id: FromPath[uuid.UUID],
    ) -> Redirect:
        url = await service.download_url(
            db_session, settings, object_store, request.user, report_id
        )
        return Redirect(url, status_code=HTTP_307_TEMPORARY_REDIRECT)

    @post(
        "/{report_id:uuid}/retry",
        guards=[REQUEST],
        status_code=HTTP_202_ACCEPTED,
        summary="Queue a failed render again",
    )
    async def retry(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        report_id: FromPath[uuid.UUID],
    ) -> Response[ReportRead]:
        report = await service.retry_report(db_session, request.user, report_id)
        return await _accepted(db_session, request.user, report)

    @post(
        "/{report_id:uuid}/regenerate",
        guards=[REQUEST],
        status_code=HTTP_202_ACCEPTED,
        summary="Make a new version from today's data (the issued version stays as it is)",
    )
    async def regenerate(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        report_id: FromPath[uuid.UUID],
    ) -> Response[ReportRead]:
        report = await service.regenerate_report(db_session, settings, request.user, report_id)
        return await _accepted(db_session, request.user, report)

    @get(
        "/verify/{code:str}",
        exclude_from_auth=True,
        opt={"problems": (404, 429)},  # failed look-ups are limited per address
        dependencies={
            "verify_failures": address_failures(
                "verify", VERIFY_FAILURES, msg("verification_rate_limited")
            )
        },
        summary="Check a printed copy: the report's kind, version, issue time and SHA-256",
        description="Public. The code is printed in every page footer (Mã xác thực).",
    )
    async def verify(
        self,
        db_session: NamedDependency[AsyncSession],
        verify_failures: NamedDependency[AddressFailures],
        code: FromPath[str],
    ) -> Verification:
        return await service.verify_copy(db_session, code, verify_failures)


controllers = [ReportController]
