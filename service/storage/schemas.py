"""Request and response bodies of the evidence API."""

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from service.storage.models import CustodyAction, EvidenceStatus
from service.storage.store import MAX_PARTS
from service.text import Text, text_field


class EvidenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    sha256: str
    size_bytes: int
    content_type: str
    original_name: str
    status: EvidenceStatus
    uploaded_by_user_id: uuid.UUID | None
    uploaded_by_client_id: uuid.UUID | None
    uploaded_at: datetime
    captured_at: datetime | None
    latitude: float | None
    longitude: float | None
    withdrawn_at: datetime | None
    withdrawn_by: uuid.UUID | None
    withdrawn_reason: str | None


class MultipartStart(BaseModel):
    """Announce a large file: its name, exact size, SHA-256 and type. The completion call
    checks the bytes against these."""

    filename: str = Field(min_length=1, max_length=255)
    size: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-fA-F]{64}$")
    content_type: str = Field(min_length=3, max_length=127)
    captured_at: AwareDatetime | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class PartTarget(BaseModel):
    """PUT bytes ``[offset, offset + length)`` of the file to ``url``; keep the response's
    ETag header for the completion call."""

    part_number: int
    url: str
    offset: int
    length: int


class MultipartStarted(BaseModel):
    evidence: EvidenceRead
    upload_id: str
    part_size: int
    parts: list[PartTarget]
    expires_at: datetime


class CompletedPart(BaseModel):
    part_number: int = Field(ge=1, le=MAX_PARTS)
    etag: str = Field(min_length=1, max_length=200)


class MultipartComplete(BaseModel):
    """The parts with their ETags; leave ``parts`` out to use every part the store holds."""

    parts: list[CompletedPart] | None = Field(default=None, max_length=MAX_PARTS)


class CustodyEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    evidence_id: uuid.UUID
    action: CustodyAction
    actor_user_id: uuid.UUID | None
    actor_client_id: uuid.UUID | None
    at: datetime
    request_id: str | None
    note: str | None


class WithdrawRequest(BaseModel):
    reason: Text = text_field(min_length=3, max_length=1000)
