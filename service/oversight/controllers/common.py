"""What the oversight controllers share: the guard, answering about a plan or a session (the
generated actions and the plain handlers answer the same way), and the plain handlers and the
actions' resources declared once each (:func:`route_of`, :func:`oversight_resource`)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, get_origin, get_type_hints

from litestar import Controller
from litestar.di import NamedDependency
from litestar.types import Guard
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.guards import staff
from service.auth.models import Role
from service.auth.principals import StaffPrincipal
from service.errors import Invalid
from service.http.actions import ActionCall, ActionResource
from service.http.declared import EDIT, PATH_ID, Call, route_of
from service.i18n import msg
from service.oversight import service as oversight
from service.oversight import views
from service.oversight.models import SupervisionPlan, SupervisionSession
from service.oversight.schemas import PlanRead, SessionRead, has_nul
from service.oversight.service.plans import HasPlan, PlanRecordLoader
from service.storage.store import ObjectStore

# Staff only: supervisors, Front officers and admins pass the guard; which plan they may see
# or change is decided per plan (``access.py``; 404 for a plan that is not theirs).
OVERSIGHT_ROLES = (Role.supervisor, Role.front_officer)
GUARDS: list[Guard] = [staff(*OVERSIGHT_ROLES)]
TAGS = ["oversight"]


class OversightController(Controller):
    """The base of the oversight API's controllers: their tag and the staff guard."""

    tags = TAGS
    guards = GUARDS


R = TypeVar("R")  # the record a resource's actions act on
P = TypeVar("P", bound=HasPlan)  # a record of a plan


def text_param(value: str | None, name: str) -> str | None:
    """A query parameter of free text: a NUL character is refused as in request bodies."""
    if value is not None and has_nul(value):
        raise Invalid(msg("text_has_nul"), field=name)
    return value


async def present_plan(
    db_session: AsyncSession, plan: SupervisionPlan, viewer: StaffPrincipal
) -> PlanRead:
    """The plan as the viewer sees it now (members, agencies, their allowed actions)."""
    _, access = await oversight.load_plan(db_session, plan.id, viewer)
    detail = await oversight.plan_detail(db_session, plan)
    return views.plan_read(plan, detail, access, oversight.plan_actions_for(plan, access))


async def present_session(
    db_session: AsyncSession, supervision_session: SupervisionSession, viewer: Any
) -> SessionRead:
    """The session with the actions the viewer may take on it now."""
    _, _, access = await oversight.load_session(db_session, supervision_session.id, viewer)
    return views.session_read(
        supervision_session, oversight.session_allowed_actions(supervision_session, access)
    )


async def validated(schema: type[BaseModel], found: Awaitable[Any]) -> Any:
    """What the service found (a row, or a list of rows) as the response ``schema``."""
    result = await found
    if isinstance(result, list):
        return [schema.model_validate(row) for row in result]
    return schema.model_validate(result)


# The object store, for the declared routes that read or write a file's bytes.
STORE: Mapping[str, Any] = {"object_store": NamedDependency[ObjectStore]}

# What the generated workflow actions say of their refusals.
STATE_RULES = (
    "409 with `allowed_actions` when the action does not fit the state; 403 when it is never "
    "the caller's. If-Match required (428 without it, 412 when stale)."
)


def edit_of(
    owner: type[Controller],
    path: str,
    summary: str,
    body: Any,
    update: Callable[..., Awaitable[Any]],
) -> Callable[[Callable[[Call, Any], Awaitable[Any]]], None]:
    """The decorated ``present(call, record)`` the edit route of the controller ``owner``: a
    PATCH whose ``body`` ``update`` applies at the version the caller names (``EDIT``'s
    ``If-Match``; the service answers 428 without it and 412 when stale); ``present`` answers
    with the edited record, and names the handler and its response as :func:`route_of` does."""

    def declare(present: Callable[[Call, Any], Awaitable[Any]]) -> None:
        async def show(call: Call) -> Any:
            record = await update(
                call.session,
                call.id,
                call.data,
                call.viewer,
                expected_version=call.extra["if_match"],
            )
            return await present(call, record)

        returns = get_type_hints(present)["return"]
        declared = {"name": present.__name__, "returns": returns, "body": body, **EDIT}
        route_of(owner, path, summary, **declared)(show)

    return declare


@dataclass(frozen=True)
class Rows:
    """A record's rows under another record: the ``path`` naming that one, the response
    ``read`` each row answers with, and the ``body`` that records one (a list of them records
    many, and the answer is then the list)."""

    path: str
    read: type[BaseModel]
    body: Any


# A handler of :func:`rows_of`: its name (and so its operation id), its summary, and the
# service function it calls with the session, the id, (the body,) and the viewer.
RowsHandler = tuple[str, str, Callable[..., Awaitable[Any]]]


def rows_of(
    owner: type[Controller],
    rows: Rows,
    *,
    listed: RowsHandler,
    created: RowsHandler,
    **create_options: Any,
) -> None:
    """The GET that lists ``rows`` and the POST that records (``create_options``: the rest of
    :class:`OversightRoute`) as routes of the controller ``owner``, as if written there."""
    list_name, list_summary, list_rows = listed
    create_name, create_summary, create_row = created

    async def list_handler(call: Call) -> Any:
        return await validated(rows.read, list_rows(call.session, call.id, call.viewer))

    async def create_handler(call: Call) -> Any:
        return await validated(rows.read, create_row(call.session, call.id, call.data, call.viewer))

    read_many = list[rows.read]  # type: ignore[name-defined]
    route_of(owner, rows.path, list_summary, name=list_name, returns=read_many)(list_handler)
    route_of(
        owner,
        rows.path,
        create_summary,
        http_method="POST",
        body=rows.body,
        name=create_name,
        returns=read_many if get_origin(rows.body) is list else rows.read,
        **create_options,
    )(create_handler)


def locked(
    load: PlanRecordLoader[P],
) -> Callable[[AsyncSession, uuid.UUID, Any], Awaitable[P]]:
    """An action's ``load`` of its record from a plan's record loader: the record locked for
    update, 404 when it is not the caller's plan's (the action needs no more of the plan)."""

    async def record(db_session: AsyncSession, record_id: uuid.UUID, user: Any) -> P:
        found, _, _ = await load(db_session, record_id, user, for_update=True)
        return found

    return record


def oversight_resource(
    path: str,
    load: Callable[[AsyncSession, uuid.UUID, Any], Awaitable[R]],
    present: Callable[[ActionCall[R, Any], Any], Awaitable[Any]],
    response: type,
) -> ActionResource[R]:
    """The resource of an oversight record's workflow actions: the id is the one its path
    names, and the oversight tag and guard hold as for the plain handlers."""
    (id_name,) = PATH_ID.findall(path)
    return ActionResource(
        path=path,
        id_name=id_name,
        load=load,
        present=present,
        response=response,
        tags=TAGS,
        guards=GUARDS,
    )
