"""The stand-in's control routes, from inside a host (standard library only).

`standin(path, order)` calls /_standin/<path> (GET, or POST with a JSON order);
`images_requests()` is its log of Images requests: what each one received (form
fields, file parts) and what went back (size and alpha-0 share of each image).
Host scenarios check from it what a plug-in sent, whatever the entry point.
"""

import json
import os
import urllib.request

IMAGES_ENDPOINTS = ("generations", "edits", "variations")


def standin(path, order=None):
    """The stand-in's control route (its URL root is OPENAI_BASE_URL without /v1)."""
    root = os.environ["OPENAI_BASE_URL"].rsplit("/v1", 1)[0]
    data = json.dumps(order).encode() if order is not None else None
    request = urllib.request.Request(f"{root}/_standin/{path}", data=data)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read() or b"null")


def images_requests():
    return [r for r in standin("requests") if r["endpoint"] in IMAGES_ENDPOINTS]
