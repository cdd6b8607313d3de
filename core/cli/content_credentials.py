"""Who signed an answer's Content Credentials, read with the C2PA project's own library.

The core only sees whether a manifest is there (pixels/provenance.has_c2pa, byte
level). Reading one (its issuer, its claim generator, its title) takes a JUMBF
and COSE parser, which we do not write ourselves: the C2PA project's Python
bindings (`c2pa-python`, imported as `c2pa`) do it. They are an optional
dependency of the command line and the tests only: a native library the hosts'
bundles do not carry, so only the CLI hands this reader to the runner, and the
plug-ins never import this module. Without the package the sidecar records
presence only, as before.

`c2pa` is imported only when a manifest is to be read; nothing heavy happens at
import time.
"""

from __future__ import annotations

import importlib.util
import io
import json
import logging
from typing import Any

from ..jobs.delivery import ManifestReader

log = logging.getLogger("openai_images.cli")

_MIME = {b"\x89PNG": "image/png", b"\xff\xd8": "image/jpeg", b"RIFF": "image/webp"}


def reader() -> ManifestReader | None:
    """The manifest reader, or None when `c2pa` is not installed. The package is
    imported on the first answer that has a manifest (its native library takes a
    fifth of a second to load, which a job without credentials need not pay)."""
    if importlib.util.find_spec("c2pa") is None:
        return None

    def read(data: bytes) -> dict[str, str] | None:
        mime = next((m for magic, m in _MIME.items() if data.startswith(magic)), None)
        if mime is None:
            return None
        try:
            import c2pa

            with c2pa.Reader(mime, io.BytesIO(data)) as found:
                store = json.loads(found.json())
        except Exception as exc:  # server bytes (or a native library that will not
            # load): the manifest is "present, unread", and the job goes on
            log.info("the answer's C2PA manifest could not be read: %s", exc)
            return None
        return summary(store)

    return read


def summary(store: Any) -> dict[str, str] | None:
    """The active manifest's issuer, claim generator and title, from the Reader's JSON."""
    if not isinstance(store, dict):
        return None
    manifests = store.get("manifests")
    active = store.get("active_manifest")
    manifest = manifests.get(active) if isinstance(manifests, dict) else None
    if not isinstance(manifest, dict):
        return None
    signature = manifest.get("signature_info")
    issuer = signature.get("issuer") if isinstance(signature, dict) else None
    found = {
        "issuer": issuer,
        "claim_generator": _generator(manifest),
        "title": manifest.get("title"),
    }
    return {k: v for k, v in found.items() if isinstance(v, str) and v}


def _generator(manifest: dict[str, Any]) -> str | None:
    """A v1 claim names its generator in one string; a v2 claim in a list of
    {name, version} entries, which are joined here the way v1 wrote them."""
    plain = manifest.get("claim_generator")
    if isinstance(plain, str) and plain:
        return plain
    entries = manifest.get("claim_generator_info")
    if not isinstance(entries, list):
        return None
    names = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            version = entry.get("version")
            name = entry["name"]
            names.append(f"{name}/{version}" if isinstance(version, str) else name)
    return " ".join(names) or None
