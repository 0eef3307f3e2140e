"""The open data's statistics per month × unit × category agree with the portal's figures
(``petitions.repository.figures``, read like the dashboard): the same petitions, the same
"answered", whether or not the summary fold has run."""

import csv
import io
import json
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.db import utcnow
from service.directory.reference_data import HANOI
from service.opendata import service as opendata
from service.opendata.models import Dataset, FileFormat
from service.petitions.repository import figures
from service.petitions.repository.dashboard import fold_changes
from service.settings import Settings
from service.storage.s3 import S3ObjectStore
from tests.factories import BA_DINH, HOAN_KIEM
from tests.petitions.conftest import IDENTIFIED, Api, filed, petition_body
from tests.petitions.conftest import api as api  # the fixtures of the petitions tests
from tests.petitions.conftest import policy as policy


async def statistics(
    session: AsyncSession, store: S3ObjectStore, settings: Settings, day: Any
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    built = {
        row.format: row
        for row in await opendata.build_release(session, store, settings, day)
        if row.dataset == Dataset.statistics
    }
    chunks = [c async for c in await store.open(built[FileFormat.csv].object_key)]
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline="")))
    chunks = [c async for c in await store.open(built[FileFormat.json].object_key)]
    return rows, json.loads(b"".join(chunks))


def by_ward(rows: list[dict[str, Any]], month: str) -> dict[str, tuple[int, ...]]:
    totals: dict[str, list[int]] = {}
    for row in rows:
        if row["month"] != month:
            continue
        sums = totals.setdefault(row["unit_code"], [0, 0, 0, 0])
        for index, name in enumerate(("received", "answered", "routed", "routed_on_time")):
            sums[index] += int(row[name])
    return {code: tuple(values) for code, values in totals.items()}


async def test_statistics_agree_with_the_portal_figures_before_and_after_the_fold(
    session: AsyncSession,
    client: httpx.AsyncClient,
    api: Api,
    s3_store: S3ObjectStore,
    settings: Settings,
) -> None:
    for body in (
        petition_body(),
        petition_body(),
        petition_body(category="traffic_infrastructure"),
        petition_body(unit_code=BA_DINH),
        petition_body(kind="denunciation", petitioner={**IDENTIFIED, "full_name": "Trần Thị B"}),
    ):
        await filed(client, api, body)
    today = opendata.release_day(utcnow(), settings)
    month = today.strftime("%Y-%m")
    wards = {
        w.code: (w.received, w.answered, w.routed, w.on_time)
        for w in await figures.year_by_ward(session, HANOI, today.year)
    }

    rows, records = await statistics(session, s3_store, settings, today + timedelta(days=1))
    assert [{k: str(v) if v is not None else "" for k, v in r.items()} for r in records] == rows
    counted = by_ward(rows, month)
    this_year = [r for r in rows if r["month"].startswith(f"{today.year}-")]
    for code in (HOAN_KIEM, BA_DINH):
        # The portal's figures of the year: received, answered, routed, on time.
        year = tuple(
            sum(int(r[name]) for r in this_year if r["unit_code"] == code)
            for name in ("received", "answered", "routed", "routed_on_time")
        )
        assert year == wards[code]
        assert counted[code][0] >= 1
    assert counted[HOAN_KIEM][0] - counted[BA_DINH][0] >= 3
    mine = [r for r in rows if r["month"] == month and r["unit_code"] == HOAN_KIEM]
    assert {r["category_code"] for r in mine} >= {
        "environment_sanitation",
        "traffic_infrastructure",
    }
    assert all(r["unit_name"] == "Phường Hoàn Kiếm" for r in mine)
    for row in rows:
        assert set(row) == {
            "month",
            "unit_code",
            "unit_name",
            "category_code",
            "category_name",
            "received",
            "answered",
            "routed",
            "routed_on_time",
        }
        assert "Trần Thị B" not in json.dumps(row, ensure_ascii=False)

    # Folding the change log into the summary moves nothing in the figures.
    fold = await fold_changes(session)
    assert fold is not None
    assert fold.changes > 0
    folded, _ = await statistics(session, s3_store, settings, today + timedelta(days=2))
    assert folded == rows

    # A release dated today counts nothing filed today.
    before, _ = await statistics(session, s3_store, settings, today)
    assert by_ward(before, month).get(HOAN_KIEM, (0,))[0] == counted[HOAN_KIEM][0] - 4
