"""A small, strict multipart/form-data reader for the stand-in.

Owns `Part` and `parse_multipart`. It keeps what the validator and the request
log need: each part's name, filename (present means "a file"), Content-Type and
bytes, in arrival order. The stdlib `cgi` module is gone in 3.13 and `email`
does not split form bodies for us, so the split is done here; header
parameters (quoting, RFC 2231) are still read with `email`.
Imports nothing from the rest of the stand-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data."""


@dataclass(frozen=True)
class Part:
    name: str
    filename: str | None  # None: a plain text field
    content_type: str | None  # None: the part had no Content-Type header
    data: bytes

    @property
    def is_file(self) -> bool:
        return self.filename is not None

    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


def boundary_of(content_type: str) -> str | None:
    message = Message()
    message["content-type"] = content_type
    if message.get_content_type() != "multipart/form-data":
        return None
    boundary = message.get_param("boundary")
    return boundary if isinstance(boundary, str) and boundary else None


def parse_multipart(body: bytes, boundary: str) -> list[Part]:
    delimiter = b"--" + boundary.encode("latin-1")
    start = body.find(delimiter)
    if start < 0:
        raise MultipartError("the body does not contain the boundary")
    parts: list[Part] = []
    position = start + len(delimiter)
    while True:
        if body.startswith(b"--", position):
            return parts  # the closing delimiter
        if not body.startswith(b"\r\n", position):
            raise MultipartError("a boundary line is not followed by CRLF")
        position += 2
        end = body.find(b"\r\n" + delimiter, position)
        if end < 0:
            raise MultipartError("a part is not terminated by the boundary")
        parts.append(_read_part(body[position:end]))
        position = end + 2 + len(delimiter)


def _read_part(raw: bytes) -> Part:
    split = raw.find(b"\r\n\r\n")
    if split < 0:
        raise MultipartError("a part has no blank line after its headers")
    headers = BytesHeaderParser().parsebytes(raw[: split + 4])
    data = raw[split + 4 :]
    if headers.get_content_disposition() != "form-data":
        raise MultipartError("a part has no 'Content-Disposition: form-data' header")
    name = headers.get_param("name", header="content-disposition")
    if not isinstance(name, str):
        raise MultipartError("a part has no name")
    filename = headers.get_filename()
    content_type = headers.get("content-type")
    return Part(
        name=name,
        filename=filename,
        content_type=content_type.split(";")[0].strip().lower() if content_type else None,
        data=data,
    )
