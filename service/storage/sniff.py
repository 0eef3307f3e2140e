"""What a file really is, from its bytes, as they stream past.

Why not a generic detector: ``puremagic`` (and ``filetype``) call every zip a .docx and
cannot tell WebM from Matroska, an .m4a from a HEIC, or a Word file from an MSI, yet that
is exactly the line an allow-list draws. So this module recognises the accepted formats by
their own signatures and calls everything else unknown.

Most formats are decided by the first 4 KiB, so a disallowed file is refused before the
rest of it is read. Containers need more: a zip is classified from its central directory
(at the end of the file: the last 256 KiB are kept), an OLE file (old .doc/.xls) from the
names of its streams, looked for in the first 64 KiB and the last 256 KiB.
"""

from __future__ import annotations

import struct
from pathlib import PurePosixPath

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
HEIC = "image/heic"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
ODT = "application/vnd.oasis.opendocument.text"
MP3 = "audio/mpeg"
M4A = "audio/mp4"
AAC = "audio/aac"
WAV = "audio/wav"
OGG = "audio/ogg"
MP4 = "video/mp4"
MOV = "video/quicktime"
WEBM = "video/webm"
THREE_GP = "video/3gpp"
THREE_G2 = "video/3gpp2"

# Accepted types and their file extensions (the first is the one we give downloads).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    JPEG: ("jpg", "jpeg"),
    PNG: ("png",),
    WEBP: ("webp",),
    HEIC: ("heic", "heif"),
    PDF: ("pdf",),
    DOCX: ("docx",),
    XLSX: ("xlsx",),
    PPTX: ("pptx",),
    DOC: ("doc",),
    XLS: ("xls",),
    ODT: ("odt",),
    MP3: ("mp3",),
    M4A: ("m4a",),
    AAC: ("aac",),
    WAV: ("wav",),
    OGG: ("ogg", "oga", "opus"),
    MP4: ("mp4", "m4v"),
    MOV: ("mov",),
    WEBM: ("webm",),
    THREE_GP: ("3gp",),
    THREE_G2: ("3g2",),
}
ALLOWED_TYPES: frozenset[str] = frozenset(EXTENSIONS)

# Names for things we recognise only to refuse them with a useful message.
ZIP = "application/zip"
OLE = "application/x-ole-storage"
HEAD_DECISION_BYTES = 4096
HEAD_KEEP_BYTES = 64 * 1024
TAIL_KEEP_BYTES = 256 * 1024
_ZIP_PENDING = "zip?"
_OLE_PENDING = "ole?"

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
_3GP_BRANDS = {b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3gs7", b"3ge6", b"3ge7", b"3gg6"}
_3G2_BRANDS = {b"3g2a", b"3g2b", b"3g2c"}
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
    b"M4V ", b"M4VH", b"M4VP", b"dash", b"mmp4", b"MSNV", b"NDAS", b"XAVC", b"f4v ",
}  # fmt: skip
_OLD_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_OLE_STREAMS = {
    "WordDocument": DOC,
    "Workbook": XLS,
    "Book": XLS,
    "PowerPoint Document": "application/vnd.ms-powerpoint",
}


