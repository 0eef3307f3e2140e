"""Helpers shared by the web tests: a form's CSRF token, a console login over httpx."""

import re

import httpx

from tests.factories import PASSWORD

_TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


async def console_login(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD, next_path: str = ""
) -> httpx.Response:
    """Logs in as a browser does: the login page (its CSRF cookie and token), then the form."""
    page = await client.get("/console/login")
    return await client.post(
        "/console/login",
        data={
            "_csrf_token": csrf_token(page.text),
            "username": username,
            "password": password,
            "next": next_path,
        },
    )
