"""The daily open-data files (issue 13 §5): the published answers, redacted as the feeds show
them, in CSV and JSON that agree with each other and with the database; written to a real S3
endpoint, once per day (the job is idempotent); served without login from the store, with a
stable ``latest`` URL, dated files and the data dictionary."""

import csv
import hashlib
import io
import json
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.deadlines.models import ItemKind
from service.opendata import dictionary
from service.opendata import service as opendata
from service.opendata.models import Dataset, FileFormat, OpenDataFile
from service.settings import Settings
from service.storage.local import LocalObjectStore
from service.storage.s3 import S3ObjectStore
from service.storage.store import ObjectStore
from tests.feeds.test_answer_feeds import PERSONAL, published
from tests.replies.conftest import StandInProvider, World
from tests.replies.conftest import provider as provider  # the fixtures of the replies tests
from tests.replies.conftest import wiring as wiring
from tests.replies.conftest import world as world

BASE = "/api/v1/public/open-data"


async def stored(store: ObjectStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in await store.open(key)])


def csv_rows(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets need for Vietnamese
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


async def some_answers(session: AsyncSession, world: World, provider: StandInProvider) -> None:
    await published(
        session,
        world,
        provider,
        "Đã thu gom rác, gọi 0904-111-222.",
        title='Rác thải tại ngõ 5, "khẩn"',
        description="Tôi là Nguyễn Văn A, CCCD 001 203 004 567, email a.nguyen@example.vn.",
    )
    await published(session, world, provider, "Đã sửa.\nDòng hai; có dấu phẩy, ổn.", title="Đèn")
    await published(
        session, world, provider, "Bí mật", title="Tố cáo cán bộ", kind=ItemKind.denunciation
    )


def tomorrow(settings: Settings) -> Any:
    """A release day after today's answers (a file dated D holds what was public before D)."""
    return opendata.release_day(utcnow(), settings) + timedelta(days=1)


async def test_the_files_agree_with_the_database_and_with_each_other(
    session: AsyncSession,
    world: World,
    provider: StandInProvider,
    s3_store: S3ObjectStore,
    settings: Settings,
    client: httpx.AsyncClient,
) -> None:
    await some_answers(session, world, provider)
    day = tomorrow(settings)
    built = await opendata.build_release(session, s3_store, settings, day)
    assert {(row.dataset, row.format) for row in built} == {
        (dataset, file_format) for dataset in Dataset for file_format in FileFormat
    }
    files = {(row.dataset, row.format): row for row in built}

    answers_csv = await stored(s3_store, files[Dataset.answers, FileFormat.csv].object_key)
    answers_json = await stored(s3_store, files[Dataset.answers, FileFormat.json].object_key)
    for row, body in (
        (files[Dataset.answers, FileFormat.csv], answers_csv),
        (files[Dataset.answers, FileFormat.json], answers_json),
    ):
        assert row.sha256 == hashlib.sha256(body).hexdigest()
        assert row.size_bytes == len(body)
    from_csv = csv_rows(answers_csv)
    from_json = json.loads(answers_json)
    assert [r["id"] for r in from_csv] == [r["id"] for r in from_json]
    assert list(from_csv[0]) == dictionary.field_names(Dataset.answers)
    assert files[Dataset.answers, FileFormat.csv].rows == 2

    # What the public feed shows, oldest first, and nothing else (no denunciation).
    everything = (await client.get("/api/v1/public/answers")).json()["items"]
    # The stand-in provider let the denunciation through; the open data refuses it anyway.
    feed = [item for item in everything if item["item_kind"] != ItemKind.denunciation]
    assert len(feed) == len(everything) - 1
    assert [r["id"] for r in from_csv] == [item["id"] for item in reversed(feed)]
    for record, item in zip(from_json, reversed(feed), strict=True):
        assert record["title"] == item["title"]
        assert record["answer_text"] == item["answer_text"]
        assert record["agency_name"] == item["agency_name"]
        assert record["unit_name"] == "Phường Hoàn Kiếm"
        assert record["url"].endswith(f"/tra-loi/{item['id']}")
        assert record["published_at"].endswith("+07:00")
    for csv_record, json_record in zip(from_csv, from_json, strict=True):
        for name, value in json_record.items():
            assert csv_record[name] == ("" if value is None else str(value)), name
    text = answers_csv.decode() + answers_json.decode()
    for secret in (*PERSONAL, "Tố cáo cán bộ", "Bí mật"):
        assert secret not in text
    assert "Đã sửa.\nDòng hai; có dấu phẩy, ổn." in {r["answer_text"] for r in from_csv}

    # Answers published on the release day itself wait for the next day's file.
    today = await opendata.build_release(session, s3_store, settings, day - timedelta(days=1))
    empty = {(row.dataset, row.format): row for row in today}
    assert empty[Dataset.answers, FileFormat.csv].rows == 0
    empty_json = empty[Dataset.answers, FileFormat.json].object_key
    assert json.loads(await stored(s3_store, empty_json)) == []


async def test_a_second_run_of_the_day_writes_nothing(
    session: AsyncSession,
    world: World,
    provider: StandInProvider,
    s3_store: S3ObjectStore,
    settings: Settings,
) -> None:
    await some_answers(session, world, provider)
    day = tomorrow(settings) + timedelta(days=1)
    first = await opendata.build_release(session, s3_store, settings, day)
    assert len(first) == 4
    bodies = {row.object_key: await stored(s3_store, row.object_key) for row in first}
    await published(session, world, provider, "Muộn hơn", title="Công bố sau")
    assert await opendata.build_release(session, s3_store, settings, day) == []
    for key, body in bodies.items():
        assert await stored(s3_store, key) == body  # the day's files did not change
    count = await session.execute(
        select(func.count()).select_from(OpenDataFile).where(OpenDataFile.day == day)  # type: ignore[arg-type]
    )
    assert count.scalar_one() == 4


async def test_served_without_login_latest_dated_and_dictionary(
    session: AsyncSession,
    world: World,
    provider: StandInProvider,
    settings: Settings,
    client: httpx.AsyncClient,
) -> None:
    await some_answers(session, world, provider)
    store = LocalObjectStore.from_settings(settings)  # the app's store in the tests
    await store.start()
    older, newer = tomorrow(settings) + timedelta(days=10), tomorrow(settings) + timedelta(days=11)
    await opendata.build_release(session, store, settings, older)
    await opendata.build_release(session, store, settings, newer)

    index = await client.get(f"{BASE}/")
    assert index.status_code == 200, index.text
    body = index.json()
    assert body["latest"]["answers"]["csv"].endswith(f"{BASE}/answers/latest.csv")
    assert [f["day"] for f in body["files"][:4]] == [newer.isoformat()] * 4

    latest = await client.get(f"{BASE}/answers/latest.csv")
    assert latest.status_code == 302
    dated = f"{BASE}/answers/{newer.isoformat()}.csv"
    assert latest.headers["location"].endswith(dated)
    response = await client.get(dated)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"  # named once
    assert f"giamsat-answers-{newer.isoformat()}.csv" in response.headers["content-disposition"]
    assert len(csv_rows(response.content)) == 2
    assert response.headers["etag"] == f'"{hashlib.sha256(response.content).hexdigest()}"'
    again = await client.get(dated, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    old = await client.get(f"{BASE}/statistics/{older.isoformat()}.json")
    assert old.status_code == 200
    assert isinstance(old.json(), list)
    assert "immutable" in old.headers["cache-control"]  # a day's counts never change
    # An older answers file is not served: it may hold an answer whose citizen withdrew
    # consent since; the newest is.
    replaced = await client.get(f"{BASE}/answers/{older.isoformat()}.csv")
    assert replaced.status_code == 302
    assert replaced.headers["location"].endswith(dated)
    assert "immutable" not in response.headers["cache-control"]

    for missing in (
        f"{BASE}/answers/2001-01-01.csv",
        f"{BASE}/answers/latest.xml",
        f"{BASE}/complaints/latest.csv",
        f"{BASE}/answers/yesterday.csv",
        f"{BASE}/answers/latest",
    ):
        refused = await client.get(missing)
        assert refused.status_code == 404, missing
        assert refused.headers["content-type"].startswith("application/problem+json")

    fields = csv_rows((await client.get(f"{BASE}/dictionary.csv")).content)
    package = (await client.get(f"{BASE}/datapackage.json")).json()
    for dataset in Dataset:
        named = [f["field"] for f in fields if f["dataset"] == dataset.value]
        assert named == dictionary.field_names(dataset)
        [resource] = [r for r in package["resources"] if r["name"] == f"{dataset.value}-csv"]
        assert [f["name"] for f in resource["schema"]["fields"]] == named
    for field in fields:
        assert field["description_vi"]
        assert field["description_en"]
        assert field["description_vi"] != field["description_en"]
