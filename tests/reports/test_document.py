"""The document parts: the date line, normalisation, the "Nơi nhận:" list, numbers."""

import re
import unicodedata
from datetime import date

import pytest

from reports.document import (
    DocumentHeader,
    ReportDocument,
    SignatureBlock,
    recipient_lines,
    verification_code,
    vietnamese_date_line,
)
from reports.numbers import format_number, format_percent
from reports.sections import Paragraph


class TestVietnameseDateLine:
    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            (date(2027, 1, 5), "Hà Nội, ngày 05 tháng 01 năm 2027"),
            (date(2026, 2, 28), "Hà Nội, ngày 28 tháng 02 năm 2026"),
            (date(2026, 3, 9), "Hà Nội, ngày 09 tháng 3 năm 2026"),
            (date(2026, 11, 1), "Hà Nội, ngày 01 tháng 11 năm 2026"),
            (date(2026, 12, 10), "Hà Nội, ngày 10 tháng 12 năm 2026"),
        ],
    )
    def test_leading_zero_only_for_days_1_to_9_and_months_1_and_2(
        self, day: date, expected: str
    ) -> None:
        assert vietnamese_date_line("Hà Nội", day) == expected

    def test_place_is_normalised_to_nfc(self) -> None:
        decomposed = unicodedata.normalize("NFD", "Hà Nội")
        line = vietnamese_date_line(decomposed, date(2026, 7, 1))
        assert line == "Hà Nội, ngày 01 tháng 7 năm 2026"
        assert unicodedata.is_normalized("NFC", line)


class TestDocumentHeader:
    def test_number_label_is_not_doubled_and_text_is_nfc(self) -> None:
        header = DocumentHeader(
            issuing_body=unicodedata.normalize("NFD", "Ban Thường trực"),
            number_symbol="Số: 12/BC-MTTQ",
            place="Hà Nội",
            issue_date=date(2027, 1, 5),
            summary="Kết quả giám sát",
        )
        assert header.number_line == "Số: 12/BC-MTTQ"
        assert header.issuing_body == "Ban Thường trực"
        assert unicodedata.is_normalized("NFC", header.issuing_body)
        assert header.date_line == "Hà Nội, ngày 05 tháng 01 năm 2027"

    def test_empty_summary_is_refused(self) -> None:
        with pytest.raises(ValueError, match="summary"):
            DocumentHeader("Ban Thường trực", "1/BC", "Hà Nội", date(2026, 1, 1), "  ")


class TestRecipients:
    def test_dash_semicolons_and_final_full_stop(self) -> None:
        lines = recipient_lines(["Thường trực HĐND Thành phố", "- UBND Thành phố", "Lưu: VT"])
        assert lines == ["- Thường trực HĐND Thành phố;", "- UBND Thành phố;", "- Lưu: VT."]

    def test_existing_punctuation_is_kept(self) -> None:
        assert recipient_lines(["Như trên;", "Lưu: VT."]) == ["- Như trên;", "- Lưu: VT."]


class TestVerificationCode:
    def test_short_stable_code(self) -> None:
        code = verification_code("report-1")
        assert re.fullmatch(r"[A-Z2-7]{4}-[A-Z2-7]{4}", code)
        assert code == verification_code("report-1")
        assert code != verification_code("report-2")

    def test_a_code_that_could_break_the_footer_is_refused(self) -> None:
        header = DocumentHeader("Ban Thường trực", "1/BC", "Hà Nội", date(2026, 1, 1), "Tóm tắt")
        with pytest.raises(ValueError, match="verification_code"):
            ReportDocument(
                header=header,
                signature=SignatureBlock(title="Chủ tịch", signer_name="Nguyễn Văn An"),
                recipients=[],
                sections=[Paragraph("x")],
                verification_code='AB"; } @page { x',
            )


def test_numbers_are_written_the_vietnamese_way() -> None:
    assert format_number(1234567) == "1.234.567"
    assert format_number(12.5, 1) == "12,5"
    assert format_percent(87.25) == "87,3%"


def test_templates_are_nfc() -> None:
    from reports.templating import TEMPLATES_DIR

    for template in TEMPLATES_DIR.iterdir():
        text = template.read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", text), template.name
