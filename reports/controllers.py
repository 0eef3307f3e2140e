"""Routes of the reports API: request a report (202, rendered in the background), follow its
progress, list, download (307 to a short-lived URL), retry, regenerate, and the public
verification of a printed copy."""

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_307_TEMPORARY_REDIRECT
from sqlalchemy.ext.asyncio import AsyncSession

from reports import service, views
from reports.access import READERS, REQUESTERS
from reports.models import Report, ReportKind, ReportState
from reports.schemas import MAX_PAGE, ReportCreate, ReportPage, ReportRead, Verification
from service.auth.guards import staff
from service.http.declared import Call, Show, route_of
from service.http.params import Cursor
from service.i18n import msg
from service.ratelimit import AddressFailures, Limit, address_failures
from service.storage.store import ObjectStore

# Failed look-ups of a verification code per client address.
VERIFY_FAILURES = Limit(allowed=30, window_seconds=600)

REQUEST = staff(*REQUESTERS)
READ = staff(*READERS)


class ReportController(Controller):
    path = "/reports"
    tags = ["reports"]

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


def queue_render(path: str, summary: str, **options: Any) -> Callable[[Show], Show]:
    """A route that queues a render (a new report, a retry, a new version): who may ask,
    and the 202 it answers with (:func:`accepted`)."""
    return route_of(
        ReportController,
        path,
        summary,
        http_method="POST",
        status_code=HTTP_202_ACCEPTED,
        guards=[REQUEST],
        **options,
    )


def read(path: str, summary: str, **options: Any) -> Callable[[Show], Show]:
    """A read, open to every reader of reports."""
    return route_of(ReportController, path, summary, guards=[READ], **options)


async def accepted(call: Call, report: Report) -> Response[ReportRead]:
    """202 with the report as its requester now sees it, and where to follow it."""
    body = await views.report_read(call.session, call.viewer, report, with_deliveries=False)
    return Response(
        body,
        status_code=HTTP_202_ACCEPTED,
        headers={"Location": f"/api/v1/reports/{body.id}"},
    )


@queue_render(
    "/",
    "Request a report; it is rendered in the background",
    body=ReportCreate,
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
async def create(call: Call) -> Response[ReportRead]:
    report = await service.request_report(call.session, call.settings, call.viewer, call.data)
    return await accepted(call, report)


@read(
    "/",
    "Reports the caller may see, newest first",
    extra={
        "kind": Annotated[ReportKind | None, QueryParameter()],
        "report_state": Annotated[ReportState | None, QueryParameter(name="state")],
        "series_id": Annotated[uuid.UUID | None, QueryParameter()],
        "cursor": Cursor,
        "limit": Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)],
    },
    defaults={"kind": None, "report_state": None, "series_id": None, "cursor": None, "limit": 20},
)
async def list_reports(call: Call) -> ReportPage:
    query = call.extra
    rows, next_cursor = await service.list_reports(
        call.session,
        call.viewer,
        kind=query["kind"],
        state=query["report_state"],
        series_id=query["series_id"],
        cursor=query["cursor"],
        limit=query["limit"],
    )
    return await views.report_page(call.session, call.viewer, rows, next_cursor)


@read(
    "/{report_id:uuid}",
    "A report: state, stage and percent while it renders; hash and deliveries",
)
async def get_report(call: Call) -> ReportRead:
    report = await service.get_visible(call.session, call.viewer, call.id)
    return await views.report_read(call.session, call.viewer, report, with_deliveries=True)


@read(
    "/{report_id:uuid}/download",
    "Redirect to a short-lived download URL of the issued PDF",
    status_code=HTTP_307_TEMPORARY_REDIRECT,
    extra={"object_store": NamedDependency[ObjectStore]},
)
async def download(call: Call) -> Redirect:
    url = await service.download_url(
        call.session, call.settings, call.extra["object_store"], call.viewer, call.id
    )
    return Redirect(url, status_code=HTTP_307_TEMPORARY_REDIRECT)


@queue_render("/{report_id:uuid}/retry", "Queue a failed render again")
async def retry(call: Call) -> Response[ReportRead]:
    return await accepted(call, await service.retry_report(call.session, call.viewer, call.id))


@queue_render(
    "/{report_id:uuid}/regenerate",
    "Make a new version from today's data (the issued version stays as it is)",
)
async def regenerate(call: Call) -> Response[ReportRead]:
    report = await service.regenerate_report(call.session, call.settings, call.viewer, call.id)
    return await accepted(call, report)


from reports.voters import VoterDocumentController  # noqa: E402

controllers = [ReportController, VoterDocumentController]
