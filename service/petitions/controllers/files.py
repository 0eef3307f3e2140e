"""``POST .../evidence``: a file for a petition, the same upload for the citizen (tracking)
and for the Front (staff); they differ in who uploads, how the entry is marked and the
route's guards and texts."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_201_CREATED
from litestar.types import Guard
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.http.generated import as_handler
from service.petitions import citizen, views
from service.petitions.models import ActorKind, Petition
from service.petitions.schemas import CitizenEvidence
from service.settings import Settings
from service.storage.http import receive_file
from service.storage.store import ObjectStore

Uploader = Callable[[Request[Any, Any, Any], Petition], StaffPrincipal | ClientPrincipal]


def petition_upload(
    owner: type[Controller],
    path: str,
    *,
    uploader: Uploader,
    added_by: ActorKind,
    summary: str,
    guards: list[Guard] | None = None,
    responses: dict[int, ResponseSpec] | None = None,
    exclude_from_auth: bool = False,
) -> HTTPRouteHandler:
    """The ``add_evidence`` method of ``owner``, whose ``petition`` dependency gives the
    petition (raw body, streamed; the name from ``?filename=`` or Content-Disposition)."""

    async def handle(self: Controller, **kwargs: Any) -> CitizenEvidence:
        request: Request[Any, Any, Any] = kwargs["request"]
        petition: Petition = kwargs["petition"]
        save = partial(
            citizen.attach_evidence,
            kwargs["db_session"],
            kwargs["object_store"],
            petition,
            uploader=uploader(request, petition),
            added_by=added_by,
        )
        return await receive_file(
            request,
            kwargs["settings"],
            save,
            present=views.uploaded,
            filename=kwargs["filename"],
        )

    as_handler(
        handle,
        name="add_evidence",
        parameters={
            "request": Request[Any, Any, Any],
            "petition": NamedDependency[Petition],
            "db_session": NamedDependency[AsyncSession],
            "settings": NamedDependency[Settings],
            "object_store": NamedDependency[ObjectStore],
            "filename": Annotated[str | None, QueryParameter(max_length=255)],
        },
        defaults={"filename": None},
        returns=CitizenEvidence,
        owner=owner,
    )
    return post(
        path,
        guards=guards,
        exclude_from_auth=exclude_from_auth,
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,
        summary=summary,
        responses=responses,
    )(handle)
