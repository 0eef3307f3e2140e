"""The Open311 server's operations: a GeoReport ``POST requests`` becomes the API's own
``PetitionCreate`` and is filed by the same intake service (validation, routing, deadlines,
duplicate suggestions, the outbox), once per (API client, device/account, body); the GETs read
the public rows of ``repository`` through ``views``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.middleware import client_for_key
from service.auth.principals import ClientPrincipal
from service.db import utcnow
from service.directory import service as directory
from service.errors import (
    Forbidden,
    Invalid,
    NotFound,
    Unauthenticated,
    field_error,
    pydantic_message,
)
from service.i18n import Message, msg, translate
from service.open311 import repository, views
from service.open311.repository import RequestFilter
from service.open311.schemas import (
    Discovery,
    Endpoint,
    RequestCreated,
    RequestForm,
    Service,
    ServiceDefinition,
    ServiceRequest,
    TokenAnswer,
)
from service.petitions import idempotency, intake
from service.petitions.models import Channel, NotifyChannel, PetitionKind
from service.petitions.schemas import PetitionCreate
from service.settings import Environment, Settings

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
PATH = "/open311/v2"
# When this endpoint's interface last changed (the discovery document's ``changeset``).
CHANGESET = datetime(2026, 12, 1, tzinfo=UTC)
FORMATS = ["text/xml", "application/json"]
ENDPOINT = f"POST {PATH}/requests"
SCOPE = "petitions:write"
WINDOW = timedelta(days=90)  # "a span of 90 days or first 1000 requests"
MAX_REQUESTS = 1000
MAX_IDS = 100
TITLE_LENGTH = 120
# PetitionCreate's fields (as intake's errors name them) -> the form's names.
FORM_NAMES: Mapping[str, str] = {
    "kind": f"attribute[{views.KIND}]",
    "category": "service_code",
    "title": f"attribute[{views.TITLE}]",
    "description": "description",
    "unit_code": f"attribute[{views.WARD}]",
    "address_text": "address_string",
    "latitude": "lat",
    "longitude": "long",
    "consent_to_process": f"attribute[{views.CONSENT_TO_PROCESS}]",
    "consent_to_publish": f"attribute[{views.CONSENT_TO_PUBLISH}]",
    "petitioner.full_name": "last_name",
    "petitioner.phone": "phone",
    "petitioner.email": "email",
}


def form_name(field: str) -> str:
    """The spec's name of a field an error names (a query parameter by its own name)."""
    for source in ("query.", "path."):
        field = field.removeprefix(source)
    return FORM_NAMES.get(field, field)


def discovery(settings: Settings, locale: str) -> Discovery:
    base = settings.public_base_url.rstrip("/")
    production = settings.environment is Environment.production
    return Discovery(
        changeset=CHANGESET,
        contact=translate("open311.contact", locale, url=base),
        key_service=translate("open311.key_service", locale),
        endpoints=[
            Endpoint(
                specification=SPECIFICATION,
                url=base + PATH,
                changeset=CHANGESET,
                type="production" if production else "test",
                formats=FORMATS,
            )
        ],
    )


async def services(session: AsyncSession, locale: str) -> list[Service]:
    categories = await directory.list_categories(session, active=True)
    return [views.service_of(category, locale) for category in categories]


async def definition(session: AsyncSession, service_code: str, locale: str) -> ServiceDefinition:
    categories = await directory.list_categories(session, active=True)
    category = next((c for c in categories if c.code == service_code), None)
    if category is None:
        raise NotFound(msg("open311.service_unknown", code=service_code))
    wards = await directory.city_wards(session)
    return views.definition_of(category, wards, locale)


# -- POST requests --------------------------------------------------------------------------


async def authenticate(session: AsyncSession, api_key: str | None) -> ClientPrincipal:
    """The API client of ``api_key`` holding ``petitions:write``; the spec's 403 otherwise."""
    if not api_key:
        raise Forbidden(msg("open311.api_key_required"))
    try:
        client = await client_for_key(session, api_key)
    except Unauthenticated as exc:
        raise Forbidden(msg("api_key_invalid")) from exc
    if SCOPE not in client.scopes:
        raise Forbidden(msg("api_key_scope_missing", scope=SCOPE))
    return client


