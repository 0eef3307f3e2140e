"""``/tiep-cong-dan``: a citizen books an online reception (``service.reception``), sees the
receipt once (code, secret, meeting link) and may cancel with the code and secret.

The form is mapped onto the API's own ``BookingCreate`` and booked by the service the API
calls (``reception.service.book``), so the rules (CCCD, mobile number, the slot in the
calendar, a full slot: 409) are written once. Booked once per form token, the receipt shown
once, as the petition form does (``receipts``).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.params import QueryParameter
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

import service.web.public.antibot as antibot
from service.errors import Invalid, pydantic_message
from service.i18n import msg
from service.reception import service
from service.reception.schemas import BookingCreate
from service.web.forms import post_form
from service.web.pages import PRIVATE, Form, HTMXTemplate, Visit, redirect
from service.web.public.receipts import Receipt, file_once
from service.web.public.reference import place_names

PATH = "/tiep-cong-dan"
RECEIPT = Receipt(f"{PATH}/bien-nhan", "reception_receipt", "portal/reception_receipt.html")
ENDPOINT = f"POST {PATH}"


class BookingForm(antibot.Guarded):
    schedule_id: str | None = None
    starts_at: str | None = None
    full_name: str | None = None
    national_id: str | None = None
    phone: str | None = None
    topic: str | None = None
    consent_to_process: str | None = None


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


async def _context(
    session: AsyncSession, schedule_id: uuid.UUID | None, cancel_form: Form[Any] | None = None
) -> dict[str, Any]:
    schedules = await service.list_schedules(session, None)
    chosen = next((s for s in schedules if s.id == schedule_id), None)
    slots = await service.free_slots(session, chosen.id) if chosen else []
    names = (await place_names(session))["ward_names"]
    return {
        "cancel_form": cancel_form or Form[Any](values={}),
        "schedules": schedules,
        "chosen": chosen,
        "slots": [slot for slot in slots if slot.free > 0],
        "unit_names": names,
    }


PAGE = antibot.GuardedPage("portal/reception.html", _context)


class ReceptionPortalController(Controller):
    path = PATH

    @get("/")
    async def form(
        self, visit: Visit, lich: Annotated[str | None, QueryParameter(max_length=36)] = None
    ) -> HTMXTemplate:
        schedule_id = _schedule_id(lich)
        return await PAGE.render(
            visit, Form(values={"schedule_id": lich or ""}), schedule_id=schedule_id
        )

    @post("/", status_code=303)
    async def book(self, visit: Visit) -> Response[Any]:
        await antibot.count_filing(visit.request)

        async def book(form: BookingForm) -> Response[Any]:
            filled, nonce = antibot.check_form(
                visit.settings, form, msg("reception.booking_invalid")
            )
            data = booking_create(filled)

            async def create() -> tuple[int, dict[str, Any], uuid.UUID | None]:
                booked = await service.book(visit.session, visit.settings, data)
                return 201, {"code": booked.booking.code, "secret": booked.secret}, None

            # A form sent twice (a double click, a reload) books once: the second answer is
            # the first one's receipt.
            stored = await file_once(
                visit.session,
                visit.settings,
                nonce=nonce,
                endpoint=ENDPOINT,
                body=data.model_dump(mode="json"),
                create=create,
            )
            return RECEIPT.show(
                visit.settings, str(stored.body["code"]), str(stored.body["secret"])
            )

        def refill(form: Form[BookingForm], status: int) -> Awaitable[HTMXTemplate]:
            schedule_id = _schedule_id(str(form.values.get("schedule_id") or ""))
            return PAGE.render(visit, form, status, schedule_id=schedule_id)

        return await post_form(visit.request, BookingForm, book, refill)

    @get("/bien-nhan", cache_control=PRIVATE)
    async def receipt(self, visit: Visit) -> HTMXTemplate:
        async def find(code: str, secret: str) -> Any:
            booking = await service.find_for_citizen(visit.session, code, secret)
            return service.citizen_view(visit.settings, booking)

        return await RECEIPT.page(visit.request, find)

    @post("/huy", status_code=303)
    async def cancel(self, visit: Visit) -> Response[Any]:

        async def cancel(data: CancelForm) -> Response[Any]:
            if not data.code or not data.secret:
                raise Invalid(msg("reception.booking_not_found"), field="code")
            booking = await service.find_for_citizen(
                visit.session, data.code, data.secret, lock=True
            )
            await service.cancel(visit.session, booking)
            return redirect(PATH, flash="web.reception.cancelled")

        def refill(form: Form[CancelForm], status: int) -> Awaitable[HTMXTemplate]:
            return PAGE.render(visit, Form(values={}), status, schedule_id=None, cancel_form=form)

        return await post_form(visit.request, CancelForm, cancel, refill)
