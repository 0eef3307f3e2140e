"""``/console/drafts``: a view of the criticism service the API calls (``GET /drafts``,
``GET /drafts/{id}``, its opinions and points), the same area rules; the workflow's actions
and moderation are the API's generated routes performed from forms (``ActionForms``)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.types import Guard
from pydantic import BaseModel, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from service.criticism import service
from service.criticism.controllers import (
    DRAFT_RESOURCE,
    DRAFT_ROUTES,
    FRONT,
    OPINION_RESOURCE,
    OPINION_ROUTES,
)
from service.criticism.models import CriticismForm, DraftLevel, DraftType, OpinionSource
from service.criticism.schemas import DraftCreate, OpinionCreate, PointCreate, SectionIn
from service.criticism.views import draft_read
from service.directory import service as directory
from service.directory.reference_data import HANOI
from service.http.params import AnyRequest, DbSession, StaffRequest
from service.readonly import ReadSession
from service.web.oversight.forms import ActionForms, SessionSchedule, submit
from service.web.pages import Form, HTMXTemplate, named, read_form, redirect
from service.web.records import RecordPage
from service.web.routes import Shown, form_page
from service.web.voters.forms import unit_choices

BASE = "/console/drafts"
GUARDS: list[Guard] = [FRONT]


class DraftReceive(DraftCreate):
    """The API's ``DraftCreate`` from the console's form: the deadline typed in Vietnam's
    time (a ``datetime-local`` field has no offset), the sections one per line
    ("title" or "title: text"); documents are attached through the API."""

    @field_validator("opinion_due_at", mode="before")
    @classmethod
    def _local(cls, value: Any) -> Any:
        return SessionSchedule._local_time(value)

    @field_validator("sections", mode="before")
    @classmethod
    def _lines(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        lines = [line.strip() for line in value.splitlines() if line.strip()]
        return [
            SectionIn(number=number, title=title.strip()[:500], text=text.strip())
            for number, (title, _, text) in enumerate(
                (line.partition(":") for line in lines), start=1
            )
        ]


async def _draft(
    request: StaffRequest, db_session: AsyncSession, draft_id: uuid.UUID, _: dict[str, Any]
) -> dict[str, Any]:
    draft = await service.load_draft(db_session, draft_id, request.user)
    return {
        "draft": draft_read(draft, request.user),
        "unit_name": (await directory.get_unit(db_session, draft.unit_code)).name,
        "points": await service.points_of(db_session, draft),
        "opinions": await service.opinions_of(db_session, draft),
        "sources": [OpinionSource.member_organisation, OpinionSource.expert],
    }


draft_page = RecordPage(
    f"{BASE}/{{}}", "console/criticism/draft.html", ("action", "opinion", "point"), _draft
)
draft_url = draft_page.url


async def _drafts(request: AnyRequest, session: AsyncSession) -> Shown:
    """The drafts the officer may see, and the receiving form's values: their own unit, and
    the level of its council (a ward's Front receives its ward's drafts, the city's the
    city's)."""
    rows, next_cursor = await service.list_drafts(session, request.user, limit=50)
    pending = await service.pending_comments(session, rows)
    agencies = await directory.list_agencies(session, unit_code=request.user.unit_code, active=True)
    shown = {
        "rows": rows,
        "pending": pending,
        "next_cursor": next_cursor,
        "agencies": [(str(a.id), a.name) for a in agencies],
        "types": list(DraftType),
        "levels": list(DraftLevel),
        "units": await unit_choices(session, request.user),
        "forms_of": list(CriticismForm),
    }
    own = request.user.unit_code
    level = DraftLevel.city if own is None else DraftLevel.ward
    return shown, {"unit_code": own or HANOI, "level": level.value}


drafts_page = form_page("console/criticism/drafts.html", _drafts)


class DraftPagesController(Controller):
    path = "/drafts"
    guards = GUARDS

    @get("/")
    async def drafts(self, request: StaffRequest, read_session: ReadSession) -> HTMXTemplate:
        return await drafts_page(request, read_session)

    @post("/", status_code=303)
    async def receive(
        self, request: StaffRequest, db_session: DbSession
    ) -> Redirect | HTMXTemplate:
        form: Form[Any] = await read_form(request, DraftReceive)
        received: list[uuid.UUID] = []

        async def run(data: DraftReceive) -> None:
            received.append((await service.receive_draft(db_session, request.user, data)).id)

        form, status = await submit(form, run)
        if received:
            return redirect(draft_url(received[0]), flash="web.criticism.received_flash")
        return await drafts_page(request, db_session, form, status_code=status)

    draft = draft_page.route("/{draft_id:uuid}")

    @post("/{draft_id:uuid}/{part:str}", status_code=303)
    async def add(
        self,
        request: StaffRequest,
        db_session: DbSession,
        draft_id: FromPath[uuid.UUID],
        part: FromPath[str],
    ) -> Redirect | HTMXTemplate:
        """Enter an opinion, write a point (``_ADDITIONS``)."""
        name, schema, create = named(_ADDITIONS, part)
        form: Form[Any] = await read_form(request, schema)

        async def run(data: Any) -> None:
            await create(db_session, request.user, draft_id, data)

        return await draft_page.of(request, db_session, draft_id).submitted(
            form, run, name=name, flash="web.oversight.done"
        )


# What may be added to a draft from its page: path -> (the form's name, the API's request
# schema, the service's ``create(session, actor, draft_id, data)``).
_ADDITIONS: dict[str, tuple[str, type[BaseModel], Any]] = {
    "opinions": ("opinion", OpinionCreate, service.add_opinion),
    "points": ("point", PointCreate, service.add_point),
}


async def _draft_of_opinion(
    request: StaffRequest, db_session: AsyncSession, opinion_id: uuid.UUID, **page: Any
) -> HTMXTemplate:
    opinion = await service.lock_opinion(db_session, opinion_id, request.user)
    return await draft_page(request, db_session, opinion.draft_id, **page)


# The draft's workflow and the opinions' moderation as forms (``POST …/actions/<action>``),
# the API's routes; both come back to the draft's page.
draft_action = ActionForms(
    DRAFT_RESOURCE, DRAFT_ROUTES, lambda draft: draft_url(draft.id), draft_page
).handler("/drafts", GUARDS)
opinion_action = ActionForms(
    OPINION_RESOURCE,
    OPINION_ROUTES,
    lambda opinion: draft_url(opinion.draft_id),
    _draft_of_opinion,
).handler("/criticism-opinions", GUARDS)
