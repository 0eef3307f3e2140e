"""Route guards. Role checks answer 403; resources outside a caller's area answer 404
(that is done where the resource is loaded, through the principal's scope).

``admin`` passes every staff guard: administrators run the platform and see everything.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from litestar import Controller, Request
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from service.auth.models import Role
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.errors import Forbidden, Unauthenticated
from service.i18n import Message, msg

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]
# The request a ``staff(...)`` guard lets through: ``request.user`` is the officer.
StaffRequest = Request[StaffPrincipal, Any, Any]


@dataclass(frozen=True)
class GuardInfo:
    """Who a guard lets in, for the OpenAPI document (service/openapi/routes.py): the security
    scheme a caller needs, and whether some callers of that scheme are refused (403)."""

    security_scheme: str
    roles: frozenset[Role] = frozenset()
    scope: str | None = None


GUARD_INFO: dict[Guard, GuardInfo] = {}
P = TypeVar("P", StaffPrincipal, ClientPrincipal)


# Each kind of caller a guard may want: what the other kind is told (403) and what nobody
# is told (401).
_KINDS: dict[type, tuple[type, Message, Message]] = {
    StaffPrincipal: (ClientPrincipal, msg("staff_only_route"), msg("login_required")),
    ClientPrincipal: (StaffPrincipal, msg("client_only_route"), msg("api_key_required")),
}


def _principal_guard(
    kind: type[P], refusal: Callable[[P], Message | None], info: GuardInfo
) -> Guard:
    """Only ``kind`` principals, and only those ``refusal`` does not refuse (403)."""
    other, refused, anonymous = _KINDS[kind]

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if not isinstance(user, kind):
            if isinstance(user, other):
                raise Forbidden(refused)
            raise Unauthenticated(anonymous)
        refused_here = refusal(user)
        if refused_here is not None:
            raise Forbidden(refused_here)

    GUARD_INFO[guard] = info
    return guard


def staff(*roles: Role) -> Guard:
    """Only staff with one of ``roles`` (or admin); no roles given = any staff member."""
    allowed = frozenset(roles)

    def refusal(user: StaffPrincipal) -> Message | None:
        if allowed and user.role is not Role.admin and user.role not in allowed:
            return msg("role_forbidden_route", role=user.role)
        return None

    return _principal_guard(StaffPrincipal, refusal, GuardInfo("BearerToken", roles=allowed))


def api_client(scope: str) -> Guard:
    """Only API clients holding ``scope``."""

    def refusal(user: ClientPrincipal) -> Message | None:
        return None if scope in user.scopes else msg("api_key_scope_missing", scope=scope)

    return _principal_guard(ClientPrincipal, refusal, GuardInfo("ApiKey", scope=scope))


admin_only = staff(Role.admin)


class AdminController(Controller):
    """A controller of the administration API: listed under ``admin``, administrators only."""

    tags = ["admin"]
    guards = [admin_only]
