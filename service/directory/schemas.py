"""Request and response models of the directory API (never the table classes)."""

import re
import uuid
from datetime import date, datetime, time
from itertools import pairwise
from typing import Annotated, Any, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from service.directory.models import AgencyKind, AgencyLevel, DayKind, UnitLevel
from service.directory.reference_data import nfc
from service.i18n import value_error
from service.openapi import LOCAL_TIME_PATTERN
from service.strict import NOT_BOOL, StrictBool
from service.text import Text, text_field

T = TypeVar("T")

# Vietnamese text is stored NFC-normalised so equal names compare equal; the document's pattern
# says a name must hold a character that is not a space (service.text).
Name = Annotated[Text, text_field(min_length=1, max_length=300)]
ShortName = Annotated[Text, text_field(min_length=1, max_length=200)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(nfc)]
SortOrder = Annotated[int, Field(ge=0, le=100_000), NOT_BOOL]
Priority = Annotated[int, Field(ge=-1_000_000, le=1_000_000), NOT_BOOL]
Channels = Annotated[dict[str, Any], Field(max_length=20)]
NotNull = SkipJsonSchema[None]
"""``X | NotNull = None`` in an update: the field may be left out but not set to ``null`` (the
service refuses it, ``field_empty``), so the document does not offer ``null``."""
AgencyCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
CategoryCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
UnitCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2,16}$")]
Email = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Phone = Annotated[str, StringConstraints(max_length=32, pattern=r"^[0-9+() .-]{3,32}$")]


