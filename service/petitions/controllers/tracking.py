"""``/track/{code}``: the citizen follows and acts on their petition with no account.

The tracking secret (``X-Tracking-Secret``) is the credential: an unknown code and a wrong
secret are the same 404, and failures are counted per IP and per code (429 beyond the limit).
The citizen's actions are not the staff's workflow actions (:mod:`service.http.actions`):
they find the petition by its code and secret (not by an id in the caller's area), count
failures, send no ``If-Match`` (the citizen holds no ETag: the tracking view is their state)
and answer with the tracking view. So they have their own small table, ``CITIZEN_ACTIONS``,
from which the controller's methods are made; the read and the upload stay written methods.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler
from litestar.params import (
    Body,
    FromPath,
    HeaderParameter,
    PathParameter,
    RequestBody,
)
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import NotFound
from service.http.generated import as_handler
from service.petitions import citizen, examples, ratelimit, views
from service.petitions.controllers.files import petition_upload
from service.petitions.models import ActorKind, Petition
from service.petitions.schemas import (
    AdditionalInformation,
    ClarificationAnswer,
    ConsentUpdate,
    NotificationsUpdate,
    RatingRequest,
    TrackingView,
    WithdrawRequest,
)
from service.ratelimit import client_address, counters_of

SECRET_HEADER = "X-Tracking-Secret"
TrackingSecret = Annotated[str | None, HeaderParameter(name=SECRET_HEADER, required=False)]


async def _citizen_petition(
    request: Request[Any, Any, Any],
    code: FromPath[str],
    db_session: NamedDependency[AsyncSession],
    secret: TrackingSecret = None,
) -> Petition:
    """The petition if the secret is right (always, whatever the counters); failures count.

    Every handler here takes it as its ``petition`` dependency: the code, the secret header
    and the counting are declared once."""
    normalised = code.strip().upper()
    try:
        return await citizen.find_for_citizen(db_session, normalised, secret)
    except NotFound:
        await ratelimit.record_failure(counters_of(request), client_address(request), normalised)
        raise


CitizenPetition = NamedDependency[Petition]


class TrackingController(Controller):
    path = "/track/{code:str}"
    tags = ["tracking"]
    # An unknown code and a wrong secret are both 404; repeated failures are 429.
    opt = {"problems": (404, 429)}
    dependencies = {"petition": Provide(_citizen_petition)}

    @get(
        "/",
        exclude_from_auth=True,
        summary="Follow a petition with its tracking code and secret",
        responses={HTTP_200_OK: examples.TRACKING_RESPONSE},
    )
    async def track(
        self,
        petition: CitizenPetition,
        db_session: NamedDependency[AsyncSession],
    ) -> TrackingView:
        return await views.tracking_view(db_session, petition)


@dataclass(frozen=True)
class CitizenAction:
    """One thing the citizen does to their petition: ``POST /track/{code}/<path>`` with a
    body, answered with the tracking view (what they see is their state: no ETag)."""

    name: str  # the handler's name (and so its OpenAPI operation id)
    path: str
    # (session, petition, body, path parameters) -> the change; its result is not shown.
    run: Callable[..., Awaitable[object]]
    body: Any  # the request body annotation (``RequestBody[Model]`` or with examples)
    summary: str
    example_response: bool = True  # the tracking view's example in the 200 response
    # Path parameters beside the code, in the order of the path.
    path_parameters: tuple[tuple[str, type], ...] = ()


def _citizen_handler(owner: type[Controller], action: CitizenAction) -> HTTPRouteHandler:
    """The method of ``owner`` for ``action``, with its own body and parameters."""

    async def handle(self: Controller, **kwargs: Any) -> TrackingView:
        session: AsyncSession = kwargs["db_session"]
        petition: Petition = kwargs["petition"]
        path = {name: kwargs[name] for name, _ in action.path_parameters}
        await action.run(session, petition, kwargs["data"], **path)
        return await views.tracking_view(session, petition)

    parameters: dict[str, Any] = {
        "petition": CitizenPetition,
        **{name: Annotated[kind, PathParameter()] for name, kind in action.path_parameters},
        "data": action.body,
        "db_session": NamedDependency[AsyncSession],
    }
    as_handler(handle, name=action.name, parameters=parameters, returns=TrackingView, owner=owner)
    return post(
        action.path,
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        summary=action.summary,
        responses={HTTP_200_OK: examples.TRACKING_RESPONSE} if action.example_response else None,
    )(handle)


CITIZEN_ACTIONS = (
    CitizenAction(
        "answer",
        "/clarifications/{clarification_id:uuid}/answer",
        run=lambda session, petition, data, clarification_id: citizen.answer_clarification(
            session, petition, clarification_id, data.answer
        ),
        body=Annotated[ClarificationAnswer, Body(examples=[examples.ANSWER_QUESTION])],
        summary="Answer the Front's question",
        path_parameters=(("clarification_id", uuid.UUID),),
    ),
    CitizenAction(
        "add_information",
        "/information",
        run=lambda session, petition, data: citizen.add_information(session, petition, data.text),
        body=RequestBody[AdditionalInformation],
        summary="Add information to an open petition",
        example_response=False,
    ),
    CitizenAction(
        "withdraw",
        "/withdraw",
        run=lambda session, petition, data: citizen.withdraw(session, petition, data.reason),
        body=RequestBody[WithdrawRequest],
        summary="Withdraw",
        example_response=False,
    ),
    CitizenAction(
        "rate",
        "/rating",
        run=lambda session, petition, data: citizen.rate(
            session, petition, data.satisfied, data.comment
        ),
        body=Annotated[RatingRequest, Body(examples=[examples.RATE, examples.RATE_DISPUTED])],
        summary="Rate the published answer",
    ),
    CitizenAction(
        "consent",
        "/consent",
        run=lambda session, petition, data: citizen.set_publish_consent(
            session, petition, data.consent_to_publish
        ),
        body=RequestBody[ConsentUpdate],
        summary="Give or withdraw consent to publish",
        example_response=False,
    ),
    CitizenAction(
        "notifications",
        "/notifications",
        run=lambda session, petition, data: citizen.set_notifications(
            session, petition, data.notifications
        ),
        body=RequestBody[NotificationsUpdate],
        summary="Stop (opt out of) or restart the notices by email, SMS or Zalo",
        example_response=False,
    ),
)

for _action in CITIZEN_ACTIONS:
    setattr(TrackingController, _action.name, _citizen_handler(TrackingController, _action))
TrackingController.add_evidence = petition_upload(  # type: ignore[attr-defined]
    TrackingController,
    "/evidence",
    uploader=lambda _request, petition: citizen.citizen_principal(petition),
    added_by=ActorKind.citizen,
    summary="Attach a file (raw body, streamed; at most 20 per petition)",
    responses={HTTP_201_CREATED: examples.UPLOADED_RESPONSE},
    exclude_from_auth=True,
)
