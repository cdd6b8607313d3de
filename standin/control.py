"""The stand-in's test control routes, under /_standin/ (never recorded in the log).

For clients that cannot set a header or reach the server object (a plug-in
inside GIMP or Krita, a CLI in a subprocess). `answer` turns one control call
into (status, JSON reply) and changes the server's state; the handler only
reads the body and writes the reply.

    POST /_standin/faults     {"name", "count"?, "params"?}  queue a fault (faults.FAULTS)
    GET  /_standin/requests                                  the request log, short form
    POST /_standin/lifecycle  {"model", "shutdown_date"}     the account's date for a model
                              {"today": "YYYY-MM-DD"|null}   pin (or free) the server's day
                              {"clear": true}                drop the account's dates
    GET  /_standin/lifecycle                                 today and the account's dates
    POST /_standin/holes      {"fraction": 0.217}            every edit result gets that share
                                                             of alpha-0 pixels (0: off)
    POST /_standin/picture    {"kind": "blocks"|null}        every result is the colour blocks
                                                             of blocks.py, and uploads' cells are
                                                             logged (null: the usual pictures)

Imports `lifecycle` (for parsing dates) and `blocks` (the colour blocks' palette).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import blocks
from .lifecycle import parse_date

if TYPE_CHECKING:
    from .server import StandinServer

PREFIX = "/_standin/"


def answer(server: StandinServer, method: str, what: str, order: Any) -> tuple[int, Any]:
    """(HTTP status, reply) for one control call; `order` is the parsed JSON body."""
    try:
        if method == "POST" and what == "faults":
            server.inject(order["name"], int(order.get("count", 1)), **order.get("params", {}))
            return 200, {"queued": server.pending_faults}
        if method == "GET" and what == "requests":
            return 200, [_short(r) for r in server.requests]
        if what == "lifecycle" and method in ("GET", "POST"):
            if method == "POST":
                _lifecycle(server, order)
            return 200, {"today": server.today.isoformat(), "shutdown_dates": server.shutdown_dates}
        if method == "POST" and what == "picture":
            kind = order.get("kind")
            if kind not in (None, "blocks"):
                raise ValueError(f"unknown picture kind {kind!r}")
            server.picture = kind
            # the palette as data, so a host scenario needs no copy of it
            return 200, {"picture": kind, "grid": blocks.GRID, "palette": blocks.PALETTE}
        if method == "POST" and what == "holes":
            server.forced_holes = float(order.get("fraction", 0.0))
            return 200, {"forced_holes": server.forced_holes}
    except (KeyError, TypeError, ValueError) as exc:
        # A typo in a test's order must fail loudly, not pass as "done".
        return 400, {"error": f"bad control order for {what!r}: {exc!r}"}
    return 404, {"error": "unknown control route"}


def _lifecycle(server: StandinServer, order: dict[str, Any]) -> None:
    if order.get("clear"):
        server.clear_shutdown_dates()
    if "today" in order:
        server.today = parse_date(order["today"])
    if "model" in order:
        server.set_shutdown_date(order["model"], order["shutdown_date"])


def _short(record: Any) -> dict[str, Any]:
    return {
        "endpoint": record.endpoint,
        "model": record.model,
        "valid": record.valid,
        "outcome": record.outcome,
        "status": record.status,
        "fault": record.fault,
        "error": record.error,
        # what a host scenario checks about the request a plug-in sent and its answer
        "path": record.path,
        "fields": dict(record.fields),
        "files": [
            {"name": f.name, "content_type": f.content_type, "width": f.width,
             "height": f.height, "cells": f.cells}
            for f in record.files
        ],
        "images_back": list(record.images_back),
    }
