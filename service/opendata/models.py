"""The files of the open-data releases: one row per dataset, format and day, written by the
``opendata.build`` job once the file is in the object store (migration 0310)."""

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from service.db import timestamp_now, uuid_id


class Dataset(StrEnum):
    answers = "answers"  # the published answers, redacted as the public feed shows them
    statistics = "statistics"  # petitions per ward × category × month


class FileFormat(StrEnum):
    csv = "csv"
    json = "json"


class OpenDataFile(SQLModel, table=True):
    """A released file. The row is written after the upload, so a row always names a whole
    file; a day's file is built once (the job skips a (dataset, format, day) it has)."""

    __tablename__ = "open_data_file"
    __table_args__ = (
        sa.UniqueConstraint("dataset", "format", "day", name="uq_open_data_file_day"),
    )

    id: uuid.UUID = uuid_id()
    dataset: Dataset = Field(sa_type=sa.String(16))
    format: FileFormat = Field(sa_type=sa.String(8))
    # The local (Asia/Ho_Chi_Minh) day of the release; it holds what was public before it.
    day: date
    object_key: str = Field(max_length=512)
    size_bytes: int = Field(sa_type=sa.BigInteger)
    sha256: str = Field(max_length=64)
    rows: int = Field(sa_type=sa.BigInteger)
    created_at: datetime = timestamp_now()
