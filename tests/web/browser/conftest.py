"""The browser harness: the real app over HTTP on its own database, driven by Debian's
Chromium through Playwright's sync API.

Fixtures (package-scoped unless said):

* ``live_settings`` — the settings the live server runs with (its database URL: a test
  may run the app's jobs on the same database);
* ``live_server`` — the base URL (``http://127.0.0.1:<port>``) of the app served by uvicorn in
  a thread, on a database of its own (``giamsat_web_<pid>_<hex>``, built by
  ``alembic upgrade head``, seeded with the reference data and the demo accounts of
  ``service.demo_accounts``, password ``DEMO_PASSWORD``), dropped at the end;
* ``browser`` — Chromium at ``/usr/bin/chromium`` (Playwright never downloads a browser);
* ``page`` (per test) — a fresh context (no cookies) and page with ``base_url`` set, so
  ``page.goto("/console")`` works; requests leaving 127.0.0.1 are aborted (the pages must
  work on a network with no internet), and a CSP violation reported by the browser fails
  the test;
* ``login_as`` (per test) — ``login_as(page, "mttq.hoankiem")`` logs in through the form;
* ``assert_accessible(page)`` (a function, imported from here) — axe-core (vendored under
  tests/web/vendor, tests only) on the current page; fails on serious or critical
  violations. ``assert_accessible_on_a_phone_too(page)`` does it at desktop width and again
  at a 360 px phone, where nothing may be wider than the screen; ``control(scope, label)`` is
  the input, select or textarea labelled ``label``, required or not.
* ``s3_live_settings`` and ``s3_server`` — the same with the S3 store (moto at
  ``GIAMSAT_TEST_S3_ENDPOINT``, a bucket of the run's own): one such server for every module
  that needs the browser's files to reach a real object store;
* ``serve(settings, data_dir)`` and ``open_page(browser, base_url)`` (context managers,
  imported from here) — what ``live_server`` and ``page`` are made of, for a module that
  needs the app with other settings (the S3 store) or two people at once;
* ``jobs_running(settings, queue)`` (a context manager) — a worker on the live database
  (the relay and ``queue``'s jobs) for a test that waits on a job's progress.

Playwright's sync API and pytest-asyncio: the suite runs async tests on one session-wide
event loop (pyproject: ``asyncio_default_*_loop_scope = "session"``). Playwright's sync API
runs its own loop in a greenlet and, between two sync calls, leaves that loop marked as the
thread's *running* loop; an async test started meanwhile would fail ("Cannot run the event
loop while another loop is running"), and ``sync_playwright()`` itself refuses to start inside
a running loop. So: the browser tests are sync tests in this package only, the
Playwright instance is package-scoped (stopped, and the thread's loop cleared, before any test
outside the package runs), and the fixtures that need async work (seeding the database) run
it in a thread of their own with ``asyncio.run``. Async tests of the web rules live next to
this package (tests/web/test_*.py) and use the ordinary ``client`` fixture.
"""

import asyncio
import itertools
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import uvicorn

from service.app import create_app
from service.db import create_engine
from service.demo_accounts import DEMO_ACCOUNTS, DEMO_API_KEY, DEMO_PASSWORD
from service.jobs.broker import broker_queue, setup_broker, start_worker
from service.jobs.relay import relay_once
from service.migrations.runner import upgrade
from service.settings import Settings
from service.wiring import build_wiring
from tests.conftest import SERVER_URL

CHROMIUM = Path("/usr/bin/chromium")
AXE_VERSION = "4.14.1"  # keep in step with scripts/vendor_web_assets.sh
AXE = Path(__file__).parents[1] / "vendor" / f"axe-core@{AXE_VERSION}" / "axe.min.js"
_AXE_URL = "/__tests__/axe.min.js"  # served by the test's route, on the page's origin

