"""Request and response bodies of the channels API (never the table classes). A token is
write-only: a response says whether one is set and its last four characters."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, StringConstraints

from service.channels.models import ChannelKind, ItemType, PublicationStatus
from service.oversight.schemas import Input
from service.text import Text, text_field

UnitCodeText = Annotated[str, StringConstraints(pattern=r"^[0-9]{2,5}$", max_length=16)]
GroupName = Annotated[Text, text_field(min_length=1, max_length=200)]


class RowRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# -- accounts --------------------------------------------------------------------------------


class ChannelAccountSet(Input):
    """A unit's account on a channel: the Zalo OA id, the Facebook page id, or the webhook
    URL; and its token (the webhook's signing secret). Without ``token`` the stored one is
    kept (changing only the id or URL)."""

    external_id: str = Field(min_length=1, max_length=500)
    token: SecretStr | None = Field(default=None, min_length=8, max_length=4000)


class ChannelAccountRead(RowRead):
    unit_code: str
    channel: ChannelKind
    external_id: str
    token_set: bool = Field(description="Always true: an account cannot exist without one.")
    token_last4: str = Field(description="The token's last four characters, to recognise it.")
    needs_token: bool = Field(
        description="The remote said the token expired: nothing is sent until a new one is set."
    )
    updated_at: datetime


# -- announcements -----------------------------------------------------------------------------


class AnnouncementCreate(Input):
    title: Text = text_field(min_length=3, max_length=200)
    body: Text = text_field(min_length=3, max_length=20_000)
    image_evidence_id: uuid.UUID | None = Field(
        default=None, description="An image already uploaded to evidence storage."
    )
    target_units: list[UnitCodeText] = Field(default_factory=list, max_length=200)
    target_groups: list[GroupName] = Field(
        default_factory=list,
        max_length=200,
        description="Residential groups (tổ dân phố) by name; the directory lists none yet.",
    )
    scheduled_at: AwareDatetime | None = Field(
        default=None, description="When it goes out and appears on the portal; unset: at once."
    )
    unit_code: UnitCodeText | None = Field(
        default=None,
        description="The Front committee announcing; a ward officer's is their ward "
        "(the default), a city officer names one or gets the city's.",
    )


class AnnouncementRead(RowRead):
    id: uuid.UUID
    unit_code: str
    title: str
    body: str
    image_evidence_id: uuid.UUID | None
    target_units: list[str]
    target_groups: list[str]
    scheduled_at: datetime | None
    created_at: datetime


class AnnouncementPage(BaseModel):
    items: list[AnnouncementRead]
    next_cursor: str | None


# -- publications ------------------------------------------------------------------------------


class PublishRequest(Input):
    item_type: ItemType
    item_id: uuid.UUID
    channels: list[ChannelKind] = Field(min_length=1, max_length=4)
    unit_code: UnitCodeText | None = Field(
        default=None,
        description="Whose channel accounts carry it: a ward officer's ward (the default); "
        "a city officer names the unit (the city's code for the city's own accounts).",
    )


class PublicationRead(RowRead):
    id: uuid.UUID
    item_type: ItemType
    item_id: uuid.UUID
    unit_code: str
    channel: ChannelKind
    status: PublicationStatus
    attempts: int
    last_error: str | None
    remote_post_id: str | None
    not_before: datetime | None
    sent_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PublicationPage(BaseModel):
    items: list[PublicationRead]
    next_cursor: str | None
