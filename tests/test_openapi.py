"""The OpenAPI document (/schema/openapi.json) describes what the API does: every error status
with the one problem+json schema, the security each route really needs, typed success bodies,
wire formats as sent, the webhooks a client receives, and examples for the first routes an
integrator uses. (scripts/schemathesis.sh checks the same document against a live server.)"""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

import httpx
import pytest
from annotated_types import MinLen
from litestar import Litestar
from pydantic import BaseModel, BeforeValidator, StringConstraints
from pydantic.fields import FieldInfo

import reports
import service
from service import text
from service.directory.schemas import OfficePeriod
from service.petitions import examples
from service.petitions.notifications import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    PetitionWebhook,
)
from service.petitions.schemas import (
    ClarificationAnswer,
    PetitionCreate,
    PetitionCreated,
    RatingRequest,
    TrackingView,
)
from tests.test_route_auth import PUBLIC

OPERATIONS = ("get", "put", "post", "patch", "delete")
PROBLEM_REF = "#/components/schemas/Problem"


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in OPERATIONS
    ]


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def is_untyped_object(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    """An object that says nothing of its members: no properties and any values."""
    schema = resolve(document, schema)
    for alternative in schema.get("oneOf", []) + schema.get("anyOf", []) + schema.get("allOf", []):
        if is_untyped_object(document, alternative):
            return True
    if schema == {}:
        return True
    if schema.get("type") != "object" or schema.get("properties"):
        return False
    extra = schema.get("additionalProperties", True)
    return extra is True or extra == {}


class TestResponses:
    async def test_no_success_body_is_an_untyped_object(self, document: dict[str, Any]) -> None:
        untyped = [
            f"{method.upper()} {path} {status} {media}"
            for method, path, operation in operations(document)
            for status, response in operation["responses"].items()
            if status.startswith("2")
            for media, content in (resolve(document, response).get("content") or {}).items()
            if is_untyped_object(document, content.get("schema", {}))
        ]
        assert untyped == []

    async def test_the_petition_201_describes_the_tracking_secret(
        self, document: dict[str, Any]
    ) -> None:
        created = document["paths"]["/api/v1/petitions"]["post"]["responses"]["201"]
        content = created["content"]["application/json"]
        schema = resolve(document, content["schema"])
        assert "tracking_secret" in schema["properties"]
        assert "tracking_secret" in schema["required"]
        [example] = content["examples"].values()
        PetitionCreated.model_validate(example["value"])

    async def test_every_error_is_a_shared_problem_json_response(
        self, document: dict[str, Any]
    ) -> None:
        problem = document["components"]["schemas"]["Problem"]
        assert {"type", "title", "status"} <= set(problem["required"])
        for method, path, operation in operations(document):
            for status, response in operation["responses"].items():
                if int(status) < 400 or path == "/ready":
                    continue
                assert response.get("$ref", "").startswith("#/components/responses/"), (
                    method,
                    path,
                    status,
                )
                content = resolve(document, response)["content"]
                assert content["application/problem+json"]["schema"] == {"$ref": PROBLEM_REF}
        for name in ("RateLimited", "Unavailable"):
            assert "Retry-After" in document["components"]["responses"][name]["headers"]

    async def test_statuses_follow_from_what_a_route_is(self, document: dict[str, Any]) -> None:
        for method, path, operation in operations(document):
            statuses = set(operation["responses"])
            parameters = {p["name"].lower(): p for p in operation.get("parameters", [])}
            where = f"{method.upper()} {path}"
            if "{" in path:
                assert "404" in statuses, where
            body = operation.get("requestBody", {}).get("content", {})
            if "application/json" in body:
                assert {"400", "413", "415", "422"} <= statuses, where
            if "application/octet-stream" in body:
                assert {"413", "415", "422"} <= statuses, where
            if "if-match" in parameters:
                assert parameters["if-match"]["required"] is True, where
                assert {"409", "412", "428"} <= statuses, where
        intake = document["paths"]["/api/v1/petitions"]["post"]["responses"]
        assert "429" in intake  # per-key rate limit
        tracking = document["paths"]["/api/v1/track/{code}"]["get"]["responses"]
        assert {"404", "429"} <= set(tracking)
        upload = document["paths"]["/api/v1/track/{code}/evidence"]["post"]["responses"]
        assert "503" in upload  # object storage down


class TestSecurity:
    async def test_public_routes_need_nothing_and_the_rest_list_401_and_403(
        self, app: Litestar, document: dict[str, Any]
    ) -> None:
        public = private = 0
        for method, path, operation in operations(document):
            where = f"{method.upper()} {path}"
            if PUBLIC.match(re.sub(r"\{(\w+)\}", r"{\1}", path)):
                assert operation["security"] == [{}], where
                public += 1
                continue
            assert {"401", "403"} <= set(operation["responses"]), where
            assert operation["security"] in ([{"BearerToken": []}], [{"ApiKey": []}]), where
            private += 1
        assert public >= 10
        assert private >= 100
        assert document["paths"]["/api/v1/petitions"]["post"]["security"] == [{"ApiKey": []}]
        assert document["paths"]["/api/v1/petitions"]["get"]["security"] == [{"BearerToken": []}]
        schemes = document["components"]["securitySchemes"]
        assert schemes["ApiKey"]["name"] == "X-API-Key"
        assert schemes["BearerToken"]["scheme"] == "Bearer"


class TestFormats:
    async def test_times_of_day_are_documented_as_sent(
        self, client: httpx.AsyncClient, document: dict[str, Any]
    ) -> None:
        """`start` is "08:00:00": a local time of day, which Litestar called a duration."""
        start = document["components"]["schemas"]["OfficePeriod"]["properties"]["start"]
        assert start.get("format") != "duration"
        assert re.fullmatch(start["pattern"], "08:00:00")
        assert re.fullmatch(start["pattern"], "17:30")
        # The server takes exactly what the pattern allows.
        for refused in ("08:00:00Z", "08:00:00+07:00", "8:00", 28800):
            with pytest.raises(ValueError, match="local time"):
                OfficePeriod.model_validate({"start": refused, "end": "23:00"})

    async def test_no_format_is_a_duration(self, document: dict[str, Any]) -> None:
        """No field of the API is a timedelta: a "duration" would be a time mislabelled."""
        assert '"duration"' not in str(document).replace("'", '"')


class TestWebhooks:
    async def test_the_webhooks_a_client_receives_are_described(
        self, document: dict[str, Any]
    ) -> None:
        webhooks = document["webhooks"]
        assert set(webhooks) == {"petition.received", "petition.updated"}
        for name, item in webhooks.items():
            operation = item["post"]
            headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
            assert {SIGNATURE_HEADER, TIMESTAMP_HEADER, DELIVERY_HEADER} <= headers
            assert "HMAC-SHA256" in operation["description"]
            assert "retried" in operation["description"]
            content = operation["requestBody"]["content"]["application/json"]
            schema = resolve(document, content["schema"])
            assert set(schema["properties"]) == set(PetitionWebhook.model_fields)
            [example] = content["examples"].values()
            assert PetitionWebhook.model_validate(example["value"]).event == name


class TestExamples:
    async def test_the_first_routes_of_an_integrator_have_examples(
        self, document: dict[str, Any]
    ) -> None:
        paths = document["paths"]
        filing = paths["/api/v1/petitions"]["post"]["requestBody"]["content"]["application/json"]
        for value in filing["schema"]["examples"]:
            PetitionCreate.model_validate(value)
        answer = paths["/api/v1/track/{code}/clarifications/{clarification_id}/answer"]["post"]
        rate = paths["/api/v1/track/{code}/rating"]["post"]
        for operation, model in ((answer, ClarificationAnswer), (rate, RatingRequest)):
            for value in operation["requestBody"]["content"]["application/json"]["schema"][
                "examples"
            ]:
                model.model_validate(value)
            assert operation["responses"]["200"]["content"]["application/json"]["examples"]
        track = paths["/api/v1/track/{code}"]["get"]["responses"]["200"]
        for example in track["content"]["application/json"]["examples"].values():
            TrackingView.model_validate(example["value"])
        upload = paths["/api/v1/track/{code}/evidence"]["post"]["responses"]["201"]
        assert upload["content"]["application/json"]["examples"]
        assert examples.FILED["tracking_secret"]


class TestAllow:
    async def test_options_lists_every_documented_method_of_a_path(
        self, client: httpx.AsyncClient, document: dict[str, Any]
    ) -> None:
        """Litestar's OPTIONS kept the methods of the first route built for a path."""
        for path in ("/api/v1/reports", "/api/v1/petitions/{petition_id}"):
            documented = {m.upper() for m in document["paths"][path] if m in OPERATIONS}
            concrete = path.replace("{petition_id}", "00000000-0000-0000-0000-000000000001")
            response = await client.options(concrete)
            assert response.status_code == 204
            allowed = {m.strip() for m in response.headers["allow"].split(",")}
            assert allowed == documented | {"OPTIONS"}


class TestQueryTimes:
    async def test_a_query_date_time_is_documented_as_also_unix_seconds(
        self, document: dict[str, Any]
    ) -> None:
        """The server takes `created_to=0.5` (Unix seconds): the document says so."""
        dashboard = document["paths"]["/api/v1/petitions/dashboard"]["get"]
        [created_to] = [p for p in dashboard["parameters"] if p["name"] == "created_to"]
        kinds = {member.get("format") or member["type"] for member in created_to["schema"]["oneOf"]}
        assert kinds == {"date-time", "number", "null"}


def _request_models() -> list[type[BaseModel]]:
    """Every pydantic model of a ``schemas`` module of the service and the reports."""
    models: list[type[BaseModel]] = []
    for package in (service, reports):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if info.name.rsplit(".", 1)[-1] != "schemas":
                continue
            module = importlib.import_module(info.name)
            models += [
                value
                for value in vars(module).values()
                if isinstance(value, type)
                and issubclass(value, BaseModel)
                and value.__module__ == module.__name__
                and not value.__pydantic_generic_metadata__["parameters"]
            ]
    return models


def _min_length(field: FieldInfo) -> int:
    lengths = [
        meta.min_length
        for meta in field.metadata
        if isinstance(meta, MinLen | StringConstraints) and meta.min_length is not None
    ]
    return max(lengths, default=0)


def _stripped(model: type[BaseModel], field: FieldInfo) -> bool:
    """Whether the server strips the field and then counts it (``OptionalText`` turns a blank
    into ``None`` instead, which an optional field takes)."""
    if model.model_config.get("str_strip_whitespace"):
        return True
    for meta in field.metadata:
        if isinstance(meta, StringConstraints) and meta.strip_whitespace:
            return True
        if isinstance(meta, BeforeValidator) and meta.func is text._nfc:
            return True
    return False


def _members(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return schema.get("oneOf") or [schema]


class TestConstraintsAsValidated:
    """What the server refuses, the document says: Litestar dropped these from optional
    pydantic fields, so a client (or schemathesis) sent values that the API refused."""

    async def test_patterns_of_optional_fields(self, document: dict[str, Any]) -> None:
        schemas = document["components"]["schemas"]
        for model, field, bad in [
            ("AgencyCreate", "email", "x"),
            ("AgencyUpdate", "phone", "x"),
            ("PetitionerIn", "phone", "0"),
            ("PetitionerIn", "national_id", "1"),
            ("ApiClientCreate", "webhook_url", "ftp://x"),
        ]:
            [string] = [
                m
                for m in _members(schemas[model]["properties"][field])
                if m.get("type") == "string"
            ]
            assert not re.search(string["pattern"], bad), (model, field)

    async def test_stripped_texts_say_so(self, document: dict[str, Any]) -> None:
        """The server strips a text before it counts its length, so a request body's bounded
        text says, by a pattern, that the characters at its ends are no spaces: schemathesis
        sent ``"e'\\x1c"`` as a three-character reason, and the server found two."""
        schemas = document["components"]["schemas"]
        bodies = {
            media["schema"]["$ref"].rsplit("/", 1)[1]
            for path in document["paths"].values()
            for operation in path.values()
            if isinstance(operation, dict)
            for media in operation.get("requestBody", {}).get("content", {}).values()
            if "$ref" in media.get("schema", {})
        }
        # Kept as sent: secrets, and a media type the server looks up in its list (415).
        verbatim = {"password", "refresh_token", "token", "content_type"}
        unsaid = []
        for model in sorted(bodies):
            for field, schema in schemas[model].get("properties", {}).items():
                if field in verbatim:
                    continue
                for string in _members(schema):
                    if string.get("type") != "string" or string.get("minLength", 0) < 2:
                        continue
                    padded = "e" + "\x1c" * (string["minLength"] - 1)
                    if "pattern" not in string or re.search(string["pattern"], padded):
                        unsaid.append(f"{model}.{field}")
        assert unsaid == [], " ".join(unsaid)

    async def test_a_stripped_text_cannot_be_blank(self, document: dict[str, Any]) -> None:
        """A text the server strips must say, by a pattern, that spaces alone are not text:
        schemathesis sent a category named ``"\\v"``, valid for a bare ``minLength: 1``."""
        schemas = document["components"]["schemas"]
        unsaid = []
        for model in _request_models():
            if model.__name__ not in schemas:
                continue  # not in the API's document (a page's form, a job's payload)
            properties = schemas[model.__name__].get("properties", {})
            for name, field in model.model_fields.items():
                minimum = _min_length(field)
                if minimum < 1 or not _stripped(model, field):
                    continue
                strings = [
                    member
                    for member in _members(properties[field.alias or name])
                    if member.get("type") == "string"
                ]
                if not strings or any(
                    "pattern" not in string or re.search(string["pattern"], "\x0b" * minimum)
                    for string in strings
                ):
                    unsaid.append(f"{model.__name__}.{name}")
        assert unsaid == [], " ".join(unsaid)

    async def test_fields_an_update_cannot_clear_are_not_nullable(
        self, document: dict[str, Any]
    ) -> None:
        schemas = document["components"]["schemas"]
        for model, field in [
            ("AgencyUpdate", "name"),
            ("AgencyUpdate", "active"),
            ("CategoryUpdate", "sort_order"),
            ("RoutingRuleUpdate", "agency_of_unit"),
        ]:
            kinds = {m.get("type") for m in _members(schemas[model]["properties"][field])}
            assert "null" not in kinds, (model, field)
        assert {"type": "null"} in schemas["AgencyUpdate"]["properties"]["email"]["oneOf"]
        [sort_order] = _members(schemas["CategoryUpdate"]["properties"]["sort_order"])
        assert (sort_order["minimum"], sort_order["maximum"]) == (0, 100_000)

    async def test_a_bounded_dict_is_an_object(self, document: dict[str, Any]) -> None:
        schemas = document["components"]["schemas"]
        for model in ("AgencyCreate", "AgencyUpdate"):
            [channels] = _members(schemas[model]["properties"]["channels"])
            assert channels["type"] == "object"
            assert channels["maxProperties"] == 20
            assert "maxLength" not in channels
            assert "items" not in channels

    async def test_the_largest_id_is_exact(self, document: dict[str, Any]) -> None:
        """Litestar wrote ``le=2**63 - 1`` as a float, which is 2**63."""
        retry = document["paths"]["/api/v1/admin/jobs/failed/{failure_id}/retry"]["post"]
        [failure_id] = retry["parameters"]
        assert failure_id["schema"]["maximum"] == 2**63 - 1
        assert failure_id["schema"]["minimum"] == 1

    async def test_calendar_days_are_in_the_years_kept(self, document: dict[str, Any]) -> None:
        day = document["components"]["schemas"]["CalendarDayCreate"]["properties"]["day"]
        put = document["paths"]["/api/v1/directory/calendar/{day}"]["put"]
        [path_day] = [p for p in put["parameters"] if p["name"] == "day"]
        for schema in (day, path_day["schema"]):
            assert schema["format"] == "date"
            for value, kept in [
                ("2000-01-01", True),
                ("2100-12-31", True),
                ("1999-12-31", False),
                ("2101-01-01", False),
            ]:
                assert bool(re.search(schema["pattern"], value)) is kept