if not CHROMIUM.exists():
    pytest.skip(
        "needs Debian's chromium (apt-get install chromium; .ci/run installs it)",
        allow_module_level=True,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _in_a_thread(work: Callable[[], Any]) -> None:
    """Runs ``work`` in a thread of its own (with its own event loop if it uses one)."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


@contextmanager
def live_database(settings: Settings, data_dir: Path) -> Iterator[Settings]:
    """``settings`` (the suite's: cheap password hashing, a test secret) on a new database,
    migrated and seeded with the demo's accounts, dropped when the block ends."""
    from service.demo_data import seed_demo
    from tests.factories import ServerDatabase

    server_db = ServerDatabase(SERVER_URL)
    name = f"giamsat_web_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    url = server_db.create(name)
    try:
        settings = settings.model_copy(
            update={"database_url": url, "port": _free_port(), "data_dir": data_dir}
        )

        def build() -> None:
            upgrade(url)  # alembic's env runs its own event loop
            asyncio.run(seed_demo(settings, DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_API_KEY))

        _in_a_thread(build)
        yield settings
    finally:
        server_db.drop(name)


@contextmanager
def running(settings: Settings) -> Iterator[str]:
    """The app with ``settings`` served on its port until the block ends; its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=settings.port, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive(), "the app did not start"
        assert time.monotonic() < deadline, "the app did not start in time"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def serve(settings: Settings, data_dir: Path) -> Iterator[str]:
    """The app with ``settings`` on a new seeded database (a module needing other settings,
    e.g. the S3 store, opens its own server with this)."""
    with live_database(settings, data_dir) as live, running(live) as base_url:
        yield base_url


@pytest.fixture(scope="package")
def live_settings(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """The live server's settings, on its own database: for a test that also runs the app's
    jobs on it."""
    with live_database(settings, tmp_path_factory.mktemp("web")) as live:
        yield live


@pytest.fixture(scope="package")
def live_server(live_settings: Settings) -> Iterator[str]:
    with running(live_settings) as base_url:
        yield base_url


@pytest.fixture(scope="package")
def s3_live_settings(
    s3_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    with live_database(s3_settings, tmp_path_factory.mktemp("web-s3")) as live:
        yield live


@pytest.fixture(scope="package")
def s3_server(s3_live_settings: Settings) -> Iterator[str]:
    with running(s3_live_settings) as base_url:
        yield base_url


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        # Whatever state Playwright left, the next async test starts its loop afresh.
        asyncio.events._set_running_loop(None)


@contextmanager
def open_page(browser: Any, base_url: str, **options: Any) -> Iterator[Any]:
    """A fresh context (no cookies) and page on ``base_url`` (the ``page`` fixture; a test
    wanting two people at once opens a second): requests leaving 127.0.0.1 are aborted,
    and a CSP violation the browser reports fails the test."""
    from playwright.sync_api import Route

    context = browser.new_context(base_url=base_url, locale="vi-VN", **options)
    blocked: list[str] = []
    violations: list[str] = []

    def route(route: Route) -> None:
        target = urlsplit(route.request.url)
        if target.path == _AXE_URL:
            route.fulfill(path=AXE, content_type="text/javascript")
        elif target.hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    view = context.new_page()
    view.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield view
    context.close()
    assert not violations, violations
    assert not blocked, blocked


@pytest.fixture
def page(live_server: str, browser: Any) -> Iterator[Any]:
    with open_page(browser, live_server) as view:
        yield view


@pytest.fixture
def login_as() -> Callable[..., None]:
    def login(page: Any, username: str, password: str = DEMO_PASSWORD) -> None:
        page.goto("/console/login")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url("**/console")

    return login


def assert_accessible(page: Any) -> None:
    """axe-core on the page as it is now: no serious or critical violation (WCAG 2.1 AA)."""
    page.add_script_tag(url=_AXE_URL)
    result = page.evaluate(
        """() => axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            resultTypes: ["violations"],
        })"""
    )
    serious = [
        f"{item['id']} ({item['impact']}): {[node['target'] for node in item['nodes']]}"
        for item in result["violations"]
        if item["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{page.url}: {serious}"


DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
_SHOT_NUMBERS = itertools.count(1)


def assert_accessible_on_a_phone_too(page: Any) -> None:
    """``assert_accessible`` at desktop width, then at a 360 px phone, where the page must not
    scroll sideways (a wide table scrolls in its own box); the page is left at desktop width.
    With ``GIAMSAT_TEST_SHOTS`` set to a folder, each width is also saved there as a picture
    (a person still has to look at them)."""
    shots = os.environ.get("GIAMSAT_TEST_SHOTS")
    number = next(_SHOT_NUMBERS)
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        if shots:
            stem = urlsplit(page.url).path.strip("/").replace("/", "_") or "home"
            page.screenshot(path=f"{shots}/{number:02d}-{stem}-{name}.png", full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{page.url} is {overflow} px wider than a {size['width']} px screen"
        assert_accessible(page)
    page.set_viewport_size(DESKTOP)


def control(scope: Any, label: str) -> Any:
    """The input, select or textarea labelled ``label`` in ``scope`` (a page, a form), required
    (its label then ends "(bắt buộc)") or not; a section named by the same words is not it."""
    labelled = scope.get_by_label(re.compile(rf"^{re.escape(label)}( \(bắt buộc\))?$"))
    return labelled.and_(scope.locator("input, select, textarea"))


@contextmanager
def jobs_running(settings: Settings, queue: str) -> Iterator[None]:
    """A worker on the live database while the block runs: the relay publishes the outbox to
    the broker and ``queue``'s jobs run, until the block ends (then any failure is raised)."""
    stop = threading.Event()

    async def work() -> None:
        engine = create_engine(settings)
        wiring = build_wiring(settings)
        sessions = wiring.sessions(engine)
        broker = setup_broker(settings, wiring)
        worker = start_worker(broker, threads=1, queues={queue})
        try:
            while not stop.is_set():
                await relay_once(sessions, broker, 100)
                await asyncio.to_thread(
                    broker.join, broker_queue(broker, queue), timeout=120_000, fail_fast=False
                )  # type: ignore[call-arg]
                await asyncio.sleep(0.2)
        finally:
            await asyncio.to_thread(worker.stop, 10_000)
            await engine.dispose()

    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(work())
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(60)
    assert not failure, failure
