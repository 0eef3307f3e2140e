"""Who may see and do what with a petition.

- Staff see the petitions of their area: a ward's staff only that ward's (others: 404), the
  city level every ward. Agency officers see the petitions routed to their agency.
- Triage (every state change, correction, merge, routing) is for Front officers of that area
  (administrators pass as with every staff guard).
- Contact details of a petitioner: the Front officers of the area and administrators. Never in
  lists, exports, reports, logs or audit rows.
- A denouncer's identity (stored encrypted) is in NO view: not in the petition's detail, not
  in what an agency sees of a referral (``agency_view``), not in lists, exports, reports, logs
  or audit rows; the texts of a denunciation shown to staff have it removed. It is revealed
  only by ``views.reveal_identity`` (``POST .../petitioner/reveal`` with a reason; who, when and
  why are audited), and only to those ``may_reveal_identity`` names: the Front officers of the
  petition's ward or of the city, and the officers of the agency it is referred to (the
  competent resolver) while that agency handles it, unless the denunciation is about the head
  or an official of that very agency. Not administrators, supervisors, council readers,
  other wards or other agencies.
"""

from __future__ import annotations

from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.petitions.models import Petition, Petitioner, PetitionKind, PetitionStatus

TRIAGE_ROLES = frozenset({Role.front_officer, Role.admin})
AREA_ROLES = frozenset({Role.front_officer, Role.admin, Role.supervisor, Role.council_reader})
# While the petition is with the agency it was referred to.
WITH_AGENCY = frozenset(
    {
        PetitionStatus.referred,
        PetitionStatus.in_progress,
        PetitionStatus.answered,
        PetitionStatus.reopened,
    }
)


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


def may_reveal_identity(viewer: StaffPrincipal, petition: Petition) -> bool:
    """THE rule for a denouncer's identity (Law 25/2018 Art. 9(1)(b), Art. 47): who may
    reveal it, through the audited ``views.reveal_identity`` only.

    - Front officers of the petition's ward, or of the city: they receive the denunciation
      and check the denouncer's identity and conditions.
    - Officers of the agency the petition is referred to, while it handles it: the person
      competent to resolve a denunciation may know the denouncer. Never an agency that
      employs the denounced person (``denounced_agency_id``): such a denunciation goes to
      the superior agency, and if it came back to this one the identity stays closed.
    """
    if viewer.role is Role.front_officer:
        return viewer.sees_unit(petition.unit_code)
    if viewer.role is Role.agency_officer:
        return (
            viewer.agency_id is not None
            and petition.agency_id == viewer.agency_id
            and petition.denounced_agency_id != viewer.agency_id
            and PetitionStatus(petition.status) in WITH_AGENCY
        )
    return False


def agency_sees_contact(viewer: StaffPrincipal, petition: Petition) -> bool:
    """The agency resolving a complaint answers the complainant, so it sees their (plain)
    contact details. Feedback and recommendations are about a matter: no personal data.
    A denunciation's identity is never shown in a view (``may_reveal_identity``)."""
    return (
        viewer.role is Role.agency_officer
        and viewer.agency_id is not None
        and petition.agency_id == viewer.agency_id
        and petition.kind == PetitionKind.complaint
    )


def may_download_evidence(viewer: StaffPrincipal, petition: Petition) -> bool:
    """Files of a petition (``sees`` already checked). A denunciation's files may carry the
    denouncer's handwriting and signature (Art. 9: "bút tích"): only those who may reveal
    the identity download them. Council readers download none."""
    if viewer.role is Role.council_reader:
        return False
    if petition.kind == PetitionKind.denunciation:
        return may_reveal_identity(viewer, petition)
    return True
