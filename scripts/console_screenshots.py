"""The README's screenshots of the portal and the console, regenerated from a fresh demo:

    uv run python scripts/console_screenshots.py [--base http://127.0.0.1:8000] [--out docs/console]

Without ``--base`` it starts ``giamsat demo`` as a child process on a free port with a data
directory of its own (embedded PostgreSQL and Redis, files on disk: nothing else is needed,
and a developer's own ``var/`` is not touched), and stops it at the end. With ``--base`` it
uses a demo that is already running (faster while working on a page; the data it adds then
comes on top of whatever is there).

It fills the demo through the API as the README's walk-through does (petitions from the demo
citizen app, some with a photo, taken to every stage; a supervision plan with a live session
and its log), then logs in as each demo account in Debian's Chromium and saves each main page
at desktop (1280 px) and phone (390 px) width as ``<page>-desktop.png`` and
``<page>-phone.png``. Every name, number and text in them is invented.
"""

import argparse
import io
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from PIL import Image, ImageDraw

from service.demo_accounts import DEMO_API_KEY, DEMO_PASSWORD

CHROMIUM = "/usr/bin/chromium"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
WIDTHS: dict[str, Any] = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 390, "height": 844},
}
HOAN_KIEM, BA_DINH = "00070", "00004"
CITIZEN = {
    "full_name": "Nguyễn Thị Hoa",
    "phone": "0912345678",
    "address": "18 Hàng Bông, phường Hoàn Kiếm",
}


# -- the demo -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def fresh_demo() -> Iterator[str]:
    """``giamsat demo`` on a free port and a temporary data directory; its base URL."""
    with tempfile.TemporaryDirectory(prefix="giamsat-shots-") as scratch:
        port = _free_port()
        # The demo's own embedded services only: a developer's GIAMSAT_* settings (another
        # database, a broker) must not leak into the pictures.
        env = {key: value for key, value in os.environ.items() if not key.startswith("GIAMSAT_")}
        env.update(GIAMSAT_DATA_DIR=str(Path(scratch) / "var"), GIAMSAT_PORT=str(port))
        log_path = Path(scratch) / "demo.log"
        with log_path.open("wb") as log:
            demo = subprocess.Popen(
                [sys.executable, "-m", "service", "demo"], env=env, stdout=log, stderr=log
            )
            base = f"http://127.0.0.1:{port}"
            try:
                _wait_until_up(base, demo, log_path)
                yield base
            finally:
                # Ctrl-C: the demo stops its API, worker, PostgreSQL and Redis itself.
                demo.send_signal(signal.SIGINT)
                try:
                    demo.wait(90)
                except subprocess.TimeoutExpired:
                    demo.kill()
                    demo.wait(10)


