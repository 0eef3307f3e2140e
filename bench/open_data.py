"""Open data's writer: memory and time per row count, to show it is constant in the rows.

``python -m bench.open_data --rows 100000 --rows 1000000`` streams that many answer-shaped
records (about 1 KB of Vietnamese text each) through ``service.opendata.writer.encode``, as
CSV and as JSON, into a sink that keeps only the byte count (the object store's streamed
upload holds one part at a time), and reports the peak of Python allocations
(``tracemalloc``) and the wall time. The database side is a server-side cursor
(``yield_per``), so rows arrive a batch at a time; this measures what the writer adds.
Not a test; run it when the writer changes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from typing import Any

from service.opendata.dictionary import field_names
from service.opendata.models import Dataset, FileFormat
from service.opendata.writer import Written, encode

TEXT = (
    "UBND phường đã kiểm tra hiện trạng, yêu cầu chủ đầu tư khắc phục việc để vật liệu "
    "xây dựng lấn chiếm vỉa hè, đồng thời giao Công an phường tăng cường kiểm tra. "
) * 4


@dataclass(frozen=True)
class Measure:
    rows: int
    format: str
    bytes_written: int
    peak_kib: float
    seconds: float


async def _records(count: int) -> AsyncIterator[dict[str, Any]]:
    names = field_names(Dataset.answers)
    for index in range(count):
        record: dict[str, Any] = dict.fromkeys(names, f"Giá trị {index}")
        record["id"] = str(uuid.UUID(int=index))
        record["answer_text"] = TEXT
        record["description"] = TEXT[:300]
        yield record


async def measure(count: int, file_format: FileFormat) -> Measure:
    written = Written()
    tracemalloc.start()
    started = time.perf_counter()
    async for _chunk in encode(_records(count), field_names(Dataset.answers), file_format, written):
        pass
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Measure(count, file_format.value, written.size_bytes, peak / 1024, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, action="append", help="row counts (repeatable)")
    counts = parser.parse_args().rows or [10_000, 100_000]
    results = [
        asdict(asyncio.run(measure(count, file_format)))
        for count in counts
        for file_format in FileFormat
    ]
    for result in results:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
