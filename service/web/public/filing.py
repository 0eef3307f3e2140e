"""``/gui-kien-nghi``: a citizen files a petition from the web (channel ``web``).

The form is flat (one input per field) and is mapped onto the API's own ``PetitionCreate``,
then filed by the intake service the API calls (``intake.file_petition``), under the
portal's API client, once per form token (``receipts.file_once``): a double submit shows
the same receipt. Files go through the
citizen's upload service (``citizen.attach_evidence``: the API's size limit, type sniffing,
20 files per petition) in the same transaction: any refusal rolls the whole filing back and
the form comes back with the reason next to its field. Bots: ``antibot``.

The tracking code and secret are shown once, on the receipt page after the redirect
(``receipts``: a cookie read and forgotten by that page).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

import service.web.public.antibot as antibot
from service.errors import Invalid, ServiceError, pydantic_message
from service.i18n import Message, msg
from service.petitions import citizen, intake
from service.petitions.models import (
    ActorKind,
    Channel,
    NotifyChannel,
    Petition,
    PetitionKind,
)
from service.petitions.schemas import PetitionCreate
from service.petitions.views import tracking_view
from service.settings import Settings
from service.storage.sniff import ALLOWED_TYPES, EXTENSIONS
from service.storage.store import ObjectStore
from service.web.pages import PRIVATE, Form, HTMXTemplate, Visit, read_form
from service.web.public.receipts import PORTAL_CLIENT, Receipt, file_once
from service.web.public.reference import place_names

PATH = "/gui-kien-nghi"
RECEIPT = Receipt(f"{PATH}/bien-nhan", "receipt", "portal/receipt.html")
ENDPOINT = "POST /gui-kien-nghi"
MAX_FILES = 5
# The form arrives whole before it is read (Litestar spools its files to disk), so the form
# has a ceiling of its own; each file still has the API's limit (``max_upload_bytes``).
MAX_FORM_BYTES = 50 * 1024 * 1024
CHUNK_BYTES = 256 * 1024
ACCEPT = ",".join(sorted(f".{EXTENSIONS[t][0]}" for t in ALLOWED_TYPES if t in EXTENSIONS))

# The API's field (a path in PetitionCreate) -> the form's input.
FIELDS: Mapping[str, str] = {
    "kind": "kind",
    "category": "category",
    "title": "title",
    "description": "description",
    "unit_code": "unit_code",
    "address_text": "address_text",
    "contested_decision_date": "contested_decision_date",
    "petitioner.full_name": "full_name",
    "petitioner.national_id": "national_id",
    "petitioner.address": "address",
    "petitioner.phone": "phone",
    "petitioner.email": "email",
    "consent_to_process": "consent_to_process",
    "consent_to_publish": "consent_to_publish",
}
CHECKBOXES = frozenset({"consent_to_process", "consent_to_publish"})
EVIDENCE = "evidence"


class PetitionForm(antibot.Guarded):
    """What the form posts, before the API's schema judges it: text (or nothing) per input.
    A repeated input (a list) is not text and is refused here."""

    kind: str | None = None
    category: str | None = None
    title: str | None = None
    description: str | None = None
    unit_code: str | None = None
    address_text: str | None = None
    contested_decision_date: str | None = None
    full_name: str | None = None
    national_id: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    consent_to_process: str | None = None
    consent_to_publish: str | None = None


def petition_create(form: PetitionForm) -> PetitionCreate:
    """The API's request from the form's inputs (Invalid with the inputs' names)."""
    inputs = form.model_dump()
    body: dict[str, Any] = {"channel": Channel.web, "notify_channel": NotifyChannel.none}
    for path, name in FIELDS.items():
        value: Any = inputs[name] is not None if name in CHECKBOXES else inputs[name]
        if value is None:
            continue
        head, _, tail = path.partition(".")
        if tail:
            body.setdefault(head, {})[tail] = value
        else:
            body[head] = value
    try:
        return PetitionCreate.model_validate(body)
    except ValidationError as exc:
        errors = [
            {
                "field": ".".join(str(part) for part in error["loc"]),
                "message": pydantic_message(error),
            }
            for error in exc.errors()
        ]
        raise Invalid(msg("petition_fields_invalid"), errors=errors) from exc


def refused(form: Form[Any], exc: ServiceError) -> Form[Any]:
    """``form`` with the refusal next to its inputs (the API's field paths mapped to them;
    the hidden inputs' errors at the top, where a person sees them)."""
    errors: dict[str, Message] = {}
    for item in exc.extra.get("errors") or []:
        path = str(item.get("field") or "")
        name = FIELDS.get(path) or (path if path == EVIDENCE else "")
        message = item.get("message")
        errors.setdefault(name, message if isinstance(message, Message) else exc.detail)
    if not errors:
        errors[""] = exc.detail
    return Form(values=form.values, errors=errors)


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK_BYTES):
        yield chunk


