"""The console's page of one record (a supervision plan, a supervision session, a draft under
criticism, a voter meeting), declared once: its URL, its template, what it shows of the
record, and its forms, each blank unless a refused one is given back with its errors. Its
route is :meth:`RecordPage.route`; its forms post back to it through
:meth:`RecordVisit.submitted`; its workflow actions (``oversight.forms.ActionForms``) call
the page itself to show a refusal.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from litestar import Controller, get
from litestar.handlers import HTTPRouteHandler
from litestar.plugins.htmx import HTMXTemplate
from litestar.response import Redirect
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from service.http.declared import PATH_ID
from service.http.params import DbSession, StaffRequest
from service.web.oversight.forms import empty_form, submit
from service.web.pages import Form, redirect, render

M = TypeVar("M", bound=BaseModel)

# What the page shows of the record: (request, session, the record's id, the forms given)
# -> the template's context. It may take (pop) a form it fills itself when none is given.
Shows = Callable[[StaffRequest, AsyncSession, uuid.UUID, dict[str, Any]], Awaitable[dict[str, Any]]]


def _as_sent(form: Form[Any]) -> Form[Any]:
    return form


@dataclass(frozen=True)
class RecordPage:
    """``template`` at ``path`` (``{}`` for the record's id) with what ``shows`` gives and
    the forms: those named in ``blank`` empty unless given, any other given one as it is."""

    path: str
    template: str
    blank: tuple[str, ...]
    shows: Shows

    def url(self, record_id: uuid.UUID) -> str:
        return self.path.format(record_id)

    async def __call__(
        self,
        request: StaffRequest,
        db_session: AsyncSession,
        record_id: uuid.UUID,
        *,
        status: int = 200,
        **forms: Any,
    ) -> HTMXTemplate:
        """The record as the viewer may see it now, with ``forms`` (a failed one shows its
        errors; the others are blank)."""
        forms = {**{name: forms.pop(name, empty_form()) for name in self.blank}, **forms}
        shown = await self.shows(request, db_session, record_id, forms)
        return render(request, self.template, status_code=status, **shown, **forms)

    def route(self, path: str) -> HTTPRouteHandler:
        """A controller's ``GET path``: this page of the record the path's one
        ``{<name>:uuid}`` parameter names."""
        (key,) = PATH_ID.findall(path)

        async def show(
            controller: Controller, request: StaffRequest, db_session: DbSession
        ) -> HTMXTemplate:
            return await self(request, db_session, request.path_params[key])

        return get(path)(show)

    def of(
        self, request: StaffRequest, db_session: AsyncSession, record_id: uuid.UUID
    ) -> RecordVisit:
        """This page of the record ``record_id``, for a handler of one of its forms."""
        return RecordVisit(self, request, db_session, record_id)


@dataclass(frozen=True)
class RecordVisit:
    """A record's page as a handler of one of its forms holds it."""

    page: RecordPage
    request: StaffRequest
    session: AsyncSession
    record_id: uuid.UUID

    async def submitted(
        self,
        form: Form[M],
        run: Callable[[M], Awaitable[Any]],
        *,
        name: str,
        flash: str,
        anchor: str = "",
        refill: Callable[[Form[M]], Form[Any]] = _as_sent,
    ) -> Redirect | HTMXTemplate:
        """The page's form ``name``: ``run`` on its data, then back to the page (at
        ``anchor``) with ``flash``; refused, the page again with the form (as ``refill``
        shows it) and the refusal's status."""
        form, status = await submit(form, run)
        if status == 303:
            return redirect(f"{self.page.url(self.record_id)}{anchor}", flash=flash)
        return await self.page(
            self.request, self.session, self.record_id, status=status, **{name: refill(form)}
        )