def _coordinate(value: str | None, field: str) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise Invalid(
            msg("petition_fields_invalid"), errors=[_error(field, msg("open311.not_a_number"))]
        ) from None


def _error(field: str, message: Message) -> dict[str, Any]:
    return field_error(field, message)


def _title(form: RequestForm, attributes: Mapping[str, str]) -> str | None:
    """``attribute[title]``, else the description's beginning (its lines joined), cut at a
    word: GeoReport has no title, our petitions do."""
    given = attributes.get(views.TITLE, "").strip()
    if given:
        return given
    if not form.description:
        return None
    text = " ".join(form.description.split())
    if len(text) <= TITLE_LENGTH:
        return text
    return text[:TITLE_LENGTH].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


def petition_create(form: RequestForm, attributes: Mapping[str, str]) -> PetitionCreate:
    """The API's request from the GeoReport form (``Invalid`` naming the form's fields).

    No ``unit_code`` without ``attribute[ward]``: the address goes to intake as it was typed
    (``address_text``), and intake decides what a bare address may be."""
    located = form.lat is not None or form.long is not None or form.address_string
    if not located and not attributes.get(views.WARD):
        raise Invalid(
            msg("open311.location_required"),
            errors=[_error(f"attribute[{views.WARD}]", msg("open311.location_required"))],
        )
    kind = attributes.get(views.KIND) or PetitionKind.feedback.value
    if kind not in {k.value for k in views.FILED_KINDS}:
        raise Invalid(
            msg("petition_fields_invalid"),
            errors=[_error(f"attribute[{views.KIND}]", msg("open311.kind_not_filed", kind=kind))],
        )
    body: dict[str, Any] = {
        "kind": kind,
        "category": form.service_code,
        "title": _title(form, attributes),
        "description": form.description,
        "address_text": form.address_string,
        "latitude": _coordinate(form.lat, "lat"),
        "longitude": _coordinate(form.long, "long"),
        "channel": Channel.app,
        "notify_channel": NotifyChannel.webhook,
        "consent_to_process": attributes.get(views.CONSENT_TO_PROCESS) == views.YES,
        "consent_to_publish": attributes.get(views.CONSENT_TO_PUBLISH) == views.YES,
    }
    if attributes.get(views.WARD):
        body["unit_code"] = attributes[views.WARD]
    # Vietnamese names are written family name first ("Nguyễn Văn An": last_name "Nguyễn").
    full_name = " ".join(part for part in (form.last_name, form.first_name) if part)
    petitioner = {"full_name": full_name or None, "phone": form.phone, "email": form.email}
    if any(petitioner.values()):
        body["petitioner"] = petitioner
    body = {name: value for name, value in body.items() if value is not None}
    try:
        return PetitionCreate.model_validate(body)
    except ValidationError as exc:
        errors = [
            _error(".".join(str(part) for part in error["loc"]), pydantic_message(error))
            for error in exc.errors()
        ]
        raise Invalid(msg("petition_fields_invalid"), errors=errors) from exc


def idempotency_key(form: RequestForm, attributes: Mapping[str, str]) -> str:
    """One key per (device or account, body): the client's retry of the same report is the
    same petition (the client itself is the key's other half in ``run_once``)."""
    body = form.model_dump(exclude={"api_key"}) | {"attributes": dict(sorted(attributes.items()))}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "open311:" + hashlib.sha256(canonical.encode()).hexdigest()


def check_jurisdiction(settings: Settings, jurisdiction_id: str | None) -> None:
    if jurisdiction_id is not None and jurisdiction_id != settings.open311_jurisdiction_id:
        raise NotFound(msg("open311.jurisdiction_unknown", jurisdiction=jurisdiction_id))


