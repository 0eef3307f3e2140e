"""Content sniffing: the bytes decide the type, whatever the file name says."""

import pytest

from service.storage import sniff
from service.storage.keys import ascii_fallback, clean_filename, content_disposition
from tests.storage import samples


def detect(data: bytes, name: str = "upload.bin", chunk: int = 1000) -> str:
    sniffer = sniff.ContentSniffer(name)
    for piece in samples.chunked(data, chunk):
        sniffer.feed(piece)
    return sniffer.finish()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (samples.jpeg(), sniff.JPEG),
        (samples.png(), sniff.PNG),
        (samples.webp(), sniff.WEBP),
        (samples.iso_media(b"heic", (b"mif1", b"heic")), sniff.HEIC),
        (samples.iso_media(b"mif1", (b"mif1", b"heic")), sniff.HEIC),
        (samples.pdf(), sniff.PDF),
        (samples.docx(), sniff.DOCX),
        (samples.xlsx(), sniff.XLSX),
        (samples.pptx(), sniff.PPTX),
        (samples.odt(), sniff.ODT),
        (samples.ole("WordDocument"), sniff.DOC),
        (samples.ole("Workbook"), sniff.XLS),
        (samples.mp3(), sniff.MP3),
        (samples.bare_mp3(), sniff.MP3),
        (samples.adts_aac(), sniff.AAC),
        (samples.wav(), sniff.WAV),
        (samples.ogg(), sniff.OGG),
        (samples.iso_media(b"M4A ", (b"M4A ", b"mp42", b"isom")), sniff.M4A),
        (samples.mp4(), sniff.MP4),
        (samples.iso_media(b"qt  ", (b"qt  ",)), sniff.MOV),
        (samples.iso_media(b"3gp4", (b"isom", b"3gp4")), sniff.THREE_GP),
        (samples.ebml(b"webm"), sniff.WEBM),
    ],
)
def test_accepted_formats_are_recognised(data: bytes, expected: str) -> None:
    assert expected in sniff.ALLOWED_TYPES
    assert detect(data) == expected


@pytest.mark.parametrize(
    ("data", "name", "refused_as"),
    [
        (samples.exe(), "report.pdf", "application/x-msdownload"),
        (samples.plain_zip(), "report.docx", sniff.ZIP),
        (samples.docm(), "report.docx", "application/vnd.ms-office.macroenabled"),
        (samples.ebml(b"matroska"), "video.webm", "video/x-matroska"),
        (samples.iso_media(b"avif", (b"avif", b"mif1")), "photo.heic", "image/avif"),
        (samples.ole("PowerPoint Document"), "slides.doc", "application/vnd.ms-powerpoint"),
        (b"<html><script>alert(1)</script></html>", "photo.jpg", "unknown"),
        (b"MZ", "tiny.pdf", "application/x-msdownload"),
    ],
)
def test_other_formats_are_not_accepted(data: bytes, name: str, refused_as: str) -> None:
    found = detect(data, name)
    assert found == refused_as
    assert found not in sniff.ALLOWED_TYPES


def test_the_bytes_beat_the_extension() -> None:
    assert detect(samples.jpeg(), "scan.pdf") == sniff.JPEG
    assert detect(samples.pdf(), "photo.jpg") == sniff.PDF


def test_an_executable_is_refused_from_its_first_bytes() -> None:
    sniffer = sniff.ContentSniffer("invoice.pdf")
    sniffer.feed(samples.exe(sniff.HEAD_DECISION_BYTES))
    assert sniffer.head_type == "application/x-msdownload"


def test_a_zip_waits_for_its_central_directory() -> None:
    sniffer = sniff.ContentSniffer("a.docx")
    data = samples.docx(padding=50_000)
    sniffer.feed(data[: sniff.HEAD_DECISION_BYTES])
    assert sniffer.head_type is None
    sniffer.feed(data[sniff.HEAD_DECISION_BYTES :])
    assert sniffer.finish() == sniff.DOCX


def test_a_big_docx_is_recognised_from_its_tail() -> None:
    data = samples.docx(padding=3 * samples.MIB)
    assert detect(data, "big.docx", chunk=64 * 1024) == sniff.DOCX


def test_a_phone_voice_memo_with_generic_mp4_brands_keeps_its_audio_extension() -> None:
    memo = samples.iso_media(b"mp42", (b"isom", b"mp42"))
    assert detect(memo, "ghi âm.m4a") == sniff.M4A
    assert detect(memo, "clip.mp4") == sniff.MP4


def test_download_names_get_the_extension_the_bytes_deserve() -> None:
    assert sniff.filename_for("ảnh hiện trường.pdf", sniff.JPEG) == "ảnh hiện trường.jpg"
    assert sniff.filename_for("Biên bản.PDF", sniff.PDF) == "Biên bản.PDF"
    assert sniff.filename_for("evidence", sniff.PNG) == "evidence.png"


def test_file_names_are_cleaned_and_nfc() -> None:
    decomposed = "Bie\u0302n ba\u0309n.pdf"
    assert clean_filename(decomposed) == "Biên bản.pdf"
    assert clean_filename("C:\\fakepath\\..\\ảnh.jpg") == "ảnh.jpg"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("a\x00b\nc.jpg") == "abc.jpg"
    assert clean_filename("") == "evidence"
    long = clean_filename("x" * 400 + ".jpeg")
    assert len(long) == 255
    assert long.endswith(".jpeg")


def test_content_disposition_carries_the_vietnamese_name() -> None:
    header = content_disposition("Biên bản đợt 1.pdf")
    assert 'filename="Bien ban dot 1.pdf"' in header
    assert "filename*=UTF-8''Bi%C3%AAn%20b%E1%BA%A3n%20%C4%91%E1%BB%A3t%201.pdf" in header
    assert ascii_fallback('a"b;c.pdf') == "a_b_c.pdf"
