"""Contract tests of the adapters against the local server answering as each documented API:
the request each sends (method, path, headers, fields) and how each answer maps to the one
interface (a remote id, or TokenExpired / RemoteRateLimited / Rejected / RemoteUnavailable)."""

from __future__ import annotations

import socket

import pytest

from service.channels.adapters import (
    FacebookAdapter,
    Post,
    Rejected,
    RemoteRateLimited,
    RemoteUnavailable,
    TokenExpired,
    WebhookAdapter,
    ZaloAdapter,
)
from service.petitions.notifications import signature_valid
from tests.channels.conftest import (
    COVER,
    DOWN,
    FB_RATE_LIMITED,
    FB_TOKEN,
    FB_TOKEN_EXPIRED,
    PAGE_ID,
    WEBHOOK_SECRET,
    ZALO_RATE_LIMITED,
    ZALO_TOKEN,
    ZALO_TOKEN_EXPIRED,
    Answer,
    FakeRemote,
)

POST = Post(
    delivery_id="6b0c6f0e-3f3e-4a54-9d0e-5b1a2f3c4d5e",
    item_type="announcement",
    item_id="0d9f3a1c-2b4e-4c6d-8e0f-1a2b3c4d5e6f",
    unit_code="00070",
    title="Ngày chủ nhật xanh",
    text="Mời bà con cùng dọn vệ sinh.\n\nTập trung 7 giờ sáng.",
    link="https://giamsat.example.vn/thong-bao/0d9f3a1c-2b4e-4c6d-8e0f-1a2b3c4d5e6f",
    author="MTTQ Phường Hoàn Kiếm",
)


def zalo(remote: FakeRemote, **kwargs: object) -> ZaloAdapter:
    return ZaloAdapter(
        base_url=remote.url, access_token=ZALO_TOKEN, default_cover_url=COVER, **kwargs
    )  # type: ignore[arg-type]


def facebook(remote: FakeRemote) -> FacebookAdapter:
    return FacebookAdapter(
        base_url=remote.url, version="v21.0", page_id=PAGE_ID, access_token=FB_TOKEN
    )


def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class TestZalo:
    async def test_the_article_create_request_as_documented(self, remote: FakeRemote) -> None:
        remote_id = await zalo(remote).publish(POST)
        assert remote_id == "art-1"  # data.token of the documented success answer
        [call] = remote.calls
        assert (call.method, call.path) == ("POST", "/v2.0/article/create")
        assert call.headers["access_token"] == ZALO_TOKEN
        assert call.headers["Content-Type"] == "application/json"
        body = call.json()
        assert body["type"] == "normal"
        assert body["title"] == POST.title
        assert body["author"] == "MTTQ Phường Hoàn Kiếm"
        assert body["cover"] == {"cover_type": "photo", "photo_url": COVER, "status": "show"}
        assert body["description"].startswith("Mời bà con cùng dọn vệ sinh.")
        assert body["body"] == [
            {"type": "text", "content": "Mời bà con cùng dọn vệ sinh."},
            {"type": "text", "content": "Tập trung 7 giờ sáng."},
            {"type": "text", "content": POST.link},
        ]
        assert (body["status"], body["comment"]) == ("show", "show")
        assert ZALO_TOKEN not in call.body.decode()  # the token rides in the header only

    async def test_limits_of_title_author_and_description(self, remote: FakeRemote) -> None:
        long = Post(**{**POST.__dict__, "title": "Tiêu đề " * 40, "text": "Nội dung " * 100})
        await zalo(remote).publish(long)
        body = remote.calls[0].json()
        assert len(body["title"]) == 150
        assert body["title"].endswith("…")
        assert len(body["description"]) == 300
        assert len(body["author"]) <= 50

    async def test_an_image_is_the_cover(self, remote: FakeRemote) -> None:
        image = "https://giamsat.example.vn/thong-bao/x/anh"
        await zalo(remote).publish(Post(**{**POST.__dict__, "image_url": image}))
        assert remote.calls[0].json()["cover"]["photo_url"] == image

    async def test_without_any_cover_nothing_is_sent(self, remote: FakeRemote) -> None:
        adapter = ZaloAdapter(base_url=remote.url, access_token=ZALO_TOKEN)
        with pytest.raises(Rejected):
            await adapter.publish(POST)
        assert remote.calls == []

    async def test_an_invalid_or_expired_token(self, remote: FakeRemote) -> None:
        remote.script = [ZALO_TOKEN_EXPIRED, Answer(200, {"error": -124, "message": "expired"})]
        for _ in range(2):
            with pytest.raises(TokenExpired) as caught:
                await zalo(remote).publish(POST)
            assert ZALO_TOKEN not in str(caught.value)
        assert "-216" in str(TokenExpired("zalo: error -216: x"))

    async def test_the_rate_limit(self, remote: FakeRemote) -> None:
        remote.script = [ZALO_RATE_LIMITED]
        with pytest.raises(RemoteRateLimited) as caught:
            await zalo(remote).publish(POST)
        assert caught.value.retry_after == 1.0

    async def test_another_error_is_a_refusal(self, remote: FakeRemote) -> None:
        remote.script = [Answer(200, {"error": -201, "message": "Parameter is invalid"})]
        with pytest.raises(Rejected, match="-201"):
            await zalo(remote).publish(POST)

    async def test_a_success_without_a_token_is_published_without_an_id(
        self, remote: FakeRemote
    ) -> None:
        remote.script = [Answer(200, {"error": 0, "message": "Success", "data": {}})]
        assert await zalo(remote).publish(POST) is None  # published: not an error to retry

    async def test_5xx_and_no_answer_are_unavailable(self, remote: FakeRemote) -> None:
        remote.script = [DOWN]
        with pytest.raises(RemoteUnavailable):
            await zalo(remote).publish(POST)
        adapter = ZaloAdapter(
            base_url=closed_port(), access_token=ZALO_TOKEN, default_cover_url=COVER
        )
        with pytest.raises(RemoteUnavailable) as caught:
            await adapter.publish(POST)
        assert "127.0.0.1" not in str(caught.value)


