"""A small C2PA-like marker in the stand-in's images, as OpenAI's carry Content Credentials.

Not a real manifest (no claim, no signature): a JUMBF-shaped box labelled "c2pa"
where the C2PA specification puts the manifest store, a PNG `caBX` chunk or a JPEG
APP11 segment, so that tests can prove the plug-in keeps the answer's bytes
unchanged and notices the marker. WebP answers are left unmarked: a chunk added
to a simple WebP file is not one its readers must accept. Imports the standard
library only.
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
    return encoded
