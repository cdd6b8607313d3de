"""A local stand-in for the OpenAI Images API, for development and tests.

Not shipped in the plug-in bundles. It serves generations, edits (multipart and
JSON), variations and the model list on 127.0.0.1, checks every request by the
rules the real service states for the requested model, answers in the real
shapes with deterministic pictures, streams partial images, and injects faults
on demand. It must not import core/: it checks the client, so it keeps its own
table of model rules (rules.py). Uses only the stdlib, numpy and Pillow.

    from standin import running_standin
    with running_standin(latency=0.1) as server:
        client = make_client(base_url=server.base_url, api_key="sk-test")
        ...
        assert not server.rejected

Modules: server (StandinServer, running_standin), handler (HTTP), intake
(routes, request bodies), control (/_standin/ test routes), rules (model
table, sizes), lifecycle (shutdown dates, the model list), validate (request
checks), results (response bodies, usage, events), render (pictures), faults
(injected failures), multipart, record, errors. CLI:
`python -m standin [--port N] [--latency S] [--legacy] [--today YYYY-MM-DD]`.
"""

from __future__ import annotations

from .faults import FAULTS
from .record import FileRecord, RequestRecord
from .rules import MODELS, ModelRules
from .server import StandinServer, running_standin

__all__ = [
    "FAULTS",
    "MODELS",
    "FileRecord",
    "ModelRules",
    "RequestRecord",
    "StandinServer",
    "running_standin",
]
