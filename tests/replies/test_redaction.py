"""Redaction before publishing (issue 10, items 5 and 6): the ways Vietnamese write phone
numbers, emails, ID numbers, bank accounts and licence plates are masked; street numbers,
dates, amounts, document numbers, years, percentages and times survive; the petitioner's own
name, address, phone, email and ID number are removed wherever they occur, whatever the case,
diacritics or Unicode normal form."""

import unicodedata

import pytest

from service.replies.redaction import (
    ADDRESS_PLACEHOLDER,
    BANK_ACCOUNT_PLACEHOLDER,
    EMAIL_PLACEHOLDER,
    ID_PLACEHOLDER,
    NAME_PLACEHOLDER,
    PHONE_PLACEHOLDER,
    PLATE_PLACEHOLDER,
    PersonalData,
    fold,
    redact,
    remove_personal,
)

PHONES = [
    # mobiles: 10 digits
    "0912345678",
    "0912 345 678",
    "0912.345.678",
    "0912-345-678",
    "091 234 5678",
    "091.234.56.78",
    "0912 34 56 78",
    "09 1234 5678",
    "0987.654.321",
    "0358 123 456",
    "0703-123-456",
    "0868123456",
    # international spellings
    "+84 912 345 678",
    "+84912345678",
    "+84-912-345-678",
    "+84.912.345.678",
    "(+84) 912 345 678",
    "(+84)912345678",
    "(84) 912 345 678",
    "84 912 345 678",
    "84912345678",
    "0084 912 345 678",
    "+84 (0) 912 345 678",
    # landlines: 02x + 8 digits (Hà Nội 024, TP.HCM 028, Đà Nẵng 0236...)
    "(024) 3825 1234",
    "(024) 38251234",
    "(024)3825 1234",
    "(024) 38.25.12.34",
    "024 3825 1234",
    "024.3825.1234",
    "024-3825-1234",
    "02438251234",
    "028 3829 5555",
    "(028) 3829-5555",
    "0236 3822 123",
    "(0236) 3822 123",
    "(+84) 24 3825 1234",
    "+84 24 3825 1234",
    "+84.24.3825.1234",
    "+84 (0) 24 3825 1234",
    # the pre-2017 Hà Nội landline
    "04 3825 1234",
    "(04) 3825 1234",
]


@pytest.mark.parametrize("phone", PHONES)
def test_phone_numbers_are_masked(phone: str) -> None:
    for before, after in (("Gọi ", " nhé"), ("SĐT:", "."), ("ĐT: ", ", "), ("(", ")")):
        assert redact(f"{before}{phone}{after}") == f"{before}{PHONE_PLACEHOLDER}{after}"


def test_a_phone_number_next_to_other_numbers() -> None:
    assert redact("Gọi 0912 345 678 12 lần") == f"Gọi {PHONE_PLACEHOLDER} 12 lần"
    assert redact("nhà số 12 0912345678") == f"nhà số 12 {PHONE_PLACEHOLDER}"
    assert redact("0912 345 678, 0987 654 321.") == f"{PHONE_PLACEHOLDER}, {PHONE_PLACEHOLDER}."


@pytest.mark.parametrize(
    "email",
    [
        "nguyen.van.a@gmail.com",
        "x+y@so-xay-dung.hanoi.gov.vn",
        "Hoang.Khai@Yahoo.com.vn",
        "an_nguyen92@outlook.com",
    ],
)
def test_emails_are_masked(email: str) -> None:
    assert redact(f"Thư: {email}.") == f"Thư: {EMAIL_PLACEHOLDER}."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CCCD 001203004567, cấp năm 2021", f"CCCD {ID_PLACEHOLDER}, cấp năm 2021"),
        ("CCCD: 001 203 004 567", f"CCCD: {ID_PLACEHOLDER}"),
        ("căn cước công dân số 001.203.004.567", f"căn cước công dân số {ID_PLACEHOLDER}"),
        ("số định danh cá nhân 036090001234", f"số định danh cá nhân {ID_PLACEHOLDER}"),
        ("mang số 001203004567 đến", f"mang số {ID_PLACEHOLDER} đến"),
        ("CMND 012345678", f"CMND {ID_PLACEHOLDER}"),
        ("CMND số 012 345 678", f"CMND số {ID_PLACEHOLDER}"),
        ("chứng minh nhân dân số 012.345.678", f"chứng minh nhân dân số {ID_PLACEHOLDER}"),
        ("CMTND: 151234567 cấp tại Thái Bình", f"CMTND: {ID_PLACEHOLDER} cấp tại Thái Bình"),
    ],
)
def test_national_id_numbers_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STK 0011004567890", f"STK {BANK_ACCOUNT_PLACEHOLDER}"),
        ("STK: 19035555666601 Techcombank", f"STK: {BANK_ACCOUNT_PLACEHOLDER} Techcombank"),
        ("STK Vietcombank 0011004567890", f"STK Vietcombank {BANK_ACCOUNT_PLACEHOLDER}"),
        ("số tài khoản: 1903 5555 6666 01", f"số tài khoản: {BANK_ACCOUNT_PLACEHOLDER}"),
        ("Số tài khoản 123-456-789-01", f"Số tài khoản {BANK_ACCOUNT_PLACEHOLDER}"),
        ("so tai khoan 123456789012", f"so tai khoan {BANK_ACCOUNT_PLACEHOLDER}"),
        ("tài khoản số 123456789", f"tài khoản số {BANK_ACCOUNT_PLACEHOLDER}"),
        (
            "chuyển vào tài khoản ngân hàng 0491000123456",
            f"chuyển vào tài khoản ngân hàng {BANK_ACCOUNT_PLACEHOLDER}",
        ),
        ("số TK 9704 1234 5678", f"số TK {BANK_ACCOUNT_PLACEHOLDER}"),
    ],
)
def test_bank_accounts_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "plate",
    ["29A-123.45", "30E-12345", "29-B1 123.45", "29B1-123.45", "51F1-234.56", "29A 123.45"],
)
def test_licence_plates_are_masked(plate: str) -> None:
    assert (
        redact(f"xe biển {plate} đỗ trên vỉa hè") == f"xe biển {PLATE_PLACEHOLDER} đỗ trên vỉa hè"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Nhà số 12 Hàng Bông bị ngập",
        "số 12 Hàng Bông",
        "ngõ 34/5 phố Huế",
        "số nhà 102, ngách 12/34, ngõ 56",
        "Tổ dân phố số 12, phường Hoàn Kiếm",
        "ngày 30/11/2026",
        "ngày 05.01.2027",
        "Hà Nội, ngày 05 tháng 01 năm 2027",
        "1.500.000 đồng",
        "Số tiền 150.000.000 đồng",
        "Tổng 1.000.000.000 đồng",
        "15.000.000.000 đồng",
        "mức phạt 2.500.000đ",
        "Công văn 45/UBND-HK",
        "Số: 12/BC-MTTQ",
        "Quyết định số 1234/QĐ-UBND ngày 12/03/2025",
        "Nghị định 30/2020/NĐ-CP",
        "Luật 25/2018/QH14",
        "năm 2026",
        "giai đoạn 2021-2025",
        "tăng 12,5%",
        "đạt 95%",
        "lúc 08:00 sáng",
        "từ 08:00 đến 17:00",
        "Diện tích 120 m2",
        "3 hộ dân, 25 nhân khẩu",
        "phòng 302 tầng 12",
        "Km 12+300 quốc lộ 1A",
        "đường dây nóng 1900 1234",
        "sau 15 ngày làm việc",
        "tỉ lệ 1/500",
    ],
)
def test_ordinary_numbers_survive(text: str) -> None:
    assert redact(text) == text


