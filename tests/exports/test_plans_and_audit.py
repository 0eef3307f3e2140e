"""The supervision plans list and the admin lists (audit log, users, API clients) as files:
the list's rows for the same filters, in the caller's scope, Vietnamese headers, dd/mm/yyyy
dates, never a secret."""

from datetime import date
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from service.oversight.models import PlanForm
from tests.exports.conftest import csv_rows, xlsx_rows
from tests.factories import create_api_client
from tests.oversight.conftest import World, draft_plan, logins, world

__all__ = ["logins", "world"]  # the oversight tests' fixtures

PLANS = "/api/v1/oversight/plans"


async def listed(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any
) -> list[Any]:
    response = await client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


class TestPlans:
    async def test_the_file_is_the_list(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        ours = await draft_plan(session, world, subject="Giám sát trật tự xây dựng phố cổ")
        board = await draft_plan(
            session, world, form=PlanForm.people_inspection_board, subject="Ban TTND phường"
        )
        officer = await logins(world.ward_officer)
        rows = csv_rows(await client.get(f"{PLANS}/export", headers=officer))
        assert rows[0] == [
            "Mã kế hoạch",
            "Nội dung giám sát",
            "Hình thức giám sát",
            "Phường/xã",
            "Từ ngày",
            "Đến ngày",
            "Trạng thái kế hoạch",
            "Ngày lập",
        ]
        codes = [row[0] for row in rows[1:]]
        assert codes == [plan["code"] for plan in await listed(client, PLANS, officer)]
        assert ours.code in codes
        assert board.code in codes
        elsewhere = await logins(world.other_ward_officer)  # Ba Đình's Front officer
        assert csv_rows(await client.get(f"{PLANS}/export", headers=elsewhere))[1:] == []
        row = next(r for r in rows if r[0] == ours.code)
        assert row[4:6] == ["01/03/2026", "30/06/2026"]
        filtered = csv_rows(
            await client.get(
                f"{PLANS}/export", params={"form": "people_inspection_board"}, headers=officer
            )
        )
        assert [r[0] for r in filtered[1:]] == [board.code]
        sheet, ws = xlsx_rows(
            await client.get(f"{PLANS}/export", params={"format": "xlsx"}, headers=officer)
        )
        assert [r[0] for r in sheet[1:]] == codes
        assert ws.cell(row=2, column=5).number_format == "dd/mm/yyyy"
        first_plan = next(r for r in sheet if r[0] == ours.code)
        assert first_plan[4].date() == date(2026, 3, 1)

    async def test_a_bad_filter_is_a_problem(
        self, client: httpx.AsyncClient, world: World, logins: Any
    ) -> None:
        officer = await logins(world.ward_officer)
        response = await client.get(f"{PLANS}/export", params={"form": "picnic"}, headers=officer)
        assert response.status_code in (400, 422)
        assert response.headers["content-type"].startswith("application/problem+json")


class TestAudit:
    async def test_admins_export_the_audit_list_and_the_export_is_in_it(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        await draft_plan(session, world)
        admin = await logins(world.admin)
        first = csv_rows(await client.get("/api/v1/admin/audit/export", headers=admin))
        assert first[0][:3] == ["Số hiệu sự kiện", "Thời điểm", "Loại chủ thể"]
        listed_ids = [str(e["id"]) for e in await listed(client, "/api/v1/admin/audit", admin)]
        # The first export is audited too: the second file starts with it.
        second = csv_rows(
            await client.get(
                "/api/v1/admin/audit/export", params={"action": "list.exported"}, headers=admin
            )
        )
        assert [row[4] for row in second[1:]] == ["list.exported"]
        assert second[1][2] == "cán bộ"
        assert [row[0] for row in first[1:]] == listed_ids[1:]  # the list now has the export
        officer = await logins(world.ward_officer)
        response = await client.get("/api/v1/admin/audit/export", headers=officer)
        assert response.status_code == 403


class TestAdminLists:
    async def test_users_and_clients_as_files_without_secrets(
        self, client: httpx.AsyncClient, session: AsyncSession, world: World, logins: Any
    ) -> None:
        api_client, key = await create_api_client(session)
        admin = await logins(world.admin)
        rows = csv_rows(await client.get("/api/v1/admin/users/export", headers=admin))
        assert rows[0][:4] == ["Tên đăng nhập", "Họ và tên", "Thư điện tử", "Vai trò"]
        users = await client.get("/api/v1/admin/users", headers=admin)
        assert [row[0] for row in rows[1:]] == [u["username"] for u in users.json()]
        assert "argon2" not in " ".join(",".join(row) for row in rows)
        clients = csv_rows(await client.get("/api/v1/admin/api-clients/export", headers=admin))
        names = [row[0] for row in clients[1:]]
        assert api_client.name in names
        assert key not in " ".join(",".join(row) for row in clients)
        sheet, _ = xlsx_rows(
            await client.get("/api/v1/admin/users/export", params={"format": "xlsx"}, headers=admin)
        )
        assert [row[0] for row in sheet[1:]] == [row[0] for row in rows[1:]]
        officer = await logins(world.ward_officer)
        assert (await client.get("/api/v1/admin/users/export", headers=officer)).status_code == 403
