"""Who may see and do what with a petition.

- Staff see the petitions of their area: a ward's staff only that ward's (others: 404), the
  city level every ward. Agency officers see the petitions routed to their agency.
- Triage (every state change, correction, merge, routing) is for Front officers of that area
  (administrators pass as with every staff guard).
- Contact details of a petitioner: the Front officers of the area and administrators. Never in
  lists, exports, reports, logs or audit rows.
- A denouncer's identity (stored encrypted): only the Front officers handling it (the ward's,
  or the city level) and the officers of the agency handling it. Not administrators,
  supervisors, council readers, other wards or other agencies.
"""

from __future__ import annotations

from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.petitions.models import IDENTIFIED_KINDS, Petition, Petitioner

TRIAGE_ROLES = frozenset({Role.front_officer, Role.admin})
AREA_ROLES = frozenset({Role.front_officer, Role.admin, Role.supervisor, Role.council_reader})


def sees(viewer: StaffPrincipal, petition: Petition) -> bool:
    if viewer.role is Role.admin:
        return True
    if viewer.role is Role.agency_officer:
        return viewer.agency_id is not None and petition.agency_id == viewer.agency_id
    return viewer.role in AREA_ROLES and viewer.sees_unit(petition.unit_code)


def may_triage(viewer: StaffPrincipal) -> bool:
    return viewer.role in TRIAGE_ROLES


def is_confidential(petitioner: Petitioner | None) -> bool:
    return petitioner is not None and petitioner.identity_ciphertext is not None


def may_see_contact(viewer: StaffPrincipal, petition: Petition) -> bool:
    """Plain (non-confidential) contact details."""
    return viewer.role in TRIAGE_ROLES and sees(viewer, petition)


def may_see_confidential(viewer: StaffPrincipal, petition: Petition) -> bool:
    """A denouncer's identity: the handling Front officers of the area."""
    return viewer.role is Role.front_officer and viewer.sees_unit(petition.unit_code)


def agency_may_see_identity(viewer: StaffPrincipal, petition: Petition) -> bool:
    """The agency handling a complaint or denunciation needs to know who filed it (the law
    lets the person resolving a denunciation know the denouncer); feedback and
    recommendations are about a matter, so the agency gets no personal data for them."""
    return (
        viewer.role is Role.agency_officer
        and viewer.agency_id is not None
        and petition.agency_id == viewer.agency_id
        and petition.kind in IDENTIFIED_KINDS
    )
