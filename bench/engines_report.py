"""Rows P8: the lean pixel engine beside numpy's inside real GIMP (issue 16).

The same feathered 1024² edit on a 4096² image (tests/hosts/scenarios/bench_host/
engine_edit.py) on gimp-3.x, whose Linux bundle brings numpy and Pillow, and on
gimp-3.x-windows, which runs the Windows bundle's contents. Target: the lean engine
within 3x of numpy's, click to upload plus answer to layer; the slowest step named.
"""

from __future__ import annotations

from typing import Any

from .report import Row, ms, not_measured, times

TARGET = 3.0


def _edit(facts: dict[str, Any]) -> dict[str, Any] | None:
    edit = facts.get("engine_edit") if "not_measured" not in facts else None
    return None if edit is None or "error" in edit else edit


def p8_rows(hosts: dict[str, Any]) -> list[Row]:
    rows = []
    for host in sorted(h for h in hosts if h.endswith("-windows")):
        lean = _edit(hosts[host])
        numpy = _edit(hosts.get(host.removesuffix("-windows"), {}))
        label = f"lean engine, {host}: edit 1024² feathered on 4096², click→upload + answer→layer"
        if lean is None or numpy is None:
            why = "needs both " + host + " and " + host.removesuffix("-windows") + " in BENCH_HOSTS"
            rows.append(not_measured("P8", label, f"≤ {TARGET:g}x numpy", why))
            continue
        total = lean["click_to_upload"] + lean["answer_to_layer"]
        ref = numpy["click_to_upload"] + numpy["answer_to_layer"]
        steps = ", ".join(f"{k} {ms(v)}" for k, v in lean["steps"].items())
        rows.append(Row("P8", label, ms(total), f"numpy {ms(ref)}", times(total / ref),
                        f"≤ {TARGET:g}x", total <= TARGET * ref,
                        f"slowest step: {lean['slowest']}; {steps}; upload {lean['upload']}"))
    return rows