async def file_request(
    session: AsyncSession,
    settings: Settings,
    client: ClientPrincipal,
    form: RequestForm,
    attributes: Mapping[str, str],
    locale: str,
) -> RequestCreated:
    check_jurisdiction(settings, form.jurisdiction_id)
    data = petition_create(form, attributes)

    async def create() -> tuple[int, dict[str, Any], uuid.UUID | None]:
        petition, secret = await intake.file_petition(session, settings, client, data)
        return 201, intake.created_response(settings, petition, secret), petition.id

    stored = await idempotency.run_once(
        session,
        settings,
        client_id=client.client_id,
        key=idempotency_key(form, attributes),
        endpoint=ENDPOINT,
        body=data.model_dump(mode="json"),
        create=create,
    )
    code = str(stored.body["tracking_code"])
    return RequestCreated(
        service_request_id=code,
        token=str(stored.body["id"]),
        service_notice=translate("open311.service_notice", locale, code=code),
        account_id=form.account_id,
    )


# -- GET requests ---------------------------------------------------------------------------


FIRST_YEAR, LAST_YEAR = 2000, 2100  # the API's bounds of a period


def _moment(value: str | None, field: str) -> datetime | None:
    """A W3C datetime with its zone, as the spec requires."""
    if value is None:
        return None
    # "+07:00" sent unencoded in a query string arrives as " 07:00" (a "+" is a space there).
    value = value.replace(" ", "+")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    # A year at the edge of the calendar would overflow the 90-day window's arithmetic.
    if moment is None or moment.tzinfo is None or not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise Invalid(
            msg("open311.date_invalid", field=field),
            errors=[_error(field, msg("open311.date_invalid", field=field))],
        )
    return moment


def _listed(value: str | None, limit: int, field: str) -> list[str]:
    items = [item.strip() for item in (value or "").split(",") if item.strip()]
    if len(items) > limit:
        raise Invalid(
            msg("open311.too_many_values", field=field, max=limit),
            errors=[_error(field, msg("open311.too_many_values", field=field, max=limit))],
        )
    return items


def request_filter(
    *,
    service_request_id: str | None,
    service_code: str | None,
    start_date: str | None,
    end_date: str | None,
    status: str | None,
    now: datetime | None = None,
) -> RequestFilter:
    """The spec's parameters: ``service_request_id`` overrides the rest; the window is 90 days
    (ending now without dates, after ``start_date`` or before ``end_date`` with one of them),
    and no more than 90 days when both are given."""
    codes = _listed(service_request_id, MAX_IDS, "service_request_id")
    if codes:
        return RequestFilter(codes=codes, limit=MAX_REQUESTS)
    statuses = set(_listed(status, 2, "status"))
    if not statuses <= {"open", "closed"}:
        raise Invalid(
            msg("open311.status_invalid"), errors=[_error("status", msg("open311.status_invalid"))]
        )
    start, end = _moment(start_date, "start_date"), _moment(end_date, "end_date")
    if start is None and end is None:
        end = now or utcnow()
    if start is None:
        assert end is not None
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    if end < start:
        raise Invalid(msg("period_reversed"), errors=[_error("end_date", msg("period_reversed"))])
    if end - start > WINDOW:
        message = msg("open311.window_too_long", days=WINDOW.days)
        raise Invalid(message, errors=[_error("end_date", message)])
    return RequestFilter(
        categories=_listed(service_code, 100, "service_code"),
        statuses=views.statuses_of(statuses) if statuses else (),
        start=start,
        end=end,
        limit=MAX_REQUESTS,
    )


async def list_requests(
    session: AsyncSession, filters: RequestFilter, locale: str
) -> list[ServiceRequest]:
    rows = await repository.requests(session, filters)
    return [views.request_of(row, locale) for row in rows]


async def get_request(session: AsyncSession, code: str, locale: str) -> ServiceRequest:
    rows = await repository.requests(session, RequestFilter(codes=[code], limit=1))
    if not rows:
        raise NotFound(msg("open311.request_not_found", code=code))
    return views.request_of(rows[0], locale)


async def resolve_token(session: AsyncSession, token: str) -> TokenAnswer:
    try:
        petition_id = uuid.UUID(token)
    except ValueError:
        petition_id = None
    code = None if petition_id is None else await repository.tracking_code_of(session, petition_id)
    if code is None:
        raise NotFound(msg("open311.token_unknown"))
    return TokenAnswer(service_request_id=code, token=token)
