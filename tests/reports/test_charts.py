"""Charts: valid SVG, Vietnamese text kept exactly and escaped, a font named on every text."""

import unicodedata
import xml.etree.ElementTree as ET

import pytest

from reports.charts import Series, bar_chart, line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[ET.Element]:
    return list(ET.fromstring(svg).iter(f"{SVG}text"))


@pytest.mark.parametrize("horizontal", [True, False])
def test_bar_chart_labels_values_and_fonts(horizontal: bool) -> None:
    svg = bar_chart(
        "Kiến nghị theo lĩnh vực",
        ["Đất đai", "Môi trường & <vệ sinh>"],
        [Series("Phản ánh", [12, 1234]), Series("Kiến nghị", [3, 0])],
        horizontal=horizontal,
    )
    elements = texts(svg)
    words = " ".join(element.text or "" for element in elements)
    assert "Kiến nghị theo lĩnh vực" in words
    assert "Đất đai" in words
    assert "<vệ" in words  # escaped in the SVG, exact once parsed
    assert "1.234" in words  # the value printed beside its bar, Vietnamese style
    assert all("Liberation Serif" in element.attrib["font-family"] for element in elements)


def test_series_differ_without_colour() -> None:
    svg = bar_chart("T", ["a"], [Series("A", [1]), Series("B", [2]), Series("C", [3])])
    fills = {rect.attrib["fill"] for rect in ET.fromstring(svg).iter(f"{SVG}rect")}
    assert any(fill.startswith("url(#hatch-") for fill in fills)
    assert "#404040" in fills
    assert "#a6a6a6" in fills


def test_line_chart_dash_per_series_and_nfc_text() -> None:
    title = unicodedata.normalize("NFD", "Tiếp nhận theo tháng")
    svg = line_chart(
        title,
        ["Tháng 7", "Tháng 8", "Tháng 9"],
        [Series("Tiếp nhận", [10, 20, 15]), Series("Đã trả lời", [5, 18, 15])],
    )
    lines = list(ET.fromstring(svg).iter(f"{SVG}polyline"))
    assert len({line.attrib.get("stroke-dasharray", "") for line in lines}) >= 2
    words = [element.text for element in texts(svg)]
    assert "Tiếp nhận theo tháng" in words
    assert unicodedata.normalize("NFD", "Tiếp nhận theo tháng") not in words


def test_bad_series_are_refused() -> None:
    with pytest.raises(ValueError, match="values"):
        bar_chart("T", ["a", "b"], [Series("A", [1])])
    with pytest.raises(ValueError, match="negative"):
        line_chart("T", ["a"], [Series("A", [-1])])


def test_ticks_cover_the_data_on_round_steps() -> None:
    assert nice_ticks(428, integers=True) == [0, 100, 200, 300, 400, 500]
    assert nice_ticks(3, integers=True) == [0, 1, 2, 3]
    assert nice_ticks(0, integers=True) == [0, 1]
    assert nice_ticks(87.5, integers=False)[-1] >= 87.5


def _sizes(svg: str) -> set[float]:
    return {float(text.get("font-size", "0")) for text in texts(svg)}


@pytest.mark.parametrize("kind", ["bar", "line"])
def test_a_screen_chart_enlarges_its_text_and_paper_keeps_its_sizes(kind: str) -> None:
    from reports.charts import LABEL_SIZE, SCREEN_TEXT_SCALE, SCREEN_WIDTH_MM, TITLE_SIZE

    def draw(**options: float) -> str:
        if kind == "bar":
            return bar_chart(
                "Đơn theo phường", ["Hoàn Kiếm", "Ba Đình"], [Series("Số đơn", [3, 5])], **options
            )
        return line_chart(
            "Đơn theo tháng", ["01/2026", "02/2026"], [Series("Số đơn", [3, 5])], **options
        )

    paper = draw()
    assert paper == draw(text_scale=1.0)
    assert {TITLE_SIZE, LABEL_SIZE} <= _sizes(paper)
    screen = draw(width_mm=SCREEN_WIDTH_MM, text_scale=SCREEN_TEXT_SCALE)
    assert min(_sizes(screen)) == pytest.approx(min(_sizes(paper)) * SCREEN_TEXT_SCALE, abs=0.01)
    assert max(_sizes(screen)) == pytest.approx(TITLE_SIZE * SCREEN_TEXT_SCALE, abs=0.01)
    # In a phone's 290 px card the smallest text still reads (11 px; 6 px at paper's 150 mm).
    width_pt = float(ET.fromstring(screen).get("viewBox", "0 0 0 0").split()[2])
    assert min(_sizes(screen)) * 290 / width_pt >= 10.5
    assert min(_sizes(paper)) * 290 / (150 * 72 / 25.4) < 7
