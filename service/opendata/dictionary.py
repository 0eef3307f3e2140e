"""The data dictionary: every field of every open-data file, once.

The writers take their columns from here, and the dictionary files (a Frictionless Data
package, ``datapackage.json``, with a Table Schema per dataset, and ``dictionary.csv``) are
rendered from here, so a file and its description cannot drift apart. Descriptions are
catalogue messages (``opendata.field.<dataset>.<name>``), given in Vietnamese and English.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from service.i18n import translate
from service.opendata.models import Dataset, FileFormat


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Table Schema types: string, integer, date, datetime, yearmonth
    required: bool = False

    def description(self, dataset: Dataset, locale: str) -> str:
        return translate(f"opendata.field.{dataset.value}.{self.name}", locale)


# Where a row belongs: its ward or commune and its category, codes with their names (both
# datasets, so a reader joins them on the same four fields).
PLACE = (
    Column("unit_code", "string"),
    Column("unit_name", "string"),
    Column("category_code", "string"),
    Column("category_name", "string"),
)
COLUMNS: dict[Dataset, tuple[Column, ...]] = {
    Dataset.answers: (
        Column("id", "string", required=True),
        Column("published_at", "datetime", required=True),
        *PLACE,
        Column("kind", "string", required=True),
        Column("agency_name", "string", required=True),
        Column("outcome", "string", required=True),
        Column("title", "string", required=True),
        Column("description", "string"),
        Column("answer_text", "string", required=True),
        Column("legal_basis", "string"),
        Column("document_number", "string"),
        Column("document_date", "date"),
        Column("signer_title", "string"),
        Column("url", "string", required=True),
    ),
    Dataset.statistics: (
        Column("month", "yearmonth", required=True),
        *PLACE,
        Column("received", "integer", required=True),
        Column("answered", "integer", required=True),
        Column("routed", "integer", required=True),
        Column("routed_on_time", "integer", required=True),
    ),
}

MEDIA_TYPES = {FileFormat.csv: "text/csv; charset=utf-8", FileFormat.json: "application/json"}


def field_names(dataset: Dataset) -> list[str]:
    return [column.name for column in COLUMNS[dataset]]


def datapackage(base_url: str) -> dict[str, Any]:
    """The Frictionless Data package of the latest files, in both languages."""
    resources = []
    for dataset, columns in COLUMNS.items():
        for file_format in FileFormat:
            resources.append(
                {
                    "name": f"{dataset.value}-{file_format.value}",
                    "path": f"{base_url}/{dataset.value}/latest.{file_format.value}",
                    "format": file_format.value,
                    "mediatype": MEDIA_TYPES[file_format].split(";")[0],
                    "encoding": "utf-8",
                    "title": translate(f"opendata.dataset.{dataset.value}", "vi"),
                    "description": translate(f"opendata.dataset.{dataset.value}.about", "vi"),
                    "x-title-en": translate(f"opendata.dataset.{dataset.value}", "en"),
                    "x-description-en": translate(f"opendata.dataset.{dataset.value}.about", "en"),
                    "schema": {
                        "fields": [
                            {
                                "name": column.name,
                                "type": column.type,
                                "description": column.description(dataset, "vi"),
                                "x-description-en": column.description(dataset, "en"),
                                "constraints": {"required": column.required},
                            }
                            for column in columns
                        ]
                    },
                }
            )
    return {
        "name": "giamsat-open-data",
        "title": translate("opendata.package.title", "vi"),
        "x-title-en": translate("opendata.package.title", "en"),
        "description": translate("opendata.package.about", "vi"),
        "x-description-en": translate("opendata.package.about", "en"),
        "resources": resources,
    }


def dictionary_csv() -> bytes:
    """One row per field: dataset, field, type, required, Vietnamese and English text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["dataset", "field", "type", "required", "description_vi", "description_en"])
    for dataset, columns in COLUMNS.items():
        for column in columns:
            writer.writerow(
                [
                    dataset.value,
                    column.name,
                    column.type,
                    "true" if column.required else "false",
                    column.description(dataset, "vi"),
                    column.description(dataset, "en"),
                ]
            )
    return "\ufeff".encode() + out.getvalue().encode()
