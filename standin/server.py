"""`StandinServer`: a local stand-in for the OpenAI Images API, on 127.0.0.1.

Owns the server's state and its public API: start/stop, the request log
(`requests`, `rejected`), the fault queue (`inject`), the lifecycle (`today`,
`set_shutdown_date`: which models answer and what `/v1/models` reports),
forced transparent holes in edits (`forced_holes`), the store behind DALL-E
`url` results, and `running_standin`. The HTTP work is in handler.py and
intake.py, test control routes in control.py, the rules in rules.py,
lifecycle.py and validate.py, pictures in render.py/results.py.

A development and test tool, not shipped in the plug-in bundles. It imports
nothing from core/ on purpose: it checks the client, so it keeps its own
reading of the contract. Loopback only; the API key, if configured, is only
compared, never logged or recorded.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from http.server import ThreadingHTTPServer
from typing import Any

from . import faults, rules
from .handler import Handler
from .lifecycle import Lifecycle, parse_date
from .record import RequestRecord
from .results import seed_for
from .validate import Job

LOOPBACK = ("127.0.0.1", "localhost", "::1")
MIB = 1024 * 1024


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], standin: StandinServer) -> None:
        self.standin = standin
        super().__init__(address, Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Hang-ups are part of the tests (cancel, reset); stay quiet unless asked.
        if self.standin.verbose:
            super().handle_error(request, client_address)


class StandinServer:
    """The stand-in. By default it follows OpenAI's lifecycle on `today` (the machine's
    date unless pinned): a model past its shutdown date answers 404 `model_not_found`
    and leaves `/v1/models`. `legacy=True` keeps every model (DALL-E, gpt-image-1,
    gpt-image-1.5, ...) and `/images/variations` alive with no shutdown date, like an
    OpenAI-compatible server that still has them.

    `latency` is seconds per rendered image (n=4 takes four times as long), spread
    over the events when streaming. `api_key=None` accepts any non-empty key.
    `forced_holes` > 0 punches that share of alpha-0 pixels into every edit result,
    even when `background=opaque` was asked (the client's backstop is then tested).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        legacy: bool = False,
        api_key: str | None = None,
        latency: float = 0.0,
        *,
        models: Mapping[str, rules.ModelRules] | None = None,
        today: date | str | None = None,
        forced_holes: float = 0.0,
        verbose: bool = False,
        max_body_bytes: int = 900 * MIB,
        url_ttl: float = 3600.0,
    ) -> None:
        if host not in LOOPBACK:
            raise ValueError("the stand-in listens on loopback only")
        self.host = host
        self.legacy = legacy
        self.latency = float(latency)
        self.models: Mapping[str, rules.ModelRules] = dict(models or rules.MODELS)
        self.lifecycle = Lifecycle()
        self.lifecycle.pinned_today = parse_date(today)
        self.forced_holes = float(forced_holes)
        self.picture: str | None = None  # "blocks": every result is blocks.picture (issue 15)
        self._answered: dict[int, int] = {}  # seed of a request -> times answered
        self.verbose = verbose
        self.max_body_bytes = max_body_bytes
        self.url_ttl = url_ttl
        self._wanted_port = port
        self._api_key = api_key
        self._lock = threading.Condition()
        self._records: list[RequestRecord] = []
        self._faults: deque[tuple[str, dict[str, Any]]] = deque()
        self._files: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:  # never shows the key
        state = self.base_url if self._httpd else "stopped"
        return f"<StandinServer {state} legacy={self.legacy} latency={self.latency}>"

    # ------------------------------------------------------------ life cycle

    def start(self) -> StandinServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _HTTPServer((self.host, self._wanted_port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"standin:{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()  # wakes handlers that are sleeping out a latency
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd, self._thread = None, None

    def __enter__(self) -> StandinServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the stand-in is not running")
        return int(self._httpd.server_address[1])

    @property
    def root_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        return self.root_url + "/v1"

    def repeated(self, job: Job) -> Job:
        """`job` with the number of identical requests answered before it: two
        candidates sent as two identical requests (streaming n=2) must not come back
        byte-identical, as they do not from the real model."""
        key = seed_for(job, 0)
        with self._lock:
            count = self._answered.get(key, 0)
            self._answered[key] = count + 1
        return replace(job, repeat=count) if count else job

    # ------------------------------------------------------------ request log

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    @property
    def rejected(self) -> list[RequestRecord]:
        """Requests that failed validation (whatever was answered in the end)."""
        return [r for r in self.requests if r.valid is False]

    def clear_requests(self) -> None:
        with self._lock:
            self._records.clear()

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> bool:
        """True once `count` requests have been answered (or abandoned)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while sum(r.finished is not None for r in self._records) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._lock.wait(remaining)
            return True

    def _add_record(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def _notify(self) -> None:
        with self._lock:
            self._lock.notify_all()

    # ------------------------------------------------------------ faults

    def inject(self, name: str, count: int = 1, **params: Any) -> None:
        """Queue fault `name` for the next `count` API requests (see faults.FAULTS)."""
        key = faults.canonical(name)
        with self._lock:
            self._faults.extend((key, dict(params)) for _ in range(count))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending_faults(self) -> list[str]:
        with self._lock:
            return [name for name, _ in self._faults]

    def _take_fault(self, header: str | None, request_id: str) -> faults.Plan | None:
        if header:
            try:
                name, params = faults.parse_fault_header(header)
            except ValueError as exc:
                # A typo in a test's header must not pass as "no fault".
                body = {
                    "error": {
                        "message": str(exc),
                        "type": "standin_error",
                        "param": None,
                        "code": "unknown_fault",
                    }
                }
                return faults.Plan(
                    "unknown_fault", reply=faults.Reply(400, json.dumps(body).encode())
                )
        else:
            with self._lock:
                if not self._faults:
                    return None
                name, params = self._faults.popleft()
        return faults.make_plan(name, params, request_id)

    # ------------------------------------------------------------ auth

    def _key_matches(self, key: str) -> bool:
        if self._api_key is None:
            return True
        return hmac.compare_digest(key.encode(), self._api_key.encode())

    # ------------------------------------------------------------ lifecycle

    @property
    def today(self) -> date:
        """The day shutdown dates are compared with; set a date to pin it, None to follow
        the machine's clock."""
        return self.lifecycle.today()

    @today.setter
    def today(self, value: date | str | None) -> None:
        self.lifecycle.pinned_today = parse_date(value)

    def set_shutdown_date(self, model: str, value: date | str | None) -> None:
        """Make the account report `value` (`YYYY-MM-DD` or None) as `model`'s
        `shutdown_date`, and serve it by that date: this outranks the shipped table and
        legacy mode, as an account's own list outranks a client's catalogue. A past
        date therefore drops the model (404, unlisted); a future one lists it."""
        if model not in self.models:
            raise KeyError(f"the stand-in has no model {model!r}")
        self.lifecycle.set_shutdown_date(model, value)

    def clear_shutdown_dates(self) -> None:
        self.lifecycle.clear()

    @property
    def shutdown_dates(self) -> dict[str, str | None]:
        """The dates set by `set_shutdown_date`, as `YYYY-MM-DD` or None."""
        return self.lifecycle.overrides

    def alive(self, model: rules.ModelRules, *, azure: bool = False) -> bool:
        """Whether `model` still answers here today (Azure routes go by Azure's dates)."""
        return self.lifecycle.alive(model, legacy=self.legacy, azure=azure)

    def _visible_models(self) -> list[dict[str, Any]]:
        return self.lifecycle.listing(list(self.models.values()), legacy=self.legacy)

    # ------------------------------------------------------------ files

    def _store_file(self, data: bytes) -> str:
        """Keep a DALL-E `url` result and return its address (valid for `url_ttl`)."""
        file_id = secrets.token_hex(12)
        with self._lock:
            self._files[file_id] = (data, time.monotonic() + self.url_ttl)
            while len(self._files) > 64:
                self._files.popitem(last=False)
        return f"{self.root_url}/files/{file_id}.png"

    def _load_file(self, file_id: str) -> bytes | None:
        with self._lock:
            entry = self._files.get(file_id)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]


@contextmanager
def running_standin(**kwargs: Any) -> Iterator[StandinServer]:
    """`with running_standin(latency=0.2) as server:` a started server, stopped after."""
    server = StandinServer(**kwargs).start()
    try:
        yield server
    finally:
        server.stop()
