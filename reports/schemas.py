"""Request and response models of the reports API (never the table classes)."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from reports.models import DeliveryChannel, DeliveryState, ReportKind, ReportState
from service.i18n import value_error
from service.text import text_field

EMAIL_PATTERN = r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$"


def _printable(value: str) -> str:
    """No control characters (a line break is allowed: bodies' names break lines)."""
    if any((ord(ch) < 32 and ch != "\n") or ord(ch) == 127 for ch in value):
        raise value_error("control_characters")
    return value


Text = Annotated[str, AfterValidator(_printable)]

# The most reports one page of the list holds.
MAX_PAGE = 100


class RecipientIn(BaseModel):
    """One line of "Nơi nhận:"; with an email address the report is also sent there."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: Text = text_field(min_length=1, max_length=300, examples=["Thường trực HĐND Thành phố"])
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    channel: DeliveryChannel | None = Field(
        default=None,
        description="email_attachment (small PDFs) or email_link; default: by size",
    )


class ReportCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    kind: ReportKind
    parameters: dict[str, Any] = Field(
        description=(
            "council_periodic: {from, to, unit_code?}; supervision_result: {plan_code | "
            "plan_id, include_log?}; agency_scorecard: {agency_code | agency_id, from, to}. "
            "Dates are local (Asia/Ho_Chi_Minh), inclusive."
        ),
        examples=[{"from": "2026-01-01", "to": "2026-06-30", "unit_code": "00070"}],
    )
    summary: Text | None = text_field(
        default=None, min_length=3, max_length=500, description="The title's summary line"
    )
    number_symbol: Text | None = text_field(default=None, min_length=1, max_length=100)
    issue_date: date | None = Field(default=None, description="Default: today (local)")
    parent_body: Text | None = Field(default=None, max_length=300)
    issuing_body: Text | None = text_field(default=None, min_length=1, max_length=300)
    place: Text | None = text_field(default=None, min_length=1, max_length=100)
    signer_name: Text | None = text_field(default=None, min_length=1, max_length=200)
    signer_title: Text | None = text_field(default=None, min_length=1, max_length=200)
    signer_on_behalf: Text | None = Field(default=None, max_length=200)
    recipients: list[RecipientIn] | None = Field(default=None, max_length=50)
    pdf_variant: Literal["pdf", "pdf/a-3b"] | None = Field(
        default=None, description="pdf or pdf/a-3b (archival); default from settings"
    )


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    position: int
    recipient_name: str
    email: str | None
    channel: DeliveryChannel
    state: DeliveryState
    attempts: int
    last_error: str | None
    sent_at: datetime | None


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    series_id: uuid.UUID
    version: int
    kind: ReportKind
    parameters: dict[str, Any]
    unit_code: str | None
    summary: str
    state: ReportState
    stage: str | None
    percent: int
    error: str | None
    attempts: int
    requested_by: uuid.UUID | None
    requested_at: datetime
    issued_at: datetime | None
    sha256: str | None
    size_bytes: int | None
    page_count: int | None
    verification_code: str
    number_symbol: str
    issuing_body: str
    issue_date: date
    signer_name: str
    signer_title: str
    recipients: list[dict[str, Any]]
    pdf_variant: str | None
    allowed_actions: list[str] = Field(default_factory=list)
    deliveries: list[DeliveryRead] = Field(default_factory=list)


class ReportPage(BaseModel):
    items: list[ReportRead]
    next_cursor: str | None


class Verification(BaseModel):
    """What anyone holding a printed copy may learn: which report, and its file's hash."""

    kind: ReportKind
    version: int
    issued_at: datetime
    sha256: str
