"""Small files of each kind, built in memory: real signatures, random payloads."""

import io
import os
import struct
import zipfile

MIB = 1024 * 1024


def _payload(size: int) -> bytes:
    return os.urandom(max(0, size))


def jpeg(size: int = 20_000) -> bytes:
    head = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return head + _payload(size - len(head) - 2) + b"\xff\xd9"


def png(size: int = 10_000) -> bytes:
    head = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    return head + _payload(size - len(head))


def pdf(size: int = 10_000) -> bytes:
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
    return head + _payload(size - len(head) - 6) + b"%%EOF\n"


def exe(size: int = 200_000) -> bytes:
    head = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    return head + _payload(size - len(head))


def _zip(entries: list[tuple[str, bytes]], *, stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(entries):
            compress = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=compress)
    return buffer.getvalue()


def _ooxml(part_dir: str, main: str, padding: int) -> bytes:
    return _zip(
        [
            ("[Content_Types].xml", b'<?xml version="1.0"?><Types/>'),
            ("_rels/.rels", b"<Relationships/>"),
            (f"{part_dir}/{main}", b"<document/>"),
            (f"{part_dir}/media/image1.bin", _payload(padding)),
        ]
    )


def docx(padding: int = 5_000) -> bytes:
    return _ooxml("word", "document.xml", padding)


def xlsx(padding: int = 5_000) -> bytes:
    return _ooxml("xl", "workbook.xml", padding)


def pptx(padding: int = 5_000) -> bytes:
    return _ooxml("ppt", "presentation.xml", padding)


def docm(padding: int = 5_000) -> bytes:
    return _zip(
        [
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<document/>"),
            ("word/vbaProject.bin", _payload(padding)),
        ]
    )


def odt(padding: int = 5_000) -> bytes:
    return _zip(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", b"<office:document-content/>"),
            ("Pictures/1.bin", _payload(padding)),
        ],
        stored_first=True,
    )


def plain_zip(padding: int = 5_000) -> bytes:
    return _zip([("readme.txt", b"hello"), ("setup.exe", exe(padding))])


def ole(stream_name: str, size: int = 20_000) -> bytes:
    """An OLE compound file whose directory names ``stream_name`` (old .doc/.xls)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    entry = (stream_name.encode("utf-16-le") + b"\x00\x00").ljust(64, b"\x00")
    entry += struct.pack("<H", len(stream_name) * 2 + 2) + bytes(62)
    body = _payload(size - len(header) - len(entry))
    return header + body[: len(body) // 2] + entry + body[len(body) // 2 :]


def iso_media(major: bytes, compatible: tuple[bytes, ...] = (), size: int = 20_000) -> bytes:
    brands = b"".join(compatible)
    box = struct.pack(">I", 16 + len(brands)) + b"ftyp" + major + b"\x00\x00\x02\x00" + brands
    return box + _payload(size - len(box))


def mp4(size: int = 20_000) -> bytes:
    return iso_media(b"isom", (b"isom", b"iso2", b"avc1", b"mp41"), size)


def ebml(doctype: bytes, size: int = 20_000) -> bytes:
    head = (
        b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
        + b"\x42\x82"
        + bytes([0x80 | len(doctype)])
        + doctype
    )
    return head + _payload(size - len(head))


def mp3(size: int = 20_000) -> bytes:
    head = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64"
    return head + _payload(size - len(head))


def bare_mp3(size: int = 20_000) -> bytes:
    return b"\xff\xfb\x90\x64" + _payload(size - 4)


def adts_aac(size: int = 20_000) -> bytes:
    return b"\xff\xf1\x50\x80" + _payload(size - 4)


def wav(size: int = 20_000) -> bytes:
    return b"RIFF" + struct.pack("<I", size - 8) + b"WAVEfmt " + _payload(size - 16)


def webp(size: int = 20_000) -> bytes:
    return b"RIFF" + struct.pack("<I", size - 8) + b"WEBPVP8 " + _payload(size - 16)


def ogg(size: int = 20_000) -> bytes:
    return b"OggS\x00\x02" + bytes(22) + b"\x01\x1evorbis" + _payload(size - 35)


def chunked(data: bytes, size: int = 64 * 1024) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]
