"""Vietnamese mobile numbers and SMS lengths (pure functions: no service needed)."""

import unicodedata

import pytest
import structlog

from service.notices.phones import (
    PhoneFormat,
    formatted,
    mask,
    mask_in_text,
    normalise_mobile,
    scrub_phone_numbers,
)
from service.notices.sms_text import Encoding, fit, segments, strip_diacritics


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("0912345678", "84912345678"),
        ("0912 345 678", "84912345678"),
        ("091.234.5678", "84912345678"),
        ("+84 912-345-678", "84912345678"),
        ("(+84) 912 345 678", "84912345678"),
        ("0084912345678", "84912345678"),
        ("84912345678", "84912345678"),
        ("0321234567", "84321234567"),  # Viettel 032
        ("0701234567", "84701234567"),  # MobiFone 070
        ("0861234567", "84861234567"),
        ("0591234567", "84591234567"),  # Gmobile 059
    ],
)
def test_mobile_numbers_are_normalised(raw: str, normalised: str) -> None:
    assert normalise_mobile(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "02438253434",  # a Hanoi landline
        "0123456789",  # the old 11-digit prefixes are gone; 012 is not a mobile prefix now
        "091234567",  # one digit short
        "09123456789",  # one too many
        "0312345678",  # 031 is not a mobile prefix
        "+1 415 555 0100",
        "0912abc678",
    ],
)
def test_what_is_not_a_vietnamese_mobile_is_refused(raw: str | None) -> None:
    assert normalise_mobile(raw) is None


def test_formats_and_masks() -> None:
    assert formatted("84912345678", PhoneFormat.international) == "84912345678"
    assert formatted("84912345678", PhoneFormat.national) == "0912345678"
    assert mask("84912345678") == "8491****678"
    assert mask(None) == "***"


def test_numbers_in_log_values_are_masked() -> None:
    line = "sent to 0912 345 678 and +84912345679; order 12345678901234; tel 02438253434"
    masked = mask_in_text(line)
    assert "345 678" not in masked
    assert "912345679" not in masked
    assert "8491****678" in masked
    assert "8491****679" in masked
    assert "12345678901234" in masked  # not a phone number: untouched
    assert "02438253434" in masked  # a landline is not what we send to; left as it is
    event = scrub_phone_numbers(None, "info", {"event": "x", "error": "GET /send?to=0912345678"})
    assert event["error"] == "GET /send?to=8491****678"


def test_the_configured_logger_masks_phone_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    """The processor is part of the app's and the worker's logging."""
    from service.observability import configure_logging

    configure_logging("INFO", json=True)
    try:
        structlog.get_logger("test").warning("oops", error="gateway refused 0912345678")
        err = capsys.readouterr().err
    finally:
        structlog.reset_defaults()  # the logger held the captured stream
    assert "0912345678" not in err
    assert "8491****678" in err


def test_diacritics_are_stripped() -> None:
    text = "Đơn của bạn đã được chuyển đến UBND phường Hoàn Kiếm. Ưu tiên xử lý: ĐẶNG"
    assert strip_diacritics(text) == (
        "Don cua ban da duoc chuyen den UBND phuong Hoan Kiem. Uu tien xu ly: DANG"
    )
    # Decomposed input (NFD, as some keyboards send it) gives the same.
    assert strip_diacritics(unicodedata.normalize("NFD", text)) == strip_diacritics(text)
    assert segments(strip_diacritics(text))[0] is Encoding.gsm7


def test_segments_follow_gsm7_and_ucs2_lengths() -> None:
    assert segments("a" * 160) == (Encoding.gsm7, 1)
    assert segments("a" * 161) == (Encoding.gsm7, 2)  # 153 a part once concatenated
    assert segments("a" * 306) == (Encoding.gsm7, 2)
    assert segments("a" * 307) == (Encoding.gsm7, 3)
    assert segments("[" * 80) == (Encoding.gsm7, 1)  # extension characters take two
    assert segments("[" * 81) == (Encoding.gsm7, 2)
    assert segments("ơ" * 70) == (Encoding.ucs2, 1)
    assert segments("ơ" * 71) == (Encoding.ucs2, 2)  # 67 a part
    assert segments("ơ" * 135) == (Encoding.ucs2, 3)


LINK = "Tra cứu: https://giamsat.example.vn/tra-cuu"


def test_a_short_text_is_sent_whole() -> None:
    fitted = fit("Đơn HN-2026-000001: Đã tiếp nhận.", LINK, max_segments=1, ascii_only=True)
    assert (
        fitted.text
        == "Don HN-2026-000001: Da tiep nhan. Tra cuu: https://giamsat.example.vn/tra-cuu"
    )
    assert (fitted.encoding, fitted.segments, fitted.truncated) == (Encoding.gsm7, 1, False)


@pytest.mark.parametrize(
    ("ascii_only", "max_segments"), [(True, 1), (True, 3), (False, 1), (False, 2)]
)
def test_a_long_text_is_cut_with_an_ellipsis_and_keeps_the_link(
    ascii_only: bool, max_segments: int
) -> None:
    body = "Đơn HN-2026-000001: " + "Đơn của bạn không được tiếp nhận vì nội dung trùng lặp. " * 12
    fitted = fit(body, LINK, max_segments=max_segments, ascii_only=ascii_only)
    link = strip_diacritics(LINK) if ascii_only else LINK
    assert fitted.truncated
    assert fitted.text.endswith(link)
    assert fitted.segments <= max_segments
    ellipsis = "..." if ascii_only else "…"
    assert fitted.text.removesuffix(" " + link).endswith(ellipsis)
    assert fitted.text.startswith("Don HN-2026-000001" if ascii_only else "Đơn HN-2026-000001")
    # It uses the room: a cut text is not much shorter than the limit.
    room = {(True, 1): 160, (True, 3): 459, (False, 1): 70, (False, 2): 134}[
        (ascii_only, max_segments)
    ]
    assert room - 15 <= len(fitted.text) <= room
