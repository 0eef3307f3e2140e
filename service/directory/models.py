"""Reference data tables: administrative units, agencies, petition categories, routing rules
and the working-day calendar.

Units are keyed by the official code from the `vietnam-provinces` package (post-1 July 2025
two-level government). Provinces and wards/communes live in one table.
"""

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Field, SQLModel

from service.db import jsonb_column, partial_index, timestamp_now, uuid_id


class UnitLevel(StrEnum):
    province = "province"
    commune = "commune"


class AdminUnit(SQLModel, table=True):
    """A province or a ward/commune, keyed by its official code; a ward/commune points at
    its province (``parent_code``)."""

    __tablename__ = "admin_unit"

    code: str = Field(primary_key=True, max_length=16)
    name: str = Field(max_length=200)
    division_type: str = Field(max_length=40)
    level: UnitLevel = Field(sa_type=sa.String(16))
    codename: str = Field(max_length=120)
    # The province of a commune/ward; NULL for a province itself.
    parent_code: str | None = Field(
        default=None, foreign_key="admin_unit.code", index=True, max_length=16
    )


class AgencyLevel(StrEnum):
    central = "central"
    city = "city"
    commune = "commune"


class AgencyKind(StrEnum):
    """What sort of body an agency is. Routing rules that say "the People's Committee of the
    petition's own unit" look for the ``people_committee`` of that unit (one per unit)."""

    people_committee = "people_committee"
    department = "department"
    police = "police"
    inspectorate = "inspectorate"
    other = "other"


class Agency(SQLModel, table=True):
    """A body that receives referrals and answers them, in one unit, with its contact
    details; ``parent_id`` is the superior agency that escalations go to."""

    __tablename__ = "agency"
    __table_args__ = (
        partial_index(
            "uq_agency_people_committee_unit",
            "unit_code",
            where="kind = 'people_committee'",
            unique=True,
        ),
    )

    id: uuid.UUID = uuid_id()
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=300)
    level: AgencyLevel = Field(sa_type=sa.String(16))
    kind: AgencyKind = Field(
        default=AgencyKind.other,
        sa_type=sa.String(32),
        sa_column_kwargs={"server_default": AgencyKind.other.value},
    )
    unit_code: str = Field(foreign_key="admin_unit.code", index=True, max_length=16)
    # The superior agency, where escalations go.
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="agency.id")
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=500)
    channels: dict[str, Any] = Field(default_factory=dict, sa_column=jsonb_column())
    active: bool = Field(default=True)
    created_at: datetime = timestamp_now()


class PetitionCategory(SQLModel, table=True):
    """A field of petitions (land, construction order...). Never deleted, only deactivated:
    petitions keep pointing at their category."""

    __tablename__ = "petition_category"

    code: str = Field(primary_key=True, max_length=64)
    name_vi: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    sort_order: int = Field(default=100)
    active: bool = Field(default=True)
    created_at: datetime = timestamp_now()


class RoutingRule(SQLModel, table=True):
    """(category, unit or unit level) -> agency. ``None`` in category/unit/level means "any".
    The target is either a fixed agency or, with ``agency_of_unit``, the People's Committee of
    the petition's own unit (one rule then covers every ward). See ``routing.py`` for the
    order in which rules are tried."""

    __tablename__ = "routing_rule"
    __table_args__ = (
        sa.CheckConstraint("(agency_id IS NOT NULL) <> agency_of_unit", name="one_target"),
        sa.CheckConstraint("unit_code IS NULL OR unit_level IS NULL", name="unit_or_level"),
        sa.CheckConstraint(
            "unit_level IS NULL OR unit_level IN ('province', 'commune')", name="unit_level_known"
        ),
    )

    id: uuid.UUID = uuid_id()
    category_code: str | None = Field(
        default=None, foreign_key="petition_category.code", index=True, max_length=64
    )
    unit_code: str | None = Field(default=None, foreign_key="admin_unit.code", max_length=16)
    unit_level: UnitLevel | None = Field(default=None, sa_type=sa.String(16))
    agency_id: uuid.UUID | None = Field(default=None, foreign_key="agency.id", index=True)
    agency_of_unit: bool = Field(default=False)
    # Among equally specific rules the smaller number wins.
    priority: int = Field(default=100)
    # Fallback rules are tried only when no ordinary rule matches.
    is_fallback: bool = Field(default=False)
    active: bool = Field(default=True)
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = timestamp_now()


class DayKind(StrEnum):
    holiday = "holiday"  # a public holiday (Labour Code Art. 112)
    day_off = "day_off"  # a substitute day for a holiday on a weekend, or a swapped bridge day
    working_day = "working_day"  # a Saturday/Sunday worked in exchange for a bridge day


class CalendarDay(SQLModel, table=True):
    """A day that differs from the weekly pattern in ``office_hours``. Days not listed follow
    the weekly pattern."""

    __tablename__ = "calendar_day"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('holiday', 'day_off', 'working_day')", name="kind_known"),
    )

    day: date = Field(primary_key=True)
    kind: DayKind = Field(sa_type=sa.String(16))
    name: str = Field(max_length=200)
    created_at: datetime = timestamp_now()


class OfficeHours(SQLModel, table=True):
    """The one settings row (id = 1) for office hours: the weekdays offices work (ISO, 1 =
    Monday) and the periods of a working day, as local times in ``timezone``."""

    __tablename__ = "office_hours"
    __table_args__ = (sa.CheckConstraint("id = 1", name="singleton"),)

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    weekdays: list[int] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5],
        sa_column=sa.Column(
            postgresql.ARRAY(sa.SmallInteger()), nullable=False, server_default="{1,2,3,4,5}"
        ),
    )
    # [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
    periods: list[dict[str, str]] = Field(
        default_factory=list, sa_column=jsonb_column(default="[]")
    )
    timezone: str = Field(default="Asia/Ho_Chi_Minh", max_length=64)
    updated_at: datetime = timestamp_now()


class ReferenceSeed(SQLModel, table=True):
    """Which seed sets have been applied. Editable reference data (agencies, categories, rules,
    calendar) is seeded once per set, so re-seeding never undoes an administrator's change."""

    __tablename__ = "reference_seed"

    name: str = Field(primary_key=True, max_length=100)
    applied_at: datetime = timestamp_now()


class ReferenceDataVersion(SQLModel, table=True):
    """One row (id = 1) whose ``version`` every change of reference data increments, so each
    process knows when its cached copy is stale (``service.directory.cache``)."""

    __tablename__ = "reference_data_version"
    __table_args__ = (sa.CheckConstraint("id = 1", name="singleton"),)

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    version: int = Field(default=0, sa_type=sa.BigInteger)
