"""The demo's accounts, password and API key: plain values shared by ``service.demo`` (which
announces them) and ``service.demo_data`` (which creates them), so neither imports the other
at module level."""

from dataclasses import dataclass

DEMO_PASSWORD = "giamsat-demo-2026"
# A fixed key so the README's examples work as written. Demo only.
DEMO_API_KEY = "gs_demo00000000_giamsat-demo-api-key-not-for-production"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str
    unit_code: str | None = None
    agency_code: str | None = None


# City level sees every ward; the Hoàn Kiếm accounts see only their ward (code 00070).
DEMO_ACCOUNTS = (
    DemoAccount("admin", "Quản trị hệ thống", "admin"),
    DemoAccount("mttq.thanhpho", "Nguyễn Văn An (MTTQ thành phố)", "front_officer"),
    DemoAccount("mttq.hoankiem", "Trần Thị Bình (MTTQ phường Hoàn Kiếm)", "front_officer", "00070"),
    DemoAccount(
        "ubnd.hoankiem",
        "Lê Văn Cường (UBND phường Hoàn Kiếm)",
        "agency_officer",
        "00070",
        "ubnd-00070",
    ),
    DemoAccount("giamsat.hoankiem", "Phạm Thị Dung (Ban TTND)", "supervisor", "00070"),
    DemoAccount("hdnd.thanhpho", "Hoàng Văn Em (HĐND thành phố)", "council_reader"),
)
