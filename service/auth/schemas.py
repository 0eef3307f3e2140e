import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.auth.models import Role
from service.strict import StrictBool

# The password policy, one place for the admin's form and a staff member's own change.
Password = Annotated[str, Field(min_length=10, max_length=200)]


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=10, max_length=200)


class LoggedOut(BaseModel):
    status: Literal["logged_out"] = "logged_out"


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int


class UserCreate(BaseModel):
    username: str = Field(min_length=3, max_length=80, pattern=r"^[a-z0-9._-]+$")
    full_name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    password: Password
    role: Role
    unit_code: str | None = Field(default=None, max_length=16)
    agency_id: uuid.UUID | None = None


class PasswordChange(BaseModel):
    """A staff member's own password change (the console's form)."""

    current_password: str = Field(min_length=1, max_length=200)
    new_password: Password


class UserUpdate(BaseModel):
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    password: str | None = Field(default=None, min_length=10, max_length=200)
    role: Role | None = None
    unit_code: str | None = Field(default=None, max_length=16)
    agency_id: uuid.UUID | None = None
    active: StrictBool | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    full_name: str
    email: str | None
    role: Role
    unit_code: str | None
    agency_id: uuid.UUID | None
    active: bool
    created_at: datetime


class ApiClientCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[str] = Field(default_factory=lambda: ["petitions:write"], max_length=20)
    rate_limit_per_minute: int = Field(default=120, ge=1, le=100_000)
    webhook_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")


class ApiClientRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    key_prefix: str
    scopes: list[str]
    rate_limit_per_minute: int
    webhook_url: str | None
    active: bool
    created_at: datetime


class ApiClientCreated(ApiClientRead):
    """Returned once, at creation: the key and webhook secret are never shown again."""

    api_key: str
    webhook_secret: str | None
