"""The HTTP side of the stand-in: routes, auth, request bodies, what to answer.

Owns `Handler` (one instance per connection, from `http.server`). It turns a
request into a `Submission`, records it, validates it, applies an injected
fault, then answers: JSON, a chunked `text/event-stream`, a `/files/<id>.png`
download for DALL-E `url` results, or an error in the real shape. The bytes
go out through the `Wire` mixin (wire.py). The state it reads and writes
(records, fault queue, file store, settings) lives on `StandinServer`.

Routes: POST /v1/images/{generations,edits,variations}; GET /v1/models[/<id>];
GET /files/<id>.png; Azure: POST /openai/deployments/<d>/images/{generations,
edits}?api-version=... and POST /openai/v1/images/... (key in `api-key` or Bearer).
"""

from __future__ import annotations

import json
import re
import secrets
import sys
import time
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from io import BytesIO
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from PIL import Image

from . import faults, multipart, render
from .errors import ApiError, invalid_api_key, invalid_url, missing_auth, model_not_found
from .record import FileRecord, RequestRecord, scrub_headers
from .results import Output, render_job, response_body, stream_events
from .uploads import Upload, json_uploads
from .validate import Job, Submission, validate
from .wire import ClientGone, Wire

if TYPE_CHECKING:
    from .server import StandinServer

IMAGES = re.compile(r"^/(?:v1|openai/v1)/images/(generations|edits|variations)$")
AZURE = re.compile(r"^/openai/deployments/([^/]+)/images/(generations|edits)$")
MODELS = re.compile(r"^/v1/models(?:/([^/]+))?$")
FILES = re.compile(r"^/files/([0-9a-f]+)\.png$")
# Test control, for clients that cannot set a header or reach the server object (a
# plug-in inside GIMP or Krita): queue faults, read the request log. Not recorded.
CONTROL = "/_standin/"


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


