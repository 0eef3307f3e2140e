"""Fixtures of the Open311 tests: the petitions tests' reference data, API client and staff,
and helpers that speak GeoReport (form posts, XML parsed with ``xml.etree``)."""

from typing import Any
from xml.etree import ElementTree

import httpx

from tests.factories import HOAN_KIEM
from tests.petitions.conftest import Api
from tests.petitions.conftest import api as api  # the petitions tests' fixtures
from tests.petitions.conftest import policy as policy
from tests.petitions.conftest import staff as staff

BASE = "/open311/v2"
DESCRIPTION = "Cống thoát nước trước số 12 Hàng Bông bị tắc, nước tràn lên vỉa hè sau mỗi trận mưa."


def report(api: Api, **overrides: Any) -> dict[str, str]:
    """A GeoReport POST a citizen app would send (form fields)."""
    form = {
        "api_key": api.key,
        "service_code": "environment_sanitation",
        "lat": "21.0287",
        "long": "105.8521",
        "attribute[ward]": HOAN_KIEM,
        "attribute[consent_to_process]": "true",
        "description": DESCRIPTION,
        "device_id": "device-1",
    }
    form.update(overrides)
    return {name: value for name, value in form.items() if value is not None}


async def post_report(
    client: httpx.AsyncClient, api: Api, fmt: str = "json", **overrides: Any
) -> httpx.Response:
    return await client.post(f"{BASE}/requests.{fmt}", data=report(api, **overrides))


async def filed_code(client: httpx.AsyncClient, api: Api, **overrides: Any) -> str:
    response = await post_report(client, api, **overrides)
    assert response.status_code == 201, response.text
    return str(response.json()[0]["service_request_id"])


def parse_xml(response: httpx.Response) -> ElementTree.Element:
    assert response.headers["content-type"].startswith("text/xml"), response.headers
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), response.content
    return ElementTree.fromstring(response.content)


def children(element: ElementTree.Element) -> list[str]:
    return [child.tag for child in element]