def _wait_until_up(base: str, demo: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if demo.poll() is not None:
            sys.exit(f"the demo stopped:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    sys.exit(f"the demo did not start in 5 minutes:\n{log_path.read_text()[-3000:]}")


# -- the data -------------------------------------------------------------------------------


def photo(colour: tuple[int, int, int], caption: str) -> bytes:
    """A stand-in for a citizen's photo: a plain picture with a few shapes."""
    image = Image.new("RGB", (800, 600), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 420, 800, 600), fill=(90, 90, 90))
    draw.ellipse((560, 60, 700, 200), fill=(240, 220, 120))
    draw.text((24, 24), caption, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


@dataclass
class Filled:
    """What the pictures need to know about the data: ids and codes of the pages to open."""

    petition_id: str = ""
    tracking_code: str = ""
    tracking_secret: str = ""
    inbox_referral: str = ""
    review_referral: str = ""
    answer_id: str = ""
    plan_id: str = ""
    session_id: str = ""
    draft_id: str = ""
    draft_code: str = ""
    meeting_id: str = ""
    titles: list[str] = field(default_factory=list)


class Api:
    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=f"{base}/api/v1", timeout=60)
        self.tokens: dict[str, dict[str, str]] = {}

    def staff(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            answer = self.http.post(
                "/auth/login", json={"username": username, "password": DEMO_PASSWORD}
            )
            answer.raise_for_status()
            self.tokens[username] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        return self.tokens[username]

    def call(self, method: str, url: str, who: dict[str, str], **options: Any) -> httpx.Response:
        answer = self.http.request(method, url, headers=who | options.pop("headers", {}), **options)
        if answer.status_code >= 400:
            sys.exit(f"{method} {url} -> {answer.status_code}: {answer.text[:800]}")
        return answer

    def step(
        self, url: str, who: dict[str, str], etag: str, body: Any = None, method: str = "POST"
    ) -> str:
        answer = self.call(method, url, who, json=body or {}, headers={"If-Match": etag})
        return answer.headers["etag"]

    def file(self, **body: Any) -> dict[str, Any]:
        body = {
            "kind": "feedback",
            "unit_code": HOAN_KIEM,
            "channel": "zalo",
            "consent_to_process": True,
            "consent_to_publish": True,
            **body,
        }
        client = {"X-API-Key": DEMO_API_KEY, "Idempotency-Key": uuid.uuid4().hex}
        filed: dict[str, Any] = self.call("POST", "/petitions", client, json=body).json()
        return filed

    def attach(self, filed: dict[str, Any], name: str, data: bytes) -> None:
        self.call(
            "POST",
            f"/track/{filed['tracking_code']}/evidence",
            {"X-Tracking-Secret": filed["tracking_secret"]},
            params={"filename": name},
            content=data,
        )

    def refer(self, filed: dict[str, Any], front: str = "mttq.hoankiem") -> str:
        who = self.staff(front)
        url = f"/petitions/{filed['id']}"
        etag = self.call("GET", url, who).headers["etag"]
        etag = self.step(f"{url}/accept", who, etag)
        referred = self.call("POST", f"{url}/refer", who, json={}, headers={"If-Match": etag})
        referral_id: str = referred.json()["referral_id"]
        return referral_id

    def answer(self, referral_id: str, text: str, number: str) -> str:
        who = self.staff("ubnd.hoankiem")
        url = f"/agency/referrals/{referral_id}"
        etag = self.call("GET", url, who).headers["etag"]
        etag = self.step(f"{url}/acknowledge", who, etag, {"agency_reference": f"TL-{number}"})
        etag = self.step(
            f"{url}/answer",
            who,
            etag,
            {
                "outcome": "resolved",
                "text": text,
                "document_number": f"{number}/UBND-HK",
                "document_date": datetime.now(HANOI).date().isoformat(),
                "signer_name": "Lê Văn Cường",
                "signer_title": "Phó Chủ tịch UBND phường",
            },
            method="PUT",
        )
        return self.step(f"{url}/answer/submit", who, etag)

    def publish(self, referral_id: str, etag: str) -> None:
        who = self.staff("mttq.hoankiem")
        url = f"/referrals/{referral_id}"
        etag = self.step(f"{url}/answer/accept", who, etag)
        self.step(f"{url}/publish", who, etag)


def fill(base: str) -> Filled:
    api = Api(base)
    filled = Filled()

    # Answered, published and rated: the portal's answers, its answer page and the tracking.
    flooded = api.file(
        category="environment_sanitation",
        title="Ngập nước đường Hàng Bông sau mưa",
        description="Mỗi khi mưa lớn, đoạn đường trước số 12 Hàng Bông ngập sâu 30 cm, "
        "xe máy chết máy giữa đường.",
        petitioner=CITIZEN,
        latitude=21.0306,
        longitude=105.8472,
    )
    api.attach(flooded, "ngap-hang-bong.jpg", photo((70, 110, 160), "Hang Bong"))
    referral = api.refer(flooded)
    etag = api.answer(
        referral,
        "UBND phường đã nạo vét toàn bộ hố ga đoạn từ số 2 đến số 40 Hàng Bông và thay nắp "
        "cống bị vỡ. Sau trận mưa ngày 28/11, đoạn đường không còn ngập.",
        "45",
    )
    api.publish(referral, etag)
    filled.tracking_code, filled.tracking_secret = (
        flooded["tracking_code"],
        flooded["tracking_secret"],
    )

    lamp = api.file(
        category="traffic_infrastructure",
        title="Đèn đường phố Hàng Mành không sáng",
        description="Cả dãy đèn đường trước số 20 Hàng Mành tắt từ một tuần nay.",
    )
    referral = api.refer(lamp)
    etag = api.answer(
        referral, "UBND phường đã thay bóng đèn và sửa đường dây trên phố Hàng Mành.", "52"
    )
    api.publish(referral, etag)

    # Answered, waiting for the Front's review.
    pavement = api.file(
        category="construction_order",
        title="Vỉa hè phố Hàng Đào bị lấn chiếm",
        description="Các cửa hàng bày hàng kín vỉa hè từ số 10 đến số 30, người đi bộ phải "
        "xuống lòng đường.",
    )
    filled.review_referral = api.refer(pavement)
    api.answer(
        filled.review_referral,
        "Tổ trật tự đô thị phường đã nhắc nhở 12 hộ kinh doanh và lập biên bản 3 trường hợp "
        "tái phạm; phường sẽ kiểm tra hằng tuần trong tháng 12.",
        "58",
    )

    # Referred, not yet acknowledged: the agency's inbox.
    rubbish = api.file(
        category="environment_sanitation",
        title="Rác thải tập kết sai nơi quy định ở ngõ Tạm Thương",
        description="Rác được đổ ở đầu ngõ Tạm Thương từ chiều, đến sáng hôm sau mới được thu gom.",
    )
    filled.inbox_referral = api.refer(rubbish)
    api.refer(
        api.file(
            category="land",
            title="Đề nghị kiểm tra việc xây tường rào lấn ngõ 32 Hàng Bạc",
            description="Một hộ dân xây tường rào lấn ra ngõ chung khoảng 40 cm.",
        )
    )

    # Just received: the queue and the petition page.
    bench = api.file(
        kind="recommendation",
        category="traffic_infrastructure",
        title="Đề nghị lắp thêm ghế đá ở vườn hoa Con Cóc",
        description="Vườn hoa đông người già tập thể dục buổi sáng nhưng chỉ có bốn ghế đá.",
        petitioner=CITIZEN,
        latitude=21.0245,
        longitude=105.8560,
    )
    api.attach(bench, "vuon-hoa-con-coc.jpg", photo((60, 140, 80), "Vuon hoa Con Coc"))
    filled.petition_id = bench["id"]
    for body in (
        {
            "category": "environment_sanitation",
            "title": "Cây xanh có nguy cơ đổ trên phố Tràng Thi",
            "description": "Cây sấu trước số 45 Tràng Thi nghiêng hẳn ra đường sau cơn bão.",
        },
        {
            "category": "public_security_order",
            "title": "Tiếng ồn karaoke ban đêm ở phố Lương Văn Can",
            "description": "Quán karaoke mở nhạc to đến 1 giờ sáng nhiều đêm liền.",
        },
        {
            "category": "traffic_infrastructure",
            "title": "Đèn tín hiệu giao thông ngã tư Quán Thánh hỏng",
            "description": "Đèn tín hiệu ở ngã tư Quán Thánh – Hùng Vương nhấp nháy vàng cả ngày.",
            "unit_code": BA_DINH,
        },
    ):
        api.file(**body)

    feed = api.call("GET", "/public/answers", {}, params={"limit": 10}).json()
    filled.answer_id = next(
        item["id"] for item in feed["items"] if item["title"] == "Ngập nước đường Hàng Bông sau mưa"
    )
    filled.plan_id, filled.session_id = supervision(api)
    filled.draft_id, filled.draft_code, filled.meeting_id = other_duties(api)
    return filled


def other_duties(api: Api) -> tuple[str, str, str]:
    """The demo's own draft under social criticism and its first voter meeting in Hoàn Kiếm,
    as ``giamsat demo`` seeded them; (draft id, draft code, meeting id)."""
    front = api.staff("mttq.hoankiem")
    draft = api.call("GET", "/drafts", front).json()["items"][0]
    council = api.call("GET", "/voter-meetings/sessions", front).json()["items"][0]
    meetings = api.call("GET", f"/voter-meetings/sessions/{council['id']}/meetings", front)
    return draft["id"], draft["code"], meetings.json()[0]["id"]


def supervision(api: Api) -> tuple[str, str]:
    """A plan of the ward's People's Inspection Board, approved, with an open online session
    and a few entries in its log; (plan id, session id)."""
    head = api.staff("giamsat.hoankiem")
    users = {
        u["username"]: u["id"] for u in api.call("GET", "/admin/users", api.staff("admin")).json()
    }
    agencies = api.call("GET", "/directory/agencies", head, params={"unit": HOAN_KIEM}).json()
    agency = next(a for a in agencies["items"] if a["code"] == "ubnd-00070")
    today = datetime.now(HANOI).date()
    plan = api.call(
        "POST",
        "/oversight/plans",
        head,
        json={
            "code": f"KH-GS-{today.year}-{uuid.uuid4().hex[:4].upper()}",
            "subject": "Giám sát việc giải quyết kiến nghị của cử tri về trật tự đô thị",
            "legal_basis": "Luật Mặt trận Tổ quốc Việt Nam, Điều 27; Nghị quyết liên tịch 403/2017",
            "form": "people_inspection_board",
            "unit_code": HOAN_KIEM,
            "period_start": today.isoformat(),
            "period_end": (today + timedelta(days=90)).isoformat(),
            "agency_ids": [agency["id"]],
            "members": [{"user_id": users["giamsat.hoankiem"], "role": "head"}],
        },
    ).json()
    url = f"/oversight/plans/{plan['id']}"
    submitted = api.call(
        "POST", f"{url}/actions/submit", head, headers={"If-Match": f'"{plan["version"]}"'}
    ).json()
    api.call(
        "POST",
        f"{url}/actions/approve",
        api.staff("mttq.hoankiem"),
        headers={"If-Match": f'"{submitted["version"]}"'},
    )
    start = datetime.now().astimezone().replace(second=0, microsecond=0)
    session = api.call(
        "POST",
        f"{url}/sessions",
        head,
        json={
            "title": "Phiên làm việc trực tuyến với UBND phường",
            "mode": "online",
            "scheduled_start": start.isoformat(),
            "meeting_link": "https://hop.example.vn/gs-hoankiem-01",
        },
    ).json()
    api.call(
        "POST",
        f"/oversight/sessions/{session['id']}/actions/open",
        head,
        headers={"If-Match": f'"{session["version"]}"'},
    )
    for kind, text in (
        ("statement", "Khai mạc phiên làm việc; đoàn giới thiệu nội dung giám sát."),
        ("statement", "UBND phường báo cáo: 214 kiến nghị về trật tự đô thị, đã trả lời 187."),
        ("question", "Vì sao 27 kiến nghị về lấn chiếm vỉa hè quá hạn trả lời?"),
        ("answer", "Phường thiếu cán bộ trật tự đô thị trong quý III; đã bổ sung 2 người."),
        ("finding", "Việc trả lời kiến nghị về lấn chiếm vỉa hè chậm so với thời hạn quy định."),
    ):
        api.call(
            "POST",
            f"/oversight/sessions/{session['id']}/log",
            head,
            json={"kind": kind, "text": text},
        )
    return plan["id"], session["id"]


# -- the pictures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Shot:
    name: str
    path: Callable[[Filled], str]
    full_page: bool = False
    # For a page reached by a form rather than an address (tracking: code and secret).
    before: Callable[[Any, Filled], None] | None = None


def _track(page: Any, filled: Filled) -> None:
    page.goto("/tra-cuu")
    page.get_by_label("Mã tra cứu").fill(filled.tracking_code)
    page.get_by_label("Mã bí mật").fill(filled.tracking_secret)
    page.get_by_role("button", name="Tra cứu").click()
    page.wait_for_url(f"**/tra-cuu/{filled.tracking_code}")


SHOTS: dict[str | None, list[Shot]] = {
    None: [
        Shot("portal-home", lambda f: "/", full_page=True),
        Shot("portal-answers", lambda f: "/tra-loi"),
        Shot("portal-answer", lambda f: f"/tra-loi/{f.answer_id}", full_page=True),
        Shot("portal-file", lambda f: "/gui-kien-nghi"),
        Shot("portal-track", lambda f: f"/tra-cuu/{f.tracking_code}", before=_track),
        Shot("portal-consultation", lambda f: f"/gop-y-du-thao/{f.draft_code}", full_page=True),
        Shot("portal-reception", lambda f: "/tiep-cong-dan"),
        Shot("login", lambda f: "/console/login"),
    ],
    "mttq.hoankiem": [
        Shot("queue", lambda f: "/console/queue?tab=all", full_page=True),
        Shot("petition", lambda f: f"/console/queue/{f.petition_id}", full_page=True),
        Shot("review", lambda f: f"/console/review/{f.review_referral}", full_page=True),
        Shot("reception", lambda f: "/console/reception"),
        Shot("draft", lambda f: f"/console/drafts/{f.draft_id}", full_page=True),
        Shot("voter-meeting", lambda f: f"/console/voter-meetings/meetings/{f.meeting_id}"),
    ],
    "ubnd.hoankiem": [
        Shot("inbox", lambda f: "/console/inbox"),
        Shot("referral", lambda f: f"/console/inbox/{f.inbox_referral}", full_page=True),
    ],
    "giamsat.hoankiem": [
        Shot("plans", lambda f: "/console/oversight"),
        Shot("plan", lambda f: f"/console/oversight/plans/{f.plan_id}"),
        Shot("session", lambda f: f"/console/oversight/sessions/{f.session_id}", full_page=True),
    ],
    "hdnd.thanhpho": [Shot("dashboard", lambda f: "/console/dashboard", full_page=True)],
    "admin": [Shot("admin-users", lambda f: "/console/admin/users")],
}


def _settle(page: Any) -> None:
    """Everything drawn: lazy previews loaded, the live log's entries in (its stream never
    ends, so no "network idle" on that page)."""
    page.wait_for_load_state("load")
    page.evaluate(
        """() => Promise.all([...document.images].map((img) => {
            img.loading = "eager";
            return img.complete ? null : new Promise((done) => {
                img.addEventListener("load", done); img.addEventListener("error", done);
            });
        }))"""
    )
    page.wait_for_timeout(300)  # htmx swaps and the log's first events


def shoot(base: str, filled: Filled, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as playwright:
        # --lang: the date inputs read dd/mm/yyyy, as in a Vietnamese browser.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--lang=vi-VN"]
        )
        for width, viewport in WIDTHS.items():
            for username, shots in SHOTS.items():
                context = browser.new_context(
                    base_url=base, viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
                )
                page = context.new_page()
                if username:
                    page.goto("/console/login")
                    page.get_by_label("Tên đăng nhập").fill(username)
                    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
                    page.get_by_role("button", name="Đăng nhập").click()
                    page.wait_for_url("**/console")
                for shot in shots:
                    if shot.before:
                        shot.before(page, filled)
                    else:
                        answer = page.goto(shot.path(filled))
                        status = answer.status if answer else None
                        if status != 200:
                            sys.exit(f"{shot.name}: {shot.path(filled)} answered {status}")
                    _settle(page)
                    target = out / f"{shot.name}-{width}.png"
                    page.screenshot(path=str(target), type="png", full_page=shot.full_page)
                    saved.append(target)
                    print(f"{target} ({target.stat().st_size // 1024} KB)")
                context.close()
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="a running demo's base URL (default: start a fresh one)")
    parser.add_argument("--out", type=Path, default=Path("docs/console"))
    args = parser.parse_args()
    if args.base:
        saved = shoot(args.base, fill(args.base), args.out)
    else:
        with fresh_demo() as base:
            saved = shoot(base, fill(base), args.out)
    total = sum(path.stat().st_size for path in saved)
    print(f"{len(saved)} screenshots, {total / 1024 / 1024:.1f} MB in {args.out}")


if __name__ == "__main__":
    main()
