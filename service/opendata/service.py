"""The daily open-data release: build each file into the object store, record it, find it.

A release day D (local, Asia/Ho_Chi_Minh) holds what was public before D 00:00: the published
answers (redacted, as the feeds show them) and the petitions' statistics per month × unit ×
category. Each (dataset, format) is written once per day: :func:`build_release` skips what is
recorded, so a second run of the job (a retry, a duplicate message) writes nothing; a run that
died after an upload and before its row writes the same key again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from service.errors import NotFound
from service.i18n import msg
from service.opendata import repository
from service.opendata.dictionary import MEDIA_TYPES, field_names
from service.opendata.models import Dataset, FileFormat, OpenDataFile
from service.opendata.schemas import OpenDataIndex, ReleasedFile
from service.opendata.writer import Written, encode
from service.settings import Settings
from service.storage.store import ObjectStore

PORTAL_ANSWERS = "/tra-loi"
BASE_PATH = "/api/v1/public/open-data"


def release_day(now: datetime, settings: Settings) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date()


def object_key(dataset: Dataset, file_format: FileFormat, day: date) -> str:
    return f"open-data/{dataset.value}/{day.isoformat()}.{file_format.value}"


def file_name(row: OpenDataFile) -> str:
    return f"giamsat-{row.dataset}-{row.day.isoformat()}.{row.format}"


async def _answer_records(
    session: AsyncSession, settings: Settings, day: date
) -> AsyncIterator[dict[str, Any]]:
    zone = ZoneInfo(settings.timezone)
    async for found in repository.stream_answers(session, day):
        row = found["row"]
        yield {
            "id": str(row.id),
            "published_at": row.published_at.astimezone(zone).isoformat(timespec="seconds"),
            "unit_code": row.unit_code,
            "unit_name": found["unit_name"],
            "category_code": row.category_code,
            "category_name": found["category_name"],
            "kind": row.item_kind,
            "agency_name": row.agency_name,
            "outcome": row.outcome,
            "title": row.title,
            "description": row.description,
            "answer_text": row.answer_text,
            "legal_basis": row.legal_basis,
            "document_number": row.document_number,
            "document_date": row.document_date.isoformat() if row.document_date else None,
            "signer_title": row.signer_title,
            "url": f"{settings.public_base_url}{PORTAL_ANSWERS}/{row.id}",
        }


def _records(
    session: AsyncSession, settings: Settings, dataset: Dataset, day: date
) -> AsyncIterator[dict[str, Any]]:
    if dataset is Dataset.answers:
        return _answer_records(session, settings, day)
    return repository.stream_statistics(session, day)


async def build_release(
    session: AsyncSession, store: ObjectStore, settings: Settings, day: date
) -> list[OpenDataFile]:
    """Write the files of ``day`` that are not released yet; the rows written."""
    await repository.lock_day(session, day)
    built: list[OpenDataFile] = []
    for dataset in Dataset:
        for file_format in FileFormat:
            if await repository.released(session, dataset, file_format, day) is not None:
                continue
            key = object_key(dataset, file_format, day)
            written = Written()
            chunks = encode(
                _records(session, settings, dataset, day),
                field_names(dataset),
                file_format,
                written,
            )
            await store.put_stream(key, chunks, content_type=MEDIA_TYPES[file_format])
            row = OpenDataFile(
                dataset=dataset,
                format=file_format,
                day=day,
                object_key=key,
                size_bytes=written.size_bytes,
                sha256=written.sha256,
                rows=written.rows,
            )
            if await repository.record(session, row):
                built.append(row)
    return built


def missing_file() -> NotFound:
    return NotFound(msg("open_data_not_found"))


def parse_name(dataset: str, name: str) -> tuple[Dataset, FileFormat, date | None]:
    """``answers``, ``2026-12-01.csv`` -> the file's dataset, format and day (None for
    ``latest``); 404 for anything else."""
    missing = missing_file()
    stem, dot, extension = name.rpartition(".")
    try:
        found = Dataset(dataset)
        file_format = FileFormat(extension)
    except ValueError:
        raise missing from None
    if not dot:
        raise missing
    if stem == "latest":
        return found, file_format, None
    try:
        return found, file_format, date.fromisoformat(stem)
    except ValueError:
        raise missing from None


async def find_file(
    session: AsyncSession, dataset: Dataset, file_format: FileFormat, day: date | None
) -> OpenDataFile:
    if day is None:
        row = await repository.latest(session, dataset, file_format)
    else:
        row = await repository.released(session, dataset, file_format, day)
    if row is None:
        raise missing_file()
    return row


def file_url(settings: Settings, row: OpenDataFile) -> str:
    return f"{settings.public_base_url}{BASE_PATH}/{row.dataset}/{row.day.isoformat()}.{row.format}"


async def index(session: AsyncSession, settings: Settings, days: int) -> OpenDataIndex:
    """What is released: the stable URLs, the dictionary, and the newest days' files."""
    base = settings.public_base_url + BASE_PATH
    newest = await repository.release_days(session, days)
    files = await repository.files_of_days(session, newest)
    return OpenDataIndex(
        datapackage=f"{base}/datapackage.json",
        dictionary=f"{base}/dictionary.csv",
        latest={
            dataset.value: {
                fmt.value: f"{base}/{dataset.value}/latest.{fmt.value}" for fmt in FileFormat
            }
            for dataset in Dataset
        },
        files=[
            ReleasedFile(
                dataset=row.dataset,
                format=row.format,
                day=row.day,
                url=file_url(settings, row),
                size_bytes=row.size_bytes,
                rows=row.rows,
                sha256=row.sha256,
            )
            for row in files
        ],
    )