class TestFacebook:
    async def test_the_page_feed_request_as_documented(self, remote: FakeRemote) -> None:
        remote_id = await facebook(remote).publish(POST)
        assert remote_id == f"{PAGE_ID}_1"  # "pageid_postid"
        [call] = remote.calls
        assert (call.method, call.path) == ("POST", f"/v21.0/{PAGE_ID}/feed")
        assert call.headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert call.form() == {
            "message": f"{POST.title}\n\n{POST.text}",
            "link": POST.link,
            "access_token": FB_TOKEN,
        }
        assert "access_token" not in call.path  # never in the URL (access logs)

    async def test_an_image_goes_to_photos(self, remote: FakeRemote) -> None:
        image = "https://giamsat.example.vn/thong-bao/x/anh"
        remote_id = await facebook(remote).publish(Post(**{**POST.__dict__, "image_url": image}))
        assert remote_id == f"{PAGE_ID}_1"  # the post_id, not the photo id
        [call] = remote.calls
        assert call.path == f"/v21.0/{PAGE_ID}/photos"
        form = call.form()
        assert form["url"] == image
        assert form["caption"].endswith(POST.link or "")
        assert form["access_token"] == FB_TOKEN

    async def test_a_success_without_an_id_is_published_without_an_id(
        self, remote: FakeRemote
    ) -> None:
        remote.script = [Answer(200, {"success": True})]
        assert await facebook(remote).publish(POST) is None

    async def test_an_expired_token(self, remote: FakeRemote) -> None:
        remote.script = [FB_TOKEN_EXPIRED]
        with pytest.raises(TokenExpired, match="190/463") as caught:
            await facebook(remote).publish(POST)
        assert FB_TOKEN not in str(caught.value)

    @pytest.mark.parametrize("code", [4, 17, 32, 613])
    async def test_throttling_codes(self, remote: FakeRemote, code: int) -> None:
        error = {"error": {"message": "limit", "type": "OAuthException", "code": code}}
        remote.script = [Answer(400, error)]
        with pytest.raises(RemoteRateLimited) as caught:
            await facebook(remote).publish(POST)
        assert caught.value.retry_after == 300  # no Retry-After: the adapter's default

    async def test_retry_after_is_honoured(self, remote: FakeRemote) -> None:
        remote.script = [FB_RATE_LIMITED]
        with pytest.raises(RemoteRateLimited) as caught:
            await facebook(remote).publish(POST)
        assert caught.value.retry_after == 1.0

    async def test_invalid_parameter_is_a_refusal(self, remote: FakeRemote) -> None:
        error = {
            "error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100}
        }
        remote.script = [Answer(400, error)]
        with pytest.raises(Rejected, match="100"):
            await facebook(remote).publish(POST)

    async def test_temporary_api_errors_and_5xx(self, remote: FakeRemote) -> None:
        remote.script = [
            Answer(500, {"error": {"message": "Service temporarily unavailable", "code": 2}}),
            DOWN,
        ]
        for _ in range(2):
            with pytest.raises(RemoteUnavailable):
                await facebook(remote).publish(POST)


class TestWebhook:
    async def test_signed_with_the_platform_scheme(self, remote: FakeRemote) -> None:
        adapter = WebhookAdapter(url=remote.webhook_url, secret=WEBHOOK_SECRET)
        remote_id = await adapter.publish(POST)
        assert remote_id == "bot-1"  # the receiver's "id"
        [call] = remote.calls
        assert call.path == "/bot/hook"
        assert signature_valid(WEBHOOK_SECRET, call.body, call.headers["X-Giamsat-Signature"])
        assert not signature_valid("another secret", call.body, call.headers["X-Giamsat-Signature"])
        assert call.headers["X-Giamsat-Delivery"] == POST.delivery_id
        body = call.json()
        assert body["event"] == "publication.created"
        assert body["timestamp"] == int(call.headers["X-Giamsat-Timestamp"])
        assert (body["title"], body["link"]) == (POST.title, POST.link)
        assert WEBHOOK_SECRET not in call.body.decode()

    async def test_statuses(self, remote: FakeRemote) -> None:
        adapter = WebhookAdapter(url=remote.webhook_url, secret=WEBHOOK_SECRET)
        remote.script = [Answer(500), Answer(429, None, {"Retry-After": "7"}), Answer(410)]
        with pytest.raises(RemoteUnavailable):
            await adapter.publish(POST)
        with pytest.raises(RemoteRateLimited) as caught:
            await adapter.publish(POST)
        assert caught.value.retry_after == 7
        with pytest.raises(Rejected):
            await adapter.publish(POST)
