"""Routes of the reports API: request a report (202, rendered in the background), follow its
progress, list, download (307 to a short-lived URL), retry, regenerate, and the public
verification of a printed copy."""

import uuid
from dataclasses import dataclass
from functools import partial
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
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
from service.http.params import Cursor, StaffRequest
from service.i18n import msg
from service.ratelimit import AddressFailures, Limit, address_failures
from service.settings import Settings
from service.storage.store import ObjectStore

# Failed look-ups of a verification code per client address.
VERIFY_FAILURES = Limit(allowed=30, window_seconds=600)

REQUEST = staff(*REQUESTERS)
READ = staff(*READERS)


@dataclass(frozen=True)
class Caller:
    """What every staff route here works with: the database session, the staff member
    calling (their role and area decide which reports they see) and the settings."""

    session: AsyncSession
    viewer: StaffPrincipal
    settings: Settings

    async def accepted(self, report: Report) -> Response[ReportRead]:
        """202 with the report as its requester now sees it, and where to follow it."""
        body = await views.report_read(self.session, self.viewer, report, with_deliveries=False)
        return Response(
            body,
            status_code=HTTP_202_ACCEPTED,
            headers={"Location": f"/api/v1/reports/{body.id}"},
        )


async def _caller(
    request: StaffRequest,
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
) -> Caller:
    return Caller(db_session, request.user, settings)


# The routes that queue a render (a new report, a retry, a new version): who may ask, and
# the 202 they answer with. And the reads, open to every reader of reports.
queue_render = partial(post, guards=[REQUEST], status_code=HTTP_202_ACCEPTED)
read = partial(get, guards=[READ])


class ReportController(Controller):
    path = "/reports"
    tags = ["reports"]
    dependencies = {"caller": Provide(_caller)}

    @queue_render(
        "/",
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
        self, caller: NamedDependency[Caller], data: RequestBody[ReportCreate]
    ) -> Response[ReportRead]:
        report = await service.request_report(caller.session, caller.settings, caller.viewer, data)
        return await caller.accepted(report)

    @read("/", summary="Reports the caller may see, newest first")
    async def list_reports(
        self,
        caller: NamedDependency[Caller],
        kind: Annotated[ReportKind | None, QueryParameter()] = None,
        report_state: Annotated[ReportState | None, QueryParameter(name="state")] = None,
        series_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 20,
    ) -> ReportPage:
        rows, next_cursor = await service.list_reports(
            caller.session,
            caller.viewer,
            kind=kind,
            state=report_state,
            series_id=series_id,
            cursor=cursor,
            limit=limit,
        )
        return await views.report_page(caller.session, caller.viewer, rows, next_cursor)

    @read(
        "/{report_id:uuid}",
        summary="A report: state, stage and percent while it renders; hash and deliveries",
    )
    async def get_report(
        self, caller: NamedDependency[Caller], report_id: FromPath[uuid.UUID]
    ) -> ReportRead:
        report = await service.get_visible(caller.session, caller.viewer, report_id)
        return await views.report_read(caller.session, caller.viewer, report, with_deliveries=True)

    @read(
        "/{report_id:uuid}/download",
        status_code=HTTP_307_TEMPORARY_REDIRECT,
        summary="Redirect to a short-lived download URL of the issued PDF",
    )
    async def download(
        self,
        caller: NamedDependency[Caller],
        object_store: NamedDependency[ObjectStore],
        report_id: FromPath[uuid.UUID],
    ) -> Redirect:
        url = await service.download_url(
            caller.session, caller.settings, object_store, caller.viewer, report_id
        )
        return Redirect(url, status_code=HTTP_307_TEMPORARY_REDIRECT)

    @queue_render("/{report_id:uuid}/retry", summary="Queue a failed render again")
    async def retry(
        self, caller: NamedDependency[Caller], report_id: FromPath[uuid.UUID]
    ) -> Response[ReportRead]:
        return await caller.accepted(
            await service.retry_report(caller.session, caller.viewer, report_id)
        )

    @queue_render(
        "/{report_id:uuid}/regenerate",
        summary="Make a new version from today's data (the issued version stays as it is)",
    )
    async def regenerate(
        self, caller: NamedDependency[Caller], report_id: FromPath[uuid.UUID]
    ) -> Response[ReportRead]:
        return await caller.accepted(
            await service.regenerate_report(
                caller.session, caller.settings, caller.viewer, report_id
            )
        )

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


from reports.voters import VoterDocumentController  # noqa: E402

controllers = [ReportController, VoterDocumentController]
