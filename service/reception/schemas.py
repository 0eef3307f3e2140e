"""Request and response models of online reception (never the table classes)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from service.petitions.models import PetitionKind
from service.petitions.schemas import PHONE_PATTERN
from service.reception.models import BookingStatus, Outcome
from service.strict import StrictBool
from service.text import OptionalText, Text, text_field

CCCD_PATTERN = r"^[0-9]{12}$"


class ScheduleCreate(BaseModel):
    unit_code: str = Field(
        min_length=2, max_length=16, pattern=r"^[0-9]{2,5}$", description="Ward or the city"
    )
    title: Text = text_field(min_length=3, max_length=200)
    starts_on: date
    ends_on: date
    slot_minutes: int = Field(ge=10, le=240, description="Length of a slot in minutes")
    capacity: int = Field(ge=1, le=50, description="Citizens received per slot")


class ScheduleRead(BaseModel):
    id: uuid.UUID
    unit_code: str
    title: str
    starts_on: date
    ends_on: date
    slot_minutes: int
    capacity: int
    active: bool
    version: int

    model_config = {"from_attributes": True}


class SlotRead(BaseModel):
    starts_at: datetime
    ends_at: datetime
    free: int = Field(description="Seats left in the slot")


class BookingCreate(BaseModel):
    schedule_id: uuid.UUID
    starts_at: datetime = Field(description="The slot's start, as listed by the slots route")
    full_name: Text = text_field(min_length=2, max_length=200)
    national_id: str = Field(
        pattern=CCCD_PATTERN, description="CCCD number (12 digits); stored encrypted"
    )
    phone: str = Field(max_length=20, pattern=PHONE_PATTERN, description="A Vietnamese mobile")
    topic: Text = text_field(
        min_length=3, max_length=2000, description="What the citizen wants to raise"
    )
    consent_to_process: StrictBool = Field(
        description="Explicit consent to process the personal data (PDPL 91/2025); required"
    )


class BookingCreated(BaseModel):
    id: uuid.UUID
    code: str
    secret: str = Field(description="Shown once: with the code, it cancels the booking")
    starts_at: datetime
    ends_at: datetime
    meeting_url: str


class CitizenBookingRead(BaseModel):
    """What the citizen sees of their booking (code + secret)."""

    code: str
    status: BookingStatus
    starts_at: datetime
    ends_at: datetime
    meeting_url: str
    unit_code: str


class BookingRead(BaseModel):
    """A booking as a Front officer of its unit sees it: never the ID number (only whether
    the identity was checked)."""

    id: uuid.UUID
    schedule_id: uuid.UUID
    unit_code: str
    code: str
    starts_at: datetime
    ends_at: datetime
    full_name: str
    phone_masked: str
    topic: str
    status: BookingStatus
    meeting_url: str
    officer_ids: list[uuid.UUID]
    identity_checked_at: datetime | None
    record: str | None
    outcome: Outcome | None
    outcome_text: str | None
    guided_to: str | None
    petition_id: uuid.UUID | None
    evidence_ids: list[uuid.UUID] = []
    version: int


class BookingPage(BaseModel):
    items: list[BookingRead]
    next_cursor: str | None


class CancelRequest(BaseModel):
    code: Text = text_field(min_length=3, max_length=24)
    secret: Text = text_field(min_length=8, max_length=64)


class CitizenLookup(CancelRequest):
    pass


class StartRequest(BaseModel):
    """The identity check at the start: the officer reads the CCCD the citizen shows."""

    national_id: str = Field(pattern=CCCD_PATTERN, description="As read from the card shown")
    document: Text = text_field(
        min_length=2, max_length=32, description="What was shown, e.g. CCCD gắn chip, VNeID"
    )
    officer_ids: list[uuid.UUID] = Field(
        default_factory=list, max_length=10, description="Officers present besides the caller"
    )


class RecordUpdate(BaseModel):
    record: Text = text_field(min_length=1, max_length=20_000, description="Biên bản")


class EvidenceAttach(BaseModel):
    evidence_id: uuid.UUID


class CompleteRequest(BaseModel):
    outcome: Outcome
    text: OptionalText = Field(
        default=None, max_length=5000, description="The answer given, or the guidance"
    )
    guided_to: OptionalText = Field(
        default=None, max_length=300, description="The competent body (outcome guided)"
    )
    # outcome petition: the petition filed through the normal intake.
    kind: PetitionKind | None = None
    category: OptionalText = Field(default=None, max_length=64)
    title: OptionalText = Field(default=None, max_length=300)
    description: OptionalText = Field(default=None, max_length=20_000)
    address: OptionalText = Field(default=None, max_length=500)
    unit_code: OptionalText = Field(
        default=None, max_length=16, description="The ward, when the reception was the city's"
    )


class NoShowRequest(BaseModel):
    note: OptionalText = Field(default=None, max_length=500)


class ReceptionStats(BaseModel):
    booked: int
    received: int
    no_show: int
    cancelled: int
    petitions: int
