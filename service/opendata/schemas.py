"""The open-data index as the API answers it."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict


class ReleasedFile(BaseModel):
    dataset: str
    format: str
    day: date
    url: str
    size_bytes: int
    rows: int
    sha256: str


class OpenDataIndex(BaseModel):
    # The data dictionary: a Frictionless Data package (Table Schemas) and a CSV of fields.
    datapackage: str
    dictionary: str
    # dataset -> format -> the stable URL of its newest file (a redirect to the dated one).
    latest: dict[str, dict[str, str]]
    # The newest days' files, newest first.
    files: list[ReleasedFile]


class DataPackage(BaseModel):
    """The data dictionary as a Frictionless Data package: its named members, and the rest
    of the standard's (``x-…-en`` English, licences, …) as they are."""

    model_config = ConfigDict(extra="allow")

    name: str
    title: str
    description: str
    resources: list[dict[str, Any]]
