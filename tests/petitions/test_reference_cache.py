"""The per-process reference cache intake reads (``service.directory.cache``) lets go of its
copy when an administrator changes the data: at once in this process, within
``check_seconds`` in another."""

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import StaffUser
from service.directory import service as directory
from service.directory.cache import ReferenceCache, configure
from tests.factories import login
from tests.petitions.conftest import Api, file, petition_body


@pytest.fixture
def slow_checks() -> Iterator[None]:
    """As in production, but never re-reading the version row by time during the test: only
    the admin change itself can empty this process's cache."""
    configure(3600)
    try:
        yield
    finally:
        configure(0)


class TestInvalidation:
    async def test_a_deactivated_category_is_refused_on_the_next_intake(
        self, client: httpx.AsyncClient, api: Api, admin: StaffUser, slow_checks: None
    ) -> None:
        assert (await file(client, api, petition_body(category="health"))).status_code == 201
        as_admin = await login(client, admin)
        removed = await client.delete("/api/v1/directory/categories/health", headers=as_admin)
        assert removed.status_code == 204, removed.text
        refused = await file(client, api, petition_body(category="health"))
        assert refused.status_code == 422, refused.text
        assert "category" in [e["field"] for e in refused.json()["errors"]]

    async def test_another_process_sees_the_change_after_its_check_interval(
        self, session: AsyncSession, api: Api
    ) -> None:
        replica = ReferenceCache(check_seconds=0)
        patient = ReferenceCache(check_seconds=3600)
        for cache in (replica, patient):
            found = await cache.category(session, "health")
            assert found is not None
            assert found.active
        await directory.deactivate_category(session, "health")
        # The version row moved in the same transaction: a due check reloads...
        found = await replica.category(session, "health")
        assert found is not None
        assert not found.active
        # ...and a process whose check is not due yet still answers from its copy.
        stale = await patient.category(session, "health")
        assert stale is not None
        assert stale.active
