"""What a request looks like on the wire: `WireRequest`, `UploadFile` and the field encoding.

Owns the shape the client sends (a path plus a JSON body, or form fields and
files for multipart) and the encoding rules shared by the three request values
of requests.py, from shared/openai-images.md section A and 4.3: always send
`model`; None is never sent; multipart booleans are "true"; every file part has
a real filename and image MIME type; `response_format` and `user` only for
DALL·E. Which fields each request sends is requests.py's to say.

Imports only the standard library, core.formats' headers and catalogue.py. No
httpx: client.py turns a WireRequest into HTTP; no Pillow: a file's type is read
from its magic bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..formats import headers
from ..models.catalogue import ModelSpec, parse_size

MIME_BY_FORMAT = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
_EXT_BY_FORMAT = {"png": "png", "jpeg": "jpg", "webp": "webp"}


def sniff_format(data: bytes) -> str | None:
    """'png', 'jpeg' or 'webp' (the formats the API takes and sends) from the file's
    magic bytes; None for anything else, GIF included."""
    fmt = headers.sniff_format(data)
    return fmt if fmt in MIME_BY_FORMAT else None


@dataclass(frozen=True)
class UploadFile:
    """One image file for a multipart upload; bytes stay in memory so a retry can resend them."""

    filename: str
    data: bytes = field(repr=False)
    mime: str

    @classmethod
    def from_bytes(cls, data: bytes, stem: str = "image") -> UploadFile:
        """Name and type the file from its content; unknown content is labelled PNG
        and rejected by validation (the API refuses parts without an image type)."""
        fmt = sniff_format(data) or "png"
        return cls(f"{stem}.{_EXT_BY_FORMAT[fmt]}", data, MIME_BY_FORMAT[fmt])

    @property
    def format(self) -> str | None:
        for fmt, mime in MIME_BY_FORMAT.items():
            if mime == self.mime:
                return fmt
        return None


@dataclass(frozen=True)
class WireRequest:
    """What goes over HTTP. `json_body` for JSON requests; `fields` and `files` for multipart."""

    path: str
    json_body: dict[str, Any] | None = None
    fields: tuple[tuple[str, str], ...] = ()
    files: tuple[tuple[str, UploadFile], ...] = ()
    stream: bool = False
    expected_images: int = (
        1  # finished images (plus partials) the reply may hold: sizes the read cap
    )
    image_pixels: int = 0  # the most pixels one answer may have (0: unknown): sizes it too

    @property
    def multipart(self) -> bool:
        return self.json_body is None


def common_fields(req: Any, spec: ModelSpec) -> dict[str, Any]:
    """Fields shared by generations and edits, None left out, in the order the SDK sends them."""
    body: dict[str, Any] = {"model": req.model, "n": req.n, "size": req.size}
    if req.quality is not None:
        body["quality"] = req.quality
    if spec.is_gpt_image:
        for key in ("background", "output_format", "output_compression", "complexity"):
            value = getattr(req, key)
            if value is not None:
                body[key] = value
        if req.stream:
            body["stream"] = True
            if req.partial_images is not None:
                body["partial_images"] = req.partial_images
        if req.safety_identifier is not None:
            body["safety_identifier"] = req.safety_identifier
    else:
        # Retired DALL·E: answer in base64 (no second download), and the old `user` field.
        body["response_format"] = "b64_json"
        if req.safety_identifier is not None:
            body["user"] = req.safety_identifier
    return body


def form_fields(body: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """A body as multipart text fields: None left out, booleans as "true"/"false"."""

    def text(value: Any) -> str:
        return ("true" if value else "false") if isinstance(value, bool) else str(value)

    return tuple((key, text(value)) for key, value in body.items() if value is not None)


def expected_images(req: Any) -> int:
    """Images the reply may hold (each finished one plus its partials): sizes the read cap."""
    partials = (req.partial_images or 0) if req.stream else 0
    return int(req.n * (1 + partials))


def image_pixels(size: str, spec: ModelSpec) -> int:
    """The most pixels an answer to `size` may have: that size's, or for "auto" the
    model's largest; 0 when the catalogue does not say."""
    parsed = parse_size(size)
    if parsed is not None:
        return parsed[0] * parsed[1]
    rule = spec.size_rule
    known = [w * h for w, h in filter(None, (parse_size(s) for s in rule.sizes))]
    return max([rule.max_pixels, *known])


def reply_cap(wire: WireRequest, max_image_bytes: int) -> int:
    """Bytes one image of the reply may take: what an uncompressed RGBA PNG of the
    requested size takes (the worst an honest server sends), within `max_image_bytes`.
    Before, every image could take the maximum: 854 MB for n=10."""
    if wire.image_pixels <= 0:
        return max_image_bytes
    return min(max_image_bytes, wire.image_pixels * 4 * 101 // 100 + 256 * 1024)
