"""Provenance in image files: whether an answer carries Content Credentials, and the
XMP that marks what we derive from it as made or changed by a generative model.

OpenAI marks its images with C2PA Content Credentials; decoding the pixels loses
them, so the history keeps the answer's bytes as they came and records here
whether a manifest was present (a PNG `caBX` chunk, a JPEG APP11 JUMBF segment, a
WebP `C2PA` chunk: where the C2PA specification puts the manifest store). The
outputs we write (CLI files, GIMP's image metadata) carry XMP with the IPTC
digital source type, the tool, the model and the history id, which is what stock
sites and the EU AI Act's machine-readable marking look for.

Byte level only (struct and zlib): PNG, JPEG and WebP get their XMP without
Pillow or re-encoding, so the marking does not depend on its version and the
pixels stay exactly as written.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape

SourceType = Literal["trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"]
IPTC_SOURCE = "http://cv.iptc.org/newscodes/digitalsourcetype/"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_XMP_KEYWORD = b"XML:com.adobe.xmp"
JPEG_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"


@dataclass(frozen=True)
class Provenance:
    """What a result is, for its XMP: generated outright, or composited into an original."""

    source: SourceType
    tool: str
    model: str
    history_id: str | None = None

    @property
    def source_url(self) -> str:
        return IPTC_SOURCE + self.source


def source_for(job: str) -> SourceType:
    """A generate is the model's picture; an edit or variation is composited into ours."""
    if job == "generate":
        return "trainedAlgorithmicMedia"
    return "compositeWithTrainedAlgorithmicMedia"


def has_c2pa(data: bytes) -> bool:
    """True when the file holds a C2PA manifest store where the specification puts one."""
    if data.startswith(PNG_SIGNATURE):
        return any(kind == b"caBX" for kind, _ in _png_chunks(data))
    if data.startswith(b"\xff\xd8"):
        return any(marker == 0xEB and b"jumb" in body[:64] for marker, body in _jpeg_segments(data))
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return any(kind == b"C2PA" for kind, _ in _riff_chunks(data))
    return False


def xmp_packet(p: Provenance) -> bytes:
    """A small XMP packet: IPTC DigitalSourceType, the creator tool, model and history id."""
    extra = f"<oi:HistoryId>{escape(p.history_id)}</oi:HistoryId>" if p.history_id else ""
    text = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" '
        'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:oi="https://github.com/openai-images-krita-gimp/ns/1.0/">'
        f"<Iptc4xmpExt:DigitalSourceType>{escape(p.source_url)}</Iptc4xmpExt:DigitalSourceType>"
        f"<xmp:CreatorTool>{escape(p.tool)}</xmp:CreatorTool>"
        f"<oi:Model>{escape(p.model)}</oi:Model>{extra}"
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )
    return text.encode("utf-8")


def png_with_xmp(data: bytes, xmp: bytes) -> bytes:
    """The PNG with an iTXt XMP chunk right after IHDR (any earlier XMP chunk dropped)."""
    chunks = [(k, b) for k, b in _png_chunks(data)
              if not (k == b"iTXt" and b.startswith(PNG_XMP_KEYWORD + b"\x00"))]
    if not chunks or chunks[0][0] != b"IHDR":
        raise ValueError("not a PNG with an IHDR chunk")
    itxt = PNG_XMP_KEYWORD + b"\x00\x00\x00\x00\x00" + xmp  # no compression, no language
    out = [PNG_SIGNATURE]
    for index, (kind, body) in enumerate(chunks):
        out.append(_png_chunk(kind, body))
        if index == 0:
            out.append(_png_chunk(b"iTXt", itxt))
    return b"".join(out)