class Handler(Wire, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx pools connections
    server_version = "standin"
    sys_version = ""
    timeout = 120  # idle keep-alive connections end, so their threads do too

    @property
    def standin(self) -> StandinServer:
        return self.server.standin  # type: ignore[attr-defined]

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib name)
        if self.standin.verbose:
            super().log_message(format, *args)

    # ------------------------------------------------------------ dispatch

    def _dispatch(self, method: str) -> None:
        if self.path.startswith(CONTROL):
            self._control(method, urlsplit(self.path).path[len(CONTROL) :])
            return
        self.request_id = "req_" + secrets.token_hex(16)
        self.started = time.monotonic()
        url = urlsplit(self.path)
        route = route_of(method, url.path)
        headers, auth_present, scheme = scrub_headers(list(self.headers.items()))
        record = RequestRecord(
            request_id=self.request_id,
            method=method,
            path=url.path,
            query=dict(parse_qsl(url.query)),
            headers=headers,
            auth_present=auth_present,
            auth_scheme=scheme,
            endpoint=route.endpoint,
            content_type=self.headers.get("Content-Type"),
            started=time.time(),
        )
        self.record = record
        self.standin._add_record(record)
        try:
            body = self._read_body()
            if body is None:
                return
            if route.kind == "images":
                self._images(route, body)
            elif route.kind == "models":
                self._models(route)
            elif route.kind == "files":
                self._files(route)
            else:
                record.outcome = "not_found"
                self._send_error(invalid_url(method, url.path))
        except ClientGone:
            record.outcome = "disconnected"
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            record.outcome = "disconnected"
            self.close_connection = True
        except Exception as exc:  # a stand-in bug: answer 500 and show it
            record.outcome = "standin_error"
            traceback.print_exc(file=sys.stderr)
            self._try_send_error(ApiError(500, f"stand-in error: {exc!r}", type="server_error"))
        finally:
            record.finished = time.time()
            self.standin._notify()

    def _control(self, method: str, what: str) -> None:
        """POST /_standin/faults {"name", "count", "params"}; GET /_standin/requests."""
        if method == "POST" and what == "faults":
            length = int(self.headers.get("Content-Length") or 0)
            order = json.loads(self.rfile.read(length) or b"{}")
            self.standin.inject(
                order["name"], int(order.get("count", 1)), **order.get("params", {})
            )
            reply: Any = {"queued": self.standin.pending_faults}
        elif method == "GET" and what == "requests":
            reply = [
                {
                    "endpoint": r.endpoint,
                    "model": r.model,
                    "valid": r.valid,
                    "outcome": r.outcome,
                    "status": r.status,
                    "fault": r.fault,
                    "error": r.error,
                }
                for r in self.standin.requests
            ]
        else:
            reply = {"error": "unknown control route"}
        body = json.dumps(reply).encode()
        self.send_response(200 if "error" not in reply else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

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

    # ------------------------------------------------------------ images

    def _images(self, route: Route, body: bytes) -> None:
        record = self.record
        job: Job | None = None
        error: ApiError | None = None
        try:
            job = validate(
                self._submission(route, body),
                legacy=self.standin.legacy,
                models=self.standin.models,
            )
            record.valid, record.stream = True, job.stream
            record.model, record.model_defaulted = job.model, job.model_defaulted
        except ApiError as exc:
            error = exc
            record.valid, record.error = False, exc.body()
        auth_error = self._auth_error(route)
        if auth_error is not None:
            record.outcome = "unauthorized"
            self._send_error(auth_error)
            return
        plan = self._fault_plan()
        if plan is not None and plan.replaces_answer(job is not None and job.stream):
            self._apply_fault(plan)
            return
        if error is not None or job is None:
            record.outcome = "rejected"
            self._pause(plan.delay if plan else 0.0)
            self._send_error(error or ApiError(500, "no job", type="server_error"))
            return
        self._serve_job(job, plan)

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
                self.record.files = [self._file_record(u) for u in json_uploads(data)]
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
                self.record.files.append(self._file_record(upload))
            else:
                fields[part.name] = part.text()
        self.record.fields = dict(fields)
        self._note_model(route, fields.get("model"))
        return Submission(route.endpoint, "multipart", fields, uploads, route.deployment)

    def _note_model(self, route: Route, model: Any) -> None:
        """The model as asked for, also for requests that fail validation."""
        asked = route.deployment or model
        self.record.model = asked if isinstance(asked, str) else None

    @staticmethod
    def _file_record(upload: Upload) -> FileRecord:
        entry = FileRecord.of(upload.field, upload.filename, upload.content_type, upload.data)
        try:
            with Image.open(BytesIO(upload.data)) as image:  # header only, no decode
                entry.width, entry.height = image.size
                entry.mode, entry.format = image.mode, image.format
        except Exception:
            pass  # not an image: the record keeps the bytes' size and hash
        return entry

    def _auth_error(self, route: Route) -> ApiError | None:
        authorization = self.headers.get("Authorization", "").strip()
        key = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
        if not key and route.azure:
            key = self.headers.get("api-key", "").strip()
        if not key:
            return missing_auth()
        if not self.standin._key_matches(key):
            return invalid_api_key()
        return None

    def _fault_plan(self) -> faults.Plan | None:
        header = self.headers.get("X-Standin-Fault")
        plan = self.standin._take_fault(header, self.request_id)
        if plan is not None:
            self.record.fault = plan.name
        return plan

    def _apply_fault(self, plan: faults.Plan) -> None:
        self.record.outcome = "fault"
        self._pause(plan.delay)
        if plan.reset:
            self._reset_connection()
            return
        assert plan.reply is not None
        reply = plan.reply
        headers = {**reply.headers, **plan.headers}
        self._send(reply.status, reply.body, reply.content_type, headers)

    def _serve_job(self, job: Job, plan: faults.Plan | None) -> None:
        plan = plan or faults.Plan("none")
        self._pause(plan.delay)
        outputs = render_job(job)
        if plan.oversize_mb:
            outputs[0] = Output(render.noise_png(plan.oversize_mb), outputs[0].partials)
        latency = self.standin.latency * job.n
        created = int(time.time())
        self.record.outcome = "ok" if plan.name == "none" else "fault"
        if job.stream:
            self._stream(job, outputs, created, latency, plan)
            return
        self._pause(latency)
        text = json.dumps(response_body(job, outputs, created, self.standin._store_file))
        if plan.garble:
            text = text[: len(text) // 2]  # cut inside the base64: never valid JSON
        self._send(
            200,
            text.encode(),
            "application/json",
            plan.headers,
            truncate=plan.truncate,
            body_seconds=plan.body_seconds,
        )

    def _stream(
        self, job: Job, outputs: list[Output], created: int, latency: float, plan: faults.Plan
    ) -> None:
        events = list(stream_events(job, outputs, created))
        gap = (latency + plan.body_seconds) / len(events)
        self._start(200, "text/event-stream", {**plan.headers, "Cache-Control": "no-cache"}, None)
        for name, data in events:
            self._pause(gap)
            if name.endswith(".completed"):
                if plan.truncate:
                    self.close_connection = True  # no `completed`, no final chunk
                    return
                if plan.stream_error is not None:
                    self._chunk(f"event: error\ndata: {json.dumps(plan.stream_error)}\n\n")
                    break
            text = json.dumps(data)
            if plan.garble and name.endswith(".completed"):
                text = text[: len(text) // 2]
            self._chunk(f"event: {name}\ndata: {text}\n\n")
        self._write(b"0\r\n\r\n")

    # ------------------------------------------------------------ models, files

    def _models(self, route: Route) -> None:
        auth_error = self._auth_error(route)
        if auth_error is not None:
            self.record.outcome = "unauthorized"
            self._send_error(auth_error)
            return
        plan = self._fault_plan()
        if plan is not None and plan.replaces_answer(streaming=False):
            self._apply_fault(plan)
            return
        self._pause(plan.delay if plan else 0.0)
        listed = self.standin._visible_models()
        if route.item is None:
            body: dict[str, Any] = {"object": "list", "data": listed}
        else:
            found = [m for m in listed if m["id"] == route.item]
            if not found:
                self.record.outcome = "rejected"
                self._send_error(model_not_found(route.item))
                return
            body = found[0]
        self.record.outcome = "ok"
        self._send(200, json.dumps(body).encode(), "application/json", {})

    def _files(self, route: Route) -> None:
        data = self.standin._load_file(route.item or "")
        if data is None:
            self.record.outcome = "not_found"
            self._send_error(ApiError(404, "The file does not exist or its URL has expired."))
            return
        self.record.outcome = "ok"
        self._send(200, data, "image/png", {})
