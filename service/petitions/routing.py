"""Which agency a petition is suggested for, and where it may not go.

Ordinarily the directory's routing rules decide (``suggest_agency``). A denunciation about the
head or an official of an agency (``denounced_agency_id``, set at intake or in triage) goes to
that agency's superior instead (Law 25/2018 Art. 12-13; the domain guide): the denounced
person's own agency may employ them, so it neither resolves the denunciation nor sees the
denouncer. Referring it to that agency is refused.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from service.directory.models import Agency
from service.directory.routing import suggest_agency, superior_of
from service.errors import Invalid
from service.i18n import msg
from service.petitions.models import Petition, PetitionKind
from service.petitions.repository import reference


def about_agency(petition: Petition) -> uuid.UUID | None:
    """The agency a denunciation is about (None for other kinds)."""
    if petition.kind != PetitionKind.denunciation:
        return None
    return petition.denounced_agency_id


async def suggest_for(session: AsyncSession, petition: Petition) -> Agency | None:
    denounced = about_agency(petition)
    if denounced is not None:
        return await superior_of(session, denounced)
    return await suggest_agency(session, petition.category_code, petition.unit_code)


def check_target(petition: Petition, agency_id: uuid.UUID) -> None:
    """422 for referring a denunciation to the agency of the person it denounces."""
    if about_agency(petition) == agency_id:
        raise Invalid(msg("denounced_agency_goes_to_superior"), field="agency_id")


async def check_denounced_agency(session: AsyncSession, agency_id: uuid.UUID, field: str) -> None:
    agency = await reference.agency(session, agency_id)
    if agency is None:
        raise Invalid(msg("agency_unknown"), field=field)
