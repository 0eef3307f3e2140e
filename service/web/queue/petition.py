"""The petition page (``/console/queue/{id}``) and its forms.

Every decision is a form posted to ``/console/queue/{id}/actions/<name>`` with the version the
page showed; it runs through ``service.http.actions.perform``, the API's own load (in the
officer's area, locked; 404 outside it), version check and action. A stale version (someone
decided first) re-renders the page with status 412, saying so and listing what changed since.
The denouncer's identity is never on the page: the reveal form (a reason, audited by
``views.reveal_identity``, the API's service) shows it once, in the answer to that POST.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import staff
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.errors import NotFound, PreconditionFailed, ServiceError
from service.http.actions import perform
from service.http.preconditions import IfMatch
from service.i18n import msg
from service.petitions import views
from service.petitions.controllers.triage import PETITION
from service.petitions.models import Petition
from service.petitions.service import get_for_staff
from service.replies.schemas import RevealRequest
from service.settings import Settings
from service.storage.service import read_for_view
from service.storage.store import ObjectStore
from service.web.pages import HTMXTemplate, named, read_form, redirect
from service.web.queue.forms import ACTION_FORMS
from service.web.queue.page import Stale, petition_page
from service.web.queue.thumbnails import MAX_SOURCE_BYTES, previewable, thumbnail


def page_path(petition_id: uuid.UUID) -> str:
    return f"/console/queue/{petition_id}"


def _if_match(version: Any) -> IfMatch | None:
    """The form's ``version`` as the API's ``If-Match`` (none sent: the API's 428)."""
    return IfMatch.parse(version) if isinstance(version, str) and version.strip() else None


@dataclass(frozen=True)
class Desk:
    """What every handler of the page works with: the officer's request, the request's
    session, the settings, the store and the petition in the path (not yet loaded: a
    decision loads it locked, through ``perform``)."""

    request: Request[StaffPrincipal, Any, Any]
    session: AsyncSession
    settings: Settings
    store: ObjectStore
    petition_id: uuid.UUID

    async def petition(self) -> Petition:
        """The petition, if the officer may see it (404 otherwise, also another ward's)."""
        return await get_for_staff(self.session, self.petition_id, self.request.user)

    async def page(self, petition: Petition | None = None, **shown: Any) -> HTMXTemplate:
        target = petition or await self.petition()
        return await petition_page(self.request, self.session, self.settings, target, **shown)


async def _desk(
    request: Request[StaffPrincipal, Any, Any],
    db_session: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
    object_store: NamedDependency[ObjectStore],
    petition_id: FromPath[uuid.UUID],
) -> Desk:
    return Desk(request, db_session, settings, object_store, petition_id)


DeskOf = NamedDependency[Desk]
_ACTION = Annotated[str | None, QueryParameter(name="action", max_length=40)]
_FIND = Annotated[str | None, QueryParameter(name="duplicates", max_length=10)]


class PetitionPageController(Controller):
    path = "/queue/{petition_id:uuid}"
    guards = [staff(Role.front_officer)]
    dependencies = {"desk": Provide(_desk)}

    @get("/")
    async def page(self, desk: DeskOf, action: _ACTION = None, find: _FIND = None) -> HTMXTemplate:
        return await desk.page(action=action, find_duplicates=find == "now")

    @post("/actions/{name:str}", status_code=303)
    async def act(self, desk: DeskOf, name: FromPath[str]) -> Redirect | HTMXTemplate:
        spec = named(ACTION_FORMS, name, "web.queue.unknown_action")
        form = spec.on_fields(await read_form(desk.request, spec.form_schema))
        status_code, stale = 422, None
        if form.ok:
            try:
                call, result = await perform(
                    PETITION,
                    spec.route,
                    request=desk.request,
                    session=desk.session,
                    settings=desk.settings,
                    resource_id=desk.petition_id,
                    if_match=_if_match(form.values.get("version")),
                    data=form.data,
                )
            except NotFound:
                raise
            except PreconditionFailed as exc:
                status_code, stale = exc.status_code, Stale(message=exc.detail)
            except ServiceError as exc:
                form, status_code = spec.on_fields(form.failed(exc)), exc.status_code
            else:
                # A merge leads to the lead petition; every other action stays here.
                target = result.id if isinstance(result, Petition) else call.resource.id
                return redirect(page_path(target), flash=spec.done)
        # The page as it is now (the request is rolled back: nothing of the attempt stays).
        return await desk.page(status_code=status_code, action=name, form=form, stale=stale)

    @post("/reveal", status_code=200)
    async def reveal(self, desk: DeskOf) -> HTMXTemplate:
        petition = await desk.petition()
        form = await read_form(desk.request, RevealRequest)
        revealed, status_code = None, 422
        if form.data is not None:
            try:
                revealed = await views.reveal_identity(
                    desk.session, desk.settings, petition, desk.request.user, form.data.reason
                )
                status_code = 200
            except ServiceError as exc:
                form, status_code = form.failed(exc), exc.status_code
        page = await desk.page(
            petition, status_code=status_code, revealed=revealed, reveal_form=form
        )
        return page  # no-store, as every console page: the identity is shown once

    @get("/files/{evidence_id:uuid}")
    async def download(self, desk: DeskOf, evidence_id: FromPath[uuid.UUID]) -> Redirect:
        """The API's download: a short-lived link to the store, custody-logged."""
        url = await views.evidence_download_url(
            desk.session, desk.store, await desk.petition(), evidence_id, desk.request.user
        )
        return Redirect(path=url, status_code=303)

    @get("/files/{evidence_id:uuid}/preview")
    async def preview(self, desk: DeskOf, evidence_id: FromPath[uuid.UUID]) -> Response[bytes]:
        """A small JPEG of an image file, under the download's rules (logged as a view)."""
        viewer = desk.request.user
        evidence = await views.downloadable_evidence(
            desk.session, await desk.petition(), evidence_id, viewer
        )
        image = None
        if previewable(evidence.content_type):
            data = await read_for_view(
                desk.session, desk.store, evidence, viewer, max_bytes=MAX_SOURCE_BYTES
            )
            image = await thumbnail(data) if data is not None else None
        if image is None:
            raise NotFound(msg("web.queue.no_preview"))
        return Response(
            image, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=300"}
        )