class ContentSniffer:
    """Feed it the stream; ``head_type`` says early what it is, ``finish()`` says finally.

    ``head_type`` is None until enough bytes arrived; then a MIME type, ``"unknown"``, or
    ``None`` again while a container waits for its end.
    """

    def __init__(self, declared_filename: str = "") -> None:
        self._declared_ext = PurePosixPath(declared_filename).suffix.lower().lstrip(".")
        self._head = bytearray()
        self._tail = bytearray()
        self._size = 0
        self._verdict: str | None = None

    @property
    def size(self) -> int:
        return self._size

    def feed(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if len(self._head) < HEAD_KEEP_BYTES:
            self._head += chunk[: HEAD_KEEP_BYTES - len(self._head)]
        self._tail += chunk
        if len(self._tail) > 2 * TAIL_KEEP_BYTES:
            del self._tail[:-TAIL_KEEP_BYTES]
        if self._verdict is None and len(self._head) >= HEAD_DECISION_BYTES:
            self._verdict = _from_head(bytes(self._head), self._declared_ext)

    @property
    def head_type(self) -> str | None:
        """The type once the first bytes decide it; None while undecided or a container."""
        if self._verdict in (None, _ZIP_PENDING, _OLE_PENDING):
            return None
        return self._verdict

    def finish(self) -> str:
        """The content type, or ``"unknown"``. Call after the last chunk."""
        verdict = self._verdict or _from_head(bytes(self._head), self._declared_ext)
        if verdict == _ZIP_PENDING:
            return _zip_type(self._zip_names())
        if verdict == _OLE_PENDING:
            return self._ole_type()
        return verdict

    def _zip_names(self) -> list[str] | None:
        tail = bytes(self._tail[-TAIL_KEEP_BYTES:])
        return zip_central_directory_names(tail, total_size=self._size)

    def _ole_type(self) -> str:
        windows = (bytes(self._head), bytes(self._tail[-TAIL_KEEP_BYTES:]))
        for name, content_type in _OLE_STREAMS.items():
            needle = name.encode("utf-16-le") + b"\x00\x00"
            if any(needle in window for window in windows):
                return content_type
        # The stream directory is in the middle of a big file: trust the extension, which
        # can only pick between the two OLE formats we accept.
        return {"doc": DOC, "xls": XLS}.get(self._declared_ext, OLE)


def _from_head(head: bytes, declared_ext: str) -> str:
    if not head:
        return "unknown"
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"%PDF-") or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-"):
        return PDF
    if head[:4] == b"RIFF" and len(head) >= 12:
        return {b"WEBP": WEBP, b"WAVE": WAV}.get(head[8:12], "video/x-msvideo")
    if head[4:8] == b"ftyp":
        return _iso_media_type(head, declared_ext)
    if head[4:8] in _OLD_QUICKTIME_ATOMS:
        return MOV
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        doctype = head[:64]
        if b"\x42\x82" in doctype and b"webm" in doctype:
            return WEBM
        return "video/x-matroska"
    if head.startswith(b"OggS"):
        return "video/ogg" if b"\x80theora" in head else OGG
    if head.startswith(b"PK\x03\x04"):
        return _odf_type(head) or _ZIP_PENDING
    if head.startswith(b"PK\x05\x06"):
        return ZIP  # an empty zip
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _OLE_PENDING
    if head.startswith(b"ID3"):
        return _after_id3(head)
    frame = _mpeg_audio_frame(head)
    if frame:
        return frame
    if head.startswith(b"MZ"):
        return "application/x-msdownload"
    if head.startswith(b"\x7fELF"):
        return "application/x-executable"
    return "unknown"


def _iso_media_type(head: bytes, declared_ext: str) -> str:
    """ISO base media (MP4, MOV, M4A, 3GP, HEIC...): the ftyp box's brands say which."""
    box_size = struct.unpack(">I", head[:4])[0]
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(box_size, len(head), 256) - 3, 4)}
    brands = {major} | compatible
    if b"avif" in brands or b"avis" in brands:
        return "image/avif"
    if major in _HEIF_BRANDS or (major in {b"mif1", b"msf1"} and brands & _HEIF_BRANDS):
        return HEIC
    if major in {b"mif1", b"msf1"}:
        return "image/heif"
    if major == b"qt  ":
        return MOV
    if major in _M4A_BRANDS:
        return M4A
    if major in _3GP_BRANDS:
        return THREE_GP
    if major in _3G2_BRANDS:
        return THREE_G2
    if major in _MP4_BRANDS or brands & {b"isom", b"mp41", b"mp42"}:
        # Phone voice recorders write audio-only files with generic MP4 brands; the
        # extension may say which of the two MP4 families it is, never more.
        return M4A if declared_ext in {"m4a", "aac"} else MP4
    return "application/octet-stream"


