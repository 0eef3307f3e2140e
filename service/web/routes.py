"""Routes made from a table, so that pages whose handlers would only differ by the service
they call do not repeat each other's shape (as the API's actions do):

* :func:`submitted` — the shape of every form POST: validate with the API's schema, call
  the service, 303 to the next page with a flash message, or the page again (422) with the
  errors next to their fields;
* :func:`page_route` — a GET route showing a page with its (empty or filled) form;
* :func:`form_route` — a POST route that is just that;
* :func:`button_route` — a POST route for a one-button form (revoke, delete, retry): the
  service call on the path's id, then a 303;
* :func:`section` — a router of those: a page, its forms (:class:`FormSpec`) and buttons
  (:class:`ButtonSpec`), one line each.

``done`` is a path, formatted with the request's path parameters (``/x/{user_id}``) or,
for a form, a function of what the service returned.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from litestar import Router, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.response import Redirect
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import ServiceError
from service.http.params import AnyRequest
from service.web.pages import Form, HTMXTemplate, read_form, redirect, render

M = TypeVar("M", bound=BaseModel)
# A page with a form: (request, session, form, status_code=) -> the page.
FormPage = Callable[..., Awaitable[HTMXTemplate]]
# A service call of a form: (session, request, data) -> what it made or changed.
FormCall = Callable[[AsyncSession, AnyRequest, Any], Awaitable[Any]]
# A service call of a button: (session, request, the path's id) -> anything.
ButtonCall = Callable[[AsyncSession, AnyRequest, Any], Awaitable[Any]]
Done = str | Callable[[Any], str]


def _target(done: Done, request: AnyRequest, result: Any) -> str:
    if callable(done):
        return done(result)
    return done.format(**request.path_params)


async def submitted(
    request: AnyRequest,
    schema: type[M],
    run: Callable[[M], Awaitable[Any]],
    *,
    done: Done,
    flash: str,
    again: Callable[..., Awaitable[HTMXTemplate]],
    failed: Callable[[Form[M], ServiceError], Form[M]] = Form.failed,
) -> Redirect | HTMXTemplate:
    """The form of ``request`` as ``schema``, given to ``run`` (the API's service call): a
    303 to ``done`` with ``flash``, or ``again(form, status_code=)`` (the page: 422, or the
    status of the service's refusal) with the errors next to their fields (``failed``
    places a service's refusal on the form)."""
    form = await read_form(request, schema)
    status_code = 422
    if form.data is not None:
        try:
            result = await run(form.data)
        except ServiceError as exc:
            # The API's status (404 for what one may not see, 409...), the form still there.
            form, status_code = failed(form, exc), exc.status_code
        else:
            return redirect(_target(done, request, result), flash=flash)
    return await again(form, status_code=status_code)


# What a page shows besides its form: (request, session) -> (context, the form's values).
Shown = tuple[dict[str, Any], dict[str, Any]]
PageContext = Callable[[AnyRequest, AsyncSession], Awaitable[Shown]]


def form_page(template: str, context: PageContext) -> FormPage:
    """A page with one form: ``template`` with what ``context`` gives, and the form (as
    sent, after a refusal; else filled with the values ``context`` gives)."""

    async def page(
        request: AnyRequest,
        session: AsyncSession,
        form: Form[Any] | None = None,
        *,
        status_code: int = 200,
    ) -> HTMXTemplate:
        shown, values = await context(request, session)
        form = form or Form(values=values)
        return render(request, template, status_code=status_code, form=form, **shown)

    return page


def page_route(path: str, page: FormPage) -> HTTPRouteHandler:
    """``GET path``: ``page`` (request, session), its form as the page fills it."""

    @get(path, name=f"page:{path}:{getattr(page, '__name__', 'page')}")
    async def handler(
        request: AnyRequest, db_session: NamedDependency[AsyncSession]
    ) -> HTMXTemplate:
        return await page(request, db_session)

    return handler


def form_route(
    path: str, schema: type[BaseModel], run: FormCall, *, page: FormPage, done: Done, flash: str
) -> HTTPRouteHandler:
    """``POST path``: the form as ``schema`` to ``run``; on refusal ``page`` again."""

    @post(path, status_code=303, name=f"form:{path}:{schema.__name__}")
    async def handler(
        request: AnyRequest, db_session: NamedDependency[AsyncSession]
    ) -> Redirect | HTMXTemplate:
        return await submitted(
            request,
            schema,
            partial(run, db_session, request),
            done=done,
            flash=flash,
            again=partial(page, request, db_session),
        )

    return handler


def button_route(
    path: str, key: str, run: ButtonCall, *, done: str, flash: str
) -> HTTPRouteHandler:
    """``POST path`` (whose parameter ``key`` names the object): ``run``, then a 303."""

    @post(path, status_code=303, name=f"button:{path}")
    async def handler(request: AnyRequest, db_session: NamedDependency[AsyncSession]) -> Redirect:
        await run(db_session, request, request.path_params[key])
        return redirect(_target(done, request, None), flash=flash)

    return handler


@dataclass(frozen=True)
class FormSpec:
    """A form of a section: ``POST path`` as ``schema`` to ``run``; ``page`` and ``done``
    default to the section's."""

    path: str
    schema: type[BaseModel]
    run: FormCall
    flash: str
    page: FormPage | None = None
    done: Done | None = None


@dataclass(frozen=True)
class ButtonSpec:
    """A one-button form of a section: ``POST path``, ``run`` on its parameter ``key``."""

    path: str
    key: str
    run: ButtonCall
    flash: str


def section(
    path: str,
    page: FormPage,
    done: str,
    specs: Sequence[FormSpec | ButtonSpec],
    *,
    guards: list[Any],
    extra: Sequence[Any] = (),
) -> Router:
    """The router of a section: ``GET /`` is ``page``; then ``specs``; then ``extra``."""
    handlers: list[Any] = [page_route("/", page)]
    for spec in specs:
        if isinstance(spec, FormSpec):
            page_of = spec.page or page
            target = spec.done or done
            handlers.append(
                form_route(
                    spec.path, spec.schema, spec.run, page=page_of, done=target, flash=spec.flash
                )
            )
        else:
            handlers.append(
                button_route(spec.path, spec.key, spec.run, done=done, flash=spec.flash)
            )
    return Router(path, guards=guards, route_handlers=[*handlers, *extra])
