"""The schema the migrations build matches the models, and downgrades work."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from service.migrations.registry import metadata


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_models_and_migrations_do_not_drift(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


async def test_search_extensions_are_installed(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        names = set((await conn.execute(text("SELECT extname FROM pg_extension"))).scalars())
        folded = (await conn.execute(text("SELECT immutable_unaccent('Ngập Nước Đường')"))).scalar()
    assert {"unaccent", "pg_trgm"} <= names
    assert folded == "ngap nuoc duong"


def test_one_head_and_a_clean_round_trip(database_url: str) -> None:
    """The chain has one head, and downgrading to nothing then upgrading again works."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from service.migrations.runner import alembic_config
    from tests.factories import ServerDatabase

    server_url = database_url.rsplit("/", 1)[0] + "/postgres"
    server = ServerDatabase(server_url)
    name = database_url.rsplit("/", 1)[1] + "_roundtrip"
    url = server.create(name)
    try:
        config = alembic_config(url)
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        command.upgrade(config, "head")
    finally:
        server.drop(name)
