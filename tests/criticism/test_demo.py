"""The embedded demo's draft: open for comment on the portal, created once."""

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role
from service.criticism import repository
from service.demo_data import DEMO_DRAFT_CODE, seed_demo_criticism
from tests.oversight.conftest import make_user


async def test_the_demo_draft_is_open_for_comment_once(
    client: httpx.AsyncClient, session: AsyncSession, seeded: Any, policy: None
) -> None:
    officer = await make_user(session, Role.front_officer, "00070")
    officer.username = "mttq.hoankiem"
    await session.flush()
    await seed_demo_criticism(session)
    await seed_demo_criticism(session)
    draft = await repository.draft_by_code(session, DEMO_DRAFT_CODE)
    assert draft is not None
    assert draft.state == "consulting"
    page = await client.get(f"/gop-y-du-thao/{DEMO_DRAFT_CODE}")
    assert page.status_code == 200
    assert "Sử dụng tạm thời vỉa hè" in page.text
