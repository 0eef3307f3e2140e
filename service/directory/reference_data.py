"""The reference data that ``giamsat seed`` loads: categories, Hanoi's agencies and default
routing rules, office hours and the 2025-2027 working-day calendar. Units come from the
``vietnam-provinces`` package (see ``seed.py``).

Plain data, no database access, so the calendar tests can build a ``WorkingCalendar`` from it.
"""

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from service.directory.models import AgencyKind, AgencyLevel, DayKind, UnitLevel

HANOI = "01"
CITY_PEOPLE_COMMITTEE = "ubnd-01"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def people_committee_code(unit_code: str) -> str:
    """The stable agency code of a unit's People's Committee (the city's is ``ubnd-01``)."""
    return f"ubnd-{unit_code}"


def people_committee_name(unit_name: str, division_type: str) -> str:
    """ "Phường Hoàn Kiếm" -> "UBND phường Hoàn Kiếm"."""
    if unit_name.lower().startswith(division_type.lower() + " "):
        return nfc(f"UBND {division_type} {unit_name[len(division_type) + 1 :]}")
    return nfc(f"UBND {unit_name}")


# --- petition categories -------------------------------------------------------------------


@dataclass(frozen=True)
class SeedCategory:
    code: str
    name_vi: str
    name_en: str
    sort_order: int


CATEGORIES: tuple[SeedCategory, ...] = (
    SeedCategory("land", "Đất đai", "Land", 10),
    SeedCategory("construction_order", "Trật tự xây dựng", "Construction order", 20),
    SeedCategory("environment_sanitation", "Môi trường, vệ sinh", "Environment and sanitation", 30),
    SeedCategory("traffic_infrastructure", "Giao thông, hạ tầng", "Traffic and infrastructure", 40),
    SeedCategory("social_welfare", "An sinh xã hội", "Social welfare", 50),
    SeedCategory("public_security_order", "An ninh, trật tự", "Public security and order", 60),
    SeedCategory("health", "Y tế", "Health", 70),
    SeedCategory("education", "Giáo dục", "Education", 80),
    SeedCategory(
        "administrative_procedures", "Thủ tục hành chính", "Administrative procedures", 90
    ),
    SeedCategory(
        "officials_conduct",
        "Thái độ, trách nhiệm của cán bộ, công chức",
        "Officials' conduct",
        100,
    ),
    SeedCategory("other", "Khác", "Other", 110),
)


# --- Hanoi's agencies ----------------------------------------------------------------------


@dataclass(frozen=True)
class SeedAgency:
    code: str
    name: str
    kind: AgencyKind
    level: AgencyLevel = AgencyLevel.city
    unit_code: str = HANOI
    parent_code: str | None = CITY_PEOPLE_COMMITTEE


# The city's specialised bodies after the reorganisation in force from 1 March 2025
# (Resolution of the Hanoi People's Council of 25 February 2025: 15 departments and
# equivalents; Transport merged into Construction, Natural Resources and Environment into
# Agriculture and Environment, Labour into Home Affairs, Planning and Investment into Finance,
# Information and Communications into Science and Technology). The police report to the
# Ministry of Public Security, not to the City People's Committee: no parent.
CITY_AGENCIES: tuple[SeedAgency, ...] = (
    SeedAgency(
        CITY_PEOPLE_COMMITTEE,
        "UBND thành phố Hà Nội",
        AgencyKind.people_committee,
        parent_code=None,
    ),
    SeedAgency(
        "van-phong-ubnd-thanh-pho", "Văn phòng UBND thành phố Hà Nội", AgencyKind.department
    ),
    SeedAgency("so-noi-vu", "Sở Nội vụ Hà Nội", AgencyKind.department),
    SeedAgency("so-tu-phap", "Sở Tư pháp Hà Nội", AgencyKind.department),
    SeedAgency("so-tai-chinh", "Sở Tài chính Hà Nội", AgencyKind.department),
    SeedAgency("so-cong-thuong", "Sở Công Thương Hà Nội", AgencyKind.department),
    SeedAgency(
        "so-nong-nghiep-va-moi-truong", "Sở Nông nghiệp và Môi trường Hà Nội", AgencyKind.department
    ),
    SeedAgency("so-xay-dung", "Sở Xây dựng Hà Nội", AgencyKind.department),
    SeedAgency("so-quy-hoach-kien-truc", "Sở Quy hoạch - Kiến trúc Hà Nội", AgencyKind.department),
    SeedAgency(
        "so-khoa-hoc-va-cong-nghe", "Sở Khoa học và Công nghệ Hà Nội", AgencyKind.department
    ),
    SeedAgency("so-van-hoa-va-the-thao", "Sở Văn hóa và Thể thao Hà Nội", AgencyKind.department),
    SeedAgency("so-du-lich", "Sở Du lịch Hà Nội", AgencyKind.department),
    SeedAgency("so-giao-duc-va-dao-tao", "Sở Giáo dục và Đào tạo Hà Nội", AgencyKind.department),
    SeedAgency("so-y-te", "Sở Y tế Hà Nội", AgencyKind.department),
    SeedAgency("so-dan-toc-va-ton-giao", "Sở Dân tộc và Tôn giáo Hà Nội", AgencyKind.department),
    SeedAgency("thanh-tra-thanh-pho", "Thanh tra thành phố Hà Nội", AgencyKind.inspectorate),
    SeedAgency(
        "cong-an-thanh-pho", "Công an thành phố Hà Nội", AgencyKind.police, parent_code=None
    ),
)


