"""The online reception API.

Public (citizens, no account), under ``/public/reception``:
* ``GET /schedules`` (the active schedules, of a unit), ``GET /schedules/{id}/slots`` (the
  free seats of each slot);
* ``POST /citizen/booking`` (look a booking up with its code and secret), ``POST
  /citizen/cancel`` (cancel it): an unknown code and a wrong secret are
  the same 404, counted as the tracking routes count them (429 beyond the limit).

API clients (``petitions:write``: the Zalo mini-app, the city app): ``POST
/reception/bookings`` (book a seat; the code and secret are shown once).

Front officers of the unit (city level: every unit): ``POST /reception/schedules``, ``GET
/reception/staff/bookings``, ``GET /reception/staff/bookings/{id}``, the actions ``start``
(identity check), ``record``, ``evidence``, ``complete``, ``no-show`` (If-Match), and
``GET /reception/stats``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter, RequestBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import api_client, staff
from service.auth.models import Role
from service.errors import NotFound
from service.http.actions import ActionCall, ActionResource, ActionRoute, action_handlers
from service.http.declared import Call, listing, route_of
from service.http.preconditions import etag
from service.petitions import ratelimit
from service.ratelimit import client_address, counters_of
from service.reception import service
from service.reception.models import BookingStatus, ReceptionBooking
from service.reception.schemas import (
    BookingCreate,
    BookingCreated,
    BookingPage,
    BookingRead,
    CancelRequest,
    CitizenBookingRead,
    CitizenLookup,
    CompleteRequest,
    EvidenceAttach,
    NoShowRequest,
    ReceptionStats,
    RecordUpdate,
    ScheduleCreate,
    ScheduleRead,
    SlotRead,
    StartRequest,
)
from service.settings import Settings

FRONT = staff(Role.front_officer)
TAGS = ["reception"]


class PublicReceptionController(Controller):
    path = "/public/reception"
    tags = TAGS

    @get("/schedules", exclude_from_auth=True, summary="Active reception schedules")
    async def schedules(
        self,
        db_session: NamedDependency[AsyncSession],
        unit_code: Annotated[str | None, QueryParameter(max_length=16)] = None,
    ) -> list[ScheduleRead]:
        rows = await service.list_schedules(db_session, unit_code)
        return [ScheduleRead.model_validate(row) for row in rows]

    @get(
        "/schedules/{schedule_id:uuid}/slots",
        exclude_from_auth=True,
        summary="The slots of a schedule (next 60 days) with their free seats",
        opt={"problems": (404,)},
    )
    async def slots(
        self,
        db_session: NamedDependency[AsyncSession],
        schedule_id: Annotated[uuid.UUID, PathParameter()],
    ) -> list[SlotRead]:
        return await service.free_slots(db_session, schedule_id)

    @post(
        "/citizen/booking",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        summary="A booking, by its code and secret",
        opt={"problems": (404, 429)},
    )
    async def lookup(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        data: RequestBody[CitizenLookup],
    ) -> CitizenBookingRead:
        booking = await _citizen_booking(request, db_session, data)
        return service.citizen_view(settings, booking)

    @post(
        "/citizen/cancel",
        exclude_from_auth=True,
        status_code=HTTP_200_OK,
        summary="Cancel a booking with its code and secret",
        opt={"problems": (404, 409, 429)},
    )
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        data: RequestBody[CancelRequest],
    ) -> CitizenBookingRead:
        booking = await _citizen_booking(request, db_session, data, lock=True)
        await service.cancel(db_session, booking)
        return service.citizen_view(settings, booking)


async def _citizen_booking(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    data: CancelRequest,
    *,
    lock: bool = False,
) -> ReceptionBooking:
    code = data.code.strip().upper()
    try:
        return await service.find_for_citizen(session, code, data.secret, lock=lock)
    except NotFound:
        await ratelimit.record_failure(counters_of(request), client_address(request), code)
        raise


class BookingController(Controller):
    path = "/reception/bookings"
    tags = TAGS

    @post(
        "/",
        guards=[api_client("petitions:write")],
        status_code=HTTP_201_CREATED,
        summary="Book a reception slot (name, CCCD, phone; the CCCD is stored encrypted)",
        opt={"problems": (404, 409)},  # a schedule not found; the slot is full
    )
    async def book(
        self,
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
        data: RequestBody[BookingCreate],
    ) -> BookingCreated:
        booked = await service.book(db_session, settings, data)
        return service.created(settings, booked.booking, booked.secret)


class StaffReceptionController(Controller):
    path = "/reception"
    tags = TAGS
    guards = [FRONT]


SINCE = Annotated[datetime | None, QueryParameter()]


@route_of(
    StaffReceptionController,
    "/schedules",
    "Create a reception schedule for a ward or the city",
    http_method="POST",
    body=ScheduleCreate,
    opt={"problems": (404,)},  # a unit outside the officer's area
)
async def create_schedule(call: Call) -> ScheduleRead:
    row = await service.create_schedule(call.session, call.viewer, call.data)
    return ScheduleRead.model_validate(row)


@route_of(
    StaffReceptionController,
    "/staff/bookings",
    "Bookings of my unit (all at city level), by slot",
    **listing(
        status=Annotated[list[BookingStatus] | None, QueryParameter()],
        since=SINCE,
    ),
)
async def bookings(call: Call) -> BookingPage:
    query = call.extra
    rows, next_cursor = await service.list_bookings(
        call.session,
        call.viewer,
        statuses=query["status"],
        since=query["since"],
        cursor=query["cursor"],
        limit=query["limit"],
    )
    items = [await service.staff_view(call.session, call.settings, row) for row in rows]
    return BookingPage(items=items, next_cursor=next_cursor)


@route_of(
    StaffReceptionController,
    "/staff/bookings/{booking_id:uuid}",
    "One booking (ETag: its version)",
    opt={"problems": (404,)},
)
async def booking(call: Call) -> Response[BookingRead]:
    row = await service.load_visible(call.session, call.id, call.viewer, lock=False)
    body = await service.staff_view(call.session, call.settings, row)
    return Response(body, headers={"ETag": etag(row.version)})


@route_of(
    StaffReceptionController,
    "/stats",
    "Booked, received, no-shows, cancelled, petitions made",
    extra={"since": SINCE, "until": SINCE},
    defaults={"since": None, "until": None},
)
async def stats(call: Call) -> ReceptionStats:
    since, until = call.extra["since"], call.extra["until"]
    return ReceptionStats(**await service.stats(call.session, call.viewer.unit_code, since, until))


async def _load(session: AsyncSession, booking_id: uuid.UUID, viewer: Any) -> ReceptionBooking:
    return await service.load_visible(session, booking_id, viewer)


async def _present(call: ActionCall[ReceptionBooking, Any], result: Any) -> BookingRead:
    return await service.staff_view(call.session, call.settings, call.resource)


BOOKING = ActionResource(
    path="/reception/staff/bookings/{booking_id:uuid}",
    id_name="booking_id",
    load=_load,
    present=_present,
    response=BookingRead,
    tags=TAGS,
    guards=[FRONT],
)

ACTIONS: list[ActionRoute[ReceptionBooking, Any]] = [
    ActionRoute(
        "start",
        run=lambda call: service.start(
            call.session, call.settings, call.resource, call.actor, call.data
        ),
        body=StartRequest,
        summary="Start the reception: the identity check (the CCCD shown), the officers present",
    ),
    ActionRoute(
        "record",
        run=lambda call: service.write_record(
            call.session, call.resource, call.actor, call.data.record
        ),
        body=RecordUpdate,
        summary="Write the record (biên bản) of what was raised",
    ),
    ActionRoute(
        "evidence",
        run=lambda call: service.attach_evidence(
            call.session, call.resource, call.actor, call.data.evidence_id
        ),
        body=EvidenceAttach,
        summary="Attach evidence uploaded through the evidence endpoints",
    ),
    ActionRoute(
        "complete",
        run=lambda call: service.complete(
            call.session, call.settings, call.resource, call.actor, call.data
        ),
        body=CompleteRequest,
        summary="The outcome: a petition (channel online_reception), an answer, or guidance",
    ),
    ActionRoute(
        "no_show",
        run=lambda call: service.mark_no_show(
            call.session, call.resource, call.actor, note=call.data.note if call.data else None
        ),
        body=NoShowRequest | None,
        summary="Record that the citizen did not come",
    ),
]

controllers: list[Any] = [
    PublicReceptionController,
    BookingController,
    StaffReceptionController,
    *action_handlers(BOOKING, ACTIONS),
]