def jpeg_with_xmp(data: bytes, xmp: bytes) -> bytes:
    """The JPEG with an APP1 XMP segment after SOI and any APP0 (JFIF) segment."""
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    body = JPEG_XMP_HEADER + xmp
    if len(body) + 2 > 0xFFFF:
        raise ValueError("the XMP packet is too large for one JPEG segment")
    segment = b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
    at = 2
    if data[2:4] == b"\xff\xe0":  # keep JFIF first, as readers expect
        at = 4 + struct.unpack(">H", data[4:6])[0]
    return data[:at] + segment + data[at:]


def webp_with_xmp(data: bytes, xmp: bytes) -> bytes:
    """The WebP with an `XMP ` chunk; a simple (VP8 / VP8L) file becomes the extended
    format the XMP chunk needs, its bitstream untouched."""
    chunks = [(k, b) for k, b in _riff_chunks(data) if k != b"XMP "]
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP" or not chunks:
        raise ValueError("not a WebP file")
    kind, body = chunks[0]
    if kind == b"VP8X":
        header = bytes([body[0] | 0x04]) + body[1:]  # the XMP flag
        chunks[0] = (b"VP8X", header)
    else:
        width, height, alpha = _webp_size(kind, body)
        flags = 0x04 | (0x10 if alpha else 0)
        size = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
        chunks.insert(0, (b"VP8X", bytes([flags, 0, 0, 0]) + size))
    chunks.append((b"XMP ", xmp))
    payload = b"WEBP" + b"".join(
        k + struct.pack("<I", len(b)) + b + (b"\x00" if len(b) & 1 else b"") for k, b in chunks
    )
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


def with_xmp(data: bytes, xmp: bytes) -> bytes:
    """PNG, JPEG or WebP bytes with the packet added, by what the bytes are."""
    if data.startswith(PNG_SIGNATURE):
        return png_with_xmp(data, xmp)
    if data.startswith(b"\xff\xd8"):
        return jpeg_with_xmp(data, xmp)
    return webp_with_xmp(data, xmp)


def _webp_size(kind: bytes, body: bytes) -> tuple[int, int, bool]:
    """(width, height, alpha) from a simple WebP's bitstream header."""
    if kind == b"VP8 " and body[3:6] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", body[6:10])
        return width & 0x3FFF, height & 0x3FFF, False
    if kind == b"VP8L" and body[:1] == b"\x2f":
        (bits,) = struct.unpack("<I", body[1:5])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool(bits >> 28 & 1)
    raise ValueError("a WebP bitstream this reader does not know")


def read_xmp(data: bytes) -> bytes | None:
    """The XMP packet of a PNG, JPEG or WebP file, or None."""
    if data.startswith(PNG_SIGNATURE):
        for kind, body in _png_chunks(data):
            if kind == b"iTXt" and body.startswith(PNG_XMP_KEYWORD + b"\x00"):
                return body[len(PNG_XMP_KEYWORD) + 5:]
        return None
    if data.startswith(b"\xff\xd8"):
        for marker, body in _jpeg_segments(data):
            if marker == 0xE1 and body.startswith(JPEG_XMP_HEADER):
                return body[len(JPEG_XMP_HEADER):]
        return None
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return next((body for kind, body in _riff_chunks(data) if kind == b"XMP "), None)
    return None


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, at = [], len(PNG_SIGNATURE)
    while at + 8 <= len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind = data[at + 4:at + 8]
        chunks.append((kind, data[at + 8:at + 8 + length]))
        at += 12 + length
        if kind == b"IEND":
            break
    return chunks


def _jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, body) of the segments before the image data (start of scan)."""
    segments, at = [], 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xDA:  # start of scan: no more metadata segments
            break
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        segments.append((marker, data[at + 4:at + 2 + length]))
        at += 2 + length
    return segments


def _riff_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, at = [], 12
    while at + 8 <= len(data):
        kind = data[at:at + 4]
        (size,) = struct.unpack("<I", data[at + 4:at + 8])
        chunks.append((kind, data[at + 8:at + 8 + size]))
        at += 8 + size + (size & 1)
    return chunks
