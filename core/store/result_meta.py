"""What produced a result, as its history sidecar stores it: `ResultMeta`.

Owns the meta's fields and both directions of its JSON form. Writing never
lets an API key through: every string (keys too) goes through `secrets.redact`,
and entries named like credentials are dropped whatever their value looks
like. Reading is tolerant: unknown keys are ignored and ill-typed values get
the default, so a sidecar another version of the plug-in wrote still loads.
history.py owns the files themselves.

Imports the standard library and `.secrets`; no file system, no httpx, no
host modules, no numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .secrets import redact

JOBS = ("generate", "edit", "variation")  # the values of ResultMeta.job

# Dict entries with these names are dropped from sidecars whatever their value looks like.
_CREDENTIAL_NAMES = frozenset(
    {
        "api_key",
        "apikey",
        "api-key",
        "key",
        "authorization",
        "azure_ad_token",
        "token",
        "access_token",
        "secret",
        "password",
    }
)


@dataclass
class ResultMeta:
    """What produced one result, as stored in its sidecar.

    `created` is an ISO 8601 time (filled in by `record` when empty);
    `region` is (x, y, width, height) on the document or None for a whole
    image; `candidate` is the index among the n results of one request;
    `settings` holds the options used, so the UI can "reuse settings".
    None means "not sent / not returned" (quality, background, usage, ...).
    Costs are estimates in USD (see cost.py); `usage_rejected` says why a
    `usage` the server sent was not trusted (junk or implausible counts), and
    then `actual_cost` is None: unknown, whatever `usage` claims.
    """

    prompt: str = ""
    # "remove": the prompt is the core's removal default (an edit asked with none);
    # None: the artist's own words
    task: str | None = None
    revised_prompt: str | None = None
    model: str = ""
    job: str = "generate"
    size: str = ""
    quality: str | None = None
    background: str | None = None
    output_format: str = "png"
    request_id: str | None = None
    usage: dict[str, Any] | None = None
    estimated_cost: float | None = None
    actual_cost: float | None = None
    usage_rejected: str | None = None
    created: str = ""
    document: str = ""
    region: tuple[int, int, int, int] | None = None
    candidate: int = 0
    settings: dict[str, Any] = field(default_factory=dict)
    # provenance (issue 21): the IPTC digital source type of the result, and whether
    # the answer kept beside it (attachment "answer") carried a C2PA manifest
    digital_source_type: str | None = None
    content_credentials: bool | None = None
    # what the manifest says of itself ("issuer", "claim_generator", "title"), where
    # a C2PA reader was at hand (the CLI with the optional c2pa package); None otherwise
    content_credentials_manifest: dict[str, str] | None = None
    # which pixel engine planned and composited this result (issue 16): "numpy", or
    # "lean" where numpy and Pillow do not load (GIMP on Windows); "" in older sidecars
    pixel_engine: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready values with every string redacted and credential entries dropped."""
        data = asdict(self)
        data["region"] = list(self.region) if self.region else None
        scrubbed: dict[str, Any] = _scrub(data)
        return scrubbed

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResultMeta:
        """Tolerant reading: unknown keys are ignored, ill-typed values get the default."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name in data:
                value = _read_field(f.name, data[f.name])
                if value is not _BAD:
                    values[f.name] = value
        return cls(**values)


_BAD = object()
_OPTIONAL_STR = ("revised_prompt", "request_id", "quality", "background", "usage_rejected",
                 "digital_source_type", "task")
_OPTIONAL_FLOAT = ("estimated_cost", "actual_cost")


def _read_field(name: str, value: Any) -> Any:
    if name in _OPTIONAL_STR:
        return value if value is None or isinstance(value, str) else _BAD
    if name in _OPTIONAL_FLOAT:
        if value is None:
            return None
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return float(value) if ok and math.isfinite(value) else _BAD
    if name == "usage":
        return value if value is None or isinstance(value, dict) else _BAD
    if name == "settings":
        return value if isinstance(value, dict) else _BAD
    if name == "region":
        if value is None:
            return None
        ok = isinstance(value, (list, tuple)) and len(value) == 4
        ok = ok and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        return tuple(value) if ok else _BAD
    if name == "content_credentials":
        return value if value is None or isinstance(value, bool) else _BAD
    if name == "content_credentials_manifest":
        if value is None:
            return None
        ok = isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items())
        return value if ok else _BAD
    if name == "candidate":
        return value if isinstance(value, int) and not isinstance(value, bool) else _BAD
    return value if isinstance(value, str) else _BAD


def _scrub(value: Any) -> Any:
    """Redact every string (keys too) and drop credential-named entries, recursively."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {
            redact(str(k)): _scrub(v)
            for k, v in value.items()
            if str(k).strip().lower() not in _CREDENTIAL_NAMES
        }
    if isinstance(value, (list, tuple)):
        return [_scrub(v) for v in value]
    return value
