"""``/tra-cuu``: a citizen follows their petition with its code and secret, answers the
Front's question, adds information, rates the published answer and stops (or restarts) the
notices sent to them by email, SMS or Zalo.

The same services as the tracking API (``service.petitions.controllers.tracking``): its
look-up dependency (an unknown code and a wrong secret are one 404, failures counted per
address and per code, 429 past the limits, the right secret always answered), the tracking
view, and ``citizen.*`` for the actions. The code and secret are posted once and then kept
in a cookie of this path (``citizen.credentials_cookie``), so the actions are plain forms
that redirect back to the page.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery
from pydantic import BaseModel, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from service.petitions import citizen as citizen_service
from service.petitions.controllers.tracking import _citizen_petition as citizen_petition
from service.petitions.models import NotifyChannel, Petition
from service.petitions.schemas import (
    AdditionalInformation,
    ClarificationAnswer,
    NotificationsUpdate,
    RatingRequest,
)
from service.petitions.views import tracking_view
from service.text import Text, text_field
from service.web.forms import post_form
from service.web.pages import (
    PRIVATE,
    Form,
    HTMXTemplate,
    PageVisit,
    Visit,
    named,
    redirect,
    render,
)
from service.web.public.citizen import credentials_cookie, forget, read_credentials

PATH = "/tra-cuu"
COOKIE = "tracking"


class TrackingLookup(BaseModel):
    code: Text = text_field(min_length=1, max_length=64)
    secret: Text = text_field(min_length=1, max_length=64)


def _posted_boolean(field: str, true: str, false: str) -> Any:
    """A before-validator reading the API's strict boolean ``field`` from the two words a
    form posts for it (any other value goes on to the schema, which refuses it)."""
    words = {true: True, false: False}
    return field_validator(field, mode="before")(lambda cls, value: words.get(value, value))


class RatingForm(RatingRequest):
    """The API's ``RatingRequest`` as radio buttons post it (``yes``/``no``, not JSON)."""

    _from_radio = _posted_boolean("satisfied", "yes", "no")


class NotificationsForm(NotificationsUpdate):
    """The API's ``NotificationsUpdate`` as the page's one button posts it (``on``/``off``)."""

    _from_button = _posted_boolean("notifications", "on", "off")


async def _answer(session: AsyncSession, petition: Petition, data: Any, question: Any) -> None:
    await citizen_service.answer_clarification(session, petition, question, data.answer)


async def _inform(session: AsyncSession, petition: Petition, data: Any, _: Any) -> None:
    await citizen_service.add_information(session, petition, data.text)


async def _rate(session: AsyncSession, petition: Petition, data: Any, _: Any) -> None:
    await citizen_service.rate(session, petition, data.satisfied, data.comment)


async def _notify(session: AsyncSession, petition: Petition, data: Any, _: Any) -> None:
    await citizen_service.set_notifications(session, petition, data.notifications)


@dataclass(frozen=True, slots=True)
class CitizenAction:
    """A form of the tracking page: the API's request schema, the citizen service it calls
    (with the petition, the form's data and the question it answers, if any), the page's
    form it refills on a refusal, and the message shown after it."""

    schema: type[BaseModel]
    run: Callable[[AsyncSession, Petition, Any, Any], Awaitable[None]]
    form_key: str
    flash: str


ANSWER = CitizenAction(ClarificationAnswer, _answer, "q-", "web.portal.answer_sent")
ACTIONS = {
    "bo-sung": CitizenAction(AdditionalInformation, _inform, "info", "web.portal.info_sent"),
    "danh-gia": CitizenAction(RatingForm, _rate, "rating", "web.portal.rating_sent"),
    "nhan-thong-bao": CitizenAction(
        NotificationsForm, _notify, "notifications", "web.portal.notifications_changed"
    ),
}


def _page_path(code: str) -> str:
    return f"{PATH}/{code}"


