"""``/thong-bao``: the announcements published to the portal (campaigns, meeting notices),
newest first, one page each, and an announcement's image (what the Zalo and Facebook posts
link to). Only announcements whose portal publication went out and whose time has come."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream

from service.channels import service
from service.errors import NotFound
from service.i18n import msg
from service.readonly import ReadSession
from service.storage.store import ObjectNotFound, ObjectStore
from service.web.pages import HTMXTemplate, render
from service.web.public.reference import place_names

PATH = "/thong-bao"
LIST_SIZE = 30


class AnnouncementsController(Controller):
    path = PATH

    @get("/")
    async def announcements(
        self, request: Request[Any, Any, Any], read_session: ReadSession
    ) -> HTMXTemplate:
        items = await service.portal_announcements(read_session, LIST_SIZE)
        return render(
            request,
            "portal/announcements.html",
            items=items,
            **await place_names(read_session),
        )

    @get("/{announcement_id:uuid}")
    async def announcement(
        self,
        request: Request[Any, Any, Any],
        read_session: ReadSession,
        announcement_id: FromPath[uuid.UUID],
    ) -> HTMXTemplate:
        item = await service.portal_announcement(read_session, announcement_id)
        places = await place_names(read_session)
        wards = places["ward_names"]
        return render(
            request,
            "portal/announcement.html",
            item=item,
            targets=", ".join(wards.get(code, code) for code in item.target_units),
            **places,
        )

    @get("/{announcement_id:uuid}/anh")
    async def image(
        self,
        read_session: ReadSession,
        object_store: NamedDependency[ObjectStore],
        announcement_id: FromPath[uuid.UUID],
    ) -> Stream:
        key, content_type, size = await service.portal_image(read_session, announcement_id)
        try:
            chunks = await object_store.open(key)
        except ObjectNotFound:  # the row outlived its file: a missing page, not a 500
            raise NotFound(msg("announcement_not_found")) from None
        return Stream(
            chunks,
            media_type=content_type,
            headers={
                "Content-Length": str(size),
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "public, max-age=300",
            },
        )
