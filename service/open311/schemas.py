"""The documents of GeoReport v2, field for field as the specification names and orders them
(http://wiki.open311.org/GeoReport_v2), and the form a client posts.

Each response model is one element of the spec's XML (its fields are the child elements, in
the spec's order) and one object of its JSON; ``formats`` renders both from the same model,
so the two cannot drift apart. Lists are wrapped the spec's way (``ROOTS``/``ITEMS``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.text import OptionalText

Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]


class Endpoint(BaseModel):
    specification: str
    url: str
    changeset: datetime
    type: Literal["production", "test"]
    formats: list[str]


class Discovery(BaseModel):
    changeset: datetime
    contact: str
    key_service: str
    endpoints: list[Endpoint]


class Service(BaseModel):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class AttributeValue(BaseModel):
    key: str
    name: str


class Attribute(BaseModel):
    variable: bool
    code: str
    datatype: Datatype
    required: bool
    datatype_description: str | None
    order: int
    description: str
    values: list[AttributeValue] = Field(default_factory=list)


class ServiceDefinition(BaseModel):
    service_code: str
    attributes: list[Attribute]


class RequestCreated(BaseModel):
    """The answer to ``POST requests``: the id at once (we create the petition in the same
    transaction, so no token has to wait for a batch), the notice, the caller's account."""

    service_request_id: str
    token: str
    service_notice: str
    account_id: str | None


class TokenAnswer(BaseModel):
    service_request_id: str
    token: str


class ServiceRequest(BaseModel):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str | None
    service_name: str
    service_code: str
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: datetime
    updated_datetime: datetime
    expected_datetime: datetime | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class Error(BaseModel):
    code: int
    description: str


class RequestForm(BaseModel):
    """``POST requests`` as the spec names its fields (``attribute[code]`` are read apart).
    Every text is NFC-normalised and stripped (``service.text``); the petition's own schema
    judges the rest, so a rule of intake is written once."""

    model_config = ConfigDict(extra="ignore")

    api_key: OptionalText = Field(default=None, max_length=200)
    jurisdiction_id: OptionalText = Field(default=None, max_length=200)
    service_code: OptionalText = Field(default=None, max_length=64)
    lat: OptionalText = Field(default=None, max_length=32)
    long: OptionalText = Field(default=None, max_length=32)
    address_string: OptionalText = Field(default=None, max_length=500)
    address_id: OptionalText = Field(default=None, max_length=100)
    email: OptionalText = Field(default=None, max_length=254)
    device_id: OptionalText = Field(default=None, max_length=200)
    account_id: OptionalText = Field(default=None, max_length=200)
    first_name: OptionalText = Field(default=None, max_length=100)
    last_name: OptionalText = Field(default=None, max_length=100)
    phone: OptionalText = Field(default=None, max_length=20)
    description: OptionalText = Field(default=None, max_length=10_000)
    media_url: OptionalText = Field(default=None, max_length=2000)
