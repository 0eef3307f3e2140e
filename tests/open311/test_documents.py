"""The read-only documents (discovery, services, service definitions) and the error format,
against the specification's examples, in XML and JSON."""

from xml.etree import ElementTree

import httpx
import pytest

from tests.factories import HOAN_KIEM
from tests.open311 import spec_examples as spec
from tests.open311.conftest import BASE, children, parse_xml
from tests.open311.shapes import assert_json_like, assert_xml_like

pytestmark = pytest.mark.usefixtures("policy")


async def test_discovery(client: httpx.AsyncClient) -> None:
    xml = parse_xml(await client.get(f"{BASE}/discovery.xml"))
    assert_xml_like(xml, ElementTree.fromstring(spec.DISCOVERY_XML))
    [endpoint] = xml.find("endpoints") or []
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url", "").endswith("/open311/v2")
    assert [f.text for f in endpoint.iter("format")] == ["text/xml", "application/json"]
    response = await client.get(f"{BASE}/discovery.json")
    assert response.headers["content-type"].startswith("application/json")
    assert_json_like(response.json(), spec.DISCOVERY_JSON)


async def test_services_list_our_categories(client: httpx.AsyncClient) -> None:
    xml = parse_xml(await client.get(f"{BASE}/services.xml"))
    assert_xml_like(xml, ElementTree.fromstring(spec.SERVICES_XML))
    codes = [service.findtext("service_code") for service in xml]
    assert "environment_sanitation" in codes
    assert len(codes) == len(set(codes)) >= 9
    named = {s.findtext("service_code"): s.findtext("service_name") for s in xml}
    assert named["environment_sanitation"] == "Môi trường, vệ sinh"
    json = (await client.get(f"{BASE}/services.json")).json()
    assert_json_like(json, spec.SERVICES_JSON)
    assert [s["service_code"] for s in json] == codes
    english = await client.get(f"{BASE}/services.json", headers={"Accept-Language": "en"})
    assert {s["service_name"] for s in english.json()} >= {"Environment and sanitation"}
    assert english.headers["content-language"] == "en"
    assert english.headers["vary"] == "Accept-Language"


async def test_without_a_suffix_the_format_is_xml(client: httpx.AsyncClient) -> None:
    bare = await client.get(f"{BASE}/services")
    assert parse_xml(bare).tag == "services"
    assert bare.content == (await client.get(f"{BASE}/services.xml")).content


async def test_a_service_definition_has_the_ward_list_and_the_consents(
    client: httpx.AsyncClient,
) -> None:
    xml = parse_xml(await client.get(f"{BASE}/services/environment_sanitation.xml"))
    assert_xml_like(xml, ElementTree.fromstring(spec.DEFINITION_XML))
    attributes = {a.findtext("code"): a for a in xml.iter("attribute")}
    assert list(attributes) == ["ward", "kind", "title", "consent_to_process", "consent_to_publish"]
    for attribute in attributes.values():
        assert attribute.findtext("datatype") in spec.DATATYPES
    wards = {v.findtext("key"): v.findtext("name") for v in attributes["ward"].iter("value")}
    assert wards[HOAN_KIEM] == "Phường Hoàn Kiếm"
    assert len(wards) == 126  # Hanoi's 51 wards and 75 communes
    kinds = [v.findtext("key") for v in attributes["kind"].iter("value")]
    assert kinds == ["feedback", "recommendation"]  # never a complaint or denunciation
    assert attributes["consent_to_process"].findtext("required") == "true"
    json = (await client.get(f"{BASE}/services/environment_sanitation.json")).json()
    assert_json_like(json, spec.DEFINITION_JSON)
    assert [a["order"] for a in json["attributes"]] == [1, 2, 3, 4, 5]
    assert json["attributes"][2]["datatype"] == "string"
    assert json["attributes"][2]["values"] == []


@pytest.mark.parametrize("fmt", ["xml", "json"])
async def test_an_unknown_service_is_a_404_in_the_spec_format(
    client: httpx.AsyncClient, fmt: str
) -> None:
    response = await client.get(f"{BASE}/services/no_such_thing.{fmt}")
    assert response.status_code == 404
    if fmt == "xml":
        xml = parse_xml(response)
        assert_xml_like(xml, ElementTree.fromstring(spec.ERRORS_XML))
        assert children(xml) == ["error"]
        assert xml.findtext("error/code") == "404"
        assert "no_such_thing" in (xml.findtext("error/description") or "")
    else:
        assert_json_like(response.json(), spec.ERRORS_JSON)
        assert response.json()[0]["code"] == 404
        assert response.json()[0]["description"] == "Không có dịch vụ (lĩnh vực) mã no_such_thing."


async def test_another_jurisdiction_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{BASE}/services.json", params={"jurisdiction_id": "sf.gov"})
    assert response.status_code == 404
    assert "sf.gov" in response.json()[0]["description"]
    ours = await client.get(f"{BASE}/services.json", params={"jurisdiction_id": "hanoi.giamsat.vn"})
    assert ours.status_code == 200


def test_a_text_xml_cannot_carry_leaves_the_document_readable() -> None:
    from service.open311.formats import to_xml
    from service.open311.schemas import Error

    body = to_xml("errors", [Error(code=400, description="a\x0bb\x00c\ufffed <&> đ")], "UTC")
    assert ElementTree.fromstring(body).findtext("error/description") == "abcd <&> đ"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/nothing.json", 404),
        ("GET", "/a/b/c.xml", 404),
        ("DELETE", "/services.json", 405),
        ("PUT", "/requests/HN-2026-000001.xml", 405),
    ],
)
async def test_errors_before_routing_are_in_the_spec_format_too(
    client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, BASE + path)
    assert response.status_code == status
    if path.endswith(".json"):
        assert_json_like(response.json(), spec.ERRORS_JSON)
        assert response.json()[0]["code"] == status
    else:
        xml = parse_xml(response)
        assert_xml_like(xml, ElementTree.fromstring(spec.ERRORS_XML))
        assert xml.findtext("error/code") == str(status)
