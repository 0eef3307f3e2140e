"""Leave the bench database as the generator made it after a benchmark that writes.

The intake benchmarks file thousands of petitions through their own API clients (named
``bench intake ...``, ``bench scale-out ...``). ``remove_intake_rows`` deletes those clients
and everything their petitions wrote (petitioners, history, duplicate suggestions, outbox
jobs, idempotency keys, audit events), so that the sweep and query figures of a later run do not
depend on how many intake runs came before. Audit events are append-only by trigger; like
the generator's load, this session runs with ``session_replication_role = replica``, which
is only for this scratch database. Tracking numbers are not handed back.
"""

from __future__ import annotations

from bench import harness
from service.petitions.repository.dashboard import uncount_statement

INTAKE_CLIENT_PREFIXES = ("bench intake ", "bench scale-out ")


async def remove_intake_rows(url: str) -> int:
    """Delete the rows of every intake benchmark run; returns the petitions removed."""
    replica = {"session_replication_role": "replica"}
    async with harness.connection(url, replica) as conn, conn.transaction():
        clients = [
            row["id"]
            for row in await conn.fetch(
                "SELECT id FROM api_client WHERE name LIKE ANY($1::text[])",
                [prefix + "%" for prefix in INTAKE_CLIENT_PREFIXES],
            )
        ]
        if not clients:
            return 0
        await conn.execute(
            "CREATE TEMP TABLE bench_run_petition ON COMMIT DROP AS "
            "SELECT id FROM petition WHERE client_id = ANY($1::uuid[])",
            clients,
        )
        run = "(SELECT id FROM bench_run_petition)"
        await conn.execute(
            f"DELETE FROM petition_duplicate_suggestion WHERE petition_id IN {run} "
            f"OR candidate_id IN {run}"
        )
        # Their jobs too (notifications, duplicate suggestions): the bench runs no relay.
        await conn.execute(
            "DELETE FROM outbox WHERE payload->>'petition_id' IN (SELECT id::text FROM "
            "bench_run_petition)"
        )
        for table in ("petition_event", "petitioner"):
            await conn.execute(f"DELETE FROM {table} WHERE petition_id IN {run}")
        await conn.execute("DELETE FROM idempotency_key WHERE client_id = ANY($1::uuid[])", clients)
        await conn.execute(
            "DELETE FROM audit_event WHERE actor_id = ANY($1::text[])",
            [str(client) for client in clients],
        )
        await conn.execute(uncount_statement(run))  # the dashboard's triggers are off here
        removed = int((await conn.execute(f"DELETE FROM petition WHERE id IN {run}")).split()[-1])
        await conn.execute("DELETE FROM api_client WHERE id = ANY($1::uuid[])", clients)
    return removed
