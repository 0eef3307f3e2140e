"""Time the history queries and migration 0230's data move on a bench database.

    uv run python scripts/history_partitions_bench.py queries --database giamsat_bench_x
    uv run python scripts/history_partitions_bench.py migrate --database giamsat_bench_x

``queries`` times, on one connection, 50 runs each of: one petition's history (the
petition with the most events), one referral's history, and a year's event count (2025,
in Asia/Ho_Chi_Minh); it prints the median and p95 in ms and the plan of each.
``migrate`` downgrades the database to 0180 (the history tables unpartitioned) and times
the upgrade to 0230 (the move), then the downgrade back (the reverse move), then upgrades
again. It writes to the database: never point it at the lead's ``giamsat_bench``.
docs/scaling.md holds the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import asyncpg

SERVER = "postgresql://postgres@127.0.0.1:5432/"

QUERIES = {
    "one petition's history": (
        "SELECT * FROM petition_event WHERE petition_id = $1 ORDER BY id",
        "SELECT petition_id FROM petition_event GROUP BY petition_id"
        " ORDER BY count(*) DESC LIMIT 1",
    ),
    "one referral's history": (
        "SELECT * FROM referral_history WHERE referral_id = $1 ORDER BY id",
        "SELECT referral_id FROM referral_history GROUP BY referral_id"
        " ORDER BY count(*) DESC LIMIT 1",
    ),
    "events of 2025 (count)": (
        "SELECT count(*) FROM petition_event"
        " WHERE at >= '2025-01-01 00:00+07' AND at < '2026-01-01 00:00+07'",
        None,
    ),
}


async def queries(url: str, runs: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        for name, (sql, pick) in QUERIES.items():
            args = [await conn.fetchval(pick)] if pick else []
            timings = []
            for _ in range(runs):
                start = time.perf_counter()
                await conn.fetch(sql, *args)
                timings.append((time.perf_counter() - start) * 1000)
            timings.sort()
            p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
            print(f"{name}: median {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms")
            plan = await conn.fetch("EXPLAIN " + sql, *args)
            for row in plan[:6]:
                print("    " + row[0])
    finally:
        await conn.close()


def migrate(url: str) -> None:
    from alembic import command

    from service.migrations.runner import alembic_config

    config = alembic_config(url)
    command.downgrade(config, "0180")
    for label, step in (
        ("upgrade 0180 -> 0230 (move into partitions)", lambda: command.upgrade(config, "0230")),
        ("downgrade 0230 -> 0180 (move back)", lambda: command.downgrade(config, "0180")),
        ("upgrade 0180 -> 0230 again", lambda: command.upgrade(config, "0230")),
    ):
        start = time.perf_counter()
        step()
        print(f"{label}: {time.perf_counter() - start:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("queries", "migrate"))
    parser.add_argument("--database", required=True)
    parser.add_argument("--runs", type=int, default=50)
    options = parser.parse_args()
    if options.database == "giamsat_bench":
        raise SystemExit("giamsat_bench is the lead's database: use a copy")
    url = SERVER + options.database
    if options.what == "queries":
        asyncio.run(queries(url, options.runs))
    else:
        migrate(url)


if __name__ == "__main__":
    main()
