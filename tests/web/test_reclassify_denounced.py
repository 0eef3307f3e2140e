"""Reclassifying a petition as a denunciation on the petition page, with the agency that
employs the person denounced and their position (the API's ``Reclassify.denounced``, typed in
two flat fields): the happy path, one field without the other, the API's refusal next to the
fields, and who may."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import Role, StaffUser
from service.deadlines.policy import seed_default_policy
from tests.factories import BA_DINH, HOAN_KIEM, create_api_client, create_user
from tests.petitions.conftest import IDENTIFIED, Api, agency_by_code, filed, petition_body
from tests.web.support import csrf_token
from tests.web.test_agency_pages import vi
from tests.web.test_front import decide, logged_in, page_version, seen_of

REASON = "Nội dung là tố cáo hành vi của cán bộ, không phải phản ánh"


@pytest.fixture
async def api(session: AsyncSession, seeded: Any) -> Api:
    await seed_default_policy(session)
    return Api(*await create_api_client(session))


@pytest.fixture
async def ward_officer(client: httpx.AsyncClient, session: AsyncSession, seeded: Any) -> StaffUser:
    user = await create_user(session, Role.front_officer, unit_code=HOAN_KIEM)
    await logged_in(client, user)
    return user


@pytest.fixture
async def petition(client: httpx.AsyncClient, api: Api) -> dict[str, Any]:
    # identified: a denunciation needs the denouncer's identity
    return await filed(client, api, petition_body(petitioner=dict(IDENTIFIED)))


async def _stored(session: AsyncSession, petition_id: str) -> Any:
    row = await session.execute(
        text("SELECT kind, denounced_agency_id, denounced_position FROM petition WHERE id = :id"),
        {"id": uuid.UUID(petition_id)},
    )
    return row.one()


def _reclassify(agency: Any = None, position: Any = None, kind: str = "denunciation") -> Any:
    fields = {"kind": kind, "reason": REASON}
    if agency is not None:
        fields["denounced_agency_id"] = str(agency)
    if position is not None:
        fields["denounced_position"] = position
    return fields


async def test_the_form_has_the_denounced_fields_with_their_hint(
    client: httpx.AsyncClient, ward_officer: StaffUser, petition: dict[str, Any]
) -> None:
    page = await client.get(f"/console/queue/{petition['id']}?action=reclassify")
    assert page.status_code == 200
    group = page.text.split('<fieldset class="field-group"', 1)[1].split("</fieldset>", 1)[0]
    assert 'data-shown-for-kind="denunciation"' in group
    assert f"<legend>{vi('web.queue.f.denounced')}</legend>" in group
    assert vi("web.queue.f.denounced_hint") in group
    assert 'name="denounced_agency_id"' in group
    assert f'<option value="head">{vi("enum.petitions.DenouncedPosition.head")}</option>' in group
    assert "web/queue/reclassify" in page.text  # the script that hides it for other kinds


async def test_a_denunciation_about_an_agencys_head_is_recorded(
    client: httpx.AsyncClient,
    ward_officer: StaffUser,
    petition: dict[str, Any],
    session: AsyncSession,
) -> None:
    agency = await agency_by_code(session, "ubnd-00070")
    agency_id = agency.id
    done = await decide(client, petition["id"], "reclassify", **_reclassify(agency_id, "head"))
    assert done.status_code == 303, done.text
    session.expire_all()
    kind, denounced_agency, position = await _stored(session, petition["id"])
    assert (kind, denounced_agency, position) == ("denunciation", agency_id, "head")
    # the form opens again on what the petition holds now
    page = await client.get(f"/console/queue/{petition['id']}?action=reclassify")
    assert f'<option value="{agency_id}" selected>' in page.text
    assert '<option value="official">' in page.text
    assert '<option value="head" selected>' in page.text


async def test_one_field_without_the_other_is_said_next_to_the_missing_one(
    client: httpx.AsyncClient,
    ward_officer: StaffUser,
    petition: dict[str, Any],
    session: AsyncSession,
) -> None:
    agency_id = (await agency_by_code(session, "ubnd-00070")).id
    no_position = await decide(client, petition["id"], "reclassify", **_reclassify(agency_id))
    assert no_position.status_code == 422
    error = no_position.text.split('id="a-denounced_position-error">', 1)[1].split("</p>", 1)[0]
    assert error == vi("web.queue.f.denounced_position_missing")
    assert f'<option value="{agency_id}" selected>' in no_position.text  # kept as chosen
    no_agency = await decide(
        client, petition["id"], "reclassify", **_reclassify(position="official")
    )
    assert no_agency.status_code == 422
    assert 'id="a-denounced_agency_id-error"' in no_agency.text
    kind, denounced_agency, _ = await _stored(session, petition["id"])
    assert (kind, denounced_agency) == ("feedback", None)


async def test_the_apis_refusal_goes_next_to_the_agency(
    client: httpx.AsyncClient,
    ward_officer: StaffUser,
    petition: dict[str, Any],
    session: AsyncSession,
) -> None:
    agency_id = (await agency_by_code(session, "ubnd-00070")).id
    # still feedback: the API records who is denounced only for a denunciation
    refused = await decide(
        client, petition["id"], "reclassify", **_reclassify(agency_id, "official", "feedback")
    )
    assert refused.status_code == 422
    error = refused.text.split('id="a-denounced_agency_id-error">', 1)[1].split("</p>", 1)[0]
    assert error == vi("denounced_only_for_denunciations")
    unknown = await decide(
        client, petition["id"], "reclassify", **_reclassify(uuid.uuid4(), "official")
    )
    assert unknown.status_code == 422
    assert 'id="a-denounced_agency_id-error"' in unknown.text


async def test_another_ward_and_a_form_without_its_token_are_refused(
    client: httpx.AsyncClient,
    ward_officer: StaffUser,
    petition: dict[str, Any],
    session: AsyncSession,
) -> None:
    agency_id = (await agency_by_code(session, "ubnd-00070")).id
    url = f"/console/queue/{petition['id']}"
    page = (await client.get(f"{url}?action=reclassify")).text
    form = {"version": page_version(page), "seen": seen_of(page), **_reclassify(agency_id, "head")}
    assert (await client.post(f"{url}/actions/reclassify", data=form)).status_code == 403
    other = await create_user(session, Role.front_officer, unit_code=BA_DINH)
    client.cookies.clear()
    await logged_in(client, other)
    token = csrf_token((await client.get("/console/queue")).text)
    hidden = await client.post(f"{url}/actions/reclassify", data={**form, "_csrf_token": token})
    assert hidden.status_code == 404
    kind, denounced_agency, _ = await _stored(session, petition["id"])
    assert (kind, denounced_agency) == ("feedback", None)
