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
