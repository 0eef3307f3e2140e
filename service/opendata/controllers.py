"""``/api/v1/public/open-data``: the daily open-data files, without login.

- ``/`` the index: stable URLs, the dictionary, the newest days' files;
- ``/datapackage.json`` and ``/dictionary.csv``: the data dictionary (Vietnamese and English);
- ``/{dataset}/latest.{csv|json}``: 302 to the newest dated file (a stable URL);
- ``/{dataset}/{YYYY-MM-DD}.{csv|json}``: the file, streamed from the object store, with its
  SHA-256 as a strong ETag (304 on ``If-None-Match``); a dated file never changes.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import HeaderParameter, PathParameter, QueryParameter
from litestar.response import Redirect, Stream
from litestar.status_codes import HTTP_200_OK, HTTP_302_FOUND, HTTP_304_NOT_MODIFIED

from service.http import preconditions
from service.opendata import dictionary
from service.opendata import service as opendata
from service.opendata.models import Dataset, FileFormat
from service.opendata.schemas import DataPackage, OpenDataIndex
from service.readonly import ReadSession
from service.settings import Settings
from service.storage.keys import content_disposition
from service.storage.store import ObjectNotFound, ObjectStore

IfNoneMatch = Annotated[
    str | None, HeaderParameter(name="If-None-Match", required=False, max_length=2000)
]
DATED_CACHE = "public, max-age=86400, immutable"
LATEST_CACHE = "public, max-age=300"


class OpenDataController(Controller):
    path = "/public/open-data"
    tags = ["public"]

    @get(
        "/",
        exclude_from_auth=True,
        operation_id="open_data_index",
        summary="The open-data files: stable URLs, the data dictionary, the newest days",
    )
    async def index(
        self,
        read_session: ReadSession,
        settings: NamedDependency[Settings],
        days: Annotated[int, QueryParameter(ge=1, le=366)] = 30,
    ) -> OpenDataIndex:
        return await opendata.index(read_session, settings, days)

    @get(
        "/datapackage.json",
        exclude_from_auth=True,
        operation_id="open_data_datapackage",
        summary="The data dictionary as a Frictionless Data package (Table Schemas)",
        media_type="application/json",
    )
    async def datapackage(self, settings: NamedDependency[Settings]) -> Response[DataPackage]:
        # An object in the OpenAPI document, as it is on the wire (it was documented as bytes).
        package = DataPackage.model_validate(
            dictionary.datapackage(settings.public_base_url + opendata.BASE_PATH)
        )
        return Response(
            package, media_type="application/json", headers={"Cache-Control": LATEST_CACHE}
        )

    @get(
        "/dictionary.csv",
        exclude_from_auth=True,
        operation_id="open_data_dictionary",
        summary="The data dictionary as CSV: one row per field, in Vietnamese and English",
        media_type="text/csv",  # Litestar adds the charset
    )
    async def dictionary_csv(self) -> Response[bytes]:
        return Response(
            dictionary.dictionary_csv(),
            media_type="text/csv",  # Litestar adds the charset
            headers={
                "Content-Disposition": content_disposition("giamsat-dictionary.csv"),
                "Cache-Control": LATEST_CACHE,
            },
        )

    @get(
        "/{dataset:str}/{name:str}",
        exclude_from_auth=True,
        operation_id="open_data_file",
        summary="One open-data file (`latest.csv` redirects to the newest dated file)",
        description=(
            "`dataset`: `answers` or `statistics`; `name`: `latest.csv`, `latest.json`, or "
            "a release day, `2026-12-01.csv`. A file dated D holds what was public before D "
            "00:00 in Asia/Ho_Chi_Minh."
        ),
        responses={
            HTTP_200_OK: ResponseSpec(
                data_container=bytes,
                media_type="*/*",
                description="The file: CSV (UTF-8 with a BOM) or a JSON array of objects.",
            ),
            HTTP_302_FOUND: ResponseSpec(
                data_container=None,
                generate_examples=False,
                description="`latest.*`, or an older day's answers file: to the newest file.",
            ),
            HTTP_304_NOT_MODIFIED: ResponseSpec(
                data_container=None,
                generate_examples=False,
                description="`If-None-Match` names the file's ETag; no body.",
            ),
        },
    )
    async def file(
        self,
        read_session: ReadSession,
        settings: NamedDependency[Settings],
        object_store: NamedDependency[ObjectStore],
        dataset: Annotated[str, PathParameter(max_length=32)],
        name: Annotated[str, PathParameter(max_length=32)],
        if_none_match: IfNoneMatch = None,
    ) -> Response[bytes] | Redirect | Stream:
        found, file_format, day = opendata.parse_name(dataset, name)
        row = await opendata.find_file(read_session, found, file_format, day)
        if day is not None and found is Dataset.answers:
            # Only the newest answers file is served: an older one may still hold an answer
            # whose citizen has since withdrawn consent to publish (the law's right to
            # withdraw), which the newest no longer does.
            newest = await opendata.find_file(read_session, found, file_format, None)
            if newest.day != row.day:
                day = None
                row = newest
        if day is None:
            return Redirect(
                opendata.file_url(settings, row),
                status_code=HTTP_302_FOUND,
                headers={"Cache-Control": LATEST_CACHE},
            )
        etag = f'"{row.sha256}"'
        # A day's statistics never change; its answers file is replaced by the next day's.
        cache = DATED_CACHE if found is Dataset.statistics else LATEST_CACHE
        headers = {"ETag": etag, "Cache-Control": cache}
        if if_none_match is not None and preconditions.none_match(if_none_match, etag):
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
        try:
            chunks = await object_store.open(row.object_key)
        except ObjectNotFound:
            raise opendata.missing_file() from None
        return Stream(
            chunks,
            # the type without its charset: Litestar adds "; charset=utf-8" to a text type
            media_type=dictionary.MEDIA_TYPES[FileFormat(row.format)].split(";")[0],
            headers={
                **headers,
                "Content-Length": str(row.size_bytes),
                "Content-Disposition": content_disposition(opendata.file_name(row)),
                "X-Content-Type-Options": "nosniff",
            },
        )


controllers = [OpenDataController]
