"""``/open311/v2/``: the GeoReport v2 server (http://wiki.open311.org/GeoReport_v2).

Every path also answers with a ``.xml`` or ``.json`` suffix (none: XML, the spec's default):

- ``GET discovery``: the service discovery document;
- ``GET services``, ``GET services/{service_code}``: our categories and their attributes;
- ``POST requests``: form-urlencoded; ``api_key`` is one of our API clients' keys (scope
  ``petitions:write``); filed by the API's intake service;
- ``GET tokens/{token}``, ``GET requests``, ``GET requests/{service_request_id}``: public,
  feedback and recommendations only, published texts only.

Mounted apart from ``/api/v1``: no ``X-API-Key`` header or bearer token (the key is in the
form), no CSRF (no cookie authenticates anything here), form bodies, and every error in the
spec's own format (``<errors><error><code/><description/></error></errors>``) with our
catalogue's text in the reader's language. Not in the OpenAPI document: the GeoReport
specification documents these routes.

Left out of the specification: fetching ``media_url`` (a request to whatever host a client
names; evidence goes through the API's uploads), ``address_id`` and ``zipcode`` (no address
registry; a postcode does not locate a ward), ``multivaluelist`` attributes (none of ours takes
several values) and more than one jurisdiction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException
from litestar.params import FromPath, QueryParameter
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.middleware import enforce_rate_limit
from service.errors import Invalid, field_error, pydantic_message
from service.i18n import msg
from service.open311 import service
from service.open311.formats import Format, format_of_path, respond, split_suffix
from service.open311.schemas import Error, RequestForm
from service.problems import exception_handlers as problem_handlers
from service.problems import http_exception_handler, request_locale
from service.readonly import ReadSession
from service.settings import Settings

ATTRIBUTE = "attribute["
MAX_FORM_FIELDS = 50


def _paths(name: str) -> list[str]:
    return [f"/{name}", f"/{name}.xml", f"/{name}.json"]


def _in(locale: str) -> dict[str, str]:
    """The texts (names, notes, notices) are in the reader's language: say so to caches."""
    return {"Vary": "Accept-Language", "Content-Language": locale}


def _format(request: Request[Any, Any, Any]) -> Format:
    return format_of_path(request.url.path)


def _open311_status(status: int) -> int:
    """The spec's statuses: 400 for every refusal of the input (our 422 included), 403 for
    a missing or wrong key; the rest (404, 409, 413, 429, 503...) as they are."""
    if status == 422:
        return 400
    if status == 401:
        return 403
    return status


def _errors_of(status: int, body: dict[str, Any]) -> list[Error]:
    fields = body.get("errors") or []
    if fields:
        return [
            Error(
                code=status,
                description=f"{service.form_name(str(item.get('field', '')))}: {item['message']}",
            )
            for item in fields
        ]
    return [Error(code=status, description=str(body.get("detail") or body.get("title") or ""))]


def _handler(problem_handler: Any) -> Any:
    """The app's handler for an exception (its status, its catalogue text, its headers),
    answered in the spec's format instead of problem+json."""

    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
        problem = problem_handler(request, exc)
        status = _open311_status(problem.status_code)
        settings: Settings = request.app.state.settings
        headers = {
            name: value
            for name, value in problem.headers.items()
            if name.lower() in {"retry-after", "content-language", "vary"}
        }
        return respond(
            _format(request),
            "errors",
            _errors_of(status, problem.content),
            settings.timezone,
            status_code=status,
            headers=headers,
        )

    return handle


async def _read_form(request: Request[Any, Any, Any]) -> tuple[RequestForm, dict[str, str]]:
    """The form's fields and its ``attribute[code]`` values (a ``[]`` suffix, the spec's
    multivaluelist, is refused: none of our attributes takes several values)."""
    form = await request.form()
    if len(form) > MAX_FORM_FIELDS:
        raise Invalid(msg("open311.too_many_fields", max=MAX_FORM_FIELDS))
    fields: dict[str, str] = {}
    attributes: dict[str, str] = {}
    for name, value in form.multi_items():
        if not isinstance(value, str):
            raise Invalid(msg("open311.form_not_text"), field=name)
        if name.startswith(ATTRIBUTE) and name.endswith("]"):
            attributes[name[len(ATTRIBUTE) : -1]] = value.strip()
        else:
            fields[name] = value
    try:
        return RequestForm.model_validate(fields), attributes
    except ValidationError as exc:  # a field too long
        errors = [
            field_error(".".join(str(part) for part in error["loc"]), pydantic_message(error))
            for error in exc.errors()
        ]
        raise Invalid(msg("petition_fields_invalid"), errors=errors) from exc


