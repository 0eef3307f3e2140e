"""``/track/{code}``: the citizen follows and acts on their petition with no account.

The tracking secret (``X-Tracking-Secret``) is the credential: an unknown code and a wrong
secret are the same 404, and failures are counted per IP and per code (429 beyond the limit).
The citizen's actions stay methods here rather than generated workflow actions: they find the
petition by its code and secret (not by an id in the caller's area), count failures, send no
``If-Match`` (the citizen holds no ETag: the tracking view is their state) and answer with the
tracking view.
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import Body, FromPath, HeaderParameter, QueryParameter, RequestBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import NotFound
from service.petitions import citizen, examples, ratelimit, views
from service.petitions.models import ActorKind, Petition
from service.petitions.schemas import (
    AdditionalInformation,
    CitizenEvidence,
    ClarificationAnswer,
    ConsentUpdate,
    RatingRequest,
    TrackingView,
    WithdrawRequest,
)
from service.ratelimit import client_address, counters_of
from service.settings import Settings
from service.storage.http import receive_file
from service.storage.store import ObjectStore

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

    @post(
        "/clarifications/{clarification_id:uuid}/answer",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        summary="Answer the Front's question",
        responses={HTTP_200_OK: examples.TRACKING_RESPONSE},
    )
    async def answer(
        self,
        petition: CitizenPetition,
        clarification_id: FromPath[uuid.UUID],
        data: Annotated[ClarificationAnswer, Body(examples=[examples.ANSWER_QUESTION])],
        db_session: NamedDependency[AsyncSession],
    ) -> TrackingView:
        await citizen.answer_clarification(db_session, petition, clarification_id, data.answer)
        return await views.tracking_view(db_session, petition)

    @post(
        "/information",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        summary="Add information to an open petition",
    )
    async def add_information(
        self,
        petition: CitizenPetition,
        data: RequestBody[AdditionalInformation],
        db_session: NamedDependency[AsyncSession],
    ) -> TrackingView:
        await citizen.add_information(db_session, petition, data.text)
        return await views.tracking_view(db_session, petition)

    @post(
        "/evidence",
        exclude_from_auth=True,
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,
        summary="Attach a file (raw body, streamed; at most 20 per petition)",
        responses={HTTP_201_CREATED: examples.UPLOADED_RESPONSE},
    )
    async def add_evidence(
        self,
        request: Request[Any, Any, Any],
        petition: CitizenPetition,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        object_store: NamedDependency[ObjectStore],
        filename: Annotated[str | None, QueryParameter(max_length=255)] = None,
    ) -> CitizenEvidence:
        save = partial(
            citizen.attach_evidence,
            db_session,
            object_store,
            petition,
            uploader=citizen.citizen_principal(petition),
            added_by=ActorKind.citizen,
        )
        return await receive_file(
            request, settings, save, present=views.uploaded, filename=filename
        )

    @post("/withdraw", exclude_from_auth=True, status_code=HTTP_200_OK, summary="Withdraw")
    async def withdraw(
        self,
        petition: CitizenPetition,
        data: RequestBody[WithdrawRequest],
        db_session: NamedDependency[AsyncSession],
    ) -> TrackingView:
        await citizen.withdraw(db_session, petition, data.reason)
        return await views.tracking_view(db_session, petition)

    @post(
        "/rating",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        summary="Rate the published answer",
        responses={HTTP_200_OK: examples.TRACKING_RESPONSE},
    )
    async def rate(
        self,
        petition: CitizenPetition,
        data: Annotated[RatingRequest, Body(examples=[examples.RATE, examples.RATE_DISPUTED])],
        db_session: NamedDependency[AsyncSession],
    ) -> TrackingView:
        await citizen.rate(db_session, petition, data.satisfied, data.comment)
        return await views.tracking_view(db_session, petition)

    @post(
        "/consent",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        summary="Give or withdraw consent to publish",
    )
    async def consent(
        self,
        petition: CitizenPetition,
        data: RequestBody[ConsentUpdate],
        db_session: NamedDependency[AsyncSession],
    ) -> TrackingView:
        await citizen.set_publish_consent(db_session, petition, data.consent_to_publish)
        return await views.tracking_view(db_session, petition)
