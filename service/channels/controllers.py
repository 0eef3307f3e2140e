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

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter, RequestBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
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
from service.http.params import Cursor, PageLimit, StaffRequest
from service.readonly import ReadSession
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

    @get("/", summary="Announcements of my unit (all at city level), newest first")
    async def list_announcements(
        self,
        request: StaffRequest,
        read_session: ReadSession,
        cursor: Cursor = None,
        limit: PageLimit = 50,
    ) -> AnnouncementPage:
        rows, next_cursor = await service.list_announcements(
            read_session, request.user, cursor=cursor, limit=limit
        )
        return AnnouncementPage(
            items=[AnnouncementRead.model_validate(row) for row in rows], next_cursor=next_cursor
        )

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Create an announcement (campaign, notice)",
        opt={"problems": (404,)},  # a unit the officer may not post for, an image not found
    )
    async def create_announcement(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        data: RequestBody[AnnouncementCreate],
    ) -> AnnouncementRead:
        row = await service.create_announcement(db_session, request.user, data)
        return AnnouncementRead.model_validate(row)

    @get("/{announcement_id:uuid}", summary="One announcement")
    async def get_announcement(
        self,
        request: StaffRequest,
        read_session: ReadSession,
        announcement_id: Annotated[uuid.UUID, PathParameter()],
    ) -> AnnouncementRead:
        row = await service.get_announcement(read_session, request.user, announcement_id)
        return AnnouncementRead.model_validate(row)


class PublicationController(Controller):
    path = "/publications"
    tags = TAGS
    guards = [FRONT]

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Publish an item (answer, conclusion, announcement) to chosen channels",
        opt={"problems": (404,)},  # an item or a unit the officer may not see
    )
    async def publish(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        data: RequestBody[PublishRequest],
    ) -> list[PublicationRead]:
        rows = await service.publish(db_session, request.user, data)
        return [PublicationRead.model_validate(row) for row in rows]

    @get("/", summary="Publications with their per-channel status, newest first")
    async def list_publications(
        self,
        request: StaffRequest,
        read_session: ReadSession,
        item_type: Annotated[ItemType | None, QueryParameter()] = None,
        item_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        status: Annotated[list[PublicationStatus] | None, QueryParameter()] = None,
        cursor: Cursor = None,
        limit: PageLimit = 50,
    ) -> PublicationPage:
        rows, next_cursor = await service.list_publications(
            read_session,
            request.user,
            item_type=item_type,
            item_id=item_id,
            statuses=status,
            cursor=cursor,
            limit=limit,
        )
        return PublicationPage(
            items=[PublicationRead.model_validate(row) for row in rows], next_cursor=next_cursor
        )

    @get("/{publication_id:uuid}", summary="One publication")
    async def get_publication(
        self,
        request: StaffRequest,
        read_session: ReadSession,
        publication_id: Annotated[uuid.UUID, PathParameter()],
    ) -> PublicationRead:
        row = await service.get_publication(read_session, request.user, publication_id)
        return PublicationRead.model_validate(row)

    @post(
        "/{publication_id:uuid}/retry",
        status_code=HTTP_200_OK,
        summary="Send a failed publication again",
    )
    async def retry(
        self,
        request: StaffRequest,
        db_session: NamedDependency[AsyncSession],
        publication_id: Annotated[uuid.UUID, PathParameter()],
    ) -> PublicationRead:
        row = await service.retry(db_session, request.user, publication_id)
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
