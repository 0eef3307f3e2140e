"""Staff users, API clients and refresh tokens."""

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.db import array_column, timestamp_now, timestamp_or_none, tz_column, uuid_id


class Role(StrEnum):
    """A staff user's one role, which the route guards check (``agency_officer`` also needs
    the user's agency)."""

    admin = "admin"
    front_officer = "front_officer"
    agency_officer = "agency_officer"
    supervisor = "supervisor"
    council_reader = "council_reader"


class StaffUser(SQLModel, table=True):
    """A member of staff who signs in to the console: one role, and the scope it reaches
    (a ward/commune or the whole city and, for an agency officer, the agency)."""

    __tablename__ = "staff_user"
    __table_args__ = (
        sa.CheckConstraint(
            "role <> 'agency_officer' OR agency_id IS NOT NULL", name="agency_officer_has_agency"
        ),
    )

    id: uuid.UUID = uuid_id()
    username: str = Field(max_length=80, unique=True)
    full_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254)
    password_hash: str = Field(max_length=200)
    role: Role = Field(sa_type=sa.String(32))
    # NULL = city level (sees every unit); otherwise the ward/commune the user is scoped to.
    unit_code: str | None = Field(default=None, foreign_key="admin_unit.code", max_length=16)
    agency_id: uuid.UUID | None = Field(default=None, foreign_key="agency.id", index=True)
    active: bool = Field(default=True)
    created_at: datetime = timestamp_now()


class ApiClient(SQLModel, table=True):
    """A citizen-facing application (Zalo mini-app, kiosk, chatbot) calling with an API key."""

    __tablename__ = "api_client"

    id: uuid.UUID = uuid_id()
    name: str = Field(max_length=200, unique=True)
    # The key is "gs_<prefix>_<secret>"; the prefix finds the row, the hash checks the secret.
    key_prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=128)
    scopes: list[str] = array_column(sa.String(64))
    rate_limit_per_minute: int = Field(default=120)
    webhook_url: str | None = Field(default=None, max_length=500)
    webhook_secret: str | None = Field(default=None, max_length=128)
    active: bool = Field(default=True)
    created_at: datetime = timestamp_now()


class SessionEnd(StrEnum):
    """Why a session was revoked."""

    logout = "logout"
    refresh_token_reused = "refresh_token_reused"  # a spent refresh token came back
    deactivated = "deactivated"
    role_or_scope_changed = "role_or_scope_changed"  # role, ward/commune or agency
    password_changed = "password_changed"


class AuthSession(SQLModel, table=True):
    """One login. Its refresh tokens are one rotation family; its access tokens carry its id
    (``sid``) and are checked against it on every request, so revoking it ends both at once.
    """

    __tablename__ = "auth_session"

    id: uuid.UUID = uuid_id()
    user_id: uuid.UUID = Field(foreign_key="staff_user.id", index=True)
    created_at: datetime = timestamp_now()
    revoked_at: datetime | None = timestamp_or_none()
    revoked_reason: SessionEnd | None = Field(default=None, sa_type=sa.String(32))


class RefreshToken(SQLModel, table=True):
    """Rotated on every use: a token with ``revoked_at`` set while its session lives was
    spent, and presenting it again revokes the session (RFC 6819 §5.2.2.3, OAuth 2.1 §4.3.1).
    """

    __tablename__ = "refresh_token"

    id: uuid.UUID = uuid_id()
    user_id: uuid.UUID = Field(foreign_key="staff_user.id", index=True)
    session_id: uuid.UUID = Field(foreign_key="auth_session.id", index=True)
    token_hash: str = Field(max_length=128, unique=True)
    expires_at: datetime = Field(sa_column=tz_column())
    revoked_at: datetime | None = timestamp_or_none()
    created_at: datetime = timestamp_now()
