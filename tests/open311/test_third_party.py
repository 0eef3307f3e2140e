"""A third-party Open311 client against the real server over HTTP (uvicorn on a port, its
own database seeded as ``giamsat demo`` seeds it, with the demo's API key): it discovers the
endpoint, reads the services and a definition, files a request as a form, follows it by
token and by id, and lists requests, with nothing but a plain HTTP client and an XML parser.

Sync on purpose: the server runs in a thread with its own event loop (the browser harness's
``serve``), the client blocks as a real one would.
"""

from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest

from service.demo_accounts import DEMO_API_KEY
from service.settings import Settings
from tests.web.browser.conftest import serve

WARD = "00070"  # Phường Hoàn Kiếm


@pytest.fixture(scope="module")
def server(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve(settings, Path(tmp_path_factory.mktemp("open311"))) as base_url:
        yield base_url


def test_a_third_party_client_files_tracks_and_lists(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as http:
        discovery = ElementTree.fromstring(http.get("/open311/v2/discovery.xml").content)
        endpoint = discovery.find("endpoints/endpoint")
        assert endpoint is not None
        url = endpoint.findtext("url") or ""
        assert url.endswith("/open311/v2")
        assert "application/json" in [f.text for f in endpoint.iter("format")]

        services = http.get("/open311/v2/services.json")
        assert services.status_code == 200
        code = next(s["service_code"] for s in services.json() if s["metadata"])
        definition = http.get(f"/open311/v2/services/{code}.xml")
        attributes = ElementTree.fromstring(definition.content).iter("attribute")
        required = [a.findtext("code") for a in attributes if a.findtext("required") == "true"]
        assert required == ["consent_to_process"]

        form = {
            "api_key": DEMO_API_KEY,
            "service_code": code,
            "lat": "21.0285",
            "long": "105.8542",
            "attribute[ward]": WARD,
            "attribute[consent_to_process]": "true",
            "description": "Đèn chiếu sáng ngõ 5 phố Hàng Bông hỏng đã một tuần.",
            "device_id": "third-party-test",
        }
        created = http.post("/open311/v2/requests.xml", data=form)
        assert created.status_code == 201, created.text
        assert created.headers["content-type"].startswith("text/xml")
        request = ElementTree.fromstring(created.content).find("request")
        assert request is not None
        request_id, token = request.findtext("service_request_id"), request.findtext("token")
        assert request_id
        assert token
        retried = http.post("/open311/v2/requests.xml", data=form)
        assert retried.content == created.content  # a retry is the same request

        by_token = http.get(f"/open311/v2/tokens/{token}.json").json()
        assert by_token == [{"service_request_id": request_id, "token": token}]
        [one] = http.get(f"/open311/v2/requests/{request_id}.json").json()
        assert (one["service_request_id"], one["status"], one["service_code"]) == (
            request_id,
            "open",
            code,
        )
        listed = http.get("/open311/v2/requests.json", params={"status": "open"}).json()
        assert [r["service_request_id"] for r in listed].count(request_id) == 1

        refused = http.post("/open311/v2/requests.json", data={**form, "api_key": "wrong"})
        assert refused.status_code == 403
        assert refused.json()[0]["code"] == 403
        # No CSRF token, no cookie: the form post is a program's, as on the API.
        assert "set-cookie" not in created.headers
