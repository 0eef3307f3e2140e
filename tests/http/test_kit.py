"""The shared HTTP kit: If-Match, the cursor codec, and generated workflow actions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

import pytest
from litestar import Litestar
from litestar.di import Provide
from litestar.testing import AsyncTestClient
from litestar.types import ASGIApp, Receive, Scope, Send
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import Invalid, NotFound
from service.http import cursor
from service.http.actions import ActionCall, ActionResource, ActionRoute, action_handlers
from service.http.preconditions import IF_MATCH, IfMatch, none_match
from service.i18n import msg
from service.problems import exception_handlers
from service.settings import Settings
from service.workflow import Transition, Workflow


class TestIfMatch:
    @pytest.mark.parametrize(
        ("header", "version", "passes"),
        [
            ('"3"', 3, True),
            ('"3"', 4, False),
            ("*", 7, True),
            ('"1", "3"', 3, True),
            ('"1",W/"3"', 3, True),
            ('W/"3"', 3, True),
            ("3", 3, True),
            ('"x"', 3, False),
            ('""', 3, False),
            ('"3", *', 9, True),
        ],
    )
    def test_matches_as_rfc_9110_says(self, header: str, version: int, passes: bool) -> None:
        assert IfMatch.parse(header).matches(version) is passes

    @pytest.mark.parametrize(
        ("header", "current", "unchanged"),
        [
            ('"abc"', '"abc"', True),
            ('W/"abc"', '"abc"', True),  # If-None-Match compares weakly
            ('"abc"', 'W/"abc"', True),
            ('"x", "abc"', '"abc"', True),
            ("*", '"abc"', True),
            ('"abd"', '"abc"', False),
            ('"ab"', '"abc"', False),
            ("", '"abc"', False),
        ],
    )
    def test_none_match_as_rfc_9110_says(self, header: str, current: str, unchanged: bool) -> None:
        assert none_match(header, current) is unchanged


class TestCursor:
    def test_round_trip_with_every_kind(self) -> None:
        moment = datetime(2026, 12, 1, 10, 0, tzinfo=timezone(timedelta(hours=7)))
        ident = uuid.uuid4()
        token = cursor.encode("things:newest", moment, date(2026, 1, 2), 5, "a", None, ident)
        assert token.startswith("v1.")
        values = cursor.decode("things:newest", token, (datetime, date, int, str, str, uuid.UUID))
        assert values == (moment, date(2026, 1, 2), 5, "a", None, ident)
        assert values[0].utcoffset() == timedelta(hours=7)

    def test_an_edited_cursor_is_refused(self) -> None:
        token = cursor.encode("things:newest", 5)
        version, _payload, check = token.split(".")
        forged = cursor.encode("things:newest", 6).split(".")[1]
        with pytest.raises(Invalid) as caught:
            cursor.decode("things:newest", f"{version}.{forged}.{check}", (int,))
        assert caught.value.detail.code == "cursor_invalid"
        for bad in ("", "v1", "v2." + token[3:], token + "x", token.replace("v1.", "v1..")):
            with pytest.raises(Invalid):
                cursor.decode("things:newest", bad, (int,))

    def test_another_lists_cursor_says_so(self) -> None:
        token = cursor.encode("things:oldest", 5)
        with pytest.raises(Invalid) as caught:
            cursor.decode("things:newest", token, (int,))
        assert caught.value.detail.code == "cursor_other_sort"

    def test_moments_need_their_zone(self) -> None:
        with pytest.raises(ValueError, match="time zone"):
            cursor.encode("things:newest", datetime(2026, 1, 1))
        assert cursor.decode(
            "t", cursor.encode("t", datetime(2026, 1, 1, tzinfo=UTC)), (datetime,)
        ) == (datetime(2026, 1, 1, tzinfo=UTC),)

    def test_types_are_checked(self) -> None:
        token = cursor.encode("t", "not-a-uuid")
        with pytest.raises(Invalid):
            cursor.decode("t", token, (uuid.UUID,))
        with pytest.raises(Invalid):
            cursor.decode("t", cursor.encode("t", True), (int,))


# -- generated actions --------------------------------------------------------------------


class State(StrEnum):
    open = "open"
    closed = "closed"


class Step(StrEnum):
    close = "close"
    reopen = "reopen"


FLOW: Workflow[State, Step, str] = Workflow(
    "thing",
    [
        Transition(State.open, Step.close, State.closed, frozenset({"clerk"})),
        Transition(State.closed, Step.reopen, State.open, frozenset({"chief"})),
    ],
)


@dataclass
class Thing:
    id: uuid.UUID
    state: State = State.open
    version: int = 1


class ThingRead(BaseModel):
    id: uuid.UUID
    state: State


class CloseRequest(BaseModel):
    reason: str


THINGS: dict[uuid.UUID, Thing] = {}


async def _load(session: Any, thing_id: uuid.UUID, user: Any) -> Thing:
    if thing_id not in THINGS:
        raise NotFound(msg("agency_not_found"))
    return THINGS[thing_id]


async def _present(call: ActionCall[Thing, Any], result: Any) -> ThingRead:
    return ThingRead(id=call.resource.id, state=call.resource.state)


def _step(action: Step, parties: frozenset[str]) -> Any:
    async def run(call: ActionCall[Thing, Any]) -> None:
        row = FLOW.step(call.resource.state, action, parties)
        call.resource.state = row.target
        call.resource.version += 1

    return run


RESOURCE = ActionResource(
    path="/things/{thing_id:uuid}",
    id_name="thing_id",
    load=_load,
    present=_present,
    response=ThingRead,
    tags=["things"],
)
ACTIONS = [
    ActionRoute(
        "close", _step(Step.close, frozenset({"clerk"})), body=CloseRequest, summary="Close it"
    ),
    ActionRoute("reopen", _step(Step.reopen, frozenset({"clerk"})), summary="Reopen it"),
]


async def _no_database() -> AsyncSession:
    return AsyncSession()  # unbound: the things above live in memory, no SQL is sent


def _clerk(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        scope["user"] = "clerk"
        await app(scope, receive, send)

    return middleware


def _app() -> Litestar:
    return Litestar(
        route_handlers=action_handlers(RESOURCE, ACTIONS),
        dependencies={
            "if_match": IF_MATCH,
            "db_session": Provide(_no_database, sync_to_thread=False),
            "settings": Provide(lambda: Settings(), sync_to_thread=False),
        },
        exception_handlers=exception_handlers,
        middleware=[_clerk],
    )


class TestGeneratedActions:
    async def test_each_action_is_its_own_documented_operation(self) -> None:
        schema = _app().openapi_schema.to_schema()
        close = schema["paths"]["/things/{thing_id}/close"]["post"]
        reopen = schema["paths"]["/things/{thing_id}/reopen"]["post"]
        assert close["summary"] == "Close it"
        assert reopen["summary"] == "Reopen it"
        assert close["operationId"] != reopen["operationId"]
        assert "requestBody" in close
        assert "requestBody" not in reopen
        assert {p["name"] for p in close["parameters"]} >= {"thing_id", "If-Match"}

    async def test_version_then_state_machine(self) -> None:
        thing = Thing(id=uuid.uuid4())
        THINGS[thing.id] = thing
        async with AsyncTestClient(_app()) as client:
            url = f"/things/{thing.id}"
            body = {"reason": "done"}
            assert (await client.post(f"{url}/close", json=body)).status_code == 428
            stale = await client.post(f"{url}/close", json=body, headers={"If-Match": '"0"'})
            assert stale.status_code == 412
            assert stale.json()["current_etag"] == '"1"'
            closed = await client.post(f"{url}/close", json=body, headers={"If-Match": '"1"'})
            assert closed.status_code == 200, closed.text
            assert closed.headers["etag"] == '"2"'
            assert closed.json()["state"] == "closed"
            again = await client.post(f"{url}/close", json=body, headers={"If-Match": "*"})
            assert again.status_code == 409
            assert again.json()["allowed_actions"] == []
            # reopen is the chief's: the clerk gets 403 whatever the state
            other = await client.post(f"{url}/reopen", headers={"If-Match": "*"})
            assert other.status_code == 403
            missing = await client.post(
                f"/things/{uuid.uuid4()}/close", json=body, headers={"If-Match": "*"}
            )
            assert missing.status_code == 404
