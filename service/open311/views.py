"""Read models: a petition row as GeoReport's ``request``, our categories as its services.

What a public reader gets (never more): the tracking code, the status as the spec's
``open``/``closed``, the category, the ward, the dates, the agency, the deadline, and, once the
Front published its answer, the published (redacted) title, description and answer, and the
coordinates the citizen agreed to publish with it. Before that, no text of the petition at all.
"""

from __future__ import annotations

from typing import Any

from service.directory.models import AdminUnit, PetitionCategory
from service.i18n import label, translate
from service.open311.schemas import (
    Attribute,
    AttributeValue,
    Datatype,
    Service,
    ServiceDefinition,
    ServiceRequest,
)
from service.petitions.models import FINAL_STATUSES, PetitionKind, PetitionStatus

# "closed: it has been resolved" (the spec): a petition whose answer was published to the
# citizen is resolved; reopening it makes it open again.
CLOSED_STATUSES = frozenset(FINAL_STATUSES | {PetitionStatus.answered})
OPEN_STATUSES = tuple(s for s in PetitionStatus if s not in CLOSED_STATUSES)
# The kinds a third-party app may file: those that may be anonymous (a complaint or a
# denunciation needs the petitioner's national ID and address, which GeoReport cannot carry,
# and is never public).
FILED_KINDS = (PetitionKind.feedback, PetitionKind.recommendation)
WARD = "ward"
KIND = "kind"
TITLE = "title"
CONSENT_TO_PROCESS = "consent_to_process"
CONSENT_TO_PUBLISH = "consent_to_publish"
YES = "true"


def spec_status(status: str) -> str:
    return "closed" if PetitionStatus(status) in CLOSED_STATUSES else "open"


def statuses_of(spec_statuses: set[str]) -> tuple[PetitionStatus, ...]:
    """The petition statuses behind the spec's ``open``/``closed`` (both: no filter)."""
    if spec_statuses >= {"open", "closed"}:
        return ()
    if "open" in spec_statuses:
        return OPEN_STATUSES
    return tuple(sorted(CLOSED_STATUSES))


def category_name(category: PetitionCategory, locale: str) -> str:
    return category.name_en if locale == "en" else category.name_vi


def service_of(category: PetitionCategory, locale: str) -> Service:
    name = category_name(category, locale)
    return Service(
        service_code=category.code,
        service_name=name,
        description=translate("open311.service_description", locale, category=name),
        metadata=True,  # every service has attributes: the ward, the kind, the consents
        type="realtime",  # the petition exists when the POST answers
        keywords="",
        group=translate("open311.service_group", locale),
    )


def definition_of(
    category: PetitionCategory, wards: list[AdminUnit], locale: str
) -> ServiceDefinition:
    def text(code: str) -> str:
        return translate(code, locale)

    yes = [AttributeValue(key=YES, name=text("open311.value.yes"))]
    ward_values = [AttributeValue(key=ward.code, name=ward.name) for ward in wards]
    # (code, datatype, required, its values, its datatype_description), in the spec's order.
    rows: list[tuple[str, Datatype, bool, list[AttributeValue], str | None]] = [
        (WARD, "singlevaluelist", False, ward_values, None),
        (
            KIND,
            "singlevaluelist",
            False,
            [AttributeValue(key=k.value, name=label(k, locale)) for k in FILED_KINDS],
            None,
        ),
        (TITLE, "string", False, [], text("open311.attribute.title_format")),
        (CONSENT_TO_PROCESS, "singlevaluelist", True, yes, None),
        (CONSENT_TO_PUBLISH, "singlevaluelist", False, yes, None),
    ]
    return ServiceDefinition(
        service_code=category.code,
        attributes=[
            Attribute(
                variable=True,  # each asks the citizen for input
                code=code,
                datatype=datatype,
                required=required,
                datatype_description=datatype_description,
                order=order,
                description=text(f"open311.attribute.{code}"),
                values=values,
            )
            for order, (code, datatype, required, values, datatype_description) in enumerate(
                rows, start=1
            )
        ],
    )


def request_of(row: Any, locale: str) -> ServiceRequest:
    """One row of ``repository.requests`` as the spec's ``request``."""
    published = row.public_answer is not None
    located = published and row.consent_publish
    status = PetitionStatus(row.status)
    notes = row.public_answer if published else label(status, locale)
    return ServiceRequest(
        service_request_id=row.tracking_code,
        status="closed" if status in CLOSED_STATUSES else "open",
        status_notes=notes,
        service_name=row.category_en if locale == "en" else row.category_vi,
        service_code=row.category_code,
        description=(row.public_description or row.public_title) if published else None,
        agency_responsible=row.public_agency or row.agency_name,
        service_notice=None,
        requested_datetime=row.created_at,
        updated_datetime=row.updated_at,
        expected_datetime=row.expected_at,
        # The ward, not the address the citizen typed (it may be their own home).
        address=row.unit_name,
        address_id=None,
        zipcode=None,
        lat=row.latitude if located else None,
        long=row.longitude if located else None,
        media_url=None,
    )
