"""The agency's reads: its inbox, one referral with the item, the audited reveal of who
filed it, and the answer's files (upload, download). Its changes are the generated actions
(``actions.py``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import partial
from typing import Annotated

from litestar import Controller, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter, RequestBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role
from service.deadlines.models import ItemKind
from service.replies import service, views
from service.replies.controllers.common import (
    AGENCY,
    ItemTypeParam,
    StaffRequest,
    States,
    attachment_download,
    referral_detail_route,
    referral_export_route,
    referral_filter,
    referral_list_route,
)
from service.replies.repository import ReferralFilter
from service.replies.schemas import (
    AttachmentRead,
    RevealedIdentity,
    RevealRequest,
)
from service.settings import Settings
from service.storage.http import receive_file
from service.storage.store import ObjectStore


async def _inbox_listing(
    request: StaffRequest,
    settings: NamedDependency[Settings],
    states: States = None,
    item_kind: FromQuery[ItemKind | None] = None,
    item_type: ItemTypeParam = None,
    due_before: FromQuery[datetime | None] = None,
    due_after: FromQuery[datetime | None] = None,
    overdue: FromQuery[bool | None] = None,
    agency_id: Annotated[
        uuid.UUID | None, QueryParameter(description="Admins only: whose inbox.")
    ] = None,
) -> ReferralFilter:
    """The inbox's filters as the query string gives them (the list's and its file's)."""
    viewer = request.user
    own = viewer.agency_id if viewer.role == Role.agency_officer else agency_id
    scope = views.ReferralFilter(agency_id=own)
    return referral_filter(
        settings, scope, states, item_kind, item_type, due_before, due_after, overdue
    )


class AgencyReferralController(Controller):
    path = "/agency/referrals"
    tags = ["agency referrals"]
    guards = [AGENCY]
    dependencies = {"listing": Provide(_inbox_listing)}

    inbox = referral_list_route("inbox", "My agency's inbox, by due date (keyset pagination)")

    export_inbox = referral_export_route(
        "export_inbox",
        "My agency's inbox as a file (CSV or XLSX), with the inbox's filters, streamed",
        file_name="hop-thu",
    )

    detail = referral_detail_route(
        "One referral with the item, answers and history", agency_side=True
    )

    @post(
        "/{referral_id:uuid}/petitioner/reveal",
        status_code=HTTP_200_OK,
        summary="Reveal who filed the item, with a reason (audited: who, when, why)",
        description=(
            "No referral view carries a denouncer's identity. The officer of the agency "
            "competent to resolve the denunciation may reveal it here while the agency "
            "handles it, giving a reason; the reveal is audited. Refused (403) to anyone "
            "else, and to the agency that employs the denounced person."
        ),
    )
    async def reveal_petitioner(
        self,
        request: StaffRequest,
        referral_id: FromPath[uuid.UUID],
        data: RequestBody[RevealRequest],
        db_session: NamedDependency[AsyncSession],
    ) -> RevealedIdentity:
        referral = await service.get_visible_referral(db_session, referral_id, request.user)
        shown = await service.reveal_item_identity(db_session, referral, request.user, data.reason)
        return RevealedIdentity.model_validate(shown)

    @post(
        "/{referral_id:uuid}/attachments",
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,
        summary="Upload a file for the answer (raw body, streamed to evidence storage)",
        description=(
            "Send the file as the request body; the name from `?filename=` or "
            "Content-Disposition. Then list its evidence id in the draft's attachment_ids."
        ),
    )
    async def upload(
        self,
        request: StaffRequest,
        referral_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        object_store: NamedDependency[ObjectStore],
        filename: Annotated[str | None, QueryParameter(max_length=255)] = None,
    ) -> AttachmentRead:
        save = partial(
            service.add_attachment, db_session, object_store, referral_id, actor=request.user
        )
        return await receive_file(
            request, settings, save, present=views.attachment_read, filename=filename
        )

    download = attachment_download(
        "Download an attachment (short-lived URL; logged in the chain of custody)",
        agency_side=True,
    )
