"""``/tiep-cong-dan``: a citizen books an online reception (``service.reception``), sees the
receipt once (code, secret, meeting link) and may cancel with the code and secret.

The form is mapped onto the API's own ``BookingCreate`` and booked by the service the API
calls (``reception.service.book``), so the rules (CCCD, mobile number, the slot in the
calendar, a full slot: 409) are written once. The code and secret reach the receipt page in
a short-lived HttpOnly cookie, never in the URL (``citizen.credentials_cookie``).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

import service.web.public.antibot as antibot
from service.auth import service as auth_service
from service.errors import Invalid, ServiceError, pydantic_message
from service.i18n import msg
from service.petitions import idempotency
from service.reception import service
from service.reception.schemas import BookingCreate
from service.settings import Settings
from service.web.pages import PRIVATE, Form, HTMXTemplate, read_form, redirect, render
from service.web.public.citizen import credentials_cookie, forget, read_credentials
from service.web.public.filing import PORTAL_CLIENT, PORTAL_CLIENT_ID
from service.web.public.reference import place_names

PATH = "/tiep-cong-dan"
RECEIPT_PATH = f"{PATH}/bien-nhan"
RECEIPT_COOKIE = "reception_receipt"
ENDPOINT = f"POST {PATH}"


class BookingForm(BaseModel):
    schedule_id: str | None = None
    starts_at: str | None = None
    full_name: str | None = None
    national_id: str | None = None
    phone: str | None = None
    topic: str | None = None
    consent_to_process: str | None = None
    form_token: str | None = None
    website: str | None = None  # the honeypot (``antibot``)


class CancelForm(BaseModel):
    code: str | None = None
    secret: str | None = None


def booking_create(form: BookingForm) -> BookingCreate:
    body = form.model_dump(exclude={"form_token", "website"})
    body["consent_to_process"] = form.consent_to_process is not None
    try:
        return BookingCreate.model_validate({k: v for k, v in body.items() if v is not None})
    except ValidationError as exc:
        errors = [
            {"field": str(error["loc"][0]), "message": pydantic_message(error)}
            for error in exc.errors()
        ]
        raise Invalid(msg("reception.booking_invalid"), errors=errors) from exc


def _schedule_id(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


class ReceptionPortalController(Controller):
    path = PATH

    async def _page(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        settings: Settings,
        form: Form[Any],
        schedule_id: uuid.UUID | None,
        status_code: int = 200,
        cancel_form: Form[Any] | None = None,
    ) -> HTMXTemplate:
        schedules = await service.list_schedules(session, None)
        chosen = next((s for s in schedules if s.id == schedule_id), None)
        slots = await service.free_slots(session, chosen.id) if chosen else []
        names = (await place_names(session))["ward_names"]
        return render(
            request,
            "portal/reception.html",
            status_code=status_code,
            form=form,
            cancel_form=cancel_form or Form[Any](values={}),
            schedules=schedules,
            chosen=chosen,
            slots=[slot for slot in slots if slot.free > 0],
            unit_names=names,
            token=antibot.issue_token(settings),
        )

    @get("/")
    async def form(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        lich: Annotated[str | None, QueryParameter(max_length=36)] = None,
    ) -> HTMXTemplate:
        schedule_id = _schedule_id(lich)
        return await self._page(
            request, db_session, settings, Form(values={"schedule_id": lich or ""}), schedule_id
        )

    @post("/", status_code=303)
    async def book(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Response[Any]:
        await antibot.count_filing(request)
        form = await read_form(request, BookingForm)
        try:
            if form.data is None:
                raise Invalid(msg("reception.booking_invalid"))
            antibot.check_honeypot(form.data.website)
            nonce = antibot.check_token(settings, form.data.form_token)
            data = booking_create(form.data)

            async def create() -> tuple[int, dict[str, Any], uuid.UUID | None]:
                booked = await service.book(db_session, settings, data)
                return 201, {"code": booked.booking.code, "secret": booked.secret}, None

            # A form sent twice (a double click, a reload) books once: the second answer is
            # the first one's receipt, as the petition form does (stored encrypted).
            await auth_service.ensure_channel_client(
                db_session, PORTAL_CLIENT_ID, PORTAL_CLIENT.name, "web-portal"
            )
            stored = await idempotency.run_once(
                db_session,
                settings,
                client_id=PORTAL_CLIENT_ID,
                key=nonce,
                endpoint=ENDPOINT,
                body=data.model_dump(mode="json"),
                create=create,
            )
        except ServiceError as exc:
            schedule_id = _schedule_id(str(form.values.get("schedule_id") or ""))
            return await self._page(
                request,
                db_session,
                settings,
                form.failed(exc),
                schedule_id,
                status_code=exc.status_code,
            )
        cookie = credentials_cookie(
            settings,
            RECEIPT_COOKIE,
            RECEIPT_PATH,
            str(stored.body["code"]),
            str(stored.body["secret"]),
            900,
        )
        return redirect(RECEIPT_PATH, cookies=[cookie])

    @get("/bien-nhan", cache_control=PRIVATE)
    async def receipt(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> HTMXTemplate:
        """The receipt, once: the cookie is forgotten as the page is shown."""
        credentials = read_credentials(request, RECEIPT_COOKIE)
        view = secret = None
        if credentials is not None:
            code, secret = credentials
            try:
                booking = await service.find_for_citizen(db_session, code, secret)
            except ServiceError:
                secret = None
            else:
                view = service.citizen_view(settings, booking)
        return render(
            request,
            "portal/reception_receipt.html",
            view=view,
            secret=secret,
            cookies=[forget(RECEIPT_COOKIE, RECEIPT_PATH)],
        )

    @post("/huy", status_code=303)
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Response[Any]:
        form = await read_form(request, CancelForm)
        try:
            data = form.data
            if data is None or not data.code or not data.secret:
                raise Invalid(msg("reception.booking_not_found"), field="code")
            booking = await service.find_for_citizen(db_session, data.code, data.secret, lock=True)
            await service.cancel(db_session, booking)
        except ServiceError as exc:
            return await self._page(
                request,
                db_session,
                settings,
                Form(values={}),
                None,
                exc.status_code,
                form.failed(exc),
            )
        return redirect(PATH, flash="web.reception.cancelled")
