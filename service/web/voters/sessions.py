"""``/console/voter-meetings`` and a council session's page: the sessions and the new
session's form; a session's meetings and the new meeting's form; its opinions not yet
compiled, the similar ones the service suggests, compiling the ticked ones into a new
recommendation or into an existing one; each recommendation's referral to an agency;
the links to the session's two documents (PDF). Each form calls what the API's route calls
(``service.voters.service``), at the version the page was read at (its hidden ``version``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect
from litestar.types import Guard
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import staff
from service.auth.models import Role
from service.http.params import Cursor, DbSession, StaffRequest
from service.voters import service as voters
from service.voters.controllers import RECOMMENDATION, RECOMMENDATION_ACTIONS, XLSX
from service.voters.models import (
    CouncilSession,
    MeetingTiming,
    SessionLevel,
    VoterRecommendation,
)
from service.voters.schemas import CouncilSessionCreate
from service.voters.spreadsheet import template_xlsx
from service.web.oversight.forms import ActionForms
from service.web.pages import Form, HTMXTemplate, read_form, redirect, render
from service.web.records import RecordPage
from service.web.voters.forms import (
    MeetingForm,
    MergeForm,
    NewRecommendationForm,
    agency_choices,
    meeting_units,
    submit_at_version,
    submit_created,
    unit_choices,
)

BASE = "/console/voter-meetings"
PAGE = 30
GUARDS: list[Guard] = [staff(Role.front_officer)]
Picks = Annotated[list[uuid.UUID] | None, QueryParameter(name="pick")]


# A recommendation with its council session, as the service loads them.
Compiled = tuple[VoterRecommendation, CouncilSession]


def _version(found: Compiled) -> int:
    return found[0].version


async def sessions_page(
    request: StaffRequest,
    db_session: AsyncSession,
    *,
    cursor: str | None = None,
    create: Form[Any] | None = None,
    status: int = 200,
) -> HTMXTemplate:
    rows, next_cursor = await voters.list_council_sessions(
        db_session, request.user, cursor=cursor, limit=PAGE
    )
    level = SessionLevel.ward if request.user.unit_code else SessionLevel.city
    return render(
        request,
        "console/voters/sessions.html",
        status_code=status,
        rows=rows,
        next_cursor=next_cursor,
        create=create or Form(values={"level": level.value, "term": "2026-2031"}),
        levels=list(SessionLevel),
        units=await unit_choices(db_session, request.user),
    )


async def _session(
    request: StaffRequest, db_session: AsyncSession, session_id: uuid.UUID, forms: dict[str, Any]
) -> dict[str, Any]:
    """``forms`` may also give ``picked``, the opinions ticked (a suggestion chosen), and
    ``refer_id``, the recommendation whose referral form came back with errors."""
    council_session = await voters.load_council_session(db_session, session_id, request.user)
    manages = voters.manages_session(request.user, council_session)
    meetings = await voters.list_meetings(db_session, session_id, request.user)
    opinions = await voters.list_session_opinions(db_session, session_id, request.user)
    recs = await voters.list_recommendations(db_session, session_id, request.user)
    units = await unit_choices(db_session, request.user)
    reads = await voters.recommendation_reads(db_session, recs)
    actions = {
        rec.id: voters.recommendation_actions(rec, request.user, council_session) for rec in recs
    }
    picked = forms.pop("picked", None)
    ticked = forms["compile"].values.get("opinion_ids") or [str(item) for item in picked or []]
    return {
        "council_session": council_session,
        "manages": manages,
        "meetings": meetings,
        "unit_names": dict(units),
        "open_opinions": [o for o in opinions if o.recommendation_id is None],
        "ticked": [ticked] if isinstance(ticked, str) else ticked,
        "suggestions": (await voters.suggestions(db_session, session_id, request.user))
        if manages
        else [],
        "recommendations": reads,
        "actions": actions,
        # the recommendations the ticked opinions may join (their versions: hidden fields)
        "into": [(str(r.id), r.title) for r in reads if "merge" in actions[r.id]],
        "agencies": await agency_choices(db_session, request.user),
        "refer_id": forms.pop("refer_id", None),
        "meeting": forms.pop("meeting", None)
        or Form(values={"unit_code": request.user.unit_code or ""}),
        "units": meeting_units(units, council_session),
        "timings": list(MeetingTiming),
    }


session_page = RecordPage(
    f"{BASE}/{{}}", "console/voters/session.html", ("compile", "refer"), _session
)
session_url = session_page.url


class VoterSessionPages(Controller):
    path = "/voter-meetings"
    guards = GUARDS

    @get("/")
    async def sessions(
        self,
        request: StaffRequest,
        db_session: DbSession,
        cursor: Cursor = None,
    ) -> HTMXTemplate:
        return await sessions_page(request, db_session, cursor=cursor)

    @post("/", status_code=303)
    async def create_session(
        self, request: StaffRequest, db_session: DbSession
    ) -> Redirect | HTMXTemplate:
        created, form, status = await submit_created(
            await read_form(request, CouncilSessionCreate),
            lambda data: voters.create_council_session(db_session, data, request.user),
        )
        if created:
            return redirect(session_url(created), flash="web.voters.session_created")
        return await sessions_page(request, db_session, create=form, status=status)

    @get("/template.xlsx")
    async def template(self) -> Response[bytes]:
        return Response(
            template_xlsx(),
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="mau-y-kien-cu-tri.xlsx"'},
        )

    @get("/{session_id:uuid}")
    async def session_page(
        self,
        request: StaffRequest,
        db_session: DbSession,
        session_id: FromPath[uuid.UUID],
        pick: Picks = None,
    ) -> HTMXTemplate:
        return await session_page(request, db_session, session_id, picked=pick)

    @post("/{session_id:uuid}/meetings", status_code=303)
    async def create_meeting(
        self, request: StaffRequest, db_session: DbSession, session_id: FromPath[uuid.UUID]
    ) -> Redirect | HTMXTemplate:
        created, form, status = await submit_created(
            await read_form(request, MeetingForm),
            lambda data: voters.create_meeting(db_session, session_id, data, request.user),
        )
        if created:
            return redirect(f"{BASE}/meetings/{created}", flash="web.voters.meeting_created")
        return await session_page(request, db_session, session_id, status=status, meeting=form)

    @post("/{session_id:uuid}/compile", status_code=303)
    async def compile(
        self, request: StaffRequest, db_session: DbSession, session_id: FromPath[uuid.UUID]
    ) -> Redirect | HTMXTemplate:
        """The ticked opinions into a new recommendation (``into=new``) or into the chosen
        one (``into=merge``, at the version of it the page showed: ``version-<id>``)."""
        sent = await request.form()
        form: Form[Any]
        if sent.get("into") == "merge":
            merge = await read_form(request, MergeForm)
            chosen = merge.data.recommendation_id if merge.data else None

            async def load() -> Compiled:
                assert chosen is not None  # the form was valid
                return await voters.load_recommendation(
                    db_session, chosen, request.user, for_update=True
                )

            form, status = await submit_at_version(
                merge,
                sent.get(f"version-{chosen}"),
                load,
                _version,
                lambda found, data: voters.merge_opinions(
                    db_session, *found, data.opinion_ids, request.user
                ),
            )
        else:
            _, form, status = await submit_created(
                await read_form(request, NewRecommendationForm),
                lambda data: voters.create_recommendation(
                    db_session, session_id, data, request.user
                ),
            )
        if status == 303:
            return redirect(f"{session_url(session_id)}#compiled", flash="web.voters.compiled")
        return await session_page(request, db_session, session_id, status=status, compile=form)


async def _session_of_recommendation(
    request: StaffRequest,
    db_session: AsyncSession,
    recommendation_id: uuid.UUID,
    *,
    status: int,
    action: Form[Any],
) -> HTMXTemplate:
    """The session's page with the recommendation's refused referral form."""
    _, council_session = await voters.load_recommendation(
        db_session, recommendation_id, request.user
    )
    return await session_page(
        request,
        db_session,
        council_session.id,
        status=status,
        refer=action,
        refer_id=recommendation_id,
    )


# Referring a recommendation to its agency: the API's route as a form
# (``POST …/recommendations/<id>/actions/refer``), back to the session's compiled list.
recommendation_action = ActionForms(
    RECOMMENDATION,
    {route.name: route for route in RECOMMENDATION_ACTIONS if route.name == "refer"},
    lambda compiled: f"{session_url(compiled[1].id)}#compiled",
    _session_of_recommendation,
    flashes={"refer": "web.voters.referred"},
).handler("/voter-meetings/recommendations", GUARDS)
