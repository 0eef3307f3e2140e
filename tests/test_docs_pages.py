"""The API docs pages work with no internet and send a Content-Security-Policy (issue 10, 21).

The HTML may reference only the app's own, pinned assets; and in a real browser (Debian's
chromium through Playwright) with every request to another host blocked, Swagger UI and Scalar
render the API's operations, with no CSP violation.
"""

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn

from service.app import create_app
from service.csp import inline_script_hashes
from service.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
DOCS_PAGES = ["/schema", "/schema/swagger"]
_REFERENCE = re.compile(rb"""(?:src|href)\s*=\s*["']([^"']+)["']""", re.I)


async def test_docs_pages_reference_only_local_pinned_assets(client: httpx.AsyncClient) -> None:
    for page in DOCS_PAGES:
        response = await client.get(page)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        references = [ref.decode() for ref in _REFERENCE.findall(response.content)]
        assert references, page
        for reference in references:
            assert not urlsplit(reference).netloc, f"{page} loads {reference} from elsewhere"
            asset = await client.get(reference)
            assert asset.status_code == 200, reference
            if "/vendor/" in reference:
                assert re.search(r"@\d+\.\d+\.\d+/", reference), "a pinned version in the URL"
                assert "immutable" in asset.headers["cache-control"]
        assert b"@latest" not in response.content
    # The static route serves files under service/static only.
    for outside in ["/static/../app.py", "/static/%2e%2e/settings.py", "/static/vendor/"]:
        assert (await client.get(outside)).status_code == 404, outside


async def test_every_html_response_has_a_policy(client: httpx.AsyncClient) -> None:
    for page in [*DOCS_PAGES, "/schema/oauth2-redirect.html"]:
        response = await client.get(page)
        assert response.status_code == 200, page
        policy = response.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        # Inline scripts by hash only, each one of the page's own.
        assert "'unsafe-inline'" not in directives["script-src"]
        assert "'unsafe-eval'" not in directives["script-src"]
        for digest in inline_script_hashes(response.content):
            assert digest in directives["script-src"]
        assert "http" not in policy
    # Not HTML: no policy needed (and none added to JSON the API sends).
    assert "content-security-policy" not in (await client.get("/health")).headers


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over real HTTP (the docs pages need no database)."""
    port = _free_port()
    settings = Settings(
        port=port,
        data_dir=tmp_path_factory.mktemp("docs"),
        database_url="postgresql://postgres@127.0.0.1:5432/postgres",
        broker="stub",
        log_level="WARNING",
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.1)
    yield base
    server.should_exit = True
    thread.join(10)


@pytest.mark.skipif(
    not CHROMIUM.exists() or shutil.which("chromium") is None,
    reason="needs Debian's chromium (apt-get install chromium; .ci/run installs it)",
)
@pytest.mark.parametrize(
    ("page", "rendered"),
    [
        ("/schema/swagger", ".opblock .opblock-summary-path"),
        ("/schema", 'text="/ready"'),  # Scalar's list of a tag's operations
    ],
)
def test_docs_render_in_a_browser_with_no_internet(served: str, page: str, rendered: str) -> None:
    from playwright.sync_api import Route, sync_playwright

    blocked: list[str] = []
    problems: list[str] = []

    def only_localhost(route: Route) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            context = browser.new_context()
            context.route("**/*", only_localhost)
            view = context.new_page()
            view.on(
                "console",
                lambda message: (
                    problems.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            view.on("pageerror", lambda error: problems.append(str(error)))
            view.goto(served + page, wait_until="load")
            view.wait_for_selector(rendered, timeout=60_000)
            assert view.locator("body").inner_text().strip(), "a blank page"
        finally:
            browser.close()
    assert problems == []
    # Nothing the page needs lives elsewhere (what was blocked was optional, and is listed).
    assert blocked == []
