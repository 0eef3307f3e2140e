"""Who is calling: a staff member (JWT) or a citizen-facing API client (API key)."""

import uuid
from dataclasses import dataclass, field

from service.auth.models import Role


@dataclass(frozen=True, slots=True)
class StaffPrincipal:
    user_id: uuid.UUID
    username: str
    role: Role
    # None = city level: sees every unit. Otherwise only this ward/commune.
    unit_code: str | None = None
    agency_id: uuid.UUID | None = None
    # The login session the access token belongs to (revoked by logout and account changes).
    session_id: uuid.UUID | None = None

    @property
    def is_city_level(self) -> bool:
        return self.unit_code is None

    def sees_unit(self, unit_code: str | None) -> bool:
        return self.unit_code is None or self.unit_code == unit_code


@dataclass(frozen=True, slots=True)
class ClientPrincipal:
    client_id: uuid.UUID
    name: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    rate_limit_per_minute: int = 120
