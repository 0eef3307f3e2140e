"""``/console/reports``: request a report (the reports service, as ``POST /reports``), follow
its render live (an HTMX poll of its progress), download it, see its versions and its
verification code; retry a failed render, regenerate from today's data."""

import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect
from pydantic import ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from reports import service, views
from reports.access import READERS, REQUESTERS, may_request_kind
from reports.models import Report, ReportKind, ReportState
from reports.schemas import ReportCreate
from service.auth.guards import staff
from service.auth.principals import StaffPrincipal
from service.errors import ServiceError
from service.http.cursor import MAX_LENGTH as CURSOR_MAX_LENGTH
from service.i18n import Message
from service.settings import Settings
from service.storage.store import ObjectStore
from service.web.forms import reshapes_form
from service.web.pages import Form, HTMXTemplate, PageRequest, named, redirect, render
from service.web.routes import submitted

PAGE = 20
StaffRequest = Request[StaffPrincipal, Any, Any]
# The form's flat fields that are the report's ``parameters``, by kind.
PARAMETERS: dict[ReportKind, tuple[str, ...]] = {
    ReportKind.council_periodic: ("from", "to", "unit_code"),
    ReportKind.agency_scorecard: ("from", "to", "agency_code"),
    ReportKind.supervision_result: ("plan_code",),
    ReportKind.social_criticism: ("draft_code",),
}
_FLAT = frozenset(name for names in PARAMETERS.values() for name in names)
RUNNING = (ReportState.queued, ReportState.rendering)


class ReportRequestForm(ReportCreate):
    """The API's request (every rule of it) from the console form's flat fields."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    @reshapes_form
    def _parameters(cls, values: dict[str, Any]) -> dict[str, Any]:
        if "parameters" in values:
            return values
        flat = {name: values.pop(name) for name in list(values) if name in _FLAT}
        names = PARAMETERS.get(values.get("kind"), ())  # type: ignore[arg-type]
        values["parameters"] = {name: flat[name] for name in names if name in flat}
        return values


def _failed(form: Form[Any], exc: ServiceError) -> Form[Any]:
    """The service's refusal next to the form's fields: ``parameters.from`` is the ``from``
    field; a refusal of the whole ``parameters`` is said above the form."""
    errors: dict[str, Message] = {}
    for item in exc.extra.get("errors") or []:
        path = str(item.get("field") or "").split(".")
        name = path[1] if path[0] == "parameters" and len(path) > 1 else path[0]
        name = "" if name == "parameters" else name
        message = item.get("message")
        errors.setdefault(name, message if isinstance(message, Message) else exc.detail)
    if not errors:
        return form.failed(exc)
    return Form(values=form.values, errors=errors)


def requestable(viewer: StaffPrincipal) -> list[ReportKind]:
    return [kind for kind in ReportKind if may_request_kind(viewer, kind)]


async def _reports(
    session: AsyncSession,
    viewer: StaffPrincipal,
    *,
    series_id: uuid.UUID | None = None,
    cursor: str | None = None,
) -> tuple[list[Report], str | None]:
    """A page of the reports ``viewer`` may see (the versions of one series)."""
    filters: dict[str, Any] = {"kind": None, "state": None, "series_id": series_id}
    return await service.list_reports(session, viewer, **filters, cursor=cursor, limit=PAGE)


async def _list_page(
    request: StaffRequest,
    db_session: AsyncSession,
    form: Form[Any],
    cursor: str | None = None,
    *,
    status_code: int = 200,
) -> HTMXTemplate:
    rows, next_cursor = await _reports(db_session, request.user, cursor=cursor)
    page = await views.report_page(db_session, request.user, rows, next_cursor)
    return render(
        request,
        "console/reports/index.html",
        status_code=status_code,
        reports=page.items,
        next_cursor=page.next_cursor,
        kinds=requestable(request.user),
        form=form,
    )


# The report actions a form posts, each the service call of the API's route of that name.
Act = Callable[[AsyncSession, Settings, StaffPrincipal, uuid.UUID], Awaitable[Report]]
ACTIONS: dict[str, Act] = {
    "retry": lambda session, _settings, viewer, report_id: service.retry_report(
        session, viewer, report_id
    ),
    "regenerate": service.regenerate_report,
}


class ReportPagesController(Controller):
    path = "/reports"
    guards = [staff(*READERS)]

    @get("/")
    async def reports(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        cursor: Annotated[str | None, QueryParameter(max_length=CURSOR_MAX_LENGTH)] = None,
    ) -> HTMXTemplate:
        return await _list_page(request, db_session, Form(values={}), cursor)

    @post("/", guards=[staff(*REQUESTERS)], status_code=303)
    async def request_report(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Redirect | HTMXTemplate:
        return await submitted(
            request,
            ReportRequestForm,
            partial(service.request_report, db_session, settings, request.user),
            done=lambda report: f"/console/reports/{report.id}",
            flash="web.reports.requested",
            again=partial(_list_page, request, db_session),
            failed=_failed,
        )

    @get("/{report_id:uuid}")
    async def report(
        self,
        request: PageRequest,
        db_session: NamedDependency[AsyncSession],
        report_id: FromPath[uuid.UUID],
    ) -> HTMXTemplate:
        """The report's page; to HTMX (the page polling while it renders), its progress."""
        viewer = request.user
        report = await service.get_visible(db_session, viewer, report_id)
        shown = await views.report_read(db_session, viewer, report, with_deliveries=True)
        if request.htmx:
            return render(request, "console/reports/_progress.html", report=shown, running=RUNNING)
        versions, _ = await _reports(db_session, viewer, series_id=shown.series_id)
        return render(
            request, "console/reports/report.html", report=shown, versions=versions, running=RUNNING
        )

    @get("/{report_id:uuid}/download", status_code=303)
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
        return Redirect(url, status_code=303)

    @post("/{report_id:uuid}/{action:str}", guards=[staff(*REQUESTERS)], status_code=303)
    async def act(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        report_id: FromPath[uuid.UUID],
        action: FromPath[str],
    ) -> Redirect:
        run = named(ACTIONS, action)
        report = await run(db_session, settings, request.user, report_id)
        return redirect(f"/console/reports/{report.id}", flash=f"web.reports.{action}_queued")