class TestThePetitionersOwnData:
    PERSON = PersonalData.of(
        full_name="Hoàng Công Khai",
        address="12 Hàng Bông, Hoàn Kiếm",
        phone="0912345678",
        email="Khai.Hoang@Example.vn",
        national_id="001203004567",
    )

    @pytest.mark.parametrize(
        "spelling",
        [
            "Hoàng Công Khai",
            "HOÀNG CÔNG KHAI",
            "hoàng công khai",
            "Hoang Cong Khai",
            "HOANG  CONG\nKHAI",
            unicodedata.normalize("NFD", "Hoàng Công Khai"),
        ],
    )
    def test_the_name_in_any_spelling(self, spelling: str) -> None:
        text = f"Trả lời phản ánh của ông {spelling} (ĐT (024) 3825 1234): kết quả đã công khai."
        assert redact(text, self.PERSON) == (
            f"Trả lời phản ánh của ông {NAME_PLACEHOLDER} (ĐT {PHONE_PLACEHOLDER}): "
            "kết quả đã công khai."
        )

    def test_d_with_stroke_and_nfd(self) -> None:
        person = PersonalData.of(full_name="Đỗ Đức Đạt")
        for spelling in ("Đỗ Đức Đạt", "ĐỖ ĐỨC ĐẠT", "Do Duc Dat", "đỗ đức đạt"):
            nfd = unicodedata.normalize("NFD", f"Bà con phản ánh, ông {spelling} cho biết")
            assert redact(nfd, person) == f"Bà con phản ánh, ông {NAME_PLACEHOLDER} cho biết"

    def test_another_name_that_starts_the_same_survives(self) -> None:
        person = PersonalData.of(full_name="Nguyễn Văn An")
        assert redact("ông Nguyễn Văn Anh", person) == "ông Nguyễn Văn Anh"
        assert redact("ông Nguyễn Văn An.", person) == f"ông {NAME_PLACEHOLDER}."

    def test_address_email_id_and_phone_however_written(self) -> None:
        text = (
            "Ông ở 12 hàng bông, hoàn kiếm (nhà 12 Hang Bong); thư KHAI.HOANG@example.VN; "
            "CCCD 001.203.004.567; gọi +84 912-345-678."
        )
        assert redact(text, self.PERSON) == (
            f"Ông ở {ADDRESS_PLACEHOLDER} (nhà {ADDRESS_PLACEHOLDER}); thư {EMAIL_PLACEHOLDER}; "
            f"CCCD {ID_PLACEHOLDER}; gọi {PHONE_PLACEHOLDER}."
        )

    def test_remove_personal_keeps_the_facts(self) -> None:
        text = "Tôi là Hoàng Công Khai. Cán bộ nhận tiền qua STK 0011004567890, xe 29A-123.45."
        assert remove_personal(text, self.PERSON) == (
            f"Tôi là {NAME_PLACEHOLDER}. Cán bộ nhận tiền qua STK 0011004567890, xe 29A-123.45."
        )

    def test_never_printed(self) -> None:
        assert "Khai" not in repr(self.PERSON)
        assert "Khai" not in str(self.PERSON)

    def test_fold(self) -> None:
        assert fold("Đường Hoàng Quốc Việt") == "duong hoang quoc viet"
        assert fold(unicodedata.normalize("NFD", "Ừ")) == "u"


def test_brackets_around_the_petitioners_phone_stay() -> None:
    person = PersonalData.of(phone="0912345678")
    assert redact("ông A (0912 345 678) nói", person) == f"ông A ({PHONE_PLACEHOLDER}) nói"
    assert remove_personal("ông A (0912.345.678)", person) == f"ông A ({PHONE_PLACEHOLDER})"
