"""The directory API: staff read, admins write; 401/403/404/409/422 as problem+json."""

import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role, StaffUser
from service.directory.seed import SeedReport
from tests.factories import HOAN_KIEM, create_user, login

API = "/api/v1/directory"


@pytest.fixture
async def officer(session: AsyncSession, seeded: SeedReport) -> StaffUser:
    return await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)


@pytest.fixture
async def as_admin(client: httpx.AsyncClient, admin: StaffUser) -> dict[str, str]:
    return await login(client, admin)


@pytest.fixture
async def as_officer(client: httpx.AsyncClient, officer: StaffUser) -> dict[str, str]:
    return await login(client, officer)


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    assert body["status"] == status
    return body


class TestGuards:
    async def test_reading_needs_a_login(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get(f"{API}/units/"), 401)

    async def test_an_api_client_cannot_read_the_directory(
        self, client: httpx.AsyncClient, session: AsyncSession, seeded: SeedReport
    ) -> None:
        from tests.factories import create_api_client

        _, key = await create_api_client(session)
        assert_problem(await client.get(f"{API}/categories/", headers={"X-API-Key": key}), 403)

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            (
                "POST",
                "/agencies/",
                {"code": "x-agency", "name": "X", "level": "city", "unit_code": "01"},
            ),
            ("POST", "/categories/", {"code": "noise", "name_vi": "Tiếng ồn", "name_en": "Noise"}),
            ("POST", "/routing-rules/", {"agency_of_unit": True}),
            ("POST", "/calendar/", {"day": "2026-03-10", "kind": "day_off", "name": "Nghỉ"}),
            (
                "PUT",
                "/calendar/office-hours",
                {"weekdays": [1], "periods": [{"start": "08:00", "end": "12:00"}]},
            ),
            ("DELETE", "/calendar/2026-01-01", None),
            ("DELETE", "/categories/land", None),
        ],
    )
    async def test_a_front_officer_cannot_write(
        self,
        client: httpx.AsyncClient,
        as_officer: dict[str, str],
        method: str,
        path: str,
        body: object,
    ) -> None:
        response = await client.request(method, f"{API}{path}", json=body, headers=as_officer)
        assert_problem(response, 403)


