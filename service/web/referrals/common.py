"""What the agency inbox and the Front review share: a *side* (the agency's or the Front's
view of a referral, with its actions), the list by due date, the referral page, and the one
handler every action form posts to.

An action form posts to ``<base>/<referral id>/<action name>`` with the referral's
``version`` in a hidden field. The handler validates the form with the action's own request
schema (the API's), then runs the API's declared action through
:func:`service.http.actions.perform` (the referral visible and locked, the version checked,
the service call), so the inbox and the API cannot disagree on a rule. A stale version
re-renders the page as it is now with the conflict said plainly; any other refusal is shown
next to the form's fields, with the API's status.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, get_args
from urllib.parse import urlencode

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Stream
from litestar.types import Guard
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import StaffPrincipal
from service.errors import NotFound, PreconditionFailed, PreconditionRequired, ServiceError
from service.exports import ExportFormat, ExportFormatParam
from service.http.actions import ActionResource, ActionRoute, perform
from service.http.params import DbSession, StaffRequest
from service.http.preconditions import IfMatch
from service.i18n import Message, msg
from service.readonly import ReadSession
from service.replies import service, views
from service.replies.controllers.common import (
    Cursor,
    attachment_download,
    export_referrals,
    parse_states,
)
from service.replies.models import ANSWER_CONTENT, Referral, ReferralState
from service.replies.schemas import ReferralDetail
from service.settings import Settings
from service.web.pages import Form, HTMXTemplate, named, read_form, redirect, render
from service.web.templating import page_locale

PAGE_SIZE = 25
VERSION_FIELD = "version"

Extra = Callable[[AsyncSession, Referral, ReferralDetail], Awaitable[dict[str, Any]]]
# The side's list: (viewer, the states asked for, overdue only) -> the API's filter.
Filters = Callable[[StaffPrincipal, tuple[ReferralState, ...], bool | None], views.ReferralFilter]
# ``state`` is a name Litestar keeps for the app state: the query parameter is renamed.
StateParam = Annotated[str | None, QueryParameter(name="state", max_length=32)]
FlagParam = Annotated[str | None, QueryParameter(max_length=8)]


async def _nothing(
    _session: AsyncSession, _referral: Referral, _detail: ReferralDetail
) -> dict[str, Any]:
    return {}


# What else a side's list page shows above its list: (session, viewer) -> template context.
ListExtra = Callable[[AsyncSession, StaffPrincipal], Awaitable[dict[str, Any]]]


async def _no_list_extra(_session: AsyncSession, _viewer: StaffPrincipal) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Side:
    """One side's pages of a referral: where they live, the API's resource and actions they
    run, and what else their referral page shows."""

    base: str  # "/console/inbox"
    filters: Filters
    resource: ActionResource[Referral]
    actions: Mapping[str, ActionRoute[Referral, Any]]  # by name, the form's last path segment
    agency_side: bool  # the agency sees its drafts and the item; the Front does not
    list_template: str
    list_caption: str  # a catalogue code
    page_template: str
    # Where an action's refusals by field go when its form has no fields (submitting the
    # answer names the draft's missing fields: they belong next to the draft's fields).
    errors_on: Mapping[str, str] = field(default_factory=dict)
    other_forms: tuple[str, ...] = ()  # forms of the page that are not actions (an upload)
    export_name: str = "chuyen-don"  # the stem of the list's file
    extra: Extra = _nothing
    list_extra: ListExtra = _no_list_extra


def action_table(routes: list[ActionRoute[Referral, Any]], *names: str) -> dict[str, Any]:
    """The declared actions called ``names``, by name (a missing one fails at import)."""
    by_name = {route.name: route for route in routes}
    return {name: by_name[name] for name in names}


def form_schema(body: Any) -> type[BaseModel] | None:
    """The request schema of an action's body (``Model`` from ``Model | None``)."""
    if body is None:
        return None
    kinds = [kind for kind in get_args(body) if kind is not type(None)]
    return kinds[0] if kinds else body  # type: ignore[no-any-return]


def _flag(overdue: str | None) -> bool | None:
    # The page's "overdue only" box: checked narrows, unchecked lists everything.
    return True if overdue else None