@dataclass(frozen=True)
class Reader:
    """A public read of the server, in a jurisdiction that is ours: the reader's language,
    the format the path asks for and the zone the times are written in."""

    locale: str
    format: Format
    timezone: str

    def answer(
        self,
        root: str,
        document: BaseModel | Sequence[BaseModel],
        fmt: Format | None = None,
        *,
        localised: bool = True,
    ) -> Response[bytes]:
        """``document`` under ``root`` in ``fmt`` (a path suffix's) or the path's format."""
        headers = _in(self.locale) if localised else None
        return respond(fmt or self.format, root, document, self.timezone, headers=headers)


def _reader(
    request: Request[Any, Any, Any],
    settings: NamedDependency[Settings],
    jurisdiction_id: Annotated[str | None, QueryParameter(max_length=200)] = None,
) -> Reader:
    """Every read but discovery names (or leaves out) the one jurisdiction we serve."""
    service.check_jurisdiction(settings, jurisdiction_id)
    return Reader(request_locale(request), _format(request), settings.timezone)


class Open311Controller(Controller):
    dependencies = {"reader": Provide(_reader, sync_to_thread=False)}

    @get(_paths("discovery"))
    async def discovery(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> Response[bytes]:
        locale = request_locale(request)
        document = service.discovery(settings, locale)
        return respond(
            _format(request), "discovery", document, settings.timezone, headers=_in(locale)
        )

    @get(_paths("services"))
    async def services(
        self, reader: NamedDependency[Reader], read_session: ReadSession
    ) -> Response[bytes]:
        return reader.answer("services", await service.services(read_session, reader.locale))

    @get("/services/{service_code:str}")
    async def definition(
        self,
        reader: NamedDependency[Reader],
        read_session: ReadSession,
        service_code: FromPath[str],
    ) -> Response[bytes]:
        code, fmt = split_suffix(service_code)
        document = await service.definition(read_session, code, reader.locale)
        return reader.answer("service_definition", document, fmt)

    @post(_paths("requests"), status_code=201)
    async def file(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Response[bytes]:
        form, attributes = await _read_form(request)
        client = await service.authenticate(db_session, form.api_key)
        await enforce_rate_limit(request, client)
        created = await service.file_request(
            db_session, settings, client, form, attributes, request_locale(request)
        )
        return respond(
            _format(request), "service_requests", [created], settings.timezone, status_code=201
        )

    @get(_paths("requests"))
    async def requests(
        self,
        reader: NamedDependency[Reader],
        read_session: ReadSession,
        service_request_id: Annotated[str | None, QueryParameter(max_length=4000)] = None,
        service_code: Annotated[str | None, QueryParameter(max_length=2000)] = None,
        start_date: Annotated[str | None, QueryParameter(max_length=40)] = None,
        end_date: Annotated[str | None, QueryParameter(max_length=40)] = None,
        status: Annotated[str | None, QueryParameter(max_length=20)] = None,
    ) -> Response[bytes]:
        filters = service.request_filter(
            service_request_id=service_request_id,
            service_code=service_code,
            start_date=start_date,
            end_date=end_date,
            status=status,
        )
        items = await service.list_requests(read_session, filters, reader.locale)
        return reader.answer("service_requests", items)

    # One request and a token are read on the primary: a client asks for them right after
    # its POST, which a replica may not have yet.
    @get("/requests/{service_request_id:str}")
    async def request_one(
        self,
        reader: NamedDependency[Reader],
        db_session: NamedDependency[AsyncSession],
        service_request_id: FromPath[str],
    ) -> Response[bytes]:
        code, fmt = split_suffix(service_request_id)
        item = await service.get_request(db_session, code, reader.locale)
        return reader.answer("service_requests", [item], fmt)

    @get("/tokens/{token:str}")
    async def token(
        self,
        reader: NamedDependency[Reader],
        db_session: NamedDependency[AsyncSession],
        token: FromPath[str],
    ) -> Response[bytes]:
        value, fmt = split_suffix(token)
        answer = await service.resolve_token(db_session, value)
        # A token's answer holds ids only, no text in the reader's language.
        return reader.answer("service_requests", [answer], fmt, localised=False)


def error_before_routing(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    """A path under the prefix that no route takes (404) or a method it does not have (405),
    raised before routing, so only the app's handler sees it (``service.web.pages``): the
    spec's errors too."""
    return _handler(http_exception_handler)(request, exc)


def open311_router() -> Router:
    """The server, for the app's route list (``service.app``)."""
    return Router(
        path=service.PATH,
        route_handlers=[Open311Controller],
        # The app's request class (its raw-query repair included): it refuses only JSON
        # ``data`` bodies under another type, and these handlers read the form themselves.
        exception_handlers={kind: _handler(h) for kind, h in problem_handlers.items()},
        include_in_schema=False,
        opt={"exclude_from_auth": True},
    )
