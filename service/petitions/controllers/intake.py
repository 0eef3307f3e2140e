"""``POST /petitions``: API clients file petitions, once per ``Idempotency-Key``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import Body, HeaderParameter
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import api_client
from service.auth.principals import ClientPrincipal
from service.petitions import examples, idempotency, intake
from service.petitions.schemas import PetitionCreate, PetitionCreated
from service.settings import Settings


class IntakeController(Controller):
    path = "/petitions"
    tags = ["petitions"]

    @post(
        "/",
        guards=[api_client("petitions:write")],
        status_code=HTTP_201_CREATED,
        summary="File a petition (API clients; Idempotency-Key required)",
        description=(
            "The same Idempotency-Key with the same body returns the stored response (no "
            "second petition, header Idempotent-Replayed: true); with another body, 422. "
            "The response carries the tracking code and the tracking secret (shown once). "
            "The client's webhook is told `petition.received`, then each change (see "
            "`webhooks`)."
        ),
        responses={HTTP_201_CREATED: examples.FILED_RESPONSE},
    )
    async def file(
        self,
        request: Request[ClientPrincipal, Any, Any],
        data: Annotated[
            PetitionCreate, Body(examples=[examples.FILE_FEEDBACK, examples.FILE_COMPLAINT])
        ],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        idempotency_key: Annotated[
            str, HeaderParameter(name=idempotency.HEADER, min_length=1, max_length=200)
        ],
    ) -> Response[PetitionCreated]:
        client = request.user

        async def create() -> tuple[int, dict[str, Any], uuid.UUID | None]:
            petition, secret = await intake.file_petition(db_session, settings, client, data)
            body = intake.created_response(settings, petition, secret)
            return HTTP_201_CREATED, body, petition.id

        stored = await idempotency.run_once(
            db_session,
            settings,
            client_id=client.client_id,
            key=idempotency_key,
            endpoint="POST /api/v1/petitions",
            body=data.model_dump(mode="json"),
            create=create,
        )
        headers = {"Location": str(stored.body.get("track_url", ""))}
        if stored.replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(
            PetitionCreated.model_validate(stored.body), status_code=stored.status, headers=headers
        )
