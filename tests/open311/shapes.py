"""Comparing our documents with the specification's examples: the same element and member
names in the same order, and values of the same type."""

from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from tests.open311.spec_examples import BOOLEANS, DATETIMES, NUMBERS

LISTS = {"services", "service_requests", "errors", "attributes", "values", "endpoints", "formats"}
# Members the spec's examples leave empty or null, or fill, as the case may be.
OPTIONAL = {
    "status_notes",
    "description",
    "agency_responsible",
    "service_notice",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
    "account_id",
    "datatype_description",
}


def _check_leaf(tag: str, text: str | None) -> None:
    if not text:
        assert tag in OPTIONAL or tag in {"keywords", "group"}, f"<{tag}> is empty"
        return
    if tag in DATETIMES:
        assert datetime.fromisoformat(text).tzinfo is not None, (tag, text)
    elif tag in NUMBERS:
        float(text)
    elif tag in BOOLEANS:
        assert text in {"true", "false"}, (tag, text)


def assert_xml_like(ours: ElementTree.Element, spec: ElementTree.Element) -> None:
    assert ours.tag == spec.tag
    if ours.tag in LISTS:
        assert len(spec), spec.tag
        for item in ours:
            assert_xml_like(item, spec[0])
        return
    if len(spec) == 0:
        assert len(ours) == 0, f"<{ours.tag}> has children"
        _check_leaf(ours.tag, ours.text)
        return
    assert [c.tag for c in ours] == [c.tag for c in spec], ours.tag
    for mine, theirs in zip(ours, spec, strict=True):
        assert_xml_like(mine, theirs)


def assert_json_like(ours: Any, spec: Any, name: str = "") -> None:
    if isinstance(spec, list):
        assert isinstance(ours, list), name
        for item in ours:
            assert_json_like(item, spec[0], name)
    elif isinstance(spec, dict):
        assert isinstance(ours, dict), name
        assert list(ours) == list(spec), name
        for key, value in spec.items():
            assert_json_like(ours[key], value, key)
    elif ours is None or spec is None:
        assert name in OPTIONAL, f"{name}: {ours!r} for {spec!r}"
        assert ours is None or isinstance(ours, str | float | int), name
    elif isinstance(spec, float):
        assert isinstance(ours, float | int), name
        assert not isinstance(ours, bool), name
    else:
        assert type(ours) is type(spec), f"{name}: {ours!r} is not like {spec!r}"
        if name in DATETIMES:
            assert datetime.fromisoformat(ours).tzinfo is not None, name
