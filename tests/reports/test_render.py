"""The sample report as a reader (and pdftotext, pdffonts) sees it."""

import hashlib
import re
import subprocess
from collections import Counter
from datetime import date
from pathlib import Path
from typing import cast

import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

from reports.document import DocumentHeader, ReportDocument, SignatureBlock
from reports.numbers import format_number
from reports.render import page1_png, render_pdf
from reports.samples import KINDS, SampleData, main
from reports.sections import Column, LongTable, Paragraph
from tests.reports.conftest import NOTABLE_ROWS, Rendered, flat, pdftotext


def page_lines(path: Path, page: int) -> list[str]:
    return [
        line.strip() for line in pdftotext(path, page, layout=True).splitlines() if line.strip()
    ]


class TestTitleBlock:
    def test_page_one_carries_the_decree_30_header(self, chunked: Rendered) -> None:
        text = flat(pdftotext(chunked.result.path, 1))
        for expected in (
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "ỦY BAN MTTQ VIỆT NAM",
            "THÀNH PHỐ HÀ NỘI",
            "BAN THƯỜNG TRỰC",
            "Số: 12/BC-MTTQ",
            "Hà Nội, ngày 05 tháng 01 năm 2027",
            "BÁO CÁO",
            "Tổng hợp ý kiến, kiến nghị của cử tri và Nhân dân gửi tới kỳ họp thường lệ "
            "cuối năm 2026 của Hội đồng nhân dân Thành phố",
        ):
            assert expected in text

    def test_closing_block_with_exact_diacritics(self, chunked: Rendered) -> None:
        text = flat(pdftotext(chunked.result.path))
        for expected in (
            "Nơi nhận:",
            "- Thường trực HĐND Thành phố;",
            "- Lưu: VT, BTT.",
            "TM. BAN THƯỜNG TRỰC",
            "CHỦ TỊCH",
            "Nguyễn Văn An",
            "kiến nghị",
            "Biểu đồ 1. Ý kiến, kiến nghị theo lĩnh vực",
        ):
            assert expected in text


class TestFigures:
    def test_counts_match_the_fixture(self, chunked: Rendered, fixture_data: SampleData) -> None:
        text = flat(pdftotext(chunked.result.path))
        petitions = fixture_data.petitions
        answered = sum(p.answered_on is not None for p in petitions)
        assert f"đã tiếp nhận {format_number(len(petitions))} ý kiến, kiến nghị" in text
        assert f"trong đó {format_number(answered)} đã được" in text
        by_kind = Counter(p.kind for p in petitions)
        for kind, label in KINDS.items():
            assert re.search(rf"{label} {format_number(by_kind[kind])} ", text), label

    def test_chart_labels_are_text(self, chunked: Rendered) -> None:
        text = flat(pdftotext(chunked.result.path))
        assert "Tiếp nhận và trả lời theo tháng" in text
        assert "Trật tự xây dựng" in text
        assert "Sở Nông nghiệp và Môi trường" in text