class TrackingController(Controller):
    path = PATH
    cache_control = PRIVATE

    @get("/")
    async def lookup_form(
        self, request: Request[Any, Any, Any], ma: FromQuery[str | None] = None
    ) -> HTMXTemplate:
        values = {"code": ma[:64]} if ma else {}
        return render(request, "portal/track_form.html", form=Form(values=values))

    @post("/", status_code=303)
    async def lookup(self, visit: Visit) -> Response[Any]:
        async def open_page(lookup: TrackingLookup) -> Response[Any]:
            petition = await citizen_petition(
                visit.request, lookup.code, visit.session, lookup.secret
            )
            cookie = credentials_cookie(
                visit.settings, COOKIE, PATH, petition.tracking_code, lookup.secret
            )
            return redirect(_page_path(petition.tracking_code), cookies=[cookie])

        def refill(form: Form[TrackingLookup], status: int) -> HTMXTemplate:
            return render(visit.request, "portal/track_form.html", form=form, status_code=status)

        return await post_form(visit.request, TrackingLookup, open_page, refill)

    @post("/thoat", status_code=303)
    async def leave(self) -> Response[Any]:
        """Forget the code and secret on this browser (a shared computer)."""
        return redirect(PATH, flash="web.portal.track_left", cookies=[forget(COOKIE, PATH)])

    async def _petition(self, visit: PageVisit, code: str) -> Petition | None:
        """The petition of the cookie's code and secret, if they name ``code``."""
        credentials = read_credentials(visit.request, COOKIE)
        if credentials is None or credentials[0] != code.strip().upper():
            return None
        return await citizen_petition(visit.request, credentials[0], visit.session, credentials[1])

    async def _page(
        self, visit: PageVisit, petition: Petition, status_code: int = 200, **forms: Form[Any]
    ) -> HTMXTemplate:
        view = await tracking_view(visit.session, petition)
        empty = Form[Any](values={})
        return render(
            visit.request,
            "portal/track.html",
            status_code=status_code,
            view=view,
            answer_forms={key: value for key, value in forms.items() if key.startswith("q-")},
            info_form=forms.get("info", empty),
            rating_form=forms.get("rating", empty),
            notifications_form=forms.get("notifications", empty),
            # The opt-out is offered where notices can go at all (a petition filed with
            # ``notify_channel: none`` has nothing to stop).
            notify_channel=None
            if petition.notify_channel == NotifyChannel.none
            else petition.notify_channel,
            empty_form=empty,
        )

    @get("/{code:str}")
    async def track(self, visit: Visit, code: FromPath[str]) -> Response[Any]:
        petition = await self._petition(visit, code)
        if petition is None:
            return redirect(f"{PATH}?ma={code[:64]}")
        return await self._page(visit, petition)

    async def _act(
        self,
        visit: PageVisit,
        code: str,
        action: CitizenAction,
        form_key: str,
        target: uuid.UUID | None = None,
    ) -> Response[Any]:
        """One citizen action from its form: the API's schema, the API's service, back to
        the tracking page (or the page with the refusal next to the form)."""
        petition = await self._petition(visit, code)
        if petition is None:
            return redirect(f"{PATH}?ma={code[:64]}")

        async def run(data: BaseModel) -> Response[Any]:
            await action.run(visit.session, petition, data, target)
            return redirect(_page_path(petition.tracking_code), flash=action.flash)

        def refill(form: Form[BaseModel], status: int) -> Awaitable[HTMXTemplate]:
            return self._page(visit, petition, status, **{form_key: form})

        return await post_form(visit.request, action.schema, run, refill)

    @post("/{code:str}/cau-hoi/{question_id:uuid}", status_code=303)
    async def answer(
        self, visit: Visit, code: FromPath[str], question_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        return await self._act(visit, code, ANSWER, f"q-{question_id}", target=question_id)

    @post("/{code:str}/{action:str}", status_code=303)
    async def act(self, visit: Visit, code: FromPath[str], action: FromPath[str]) -> Response[Any]:
        """Adding information (``bo-sung``), rating the answer (``danh-gia``) and stopping
        or restarting the notices (``nhan-thong-bao``)."""
        chosen = named(ACTIONS, action)
        return await self._act(visit, code, chosen, chosen.form_key)
