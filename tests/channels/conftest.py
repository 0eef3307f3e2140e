"""A local server that answers as Zalo's OA article API, Facebook's Graph API and a webhook
receiver do (their documented success and error bodies), the settings pointing the
adapters at it, and factories for accounts and announcements."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from service.auth.models import Role, StaffUser
from service.auth.principals import StaffPrincipal
from service.channels import service
from service.channels.models import Announcement, ChannelAccount, ChannelKind
from service.channels.schemas import AnnouncementCreate, ChannelAccountSet
from service.settings import Settings
from tests.fakes import QuietHandler, serving

PAGE_ID = "109876543210"
ZALO_TOKEN = "zalo-access-token-SECRET-7f3a"
FB_TOKEN = "EAAGfacebook-page-token-SECRET-91bc"
WEBHOOK_SECRET = "webhook-signing-secret-5d2e"
COVER = "https://giamsat.example.vn/static/cover.png"


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}


@dataclass
class Answer:
    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


# The documented error answers (see service/channels/adapters.py for the sources).
ZALO_TOKEN_EXPIRED = Answer(200, {"error": -216, "message": "Access token is invalid"})
ZALO_RATE_LIMITED = Answer(
    200, {"error": -32, "message": "Exceed rate limit"}, {"Retry-After": "1"}
)
FB_TOKEN_EXPIRED = Answer(
    400,
    {
        "error": {
            "message": "Error validating access token: Session has expired on Tuesday.",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
            "fbtrace_id": "AbCdEf123",
        }
    },
)
FB_RATE_LIMITED = Answer(
    400,
    {
        "error": {
            "message": "(#32) Page request limit reached",
            "type": "OAuthException",
            "code": 32,
            "fbtrace_id": "AbCdEf124",
        }
    },
    {"Retry-After": "1"},
)
DOWN = Answer(503, None)


@dataclass
class FakeRemote:
    """Records every call; answers the next scripted ``Answer`` for a path, else success."""

    url: str = ""
    calls: list[Call] = field(default_factory=list)
    script: list[Answer] = field(default_factory=list)
    # Answers for one path, before the shared script.
    scripts: dict[str, list[Answer]] = field(default_factory=dict)
    posts: int = 0

    def next_answer(self, path: str) -> Answer:
        own = self.scripts.get(path)
        if own:
            return own.pop(0)
        return self.script.pop(0) if self.script else self.success(path)

    def success(self, path: str) -> Answer:
        self.posts += 1
        if path == "/v2.0/article/create":
            return Answer(
                200, {"error": 0, "message": "Success", "data": {"token": f"art-{self.posts}"}}
            )
        if path.endswith("/feed"):
            return Answer(200, {"id": f"{PAGE_ID}_{self.posts}"})
        if path.endswith("/photos"):
            return Answer(200, {"id": f"photo{self.posts}", "post_id": f"{PAGE_ID}_{self.posts}"})
        return Answer(200, {"id": f"bot-{self.posts}"})

    @property
    def webhook_url(self) -> str:
        return self.url + "/bot/hook"


@pytest.fixture
def remote() -> Iterator[FakeRemote]:
    state = FakeRemote()

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            body = self.body()
            state.calls.append(Call("POST", self.path, dict(self.headers.items()), body))
            answer = state.next_answer(self.path)
            self.answer(answer.status, answer.body, answer.headers)

    with serving(Handler) as url:
        state.url = url
        yield state


@pytest.fixture
def channel_settings(settings: Settings, remote: FakeRemote) -> Settings:
    return settings.model_copy(
        update={
            "channels_zalo_base_url": remote.url,
            "channels_facebook_base_url": remote.url,
            "channels_zalo_default_cover_url": COVER,
            "channels_max_attempts": 3,
        }
    )


def principal(user: StaffUser) -> StaffPrincipal:
    return StaffPrincipal(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        unit_code=user.unit_code,
        agency_id=user.agency_id,
    )


async def set_accounts(
    session: AsyncSession, settings: Settings, admin: StaffUser, unit_code: str, remote: FakeRemote
) -> dict[ChannelKind, ChannelAccount]:
    actor = principal(admin)
    given = {
        ChannelKind.zalo: ChannelAccountSet.model_validate(
            {"external_id": "4318807240823712345", "token": ZALO_TOKEN}
        ),
        ChannelKind.facebook: ChannelAccountSet.model_validate(
            {"external_id": PAGE_ID, "token": FB_TOKEN}
        ),
        ChannelKind.webhook: ChannelAccountSet.model_validate(
            {"external_id": remote.webhook_url, "token": WEBHOOK_SECRET}
        ),
    }
    return {
        channel: await service.set_account(session, settings, actor, unit_code, channel, data)
        for channel, data in given.items()
    }


async def announce(session: AsyncSession, officer: StaffUser, **overrides: Any) -> Announcement:
    body = {
        "title": "Ngày chủ nhật xanh",
        "body": "Mời bà con tổ dân phố số 5 cùng dọn vệ sinh ngõ phố.\n\nTập trung 7 giờ sáng.",
        "target_groups": ["Tổ dân phố số 5"],
        **overrides,
    }
    return await service.create_announcement(
        session, principal(officer), AnnouncementCreate.model_validate(body)
    )


def sessions_on(connection: AsyncConnection) -> Any:
    """Sessions joined to the test's rolled-back transaction (commits become savepoints)."""

    def make() -> AsyncSession:
        return AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )

    return make