class TestPages:
    def test_no_number_on_page_one_numbers_from_page_two(self, chunked: Rendered) -> None:
        assert chunked.result.page_count >= 5
        assert "1" not in page_lines(chunked.result.path, 1)
        for page in range(2, chunked.result.page_count + 1):
            assert page_lines(chunked.result.path, page)[0] == str(page)

    def test_verification_code_in_every_footer(self, chunked: Rendered) -> None:
        pdf = chunked.result.path
        for page in range(1, chunked.result.page_count + 1):
            assert page_lines(pdf, page)[-1] == "Mã xác thực: VGEW-ZA5D"

    def test_only_embedded_liberation_fonts(self, chunked: Rendered, pdfa: Rendered) -> None:
        for rendered in (chunked, pdfa):
            listing = subprocess.run(
                ["pdffonts", str(rendered.result.path)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            fonts = listing.splitlines()[2:]
            assert fonts
            assert "DejaVu" not in listing
            for font in fonts:
                name, *_ = font.split()
                assert "Liberation-Serif" in name, font
                emb, _sub, _uni = font.split()[-5:-2]
                assert emb == "yes", font
            # Each part's subset keeps its own tag after the merge (ISO 32000-1, 9.6.4).
            names = [font.split()[0] for font in fonts]
            assert len(names) == len(set(names))


class TestChunkedRendering:
    def test_parts_merge_into_the_same_pages_as_one_pass(
        self, chunked: Rendered, single_pass: Rendered
    ) -> None:
        assert chunked.result.part_count > 2
        assert single_pass.result.part_count == 1
        assert chunked.result.page_count == single_pass.result.page_count
        assert len(PdfReader(chunked.result.path).pages) == chunked.result.page_count
        assert pdftotext(chunked.result.path, layout=True) == pdftotext(
            single_pass.result.path, layout=True
        )

    def test_every_row_once_in_order(self, chunked: Rendered) -> None:
        text = pdftotext(chunked.result.path, layout=True)
        numbers = [int(n) for n in re.findall(r"^\s*(\d+)\s+HN-2026-", text, re.MULTILINE)]
        assert numbers == list(range(1, NOTABLE_ROWS + 1))

    def test_the_table_header_repeats_on_continuation_pages(self, chunked: Rendered) -> None:
        last_page = page_lines(chunked.result.path, chunked.result.page_count)
        assert any("Mã hồ sơ" in line for line in last_page)

    def test_progress_and_digest(self, chunked: Rendered) -> None:
        stages = [stage for stage, _ in chunked.progress]
        percents = [percent for _, percent in chunked.progress]
        assert stages[0] == "render"
        assert "merge" in stages
        assert chunked.progress[-1] == ("done", 100)
        assert percents == sorted(percents)
        digest = hashlib.sha256(chunked.result.path.read_bytes()).hexdigest()
        assert chunked.result.sha256 == digest
        assert chunked.result.size_bytes == chunked.result.path.stat().st_size


class TestPdfA:
    def test_merged_file_keeps_pdfa_3b_identification(self, pdfa: Rendered) -> None:
        assert pdfa.result.part_count > 1
        reader = PdfReader(pdfa.result.path)
        assert reader.pdf_header == "%PDF-1.7"
        root = cast(DictionaryObject, reader.trailer["/Root"])
        xmp = cast(StreamObject, root["/Metadata"].get_object()).get_data().decode()
        assert 'pdfaid:part="3"' in xmp
        assert 'pdfaid:conformance="B"' in xmp
        intent = cast(ArrayObject, root["/OutputIntents"])[0].get_object()
        assert intent["/S"] == "/GTS_PDFA1"
        assert reader.trailer["/ID"]
        # PDF/A wants the document information to agree with the XMP packet.
        assert reader.metadata is not None
        assert f'pdf:Producer="{reader.metadata.producer}"' in xmp
        assert len(reader.pages) == pdfa.result.page_count

    def test_pdfa_text_is_the_same(self, pdfa: Rendered, chunked: Rendered) -> None:
        assert pdftotext(pdfa.result.path, layout=True) == pdftotext(
            chunked.result.path, layout=True
        )


def _small_document(*sections: object) -> ReportDocument:
    return ReportDocument(
        header=DocumentHeader(
            issuing_body="Ban Thường trực",
            number_symbol="3/BC-MTTQ",
            place="Hà Nội",
            issue_date=date(2026, 9, 2),
            summary="Thử",
        ),
        signature=SignatureBlock(title="Chủ tịch", signer_name="Trần Thị Bình"),
        recipients=["Lưu: VT"],
        sections=list(sections),  # type: ignore[arg-type]
        verification_code="ABCD-2345",
    )


def test_text_from_the_data_is_printed_not_interpreted(tmp_path: Path) -> None:
    hostile = 'Đường <b>Láng</b> & "ngõ" </style><script>x</script>'
    result = render_pdf(_small_document(Paragraph(hostile)), tmp_path / "x.pdf")
    assert hostile in flat(pdftotext(result.path))


def test_an_empty_long_table_says_so(tmp_path: Path) -> None:
    table = LongTable(columns=[Column("Mã hồ sơ"), Column("Tình trạng")], rows=[])
    result = render_pdf(_small_document(table), tmp_path / "empty.pdf", chunk_rows=10)
    assert "Không có" in pdftotext(result.path)


def test_rows_from_a_generator_with_a_wrong_width_are_refused(tmp_path: Path) -> None:
    table = LongTable(columns=[Column("A"), Column("B")], rows=(row for row in [["1"]]))
    with pytest.raises(ValueError, match="1 cells for 2 columns"):
        render_pdf(_small_document(table), tmp_path / "bad.pdf")


def test_sample_script_writes_pdf_and_page_one_png(tmp_path: Path) -> None:
    assert main([str(tmp_path / "s.pdf"), "--rows", "5", "--png", str(tmp_path / "p1.png")]) == 0
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF-")
    assert (tmp_path / "p1.png").read_bytes().startswith(b"\x89PNG")


def test_page1_png(chunked: Rendered, tmp_path: Path) -> None:
    png = page1_png(chunked.result.path, tmp_path / "deep" / "page1.png", dpi=40)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