class Page(BaseModel, Generic[T]):
    """A keyset page: pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[T]
    next_cursor: str | None = None


# --- units ---------------------------------------------------------------------------------


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    division_type: str
    level: UnitLevel
    codename: str
    parent_code: str | None


# --- agencies ------------------------------------------------------------------------------


class AgencyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    level: AgencyLevel
    kind: AgencyKind
    unit_code: str
    parent_id: uuid.UUID | None
    email: str | None
    phone: str | None
    address: str | None
    channels: dict[str, Any]
    active: bool
    created_at: datetime


class AgencyCreate(BaseModel):
    code: AgencyCode
    name: Name
    level: AgencyLevel
    kind: AgencyKind = AgencyKind.other
    unit_code: UnitCode
    parent_id: uuid.UUID | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: Note | None = None
    channels: dict[str, Any] = Field(default_factory=dict, max_length=20)
    active: StrictBool = True


class AgencyUpdate(BaseModel):
    """Fields to change; the code is permanent. A field left out is kept; ``null`` clears
    one that may be empty (``NotNull`` ones cannot: a value or nothing)."""

    name: Name | NotNull = None
    level: AgencyLevel | NotNull = None
    kind: AgencyKind | NotNull = None
    unit_code: UnitCode | NotNull = None
    parent_id: uuid.UUID | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: Note | None = None
    channels: Channels | NotNull = None
    active: StrictBool | NotNull = None


# --- categories ----------------------------------------------------------------------------


class CategoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name_vi: str
    name_en: str
    sort_order: int
    active: bool


class CategoryCreate(BaseModel):
    code: CategoryCode
    name_vi: ShortName
    name_en: ShortName
    sort_order: SortOrder = 100
    active: StrictBool = True


class CategoryUpdate(BaseModel):
    name_vi: ShortName | NotNull = None
    name_en: ShortName | NotNull = None
    sort_order: SortOrder | NotNull = None
    active: StrictBool | NotNull = None


# --- routing rules -------------------------------------------------------------------------


class RoutingRuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    category_code: str | None
    unit_code: str | None
    unit_level: UnitLevel | None
    agency_id: uuid.UUID | None
    agency_of_unit: bool
    priority: int
    is_fallback: bool
    active: bool
    note: str | None
    created_at: datetime


class RoutingRuleCreate(BaseModel):
    """``category_code``/``unit_code``/``unit_level`` left empty mean "any". Give either
    ``agency_id`` or ``agency_of_unit: true`` (the People's Committee of the petition's unit)."""

    category_code: CategoryCode | None = None
    unit_code: UnitCode | None = None
    unit_level: UnitLevel | None = None
    agency_id: uuid.UUID | None = None
    agency_of_unit: StrictBool = False
    priority: Priority = 100
    is_fallback: StrictBool = False
    active: StrictBool = True
    note: Note | None = None

    @model_validator(mode="after")
    def _one_target(self) -> "RoutingRuleCreate":
        if (self.agency_id is not None) == self.agency_of_unit:
            raise value_error("rule_agency_either")
        if self.unit_code is not None and self.unit_level is not None:
            raise value_error("rule_unit_either")
        return self


class RoutingRuleUpdate(BaseModel):
    category_code: CategoryCode | None = None
    unit_code: UnitCode | None = None
    unit_level: UnitLevel | None = None
    agency_id: uuid.UUID | None = None
    agency_of_unit: StrictBool | NotNull = None
    priority: Priority | NotNull = None
    is_fallback: StrictBool | NotNull = None
    active: StrictBool | NotNull = None
    note: Note | None = None


class RouteSuggestionRead(BaseModel):
    category: str
    unit_code: str
    agency: AgencyRead | None
    rule_id: uuid.UUID | None


# --- calendar ------------------------------------------------------------------------------


class CalendarDayRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    day: date
    kind: DayKind
    name: str


class CalendarDayWrite(BaseModel):
    kind: DayKind
    name: ShortName


CALENDAR_YEARS = (2000, 2100)
CALENDAR_DAY_PATTERN = r"^(20[0-9]{2}|2100)-"
"""A calendar day is in 2000 to 2100 (the years the calendar keeps): the document says so as a
pattern beside ``format: date`` (JSON Schema has no bounds for dates)."""


def plausible_day(value: date) -> bool:
    return CALENDAR_YEARS[0] <= value.year <= CALENDAR_YEARS[1]


class CalendarDayCreate(CalendarDayWrite):
    day: date = Field(json_schema_extra={"pattern": CALENDAR_DAY_PATTERN})

    @field_validator("day")
    @classmethod
    def _plausible(cls, value: date) -> date:
        if not plausible_day(value):
            raise value_error("date_out_of_range")
        return value


def _local_time(value: Any) -> Any:
    """Only what the document promises (service/openapi/schemas.py): ``HH:MM[:SS[.ffffff]]``; no
    offset, no seconds-since-midnight number."""
    if isinstance(value, time):
        return value
    if not isinstance(value, str) or not re.fullmatch(LOCAL_TIME_PATTERN, value):
        raise ValueError("a local time HH:MM or HH:MM:SS is expected, without a zone")
    return value


LocalTime = Annotated[time, BeforeValidator(_local_time)]


class OfficePeriod(BaseModel):
    start: LocalTime
    end: LocalTime

    @model_validator(mode="after")
    def _ordered(self) -> "OfficePeriod":
        if self.start >= self.end:
            raise value_error("office_period_reversed")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise value_error("office_time_has_zone")
        return self


class OfficeHoursWrite(BaseModel):
    """Weekdays worked (ISO: 1 = Monday ... 7 = Sunday) and the periods of a working day."""

    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(min_length=1, max_length=7)
    periods: list[OfficePeriod] = Field(min_length=1, max_length=6)
    timezone: str = Field(default="Asia/Ho_Chi_Minh", max_length=64)

    @field_validator("weekdays")
    @classmethod
    def _distinct(cls, value: list[int]) -> list[int]:
        return sorted(set(value))

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise value_error("timezone_unknown", zone=value) from exc
        return value

    @model_validator(mode="after")
    def _no_overlap(self) -> "OfficeHoursWrite":
        periods = sorted(self.periods, key=lambda p: p.start)
        for before, after in pairwise(periods):
            if after.start < before.end:
                raise value_error("office_periods_overlap")
        self.periods = periods
        return self


class OfficeHoursRead(OfficeHoursWrite):
    updated_at: datetime | None = None