async def _attach(
    session: AsyncSession,
    settings: Settings,
    store: ObjectStore,
    petition: Petition,
    files: list[UploadFile],
) -> None:
    for upload in files:
        try:
            await citizen.attach_evidence(
                session,
                store,
                petition,
                _chunks(upload),
                filename=upload.filename,
                max_bytes=settings.max_upload_bytes,
                size_hint=None,
                uploader=citizen.citizen_principal(petition),
                added_by=ActorKind.citizen,
            )
        except ServiceError as exc:
            exc.extra["errors"] = [{"field": EVIDENCE, "message": exc.detail}]
            raise


async def _context(session: AsyncSession) -> dict[str, Any]:
    return {
        "kinds": list(PetitionKind),
        **await place_names(session),
        "accept": ACCEPT,
        "max_files": MAX_FILES,
        "max_form_mb": MAX_FORM_BYTES // (1024 * 1024),
    }


PAGE = antibot.GuardedPage("portal/file.html", _context)


class FilingController(Controller):
    path = PATH

    @get("/")
    async def form(self, visit: Visit) -> HTMXTemplate:
        return await PAGE.render(visit, Form(values={}))

    @post("/", request_max_body_size=MAX_FORM_BYTES, status_code=303)
    async def file(self, visit: Visit, object_store: NamedDependency[ObjectStore]) -> Response[Any]:
        await antibot.count_filing(visit.request)
        form = await read_form(visit.request, PetitionForm)
        files = [
            item
            for item in (await visit.request.form()).getall(EVIDENCE, [])
            if isinstance(item, UploadFile) and item.filename
        ]
        try:
            filled, nonce = antibot.check_form(
                visit.settings, form.data, msg("petition_fields_invalid")
            )
            data = petition_create(filled)
            if len(files) > MAX_FILES:
                raise Invalid(msg("web.portal.too_many_files", max_files=MAX_FILES), field=EVIDENCE)

            async def create() -> tuple[int, dict[str, Any], uuid.UUID | None]:
                petition, secret = await intake.file_petition(
                    visit.session, visit.settings, PORTAL_CLIENT, data
                )
                await _attach(visit.session, visit.settings, object_store, petition, files)
                return 201, intake.created_response(visit.settings, petition, secret), petition.id

            stored = await file_once(
                visit.session,
                visit.settings,
                nonce=nonce,
                endpoint=ENDPOINT,
                body={
                    **data.model_dump(mode="json"),
                    "files": [[f.filename, f.headers.get("content-type")] for f in files],
                },
                create=create,
            )
        except ServiceError as exc:
            return await PAGE.render(visit, refused(form, exc), status_code=422)
        return RECEIPT.show(
            visit.settings, str(stored.body["tracking_code"]), str(stored.body["tracking_secret"])
        )

    @get("/bien-nhan", cache_control=PRIVATE)
    async def receipt(self, visit: Visit) -> HTMXTemplate:
        async def find(code: str, secret: str) -> Any:
            petition = await citizen.find_for_citizen(visit.session, code, secret)
            return await tracking_view(visit.session, petition)

        return await RECEIPT.page(visit.request, find)
