"""Renders shared by the report tests: the sample document, laid out once per test session
in small chunks (so the merge of several parts is what gets checked), once in a single pass,
and once as PDF/A-3b."""

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from reports.render import RenderedPdf, render_pdf
from reports.samples import SampleData, sample_data, sample_document

NOTABLE_ROWS = 150
CHUNK_ROWS = 40


@dataclass
class Rendered:
    result: RenderedPdf
    progress: list[tuple[str, int]]


def pdftotext(path: Path, page: int | None = None, *, layout: bool = False) -> str:
    command = ["pdftotext", "-enc", "UTF-8"]
    if layout:
        command.append("-layout")
    if page is not None:
        command += ["-f", str(page), "-l", str(page)]
    command += [str(path), "-"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def flat(text: str) -> str:
    """Whitespace collapsed, so text wrapped over lines still matches."""
    return " ".join(text.split())


@pytest.fixture(scope="session")
def fixture_data() -> SampleData:
    return sample_data(petitions=1200, notable_rows=NOTABLE_ROWS)


def _render(data: SampleData, path: Path, **options: object) -> Rendered:
    progress: list[tuple[str, int]] = []
    result = render_pdf(
        sample_document(data),
        path,
        progress=lambda stage, percent: progress.append((stage, percent)),
        **options,  # type: ignore[arg-type]
    )
    return Rendered(result, progress)


@pytest.fixture(scope="session")
def chunked(fixture_data: SampleData, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    path = tmp_path_factory.mktemp("reports") / "chunked.pdf"
    return _render(fixture_data, path, chunk_rows=CHUNK_ROWS)


@pytest.fixture(scope="session")
def single_pass(fixture_data: SampleData, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    path = tmp_path_factory.mktemp("reports") / "single.pdf"
    return _render(fixture_data, path, chunk_rows=None)


@pytest.fixture(scope="session")
def pdfa(fixture_data: SampleData, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    path = tmp_path_factory.mktemp("reports") / "pdfa.pdf"
    return _render(fixture_data, path, chunk_rows=CHUNK_ROWS, pdf_variant="pdf/a-3b")
