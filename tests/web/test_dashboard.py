"""The dashboard over HTTP: its figures are the API's (the same service), drawn as SVG by
the reports' chart module with a table of the same numbers; its filters are validated; a
ward's reader sees their ward; other roles are refused."""

import re
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role
from service.deadlines.policy import seed_default_policy
from service.directory.models import Agency
from tests.factories import BA_DINH, HOAN_KIEM, create_api_client, create_user, login
from tests.petitions.conftest import petition_body
from tests.web.support import console_login


@pytest.fixture
async def filed(session: AsyncSession, client: httpx.AsyncClient, seeded: Any) -> None:
    """Three petitions in Hoàn Kiếm (two feedbacks, a recommendation), a feedback in Ba Đình."""
    await seed_default_policy(session)
    _, key = await create_api_client(session)
    bodies = [
        petition_body(),
        petition_body(title="Đèn đường hỏng ở phố Hàng Bông kéo dài nhiều tuần"),
        petition_body(kind="recommendation", title="Kiến nghị lắp thêm biển báo ở ngã tư"),
        petition_body(unit_code=BA_DINH, title="Rác thải tồn đọng ở ngõ phố Đội Cấn"),
    ]
    for number, body in enumerate(bodies):
        response = await client.post(
            "/api/v1/petitions",
            json=body,
            headers={"X-API-Key": key, "Idempotency-Key": f"dash-{number}"},
        )
        assert response.status_code == 201, response.text


def table_of(html: str, key: str) -> str:
    start = html.index(f'id="fig-{key}"')
    return html[start : html.index("</section>", start)]


async def test_a_council_member_sees_the_api_figures_as_charts_and_tables(
    client: httpx.AsyncClient, session: AsyncSession, filed: None
) -> None:
    reader = await create_user(session, Role.council_reader)
    api = await client.get("/api/v1/petitions/dashboard", headers=await login(client, reader))
    assert api.json()["total"] == 4
    await console_login(client, reader.username)
    page = await client.get("/console/dashboard")
    assert page.status_code == 200
    html = page.text
    assert "Tổng số đơn tiếp nhận" in html
    # Every figure is an accessible SVG (its own title and description) with its table.
    for key in ("time", "on-time", "kind", "category", "unit", "overdue", "scorecards"):
        assert f'id="fig-{key}"' in html
    charts = re.findall(r"<svg [^>]*role=\"img\" aria-labelledby=\"title-\w+\"", html)
    assert len(charts) >= 4
    assert html.count("<title id=") == len(charts)
    kinds = table_of(html, "kind")
    assert "<svg" in kinds
    assert re.search(r"phản ánh</th><td>3</td>", kinds), kinds
    assert re.search(r"kiến nghị</th><td>1</td>", kinds)
    units = table_of(html, "unit")
    assert re.search(r"Hoàn Kiếm</th><td>3</td>", units), units
    assert re.search(r"Ba Đình</th><td>1</td>", units)


async def test_the_ward_filter_and_a_ward_reader(
    client: httpx.AsyncClient, session: AsyncSession, filed: None
) -> None:
    city = await create_user(session, Role.front_officer)
    await console_login(client, city.username)
    page = await client.get("/console/dashboard", params={"unit_code": BA_DINH})
    assert page.status_code == 200
    assert re.search(r"Ba Đình</th><td>1</td>", table_of(page.text, "unit"))
    assert "Hoàn Kiếm</th>" not in table_of(page.text, "unit")

    client.cookies.clear()  # log in afresh as a ward reader
    ward = await create_user(session, Role.council_reader, unit_code=HOAN_KIEM)
    await console_login(client, ward.username)
    # Asking for another ward shows one's own (the API's scope), never the other's counts.
    page = await client.get("/console/dashboard", params={"unit_code": BA_DINH})
    assert page.status_code == 200
    units = table_of(page.text, "unit")
    assert re.search(r"Hoàn Kiếm</th><td>3</td>", units)
    assert "Ba Đình" not in units
    assert "Toàn thành phố" not in page.text


async def test_the_ward_filter_offers_the_city_s_wards_only(
    client: httpx.AsyncClient, session: AsyncSession, seeded: Any
) -> None:
    """The directory holds every province's communes (3,321); the filter of the city's
    dashboard offers its 126, not a ward of Ho Chi Minh City."""
    reader = await create_user(session, Role.council_reader)
    await console_login(client, reader.username)
    page = await client.get("/console/dashboard")
    assert page.status_code == 200
    start = page.text.index('<select id="f-unit_code"')
    select = page.text[start : page.text.index("</select>", start)]
    wards = re.findall(r'<option value="(\d+)"', select)
    assert len(wards) == 126
    assert HOAN_KIEM in wards
    assert BA_DINH in wards
    assert "25747" not in wards  # Phường Thủ Dầu Một (province 79)
    assert "Thủ Dầu Một" not in page.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-13-01"}, "Từ ngày"),
        ({"from": "1999-01-01"}, "Ngày phải nằm trong khoảng từ năm 2000 đến năm 2100."),
        (
            {"from": "2026-06-01", "to": "2026-01-01"},
            "Ngày bắt đầu không được sau ngày kết thúc.",
        ),
        ({"unit_code": "x" * 40}, "Xã/phường"),
    ],
)
async def test_bad_filters_are_said_next_to_the_form_not_a_500(
    client: httpx.AsyncClient,
    session: AsyncSession,
    seeded: Any,
    params: dict[str, str],
    message: str,
) -> None:
    reader = await create_user(session, Role.council_reader)
    await console_login(client, reader.username)
    page = await client.get("/console/dashboard", params=params)
    assert page.status_code == 422
    assert 'class="form-errors" role="alert"' in page.text
    assert message in page.text


async def test_other_roles_are_refused(
    client: httpx.AsyncClient, session: AsyncSession, seeded: Any, agency: Agency
) -> None:
    officer = await create_user(session, Role.agency_officer, agency=agency)
    await console_login(client, officer.username)
    for path in ("/console/dashboard", "/console/reports"):
        refused = await client.get(path)
        assert refused.status_code == 403
        # A page in Vietnamese, as every page error (not the API's problem+json).
        assert refused.headers["content-type"].startswith("text/html")
        assert "không được dùng chức năng này" in refused.text