class TestUnits:
    async def test_search_ignores_diacritics(
        self, client: httpx.AsyncClient, as_officer: dict[str, str]
    ) -> None:
        response = await client.get(f"{API}/units/", params={"q": "hoan kiem"}, headers=as_officer)
        assert response.status_code == 200
        codes = [unit["code"] for unit in response.json()["items"]]
        assert HOAN_KIEM in codes
        response = await client.get(f"{API}/units/", params={"q": "HOÀN KIẾM"}, headers=as_officer)
        assert HOAN_KIEM in [unit["code"] for unit in response.json()["items"]]

    async def test_filter_and_page_through_hanoi(
        self, client: httpx.AsyncClient, as_officer: dict[str, str]
    ) -> None:
        seen: list[str] = []
        cursor = None
        while True:
            params = {"province": "01", "level": "commune", "limit": "50"}
            if cursor:
                params["cursor"] = cursor
            page = (await client.get(f"{API}/units/", params=params, headers=as_officer)).json()
            seen += [unit["code"] for unit in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 126

    async def test_one_unit_and_an_unknown_one(
        self, client: httpx.AsyncClient, as_officer: dict[str, str]
    ) -> None:
        response = await client.get(f"{API}/units/{HOAN_KIEM}", headers=as_officer)
        assert response.json()["name"] == "Phường Hoàn Kiếm"
        assert_problem(await client.get(f"{API}/units/99999", headers=as_officer), 404)

    async def test_bad_filters_are_422(
        self, client: httpx.AsyncClient, as_officer: dict[str, str]
    ) -> None:
        response = await client.get(
            f"{API}/units/", params={"level": "district"}, headers=as_officer
        )
        assert_problem(response, 422)
        response = await client.get(f"{API}/units/", params={"limit": "0"}, headers=as_officer)
        assert_problem(response, 422)


class TestAgencies:
    async def test_admin_creates_updates_and_deactivates(
        self, client: httpx.AsyncClient, as_admin: dict[str, str], as_officer: dict[str, str]
    ) -> None:
        city = (
            await client.get(f"{API}/agencies/", params={"q": "ubnd thanh pho"}, headers=as_officer)
        ).json()
        city_id = next(a["id"] for a in city["items"] if a["code"] == "ubnd-01")
        created = await client.post(
            f"{API}/agencies/",
            json={
                "code": "ban-quan-ly-du-an",
                "name": "Ban Quản lý dự án đầu tư xây dựng",
                "level": "city",
                "kind": "other",
                "unit_code": "01",
                "parent_id": city_id,
                "email": "bqlda@hanoi.gov.vn",
            },
            headers=as_admin,
        )
        assert created.status_code == 201, created.text
        agency = created.json()
        assert agency["active"] is True

        updated = await client.patch(
            f"{API}/agencies/{agency['id']}", json={"phone": "024 3825 3536"}, headers=as_admin
        )
        assert updated.json()["phone"] == "024 3825 3536"

        deleted = await client.delete(f"{API}/agencies/{agency['id']}", headers=as_admin)
        assert deleted.status_code == 204
        again = await client.get(f"{API}/agencies/{agency['id']}", headers=as_officer)
        assert again.json()["active"] is False

    async def test_errors(self, client: httpx.AsyncClient, as_admin: dict[str, str]) -> None:
        assert_problem(await client.get(f"{API}/agencies/{uuid.uuid4()}", headers=as_admin), 404)
        body = assert_problem(
            await client.post(
                f"{API}/agencies/",
                json={"code": "Bad Code", "name": "", "level": "city", "unit_code": "01"},
                headers=as_admin,
            ),
            422,
        )
        fields = {error["field"] for error in body["errors"]}  # type: ignore[attr-defined]
        assert {"code", "name"} <= fields
        duplicate = {"code": "so-y-te", "name": "Sở Y tế", "level": "city", "unit_code": "01"}
        assert_problem(await client.post(f"{API}/agencies/", json=duplicate, headers=as_admin), 409)
        second_committee = {
            "code": "ubnd-hoan-kiem-2",
            "name": "UBND phường Hoàn Kiếm (trùng)",
            "level": "commune",
            "kind": "people_committee",
            "unit_code": HOAN_KIEM,
        }
        assert_problem(
            await client.post(f"{API}/agencies/", json=second_committee, headers=as_admin), 409
        )
        unknown_unit = {"code": "x-agency", "name": "X", "level": "city", "unit_code": "98765"}
        english = {**as_admin, "Accept-Language": "en"}
        body = assert_problem(
            await client.post(f"{API}/agencies/", json=unknown_unit, headers=english), 422
        )
        assert body["errors"] == [
            {
                "field": "unit_code",
                "code": "unit_unknown",
                "message": "Unknown administrative unit 98765.",
            }
        ]

    async def test_updates_refuse_what_they_cannot_store(
        self, client: httpx.AsyncClient, as_admin: dict[str, str]
    ) -> None:
        """An unknown unit is a 422, not the database's foreign key (it was a 500: the
        change was flushed before it was checked); a boolean is only true or false (`0` and
        `"no"` were taken as false); a field that cannot be empty refuses null."""
        created = await client.post(
            f"{API}/agencies/",
            json={
                "code": "so-thu-nghiem",
                "name": "Sở Thử nghiệm",
                "level": "city",
                "unit_code": "01",
            },
            headers=as_admin,
        )
        assert created.status_code == 201, created.text
        url = f"{API}/agencies/{created.json()['id']}"
        body = assert_problem(
            await client.patch(url, json={"unit_code": "98765"}, headers=as_admin), 422
        )
        assert body["errors"][0]["code"] == "unit_unknown"  # type: ignore[index]
        for patch in ({"active": 0}, {"active": "no"}, {"name": None}):
            assert_problem(await client.patch(url, json=patch, headers=as_admin), 422)
        for field in ("active", "is_fallback", "agency_of_unit"):
            body = assert_problem(
                await client.post(f"{API}/routing-rules/", json={field: 0}, headers=as_admin), 422
            )
            assert {"field": field, "code": "bool_type"} in [
                {"field": e["field"], "code": e["code"]}
                for e in body["errors"]  # type: ignore[attr-defined]
            ]
        again = await client.get(url, headers=as_admin)
        assert again.json()["active"] is True
        assert again.json()["unit_code"] == "01"

    async def test_an_agency_cannot_be_its_own_superior(
        self, client: httpx.AsyncClient, as_admin: dict[str, str]
    ) -> None:
        page = (
            await client.get(
                f"{API}/agencies/",
                params={"unit": "01", "kind": "people_committee"},
                headers=as_admin,
            )
        ).json()
        city_id = page["items"][0]["id"]
        response = await client.patch(
            f"{API}/agencies/{city_id}", json={"parent_id": city_id}, headers=as_admin
        )
        assert_problem(response, 422)


class TestCategories:
    async def test_crud(
        self, client: httpx.AsyncClient, as_admin: dict[str, str], as_officer: dict[str, str]
    ) -> None:
        listed = (await client.get(f"{API}/categories/", headers=as_officer)).json()
        assert [c["code"] for c in listed][:2] == ["land", "construction_order"]
        assert listed[-1]["code"] == "other"

        created = await client.post(
            f"{API}/categories/",
            json={"code": "noise", "name_vi": "Tiếng ồn", "name_en": "Noise", "sort_order": 105},
            headers=as_admin,
        )
        assert created.status_code == 201, created.text
        patched = await client.patch(
            f"{API}/categories/noise", json={"name_vi": "Ô nhiễm tiếng ồn"}, headers=as_admin
        )
        assert patched.json()["name_vi"] == "Ô nhiễm tiếng ồn"
        assert (await client.delete(f"{API}/categories/noise", headers=as_admin)).status_code == 204
        active = (
            await client.get(f"{API}/categories/", params={"active": "true"}, headers=as_officer)
        ).json()
        assert "noise" not in [c["code"] for c in active]

    async def test_errors(self, client: httpx.AsyncClient, as_admin: dict[str, str]) -> None:
        assert_problem(await client.get(f"{API}/categories/nothing", headers=as_admin), 404)
        assert_problem(
            await client.patch(f"{API}/categories/nothing", json={}, headers=as_admin), 404
        )
        taken = {"code": "land", "name_vi": "Đất", "name_en": "Land"}
        assert_problem(await client.post(f"{API}/categories/", json=taken, headers=as_admin), 409)
        bad = {"code": "Land!", "name_vi": "Đất", "name_en": "Land"}
        assert_problem(await client.post(f"{API}/categories/", json=bad, headers=as_admin), 422)

    async def test_names_are_stored_nfc(
        self, client: httpx.AsyncClient, as_admin: dict[str, str]
    ) -> None:
        decomposed = "Tie\u0302\u0301ng o\u0302\u0300n"  # "Tiếng ồn" typed with combining marks
        response = await client.post(
            f"{API}/categories/",
            json={"code": "noise", "name_vi": decomposed, "name_en": "Noise"},
            headers=as_admin,
        )
        assert response.json()["name_vi"] == "Tiếng ồn"


class TestRoutingRules:
    async def test_crud_and_suggest(
        self, client: httpx.AsyncClient, as_admin: dict[str, str], as_officer: dict[str, str]
    ) -> None:
        suggest = f"{API}/routing/suggest"
        first = await client.get(
            suggest, params={"category": "land", "unit": HOAN_KIEM}, headers=as_officer
        )
        assert first.status_code == 200
        assert first.json()["agency"]["code"] == "ubnd-00070"

        agencies = (
            await client.get(f"{API}/agencies/", params={"q": "so xay dung"}, headers=as_officer)
        ).json()
        construction = next(a for a in agencies["items"] if a["code"] == "so-xay-dung")
        created = await client.post(
            f"{API}/routing-rules/",
            json={"category_code": "land", "unit_code": HOAN_KIEM, "agency_id": construction["id"]},
            headers=as_admin,
        )
        assert created.status_code == 201, created.text
        rule = created.json()
        second = await client.get(
            suggest, params={"category": "land", "unit": HOAN_KIEM}, headers=as_officer
        )
        assert second.json()["agency"]["code"] == "so-xay-dung"
        assert second.json()["rule_id"] == rule["id"]

        patched = await client.patch(
            f"{API}/routing-rules/{rule['id']}", json={"agency_of_unit": True}, headers=as_admin
        )
        assert patched.status_code == 200, patched.text
        assert patched.json()["agency_id"] is None

        assert (
            await client.delete(f"{API}/routing-rules/{rule['id']}", headers=as_admin)
        ).status_code == 204
        assert_problem(await client.get(f"{API}/routing-rules/{rule['id']}", headers=as_admin), 404)
        listed = (
            await client.get(
                f"{API}/routing-rules/", params={"category": "land"}, headers=as_officer
            )
        ).json()
        assert listed
        assert all(r["category_code"] == "land" for r in listed)

    async def test_bad_rules_are_422(
        self, client: httpx.AsyncClient, as_admin: dict[str, str]
    ) -> None:
        url = f"{API}/routing-rules/"
        both = {"agency_of_unit": True, "agency_id": str(uuid.uuid4())}
        assert_problem(await client.post(url, json=both, headers=as_admin), 422)
        assert_problem(await client.post(url, json={}, headers=as_admin), 422)
        unknown = {"category_code": "nothing", "agency_of_unit": True}
        body = assert_problem(await client.post(url, json=unknown, headers=as_admin), 422)
        assert body["errors"][0]["field"] == "category_code"  # type: ignore[index]
        ghost = {"agency_id": str(uuid.uuid4())}
        assert_problem(await client.post(url, json=ghost, headers=as_admin), 422)

    async def test_suggest_needs_known_category_and_unit(
        self, client: httpx.AsyncClient, as_officer: dict[str, str]
    ) -> None:
        suggest = f"{API}/routing/suggest"
        assert_problem(
            await client.get(
                suggest, params={"category": "nothing", "unit": HOAN_KIEM}, headers=as_officer
            ),
            422,
        )
        assert_problem(
            await client.get(
                suggest, params={"category": "land", "unit": "99999"}, headers=as_officer
            ),
            422,
        )
        # A missing parameter is a 400 (the platform names no field for it).
        assert_problem(
            await client.get(suggest, params={"category": "land"}, headers=as_officer), 400
        )


class TestCalendar:
    async def test_list_a_year(self, client: httpx.AsyncClient, as_officer: dict[str, str]) -> None:
        days = (
            await client.get(f"{API}/calendar/", params={"year": "2026"}, headers=as_officer)
        ).json()
        assert {
            "day": "2026-01-10",
            "kind": "working_day",
            "name": "Làm bù cho ngày nghỉ thứ Sáu 02/01/2026",
        } in days
        assert all(d["day"].startswith("2026-") for d in days)
        one = await client.get(f"{API}/calendar/2026-02-17", headers=as_officer)
        assert one.json()["kind"] == "holiday"

    async def test_add_replace_and_delete_a_day_notifies(
        self,
        client: httpx.AsyncClient,
        as_admin: dict[str, str],
        calendar_changes: list[AsyncSession],
    ) -> None:
        calls = calendar_changes  # the app's wiring has an extra calendar hook recording here
        day = {"day": "2026-03-10", "kind": "day_off", "name": "Nghỉ đột xuất"}
        created = await client.post(f"{API}/calendar/", json=day, headers=as_admin)
        assert created.status_code == 201, created.text
        assert_problem(await client.post(f"{API}/calendar/", json=day, headers=as_admin), 409)
        replaced = await client.put(
            f"{API}/calendar/2026-03-10",
            json={"kind": "holiday", "name": "Ngày lễ mới"},
            headers=as_admin,
        )
        assert replaced.json()["kind"] == "holiday"
        deleted = await client.delete(f"{API}/calendar/2026-03-10", headers=as_admin)
        assert deleted.status_code == 204
        assert_problem(await client.delete(f"{API}/calendar/2026-03-10", headers=as_admin), 404)
        assert len(calls) == 3

    async def test_bad_days_are_422(
        self, client: httpx.AsyncClient, as_admin: dict[str, str]
    ) -> None:
        url = f"{API}/calendar/"
        assert_problem(
            await client.post(
                url, json={"day": "2026-02-30", "kind": "holiday", "name": "X"}, headers=as_admin
            ),
            422,
        )
        assert_problem(
            await client.post(
                url, json={"day": "2026-03-10", "kind": "party", "name": "X"}, headers=as_admin
            ),
            422,
        )
        assert_problem(await client.get(f"{API}/calendar/not-a-date", headers=as_admin), 404)
        # Outside the years the calendar keeps, by PUT as by POST (PUT took any date).
        for day in ("1999-12-31", "2101-01-01"):
            body = assert_problem(
                await client.put(
                    f"{url}{day}", json={"kind": "holiday", "name": "X"}, headers=as_admin
                ),
                422,
            )
            assert body["errors"][0]["code"] == "date_out_of_range"  # type: ignore[index]

    async def test_office_hours(
        self, client: httpx.AsyncClient, as_admin: dict[str, str], as_officer: dict[str, str]
    ) -> None:
        url = f"{API}/calendar/office-hours"
        current = (await client.get(url, headers=as_officer)).json()
        assert current["weekdays"] == [1, 2, 3, 4, 5]
        assert current["periods"] == [
            {"start": "08:00:00", "end": "12:00:00"},
            {"start": "13:00:00", "end": "17:00:00"},
        ]
        assert current["timezone"] == "Asia/Ho_Chi_Minh"
        changed = await client.put(
            url,
            json={
                "weekdays": [6, 1, 2, 3, 4, 5],
                "periods": [{"start": "13:30", "end": "17:30"}, {"start": "07:30", "end": "11:30"}],
            },
            headers=as_admin,
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["weekdays"] == [1, 2, 3, 4, 5, 6]
        assert changed.json()["periods"][0]["start"] == "07:30:00"

        overlap = {
            "weekdays": [1],
            "periods": [{"start": "08:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}],
        }
        assert_problem(await client.put(url, json=overlap, headers=as_admin), 422)
        backwards = {"weekdays": [1], "periods": [{"start": "12:00", "end": "08:00"}]}
        assert_problem(await client.put(url, json=backwards, headers=as_admin), 422)
        no_days = {"weekdays": [], "periods": [{"start": "08:00", "end": "12:00"}]}
        assert_problem(await client.put(url, json=no_days, headers=as_admin), 422)
        bad_zone = {
            "weekdays": [1],
            "periods": [{"start": "08:00", "end": "12:00"}],
            "timezone": "Mars/Base",
        }
        assert_problem(await client.put(url, json=bad_zone, headers=as_admin), 422)
