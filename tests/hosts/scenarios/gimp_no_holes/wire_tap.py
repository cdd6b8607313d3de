"""A recording pass-through in front of the stand-in, run inside the host (no_holes scenarios).

The stand-in's request log (GET /_standin/requests) says which endpoint was called
and how it went, not which form fields came with it; this tap, put between the
plug-in and the stand-in, records what the stand-in received: the text fields of
every Images request (background, output_format, ...), the uploaded parts, and
for every image that came back its share of alpha-0 pixels, which shows whether
the stand-in punched holes into it. Bytes are forwarded unchanged both ways
(only the transport headers Host, Connection, Content-Length, Transfer-Encoding
and Accept-Encoding are the tap's own). Pure standard library, plus Pillow
when it can be imported (for the alpha count). The same file sits in
krita_no_holes/ and gimp_no_holes/ so each scenario stays self-contained.
"""

import base64
import io
import json
import re
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_HOP = {
    "host",
    "connection",
    "content-length",
    "transfer-encoding",
    "accept-encoding",
    "keep-alive",
    "proxy-connection",
}
_B64 = re.compile(rb'"(b64_json|partial_image_b64)"\s*:\s*"([A-Za-z0-9+/=]+)"')


def form_fields(content_type, body):
    """(text fields, file parts) of a multipart or JSON request body."""
    fields, files = {}, []
    if content_type.startswith("multipart/form-data"):
        boundary = re.search(r'boundary="?([^";]+)"?', content_type)
        if boundary is None:
            return fields, files
        for part in body.split(b"--" + boundary.group(1).encode()):
            head, sep, value = part.partition(b"\r\n\r\n")
            name = re.search(rb'name="([^"]*)"', head)
            if not sep or name is None:
                continue
            if value.endswith(b"\r\n"):
                value = value[:-2]
            key = name.group(1).decode()
            if b"filename=" in head:
                files.append({"name": key, "size": len(value)})
            else:
                fields[key] = value.decode("utf-8", "replace")
    elif content_type.startswith("application/json") and body:
        data = json.loads(body)
        if isinstance(data, dict):
            for key, value in data.items():
                if key in ("images", "image", "mask"):
                    files.append({"name": key, "size": len(json.dumps(value))})
                else:
                    fields[key] = value
    return fields, files


def image_facts(body):
    """Each base64 image in a reply (JSON or SSE): its size and share of alpha-0 pixels."""
    found = []
    for key, data in _B64.findall(body):
        fact = {"key": key.decode()}
        try:
            from PIL import Image

            img = Image.open(io.BytesIO(base64.b64decode(data)))
            img.load()
            fact["size"] = list(img.size)
            fact["mode"] = img.mode
            if img.mode == "RGBA":
                zero = img.getchannel("A").histogram()[0]
                fact["alpha0_fraction"] = zero / (img.size[0] * img.size[1])
            else:
                fact["alpha0_fraction"] = 0.0
        except Exception as exc:  # the facts say so; check.py fails on a missing number
            fact["decode_error"] = repr(exc)
        found.append(fact)
    return found


class WireTap:
    """`WireTap(upstream).start()`; point the plug-in at `base_url`; read `records`."""

    def __init__(self, upstream):
        self.upstream = upstream.rstrip("/")
        parts = urlsplit(self.upstream)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.prefix = parts.path  # e.g. /v1
        self.records = []
        self._lock = threading.Lock()
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        tap = self

        class Handler(BaseHTTPRequestHandler):
            def _relay(self):
                tap._relay(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _relay

            def log_message(self, format, *args):  # noqa: A002 (stdlib name)
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.prefix}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def images_records(self, endpoint=None):
        with self._lock:
            rows = [r for r in self.records if "/images/" in r["path"]]
        return [r for r in rows if endpoint is None or r["path"].endswith("/images/" + endpoint)]

    def _read_body(self, handler):
        if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(handler.rfile.read(size))
                handler.rfile.readline()
        length = int(handler.headers.get("Content-Length") or 0)
        return handler.rfile.read(length) if length else b""

    def _relay(self, handler):
        body = self._read_body(handler)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP}
        request = urllib.request.Request(
            self.origin + handler.path,
            data=body if body else None,
            headers=headers,
            method=handler.command,
        )
        try:
            with self._opener.open(request, timeout=300) as reply:
                status, reply_headers, reply_body = reply.status, reply.headers, reply.read()
        except urllib.error.HTTPError as err:
            status, reply_headers, reply_body = err.code, err.headers, err.read()
        content_type = handler.headers.get("Content-Type", "")
        record = {"method": handler.command, "path": urlsplit(handler.path).path, "status": status}
        if "/images/" in record["path"]:
            try:
                record["fields"], record["files"] = form_fields(content_type, body)
            except Exception as exc:
                record["parse_error"] = repr(exc)
            record["content_type"] = content_type.split(";")[0]
            record["images_back"] = image_facts(reply_body)
        with self._lock:
            self.records.append(record)
        handler.send_response(status)
        for key, value in reply_headers.items():
            if key.lower() not in _HOP and key.lower() not in ("server", "date"):
                handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(reply_body)))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(reply_body)
        handler.close_connection = True
