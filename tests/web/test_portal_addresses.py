"""The portal's form without a ward chosen: the intake finds it from the place written, old
(pre-2025) or new, as for the API."""

import html as html_text

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.petitions.models import Petition
from service.settings import Settings
from service.web.public.receipts import PORTAL_CLIENT_ID
from tests.factories import HOAN_KIEM
from tests.petitions.conftest import policy  # noqa: F401
from tests.web.test_portal import file_one, file_page, refused_filing

pytestmark = pytest.mark.usefixtures("policy")


async def test_an_old_address_files_in_its_new_ward(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    page = await file_page(client)
    assert 'name="unit_code" required' not in page  # the ward may be left to the address
    address = "số 5 ngõ 12 phố Hàng Gai, phường Hàng Gai, quận Hoàn Kiếm"
    code, _ = await file_one(client, settings, unit_code="", address_text=address)
    petition = (
        await session.execute(select(Petition).where(col(Petition.tracking_code) == code))
    ).scalar_one()
    assert petition.client_id == PORTAL_CLIENT_ID
    assert petition.unit_code == HOAN_KIEM
    assert petition.address_rule == "old_ward_converted"
    assert petition.address_text == address


async def test_a_split_ward_names_the_wards_to_choose_from(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    page = await refused_filing(
        client, session, settings, unit_code="", address_text="phường Đội Cấn, quận Ba Đình"
    )
    assert 'id="f-address_text-error"' in page
    text = html_text.unescape(page)
    assert "Phường Ba Đình" in text
    assert "Phường Ngọc Hà" in text
    assert "Địa chỉ có thể thuộc một trong các phường, xã" in text


async def test_no_ward_and_no_place_is_refused_at_the_ward(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    page = await refused_filing(client, session, settings, unit_code="")
    assert 'id="f-unit_code-error"' in page
