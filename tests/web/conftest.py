"""Fixtures of the web tests over HTTP (the browser's are in tests/web/browser/conftest.py)."""

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role, StaffUser
from tests.factories import create_user


@pytest.fixture
async def officer(session: AsyncSession) -> StaffUser:
    """A city-level Front officer (password ``tests.factories.PASSWORD``)."""
    return await create_user(session, Role.front_officer)
