"""The console's navigation by role: one list, each entry with the roles that may use it.

An entry with ``path=None`` is a section whose pages are not built yet: it is listed here so
that whoever builds it finds its place and its roles, and it is not shown (no link to a page
that does not exist). Building a section = setting its ``path`` (see service/web/__init__.py).
``admin`` sees every section, as the API's guards let it in everywhere.
"""

from dataclasses import dataclass

from service.auth.models import Role
from service.auth.principals import StaffPrincipal


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str  # a catalogue code
    path: str | None
    roles: frozenset[Role]


_FRONT = frozenset({Role.front_officer})
NAV: tuple[NavItem, ...] = (
    NavItem("web.nav.queue", "/console/queue", _FRONT),
    NavItem("web.nav.agency_inbox", "/console/inbox", frozenset({Role.agency_officer})),
    NavItem("web.nav.review", "/console/review", _FRONT),
    NavItem(
        "web.nav.oversight", "/console/oversight", frozenset({Role.supervisor, Role.front_officer})
    ),
    NavItem(
        "web.nav.dashboard",
        "/console/dashboard",
        frozenset({Role.council_reader, Role.front_officer}),
    ),
    NavItem(
        "web.nav.reports", "/console/reports", frozenset({Role.council_reader, Role.front_officer})
    ),
    NavItem("web.nav.publications", "/console/publications", _FRONT),
    NavItem("web.nav.reception", "/console/reception", _FRONT),
    NavItem("web.nav.criticism", "/console/drafts", _FRONT),
    NavItem("web.nav.voter_meetings", "/console/voter-meetings", _FRONT),
    NavItem("web.nav.admin", "/console/admin", frozenset()),
)


def may_use(item: NavItem, principal: StaffPrincipal) -> bool:
    return principal.role is Role.admin or principal.role in item.roles


def console_nav(principal: StaffPrincipal, items: tuple[NavItem, ...] = NAV) -> list[NavItem]:
    """What ``principal`` may open, in order; sections not built yet are left out."""
    return [item for item in items if item.path is not None and may_use(item, principal)]


# The portal's sections (no login): linked from its header and home page once built.
PORTAL: tuple[NavItem, ...] = (
    NavItem("web.portal.track", "/tra-cuu", frozenset()),
    NavItem("web.portal.file", "/gui-kien-nghi", frozenset()),
    NavItem("web.portal.answers", "/tra-loi", frozenset()),
    NavItem("web.portal.announcements", "/thong-bao", frozenset()),
    NavItem("web.portal.verify", "/xac-minh", frozenset()),
    NavItem("web.reception.title", "/tiep-cong-dan", frozenset()),
    NavItem("web.consultation.nav", "/gop-y-du-thao", frozenset()),
)


def portal_links(items: tuple[NavItem, ...] = PORTAL) -> list[NavItem]:
    return [item for item in items if item.path is not None]
