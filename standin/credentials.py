"""A small C2PA-like marker in the stand-in's images, as OpenAI's carry Content Credentials.

Not a real manifest (no claim, no signature): a JUMBF-shaped box labelled "c2pa"
where the C2PA specification puts the manifest store, a PNG `caBX` chunk, a JPEG
APP11 segment or a WebP `C2PA` chunk, so that tests can prove the plug-in keeps
the answer's bytes unchanged and notices the marker. A simple WebP (one VP8 or
VP8L chunk) must stay that one chunk for its readers, so a marked one becomes
the extended format (a VP8X header first), which allows further chunks, with
the RIFF size recounted. Imports the standard library only (the stand-in keeps
its own reading of the formats; it imports nothing from core).
"""

from __future__ import annotations

import struct
import zlib

MARKER = b"jumb" + b"\x00" * 4 + b"jumdc2pa stand-in content credentials (not a real manifest)"


def mark(encoded: bytes) -> bytes:
    """The image with the marker inserted; anything else comes back unchanged."""
    if encoded.startswith(b"\x89PNG\r\n\x1a\n"):
        # after IHDR: signature (8) + IHDR chunk (4 length + 4 type + 13 + 4 crc)
        at = 8 + 25
        chunk = struct.pack(">I", len(MARKER)) + b"caBX" + MARKER
        chunk += struct.pack(">I", zlib.crc32(b"caBX" + MARKER))
        return encoded[:at] + chunk + encoded[at:]
    if encoded.startswith(b"\xff\xd8"):
        body = b"JP" + b"\x00\x00" + b"\x00\x00\x00\x01" + MARKER  # APP11 JUMBF header
        at = 2
        if encoded[2:4] == b"\xff\xe0":  # after JFIF's APP0, which readers expect first
            at = 4 + struct.unpack(">H", encoded[4:6])[0]
        segment = b"\xff\xeb" + struct.pack(">H", len(body) + 2) + body
        return encoded[:at] + segment + encoded[at:]
    if encoded[:4] == b"RIFF" and encoded[8:12] == b"WEBP":
        return _webp_marked(encoded)
    return encoded


def _webp_marked(encoded: bytes) -> bytes:
    chunks = _riff_chunks(encoded)
    kind, body = chunks[0]
    if kind != b"VP8X":
        width, height, alpha = _webp_size(kind, body)
        size = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
        chunks.insert(0, (b"VP8X", bytes([0x10 if alpha else 0, 0, 0, 0]) + size))
    chunks.append((b"C2PA", MARKER))
    payload = b"WEBP" + b"".join(
        k + struct.pack("<I", len(b)) + b + (b"\x00" if len(b) & 1 else b"") for k, b in chunks
    )
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


def _riff_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, at = [], 12
    while at + 8 <= len(data):
        (size,) = struct.unpack("<I", data[at + 4 : at + 8])
        chunks.append((data[at : at + 4], data[at + 8 : at + 8 + size]))
        at += 8 + size + (size & 1)  # chunks are padded to an even length
    return chunks


def _webp_size(kind: bytes, body: bytes) -> tuple[int, int, bool]:
    """(width, height, alpha) of a simple WebP, which VP8X must repeat."""
    if kind == b"VP8 ":  # lossy: a key frame's header after the 3-byte frame tag
        width, height = struct.unpack("<HH", body[6:10])
        return width & 0x3FFF, height & 0x3FFF, False
    (bits,) = struct.unpack("<I", body[1:5])  # VP8L: 14-bit sizes minus one, then alpha
    return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool(bits >> 28 & 1)