# --- routing rules -------------------------------------------------------------------------

_RULE_NAMESPACE = uuid.UUID("6f1c2b1e-52a4-4c57-9a51-0d6c3e0a2d10")


@dataclass(frozen=True)
class SeedRule:
    """A default rule. ``agency_code=None`` means "the People's Committee of the unit"."""

    key: str
    category_code: str | None
    agency_code: str | None
    unit_level: UnitLevel | None = None
    is_fallback: bool = False
    priority: int = 100
    note: str | None = None

    @property
    def id(self) -> uuid.UUID:
        # Stable ids: a rule seeded twice is the same row.
        return uuid.uuid5(_RULE_NAMESPACE, self.key)


_WARD_MATTERS = (
    "land",
    "construction_order",
    "environment_sanitation",
    "traffic_infrastructure",
    "social_welfare",
    "administrative_procedures",
)
_CITY_MATTERS = {
    "land": "so-nong-nghiep-va-moi-truong",
    "environment_sanitation": "so-nong-nghiep-va-moi-truong",
    "construction_order": "so-xay-dung",
    "traffic_infrastructure": "so-xay-dung",
    "social_welfare": "so-noi-vu",
    "administrative_procedures": "van-phong-ubnd-thanh-pho",
}
_ANY_LEVEL = {
    "public_security_order": "cong-an-thanh-pho",
    "officials_conduct": "thanh-tra-thanh-pho",
    "health": "so-y-te",
    "education": "so-giao-duc-va-dao-tao",
}

ROUTING_RULES: tuple[SeedRule, ...] = (
    # Since 1 July 2025 the commune/ward People's Committee handles most local matters.
    *(
        SeedRule(
            f"hanoi:{category}:commune",
            category,
            None,
            unit_level=UnitLevel.commune,
            note="UBND phường/xã nơi phát sinh sự việc",
        )
        for category in _WARD_MATTERS
    ),
    # A petition about the city as a whole goes to the competent department.
    *(
        SeedRule(f"hanoi:{category}:province", category, agency, unit_level=UnitLevel.province)
        for category, agency in _CITY_MATTERS.items()
    ),
    *(
        SeedRule(f"hanoi:{category}:any", category, agency)
        for category, agency in _ANY_LEVEL.items()
    ),
    SeedRule(
        "hanoi:fallback",
        None,
        CITY_PEOPLE_COMMITTEE,
        is_fallback=True,
        note="Không có quy tắc phù hợp: UBND thành phố phân công",
    ),
)


# --- office hours --------------------------------------------------------------------------

OFFICE_WEEKDAYS = [1, 2, 3, 4, 5]
OFFICE_PERIODS = [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]


# --- the working-day calendar --------------------------------------------------------------


@dataclass(frozen=True)
class SeedDay:
    day: date
    kind: DayKind
    name: str


H, OFF, WORK = DayKind.holiday, DayKind.day_off, DayKind.working_day


# The holidays Labour Code 2019 Art. 112 fixes by the solar calendar, every year alike.
_FIXED_HOLIDAYS = (
    (1, 1, "Tết Dương lịch"),
    (4, 30, "Ngày Chiến thắng (30/4)"),
    (5, 1, "Ngày Quốc tế Lao động (1/5)"),
    (9, 2, "Quốc khánh (2/9)"),
)
# The Tết holiday is five days.
_TET_DAYS = 5


def _tet_names(lunar_year: str, from_chap: int) -> list[str]:
    """The five Tết days' names from ``from_chap`` tháng Chạp (a Chạp of 29 days, as in
    each year listed), then mùng 1, mùng 2... tháng Giêng."""
    lunar_days = [f"{day} tháng Chạp" for day in range(from_chap, 30)]
    lunar_days += [f"mùng {day} tháng Giêng" for day in range(1, _TET_DAYS - len(lunar_days) + 1)]
    return [f"Tết Nguyên đán {lunar_year} ({lunar_day})" for lunar_day in lunar_days]


