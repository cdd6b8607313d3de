"""The log of every request the stand-in received, for tests to assert on.

Owns `RequestRecord` and `FileRecord`, and `scrub_headers`, which drops the
credentials: a record says only whether auth was present and which kind, never
the key. Imports nothing from the rest of the stand-in.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

SECRET_HEADERS = ("authorization", "api-key")


@dataclass
class FileRecord:
    name: str  # part name: image, image[], mask, markup (images[i] for JSON edits)
    filename: str | None
    content_type: str | None
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None
    mode: str | None = None  # Pillow mode once decoded, e.g. RGBA
    format: str | None = None  # Pillow format once decoded, e.g. PNG
    cells: list[list[int]] | None = None  # colour blocks mode: RGBA at each cell's centre

    @classmethod
    def of(
        cls, name: str, filename: str | None, content_type: str | None, data: bytes
    ) -> FileRecord:
        return cls(name, filename, content_type, len(data), hashlib.sha256(data).hexdigest())


@dataclass
class RequestRecord:
    request_id: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names, credentials removed
    auth_present: bool
    auth_scheme: str | None  # "bearer", "api-key" or None
    endpoint: str | None  # generations, edits, variations, models, files, or None
    content_type: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # text fields / JSON keys
    files: list[FileRecord] = field(default_factory=list)
    part_order: list[str] = field(default_factory=list)  # multipart names as they came
    model: str | None = None
    model_defaulted: bool = False
    valid: bool | None = None  # None: not an Images request, or never validated
    error: dict[str, Any] | None = None  # the validation error body, when invalid
    fault: str | None = None
    stream: bool = False
    status: int | None = None  # None: no status line was sent (reset, disconnect)
    outcome: str = "pending"  # ok, rejected, unauthorized, fault, disconnected, not_found
    # what went back, per final image: {"width", "height", "alpha0_fraction"}; host
    # scenarios check from it that an edit came back with holes and was still whole
    images_back: list[dict[str, Any]] = field(default_factory=list)
    # the body's bytes both ways (a chunked reply's without its framing), as a client
    # counts them: tests check the CLI's byte progress against these
    body_bytes: int = 0
    bytes_out: int = 0
    started: float = 0.0
    finished: float | None = None

    @property
    def error_code(self) -> str | None:
        return None if self.error is None else self.error["error"].get("code")


def scrub_headers(headers: list[tuple[str, str]]) -> tuple[dict[str, str], bool, str | None]:
    """(headers without credentials, auth present, auth scheme)."""
    kept: dict[str, str] = {}
    scheme = None
    for name, value in headers:
        key = name.lower()
        if key == "authorization" and value.strip():
            scheme = "bearer" if value.strip().lower().startswith("bearer ") else "other"
        elif key == "api-key" and value.strip():
            scheme = scheme or "api-key"
        if key not in SECRET_HEADERS:
            kept[key] = value
    return kept, scheme is not None, scheme
