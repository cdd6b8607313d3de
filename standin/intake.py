"""Reading a request for the stand-in: its route, its body, its fields and files.

Owns `Route` and `route_of` (which endpoint a method and path name), and the
`Intake` mixin of the request handler: the body (with the size cap, plain or
chunked) and the `Submission` made of it (JSON or multipart), noting the
fields, file parts and model on the request's record as they arrive, so even
a request that fails validation is logged whole. Imports `errors`,
`multipart`, `record`, `uploads`, `validate` and Pillow; writes only errors
(through the `Wire` methods of the handler).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING, Any

from PIL import Image

from . import blocks, multipart
from .errors import ApiError
from .record import FileRecord, RequestRecord
from .uploads import Upload, json_uploads
from .validate import Submission

if TYPE_CHECKING:
    from .server import StandinServer

IMAGES = re.compile(r"^/(?:v1|openai/v1)/images/(generations|edits|variations)$")
AZURE = re.compile(r"^/openai/deployments/([^/]+)/images/(generations|edits)$")
MODELS = re.compile(r"^/v1/models(?:/([^/]+))?$")
FILES = re.compile(r"^/files/([0-9a-f]+)\.png$")


@dataclass(frozen=True)
class Route:
    kind: str  # images, models, files, unknown
    endpoint: str | None = None
    deployment: str | None = None  # Azure classic
    azure: bool = False
    item: str | None = None  # model id or file id


def route_of(method: str, path: str) -> Route:
    if method == "POST" and (m := IMAGES.match(path)):
        return Route("images", m.group(1), azure=path.startswith("/openai/"))
    if method == "POST" and (m := AZURE.match(path)):
        return Route("images", m.group(2), deployment=m.group(1), azure=True)
    if method == "GET" and (m := MODELS.match(path)):
        return Route("models", "models", item=m.group(1))
    if method == "GET" and (m := FILES.match(path)):
        return Route("files", "files", item=m.group(1))
    return Route("unknown")


class Intake:
    """Body and submission reading for `Handler`; expects the attributes below."""

    record: RequestRecord
    close_connection: bool

    if TYPE_CHECKING:  # provided by BaseHTTPRequestHandler, Handler and Wire

        @property
        def standin(self) -> StandinServer: ...

        headers: Any
        rfile: Any

        def _send_error(self, error: ApiError) -> None: ...

    def _read_body(self) -> bytes | None:
        limit = self.standin.max_body_bytes
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked(limit)
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            self.record.outcome = "rejected"
            self.close_connection = True
            self._send_error(
                ApiError(413, f"Request too large: {length} bytes.", code="request_too_large")
            )
            return None
        return self.rfile.read(length)

    def _read_chunked(self, limit: int) -> bytes | None:
        body = BytesIO()
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return body.getvalue()
            body.write(self.rfile.read(size))
            self.rfile.readline()
            if body.tell() > limit:
                self.close_connection = True
                self._send_error(ApiError(413, "Request too large.", code="request_too_large"))
                return None

    def _submission(self, route: Route, body: bytes) -> Submission:
        assert route.endpoint is not None
        if route.deployment is not None and "api-version" not in self.record.query:
            raise ApiError(
                400,
                "Missing required query parameter 'api-version'.",
                param="api-version",
                code="missing_required_parameter",
            )
        content_type = self.headers.get("Content-Type", "")
        kind = content_type.split(";")[0].strip().lower()
        if kind == "application/json" and route.endpoint != "variations":
            return self._json_submission(route, body)
        if kind == "multipart/form-data" and route.endpoint != "generations":
            return self._multipart_submission(route, body, content_type)
        expected = "application/json" if route.endpoint == "generations" else "multipart/form-data"
        raise ApiError(
            400, f"Invalid Content-Type header ({content_type or 'none'}), expected {expected}."
        )

    def _json_submission(self, route: Route, body: bytes) -> Submission:
        assert route.endpoint is not None
        try:
            data = json.loads(body)
        except ValueError:
            raise ApiError(
                400,
                "We could not parse the JSON body of your request. (HINT: This likely means you "
                "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, "
                "but what was sent was not valid JSON.)",
            ) from None
        if not isinstance(data, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        self.record.fields = {k: v for k, v in data.items() if k not in ("images", "mask")}
        self._note_model(route, data.get("model"))
        sub = Submission(route.endpoint, "json", data, [], route.deployment)
        if route.endpoint == "edits":
            try:
                self.record.files = [self._file_record(u, self._blocks) for u in json_uploads(data)]
            except ApiError:
                pass  # validation will say what is wrong with them
        return sub

    def _multipart_submission(self, route: Route, body: bytes, content_type: str) -> Submission:
        assert route.endpoint is not None
        boundary = multipart.boundary_of(content_type)
        if boundary is None:
            raise ApiError(
                400, "Invalid multipart/form-data: no boundary in the Content-Type header."
            )
        try:
            parts = multipart.parse_multipart(body, boundary)
        except multipart.MultipartError as exc:
            raise ApiError(400, f"Invalid multipart/form-data body: {exc}.") from None
        fields: dict[str, Any] = {}
        uploads: list[Upload] = []
        for part in parts:
            self.record.part_order.append(part.name)
            if part.is_file:
                upload = Upload(part.name, part.filename, part.content_type, part.data)
                uploads.append(upload)
                self.record.files.append(self._file_record(upload, self._blocks))
            else:
                fields[part.name] = part.text()
        self.record.fields = dict(fields)
        self._note_model(route, fields.get("model"))
        return Submission(route.endpoint, "multipart", fields, uploads, route.deployment)

    def _note_model(self, route: Route, model: Any) -> None:
        """The model as asked for, also for requests that fail validation."""
        asked = route.deployment or model
        self.record.model = asked if isinstance(asked, str) else None

    @property
    def _blocks(self) -> bool:
        return self.standin.picture == "blocks"

    @staticmethod
    def _file_record(upload: Upload, with_cells: bool = False) -> FileRecord:
        entry = FileRecord.of(upload.field, upload.filename, upload.content_type, upload.data)
        try:
            with Image.open(BytesIO(upload.data)) as image:  # header only, no decode
                entry.width, entry.height = image.size
                entry.mode, entry.format = image.mode, image.format
                if with_cells:  # decoded only in colour-blocks mode (host colour matrix)
                    entry.cells = blocks.cells(image)
        except Exception:
            pass  # not an image: the record keeps the bytes' size and hash
        return entry
