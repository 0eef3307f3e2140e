"""Reference data tables: administrative units and agencies.

Units are keyed by the official code from the `vietnam-provinces` package (post-1 July 2025
two-level government). Provinces and wards/communes live in one table.
"""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.db import jsonb_column, tz_column, utcnow


class UnitLevel(StrEnum):
    province = "province"
    commune = "commune"


class AdminUnit(SQLModel, table=True):
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


class Agency(SQLModel, table=True):
    __tablename__ = "agency"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=300)
    level: AgencyLevel = Field(sa_type=sa.String(16))
    unit_code: str = Field(foreign_key="admin_unit.code", index=True, max_length=16)
    # The superior agency, where escalations go.
    parent_id: uuid.UUID | None = Field(default=None, foreign_key="agency.id")
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=500)
    channels: dict[str, Any] = Field(default_factory=dict, sa_column=jsonb_column())
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=tz_column(default_now=True))
