"""``POST /petitions``: API clients file petitions, once per ``Idempotency-Key``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import Body, HeaderParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_422_UNPROCESSABLE_ENTITY
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
            "`webhooks`).\n\n"
            "**Without `unit_code`** the ward or commune is resolved from `address_text`, "
            'written in the new (2025) form ("phường Hoàn Kiếm, Hà Nội") or the old one '
            'with its district ("phường Hàng Trống, quận Hoàn Kiếm", "P. Hàng Trống, Q. '
            'Hoàn Kiếm"), with or without diacritics, after a street address or not; a text '
            "naming no province is read as an address in Hà Nội. The petition records the "
            "rule that found the unit (`new_name`, `old_ward_converted`, "
            "`old_ward_without_district`, `old_district_converted`). An old ward split "
            "between several new ones (or an old district alone) answers 422 with "
            "`candidates` (`code`, `name`) to send again as `unit_code`; an address with no "
            "ward or commune, or outside Hà Nội, answers 422 naming `address_text`. With "
            "`unit_code`, `address_text` is kept as written and nothing is resolved."
        ),
        responses={HTTP_201_CREATED: examples.FILED_RESPONSE},
        opt={"problem_examples": {HTTP_422_UNPROCESSABLE_ENTITY: examples.INTAKE_PROBLEMS}},
    )
    async def file(
        self,
        request: Request[ClientPrincipal, Any, Any],
        data: Annotated[
            PetitionCreate,
            Body(
                examples=[
                    examples.FILE_FEEDBACK,
                    examples.FILE_COMPLAINT,
                    examples.FILE_BY_OLD_ADDRESS,
                ]
            ),
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