def _odf_type(head: bytes) -> str | None:
    """ODF puts an uncompressed ``mimetype`` entry first, so the type is at byte 38."""
    if head[30:38] != b"mimetype":
        return None
    declared = head[38:120].split(b"PK", 1)[0]
    if declared.startswith(b"application/vnd.oasis.opendocument.text-template"):
        return "application/vnd.oasis.opendocument.text-template"
    if declared.startswith(ODT.encode()):
        return ODT
    if declared.startswith(b"application/vnd.oasis.opendocument."):
        return declared.decode("ascii", "replace").strip()
    return None


def _after_id3(head: bytes) -> str:
    if len(head) < 10:
        return "unknown"
    size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | head[9]
    start = 10 + size + (10 if head[5] & 0x10 else 0)
    after = head[start : start + 4]
    if len(after) == 4 and _is_adts(after):
        return AAC
    return MP3  # a tag too big to see past (cover art) is MP3 in practice


def _is_adts(frame: bytes) -> bool:
    return frame[0] == 0xFF and frame[1] & 0xF6 == 0xF0 and (frame[2] >> 2) & 0x0F < 13


def _mpeg_audio_frame(head: bytes) -> str | None:
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    if _is_adts(head):
        return AAC
    version = (head[1] >> 3) & 0x03
    layer = (head[1] >> 1) & 0x03
    bitrate = head[2] >> 4
    sample_rate = (head[2] >> 2) & 0x03
    if version != 0b01 and layer == 0b01 and bitrate not in (0, 0x0F) and sample_rate != 0x03:
        return MP3
    return None


def _zip_type(names: list[str] | None) -> str:
    if not names:
        return ZIP
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return "application/vnd.ms-office.macroenabled"
    if "[Content_Types].xml" in names:
        for prefix, content_type in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
            if any(name.startswith(prefix) for name in names):
                return content_type
    return ZIP


def zip_central_directory_names(tail: bytes, *, total_size: int) -> list[str] | None:
    """File names from a zip's central directory, found in the last bytes of the file.

    None when the end of the file is not a zip's end or the directory does not fit in
    ``tail``.
    """
    eocd = tail.rfind(b"PK\x05\x06", max(0, len(tail) - 22 - 65535))
    if eocd < 0 or len(tail) < eocd + 22:
        return None
    entries, cd_size = struct.unpack("<HI", tail[eocd + 10 : eocd + 16])
    cd_end = eocd
    if cd_size == 0xFFFFFFFF or entries == 0xFFFF:  # zip64: sizes live in another record
        locator = eocd - 20
        if locator < 0 or tail[locator : locator + 4] != b"PK\x06\x07":
            return None
        record_at = struct.unpack("<Q", tail[locator + 8 : locator + 16])[0]
        cd_end = record_at - (total_size - len(tail))
        if cd_end < 0 or tail[cd_end : cd_end + 4] != b"PK\x06\x06":
            return None
        cd_size = struct.unpack("<Q", tail[cd_end + 40 : cd_end + 48])[0]
    position = cd_end - cd_size
    if position < 0:
        return None
    names: list[str] = []
    while position + 46 <= cd_end and tail[position : position + 4] == b"PK\x01\x02":
        flags = struct.unpack("<H", tail[position + 8 : position + 10])[0]
        lengths = tail[position + 28 : position + 34]
        name_len, extra_len, comment_len = struct.unpack("<HHH", lengths)
        raw = tail[position + 46 : position + 46 + name_len]
        names.append(raw.decode("utf-8" if flags & 0x800 else "cp437", "replace"))
        position += 46 + name_len + extra_len + comment_len
    return names


def filename_for(name: str, content_type: str) -> str:
    """The name to download a file as: the user's name, with the extension its bytes
    deserve ("ảnh.pdf" that is a JPEG downloads as "ảnh.jpg")."""
    extensions = EXTENSIONS.get(content_type)
    if not extensions:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and ext.lower() in extensions:
        return name
    if dot and stem and 0 < len(ext) <= 5 and ext.isalnum():
        return f"{stem}.{extensions[0]}"
    return f"{name}.{extensions[0]}"
