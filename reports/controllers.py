"""Routes of the reports API: request a report (202, rendered in the background), follow its
progress, list, download (307 to a short-lived URL), retry, regenerate, and the public
verification of a printed copy."""

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_307_TEMPORARY_REDIRECT
from sqlalchemy.ext.asyncio import AsyncSession

from reports import service
from reports.access import READERS, REQUESTERS
from reports.models import Report, ReportKind, ReportState
from reports.repository import MAX_PAGE
from reports.schemas import DeliveryRead, ReportCreate, ReportPage, ReportRead, Verification
from service.auth.guards import staff
from service.auth.principals import StaffPrincipal
from service.errors import NotFound
from service.i18n import msg
from service.ratelimit import Limit, client_address, counters_of, too_many
from service.settings import Settings
from service.storage.store import ObjectStore

StaffRequest = Request[StaffPrincipal, Any, Any]
# Failed look-ups of a verification code per client address.
VERIFY_FAILURES = Limit(allowed=30, window_seconds=600)

REQUEST = staff(*REQUESTERS)
READ = staff(*READERS)


async def _read(
    session: AsyncSession, viewer: StaffPrincipal, report: Report, *, with_deliveries: bool
) -> ReportRead:
    deliveries = []
    if with_deliveries:
        grouped = await service.deliveries(session, [report])
        deliveries = [DeliveryRead.model_validate(d) for d in grouped.get(report.id, [])]
    return ReportRead.model_validate(report).model_copy(
        update={
            "allowed_actions": await service.allowed_actions(session, viewer, report),
            "deliveries": deliveries,
        }
    )


def _accepted(body: ReportRead) -> Response[ReportRead]:
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
        db_session: AsyncSession,
        settings: Settings,
        data: ReportCreate,
    ) -> Response[ReportRead]:
        report = await service.request_report(db_session, settings, request.user, data)
        return _accepted(await _read(db_session, request.user, report, with_deliveries=False))

    @get("/", guards=[READ], summary="Reports the caller may see, newest first")
    async def list_reports(
        self,
        request: StaffRequest,
        db_session: AsyncSession,
        kind: ReportKind | None = None,
        report_state: ReportState | None = Parameter(query="state", default=None),
        series_id: uuid.UUID | None = None,
        cursor: str | None = Parameter(default=None, max_length=200),
        limit: Annotated[int, Parameter(ge=1, le=MAX_PAGE)] = 20,
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
        return ReportPage(
            items=[
                await _read(db_session, request.user, row, with_deliveries=False) for row in rows
            ],
            next_cursor=next_cursor,
        )

    @get(
        "/{report_id:uuid}",
        guards=[READ],
        summary="A report: state, stage and percent while it renders; hash and deliveries",
    )
    async def get_report(
        self, request: StaffRequest, db_session: AsyncSession, report_id: uuid.UUID
    ) -> ReportRead:
        report = await service.get_visible(db_session, request.user, report_id)
        return await _read(db_session, request.user, report, with_deliveries=True)

    @get(
        "/{report_id:uuid}/download",
        guards=[READ],
        status_code=HTTP_307_TEMPORARY_REDIRECT,
        summary="Redirect to a short-lived download URL of the issued PDF",
    )
    async def download(
        self,
        request: StaffRequest,
        db_session: AsyncSession,
        settings: Settings,
        object_store: ObjectStore,
        report_id: uuid.UUID,
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
        self, request: StaffRequest, db_session: AsyncSession, report_id: uuid.UUID
    ) -> Response[ReportRead]:
        report = await service.retry_report(db_session, request.user, report_id)
        return _accepted(await _read(db_session, request.user, report, with_deliveries=False))

    @post(
        "/{report_id:uuid}/regenerate",
        guards=[REQUEST],
        status_code=HTTP_202_ACCEPTED,
        summary="Make a new version from today's data (the issued version stays as it is)",
    )
    async def regenerate(
        self,
        request: StaffRequest,
        db_session: AsyncSession,
        settings: Settings,
        report_id: uuid.UUID,
    ) -> Response[ReportRead]:
        report = await service.regenerate_report(db_session, settings, request.user, report_id)
        return _accepted(await _read(db_session, request.user, report, with_deliveries=False))

    @get(
        "/verify/{code:str}",
        exclude_from_auth=True,
        opt={"problems": (404, 429)},  # failed look-ups are limited per address
        summary="Check a printed copy: the report's kind, version, issue time and SHA-256",
        description="Public. The code is printed in every page footer (Mã xác thực).",
    )
    async def verify(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, code: str
    ) -> Verification:
        report = None
        if len(code) <= 40 and all(ch.isascii() and (ch.isalnum() or ch in "- ") for ch in code):
            report = await service.verify(db_session, code)
        if report is None or report.issued_at is None or report.sha256 is None:
            # Codes are 40 bits: guessing through them is slowed per client address; a
            # printed copy's code is always answered.
            usage = await counters_of(request).hit(
                f"verify:address:{client_address(request)}", VERIFY_FAILURES.window_seconds
            )
            if usage.exceeds(VERIFY_FAILURES):
                raise too_many(
                    msg("verification_rate_limited"),
                    usage,
                )
            raise NotFound(msg("verification_code_unknown"))
        return Verification(
            kind=ReportKind(report.kind),
            version=report.version,
            issued_at=report.issued_at,
            sha256=report.sha256,
        )


controllers = [ReportController]
