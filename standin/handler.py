"""The HTTP side of the stand-in: auth, what to answer, and how.

Owns `Handler` (one instance per connection, from `http.server`). It records a
request, has it read into a `Submission` (the `Intake` mixin, intake.py),
validates it, applies an injected fault, then answers: JSON, a chunked
`text/event-stream`, a `/files/<id>.png` download for DALL-E `url` results,
the model list, or an error in the real shape. The bytes go out through the
`Wire` mixin (wire.py); /_standin/ control calls go to control.py. The state
it reads and writes (records, fault queue, file store, lifecycle, settings)
lives on `StandinServer`.

Routes: POST /v1/images/{generations,edits,variations}; GET /v1/models[/<id>];
GET /files/<id>.png; Azure: POST /openai/deployments/<d>/images/{generations,
edits}?api-version=... and POST /openai/v1/images/... (key in `api-key` or Bearer).
"""

from __future__ import annotations

import json
import secrets
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from . import control, credentials, faults, render
from .errors import ApiError, invalid_api_key, invalid_url, missing_auth, model_not_found
from .intake import Intake, Route, route_of
from .record import RequestRecord, scrub_headers
from .results import Output, render_blocks, render_job, response_body, stream_events
from .validate import Job, validate
from .wire import ClientGone, Wire

if TYPE_CHECKING:
    from .server import StandinServer


class Handler(Intake, Wire, BaseHTTPRequestHandler):
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
        if self.path.startswith(control.PREFIX):
            self._control(method, urlsplit(self.path).path[len(control.PREFIX) :])
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
            record.body_bytes = len(body)
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
        length = int(self.headers.get("Content-Length") or 0)
        try:
            order = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            status, reply = 400, {"error": "the control body must be JSON"}
        else:
            status, reply = control.answer(self.standin, method, what, order)
        body = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    # ------------------------------------------------------------ images

    def _images(self, route: Route, body: bytes) -> None:
        record = self.record
        job: Job | None = None
        error: ApiError | None = None
        try:
            job = validate(
                self._submission(route, body),
                alive=lambda rules: self.standin.alive(rules, azure=route.azure),
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
        holes = plan.holes or self.standin.forced_holes
        job = self.standin.repeated(job)
        # Called without the argument when there are no holes to force, so a
        # one-argument stand-in for render_job (bench/quick_standin.py) still fits.
        if self.standin.picture == "blocks":
            outputs = render_blocks(job)
        else:
            outputs = render_job(job, holes) if holes else render_job(job)
        # as OpenAI's images carry Content Credentials (the history must keep them)
        outputs = [Output(credentials.mark(o.final), tuple(map(credentials.mark, o.partials)))
                   for o in outputs]
        if plan.oversize_mb:
            outputs[0] = Output(render.noise_png(plan.oversize_mb), outputs[0].partials)
        else:
            self.record.images_back = [render.facts(out.final) for out in outputs]
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
