"""Route guards. Role checks answer 403; resources outside a caller's area answer 404
(that is done where the resource is loaded, through the principal's scope).

``admin`` passes every staff guard: administrators run the platform and see everything.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar import Controller
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from service.auth.models import Role
from service.auth.principals import ClientPrincipal, StaffPrincipal
from service.errors import Forbidden, Unauthenticated
from service.i18n import msg

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]


@dataclass(frozen=True)
class GuardInfo:
    """Who a guard lets in, for the OpenAPI document (service/openapi/routes.py): the security
    scheme a caller needs, and whether some callers of that scheme are refused (403)."""

    security_scheme: str
    roles: frozenset[Role] = frozenset()
    scope: str | None = None


GUARD_INFO: dict[Guard, GuardInfo] = {}


def staff(*roles: Role) -> Guard:
    """Only staff with one of ``roles`` (or admin); no roles given = any staff member."""
    allowed = frozenset(roles)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if not isinstance(user, StaffPrincipal):
            if isinstance(user, ClientPrincipal):
                raise Forbidden(msg("staff_only_route"))
            raise Unauthenticated(msg("login_required"))
        if allowed and user.role is not Role.admin and user.role not in allowed:
            raise Forbidden(msg("role_forbidden_route", role=user.role))

    GUARD_INFO[guard] = GuardInfo("BearerToken", roles=allowed)
    return guard


def api_client(scope: str) -> Guard:
    """Only API clients holding ``scope``."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = connection.scope.get("user")
        if not isinstance(user, ClientPrincipal):
            if isinstance(user, StaffPrincipal):
                raise Forbidden(msg("client_only_route"))
            raise Unauthenticated(msg("api_key_required"))
        if scope not in user.scopes:
            raise Forbidden(msg("api_key_scope_missing", scope=scope))

    GUARD_INFO[guard] = GuardInfo("ApiKey", scope=scope)
    return guard


admin_only = staff(Role.admin)


class AdminController(Controller):
    """A controller of the administration API: listed under ``admin``, administrators only."""

    tags = ["admin"]
    guards = [admin_only]