def _year(
    year: int,
    tet: tuple[date, str, int],
    hung_kings: date,
    *rows: tuple[date, DayKind, str],
) -> tuple[SeedDay, ...]:
    """A year's calendar, by date: the fixed holidays, Tết (its first day, the lunar year's
    name and the Chạp day it starts on), the Hùng Kings' day, and the year's own ``rows``
    (adjacent, substitute and swapped days)."""
    first_tet_day, lunar_year, from_chap = tet
    days = [(date(year, month, day), H, name) for month, day, name in _FIXED_HOLIDAYS]
    days += [
        (first_tet_day + timedelta(days=offset), H, name)
        for offset, name in enumerate(_tet_names(lunar_year, from_chap))
    ]
    days += [(hung_kings, H, "Giỗ Tổ Hùng Vương (10/3 âm lịch)"), *rows]
    return tuple(SeedDay(day, kind, nfc(name)) for day, kind, name in sorted(days))


# Labour Code 2019 Art. 112: 1/1; Tết (5 days); Hùng Kings (10/3 lunar); 30/4; 1/5; 2/9 and
# one day before or after. Saturdays and Sundays inside a break are weekly rest and not
# listed; holidays on a weekend are listed (with their substitute day) so the reason shows.
CALENDAR: dict[int, tuple[SeedDay, ...]] = {
    # Official: Tết 25/1-2/2 (MOLISA notice, 5 Tết days on Mon 27 - Fri 31 January); Hùng
    # Kings Mon 7/4; 30/4-4/5 with Fri 2/5 swapped for Sat 26/4 (Prime Minister's decision,
    # March 2025); National Day Sat 30/8 - Tue 2/9 with Mon 1/9 as the adjacent day.
    2025: _year(
        2025,
        (date(2025, 1, 27), "Ất Tỵ", 28),
        date(2025, 4, 7),
        (date(2025, 4, 26), WORK, "Làm bù cho ngày nghỉ thứ Sáu 02/5/2025"),
        (date(2025, 5, 2), OFF, "Nghỉ hoán đổi (làm bù thứ Bảy 26/4/2025)"),
        (date(2025, 9, 1), H, "Quốc khánh (ngày liền kề)"),
    ),
    # Official: Tết Dương lịch 1-4/1 with Fri 2/1 swapped for Sat 10/1 (Government Office
    # letter 12729/VPCP-KGVX, 25/12/2025); Tết 14-22/2, the 5 Tết days Mon 16 - Fri 20
    # February, and National Day 29/8-2/9 with Tue 1/9 as the adjacent day and Mon 31/8
    # swapped for Sat 22/8 (Ministry of Home Affairs notice 9441/TB-BNV, 16/10/2025). Hùng
    # Kings' day falls on Sunday 26/4: substitute day Monday 27/4 (Labour Code Art. 112(3)).
    2026: _year(
        2026,
        (date(2026, 2, 16), "Bính Ngọ", 29),
        date(2026, 4, 26),
        (date(2026, 1, 2), OFF, "Nghỉ hoán đổi (làm bù thứ Bảy 10/01/2026)"),
        (date(2026, 1, 10), WORK, "Làm bù cho ngày nghỉ thứ Sáu 02/01/2026"),
        (date(2026, 4, 27), OFF, "Nghỉ bù Giỗ Tổ Hùng Vương (trùng Chủ nhật)"),
        (date(2026, 8, 22), WORK, "Làm bù cho ngày nghỉ thứ Hai 31/8/2026"),
        (date(2026, 8, 31), OFF, "Nghỉ hoán đổi (làm bù thứ Bảy 22/8/2026)"),
        (date(2026, 9, 1), H, "Quốc khánh (ngày liền kề)"),
    ),
    # NOT yet announced when this was written: the lunar dates are computed (Tết Đinh Mùi on
    # Saturday 6/2/2027, Hùng Kings' day Friday 16/4/2027); the Tết days follow the pattern
    # used in 2024, the last year Tết fell on a Saturday (28 and 29 tháng Chạp plus mùng 1-3,
    # with mùng 1-2 on the weekend made up on Tue 9 and Wed 10 February); 1/5 on a Saturday
    # gives Monday 3/5 off; the adjacent National Day holiday is assumed to be Fri 3/9.
    # Correct these through the calendar API once the government announces the plan.
    2027: _year(
        2027,
        (date(2027, 2, 4), "Đinh Mùi", 28),
        date(2027, 4, 16),
        (date(2027, 2, 9), OFF, "Nghỉ bù Tết Nguyên đán (mùng 1 trùng thứ Bảy)"),
        (date(2027, 2, 10), OFF, "Nghỉ bù Tết Nguyên đán (mùng 2 trùng Chủ nhật)"),
        (date(2027, 5, 3), OFF, "Nghỉ bù Ngày Quốc tế Lao động (trùng thứ Bảy)"),
        (date(2027, 9, 3), H, "Quốc khánh (ngày liền kề, dự kiến)"),
    ),
}
# Not included: 24 November, "Ngày Văn hóa Việt Nam", which the Politburo (Resolution
# 80-NQ/TW, January 2026) wants made a paid holiday; it needs an amendment of Labour Code
# Art. 112 that we could not confirm had passed. Add it through the API if it has.
