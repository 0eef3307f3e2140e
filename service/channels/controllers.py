"""The channels API: announcements and publications (Front officers: a ward officer for
their ward, a city officer for every unit) and the units' channel accounts (admins).

* ``GET/POST /announcements``, ``GET /announcements/{id}``
* ``POST /publications`` (publish an item to chosen channels), ``GET /publications``
  (per-channel status), ``GET /publications/{id}``, ``POST /publications/{id}/retry``
* ``GET /admin/channel-accounts``, ``PUT /admin/channel-accounts/{unit_code}/{channel}``
  (a token is write-only: answered as "set" and its last four characters)
"""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter, RequestBody
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import AdminController, staff
from service.auth.models import Role
from service.channels import service
from service.channels.models import ChannelAccount, ChannelKind, ItemType, PublicationStatus
from service.channels.schemas import (
    AnnouncementCreate,
    AnnouncementPage,
    AnnouncementRead,
    ChannelAccountRead,
    ChannelAccountSet,
    PublicationPage,
    PublicationRead,
    PublishRequest,
)
from service.http.declared import Call, listing, route_of
from service.http.params import StaffRequest
from service.settings import Settings

FRONT = staff(Role.front_officer)
TAGS = ["channels"]
UnitCodePath = Annotated[str, PathParameter(pattern=r"^[0-9]{2,5}$", max_length=16)]


def account_read(account: ChannelAccount) -> ChannelAccountRead:
    return ChannelAccountRead(
        unit_code=account.unit_code,
        channel=ChannelKind(account.channel),
        external_id=account.external_id,
        token_set=True,
        token_last4=account.token_last4,
        needs_token=account.needs_token,
        updated_at=account.updated_at,
    )


class AnnouncementController(Controller):
    path = "/announcements"
    tags = TAGS
    guards = [FRONT]


class PublicationController(Controller):
    path = "/publications"
    tags = TAGS
    guards = [FRONT]


@route_of(
    AnnouncementController,
    "/",
    "Announcements of my unit (all at city level), newest first",
    session="read_session",
    **listing(),
)
async def list_announcements(call: Call) -> AnnouncementPage:
    rows, next_cursor = await service.list_announcements(call.session, call.viewer, **call.extra)
    return AnnouncementPage(
        items=[AnnouncementRead.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@route_of(
    AnnouncementController,
    "/",
    "Create an announcement (campaign, notice)",
    http_method="POST",
    body=AnnouncementCreate,
    opt={"problems": (404,)},  # a unit the officer may not post for, an image not found
)
async def create_announcement(call: Call) -> AnnouncementRead:
    row = await service.create_announcement(call.session, call.viewer, call.data)
    return AnnouncementRead.model_validate(row)


@route_of(
    AnnouncementController, "/{announcement_id:uuid}", "One announcement", session="read_session"
)
async def get_announcement(call: Call) -> AnnouncementRead:
    row = await service.get_announcement(call.session, call.viewer, call.id)
    return AnnouncementRead.model_validate(row)


@route_of(
    PublicationController,
    "/",
    "Publish an item (answer, conclusion, announcement) to chosen channels",
    http_method="POST",
    body=PublishRequest,
    opt={"problems": (404,)},  # an item or a unit the officer may not see
)
async def publish(call: Call) -> list[PublicationRead]:
    rows = await service.publish(call.session, call.viewer, call.data)
    return [PublicationRead.model_validate(row) for row in rows]


@route_of(
    PublicationController,
    "/",
    "Publications with their per-channel status, newest first",
    session="read_session",
    **listing(
        item_type=Annotated[ItemType | None, QueryParameter()],
        item_id=Annotated[uuid.UUID | None, QueryParameter()],
        statuses=Annotated[list[PublicationStatus] | None, QueryParameter(name="status")],
    ),
)
async def list_publications(call: Call) -> PublicationPage:
    rows, next_cursor = await service.list_publications(call.session, call.viewer, **call.extra)
    return PublicationPage(
        items=[PublicationRead.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@route_of(
    PublicationController, "/{publication_id:uuid}", "One publication", session="read_session"
)
async def get_publication(call: Call) -> PublicationRead:
    row = await service.get_publication(call.session, call.viewer, call.id)
    return PublicationRead.model_validate(row)


@route_of(
    PublicationController,
    "/{publication_id:uuid}/retry",
    "Send a failed publication again",
    http_method="POST",
    status_code=HTTP_200_OK,
)
async def retry(call: Call) -> PublicationRead:
    row = await service.retry(call.session, call.viewer, call.id)
    return PublicationRead.model_validate(row)


class ChannelAccountController(AdminController):
    path = "/admin/channel-accounts"

    @get("/", summary="Channel accounts of every unit (tokens never shown)")
    async def list_accounts(
        self,
        db_session: NamedDependency[AsyncSession],
        unit_code: Annotated[str | None, QueryParameter(max_length=16)] = None,
    ) -> list[ChannelAccountRead]:
        return [account_read(a) for a in await service.list_accounts(db_session, unit_code)]

    @put(
        "/{unit_code:str}/{channel:str}",
        summary="Set a unit's Zalo OA, Facebook Page or webhook account (token stored encrypted)",
    )
    async def set_account(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        unit_code: UnitCodePath,
        channel: Annotated[ChannelKind, PathParameter()],
        data: RequestBody[ChannelAccountSet],
    ) -> ChannelAccountRead:
        account = await service.set_account(
            db_session, settings, request.user, unit_code, channel, data
        )
        return account_read(account)


controllers = [AnnouncementController, PublicationController, ChannelAccountController]