async def referral_list(
    request: StaffRequest,
    session: AsyncSession,
    side: Side,
    *,
    state: str | None,
    overdue: str | None,
    cursor: str | None,
) -> HTMXTemplate:
    """A page of the side's list by due date (keyset: ``cursor`` from the previous page),
    filtered by one state (a state that is not one is a 422 page) and overdue only."""
    filters = side.filters(request.user, parse_states([state] if state else None), _flag(overdue))
    page = await views.referral_page(session, filters, request.user, cursor=cursor, limit=PAGE_SIZE)
    query = {name: value for name, value in (("state", state), ("overdue", overdue)) if value}
    # The filters and the pager ask htmx for the results alone; a restore from the
    # browser's history (htmx keeps no copy of pages) gets the whole page.
    htmx = getattr(request, "htmx", None)
    partial = htmx is not None and bool(htmx) and not htmx.history_restore_request
    extra = {} if partial else await side.list_extra(session, request.user)
    return render(
        request,
        "console/referrals/_list.html" if partial else side.list_template,
        **extra,
        caption=side.list_caption,
        page=page,
        base=side.base,
        query=query,  # the filters as typed: the form and the next page's link keep them
        export_query=urlencode(query),  # the same filters for the list's file
        first_page=cursor is None,
    )


async def referral_page(
    request: StaffRequest,
    session: AsyncSession,
    side: Side,
    referral_id: uuid.UUID,
    *,
    forms: Mapping[str, Form[Any]] | None = None,
    conflict: Message | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMXTemplate:
    """The referral as the side sees it now (404 for one the viewer may not see), with a
    form for each action, refilled with ``forms`` after a refusal; ``context`` for what one
    response alone shows (a revealed identity)."""
    referral = await service.get_visible_referral(session, referral_id, request.user)
    detail = await views.referral_detail(
        session, referral, request.user, agency_side=side.agency_side
    )
    shown: dict[str, Form[Any]] = {
        name: Form(values={}) for name in (*side.actions, *side.other_forms)
    }
    shown.update(await _initial_forms(side, detail))
    for name, form in (forms or {}).items():
        # A form of errors only (``errors_on``) keeps the values the page would show.
        prior = shown.get(name)
        shown[name] = form if form.values or prior is None else replace(form, values=prior.values)
    return render(
        request,
        side.page_template,
        status_code=status_code,
        referral=detail,
        page_forms=shown,
        conflict=conflict,
        base=side.base,
        **{**await side.extra(session, referral, detail), **context},
    )


async def _initial_forms(side: Side, detail: ReferralDetail) -> dict[str, Form[Any]]:
    """The draft form starts from the draft being written, else from the answer the Front
    returned (the agency corrects it and submits again)."""
    if "save_draft" not in side.actions:
        return {}
    answer = next((a for a in reversed(detail.answers) if a.status in ("draft", "returned")), None)
    if answer is None:
        return {}
    values = answer.model_dump(include=set(ANSWER_CONTENT), exclude_none=True)
    values["attachment_ids"] = [str(i) for i in answer.attachment_ids]
    return {"save_draft": Form(values=values)}


def _if_match(values: Mapping[str, Any]) -> IfMatch | None:
    version = values.get(VERSION_FIELD)
    if isinstance(version, str) and version.strip():
        return IfMatch(any=False, tags=(version.strip(),))
    return None  # 428, said on the page as a stale form


async def act(
    request: StaffRequest,
    session: AsyncSession,
    settings: Settings,
    side: Side,
    referral_id: uuid.UUID,
    name: str,
    *,
    route: ActionRoute[Referral, Any] | None = None,
    schema: type[BaseModel] | None = None,
) -> Redirect | HTMXTemplate:
    """Run the side's action ``name`` from its form (see the module's docstring). ``route``
    and ``schema``: an action the side's own routes post to instead (one on a record of the
    referral, named in the path), with a form's reading of its request schema."""
    route = route or named(side.actions, name)
    raw = await request.form()
    schema = schema or form_schema(route.body)
    form: Form[Any] = await read_form(request, schema) if schema else Form(values={})
    if schema is not None and not form.ok:
        return await referral_page(
            request, session, side, referral_id, forms={name: form}, status_code=422
        )
    try:
        await perform(
            side.resource,
            route,
            request=request,
            session=session,
            settings=settings,
            resource_id=referral_id,
            if_match=_if_match(raw),
            data=form.data,
        )
    except NotFound:
        raise
    except (PreconditionFailed, PreconditionRequired) as exc:
        # What they typed stays in the form; the page shows the referral as it is now. A
        # form without its version (428) was not read from this page as it is: the same words.
        return await referral_page(
            request,
            session,
            side,
            referral_id,
            forms={name: form},
            conflict=msg("referral_changed"),
            status_code=exc.status_code,
        )
    except ServiceError as exc:
        forms = {name: form.failed(exc)}
        target = side.errors_on.get(name)
        if target is not None:  # the refusal itself here, its fields' errors over there
            forms = {name: Form(values={}, errors={"": exc.detail}), target: _errors_by_field(exc)}
        return await referral_page(
            request, session, side, referral_id, forms=forms, status_code=exc.status_code
        )
    return redirect(f"{side.base}/{referral_id}", flash=f"web.referrals.done.{name}")


def _errors_by_field(exc: ServiceError) -> Form[Any]:
    """A form holding only ``exc``'s errors by the last part of their field path
    (``answer.text`` -> ``text``); the page refills the values itself."""
    errors: dict[str, Message] = {}
    for item in exc.extra.get("errors") or []:
        message = item.get("message")
        if isinstance(message, Message):
            errors.setdefault(str(item.get("field") or "").split(".")[-1], message)
    return Form(values={}, errors=errors)


def referral_routes(side: Side, guard: Guard) -> list[Any]:
    """The routes of a side (under the console): its list, a referral's page, the one handler
    its action forms post to, and its files' downloads (the API's download route wants a bearer
    token, which a browser does not send)."""
    path = side.base.removeprefix("/console")
    prefix = f"{path}/{{referral_id:uuid}}"
    area = side.base.rsplit("/", 1)[-1]

    @get(path, guards=[guard], name=f"{area}.list")
    async def listing(
        request: StaffRequest,
        read_session: ReadSession,
        state_name: StateParam = None,
        overdue: FlagParam = None,
        cursor: Cursor = None,
    ) -> HTMXTemplate:
        return await referral_list(
            request, read_session, side, state=state_name, overdue=overdue, cursor=cursor
        )

    @get(f"{path}/export", guards=[guard], name=f"{area}.export")
    async def export(
        request: StaffRequest,
        read_session: ReadSession,
        db_session: DbSession,
        settings: NamedDependency[Settings],
        state_name: StateParam = None,
        overdue: FlagParam = None,
        file_format: ExportFormatParam = ExportFormat.csv,
    ) -> Stream:
        """The list as filtered on the page (its state, overdue only), every page of it, in
        the page's language: the API's export of the same rows."""
        filters = side.filters(
            request.user, parse_states([state_name] if state_name else None), _flag(overdue)
        )
        return await export_referrals(
            request,
            read_session,
            db_session,
            settings,
            filters,
            file_format,
            name=side.export_name,
            locale=page_locale(request),
        )

    @get(prefix, guards=[guard], name=f"{area}.referral")
    async def page(
        request: StaffRequest,
        referral_id: FromPath[uuid.UUID],
        db_session: DbSession,
    ) -> HTMXTemplate:
        return await referral_page(request, db_session, side, referral_id)

    @post(f"{prefix}/{{action:str}}", guards=[guard], status_code=303, name=f"{area}.act")
    async def run(
        request: StaffRequest,
        referral_id: FromPath[uuid.UUID],
        action: FromPath[str],
        db_session: DbSession,
        settings: NamedDependency[Settings],
    ) -> Redirect | HTMXTemplate:
        return await act(request, db_session, settings, side, referral_id, action)

    class Downloads(Controller):
        """The files' downloads: the API's own route, under the console's cookie."""

        download = attachment_download(
            "A file of an answer", agency_side=side.agency_side, guards=[guard]
        )

    Downloads.path = path
    return [listing, export, page, run, Downloads]
