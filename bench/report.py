"""The rows of the benchmark: built from the raw figures, printed as a table, kept as JSON.

A `Row` holds ours, the reference beside it (the naive pipeline or the floor),
their ratio, the target and whether it is met (None: no target, or not
measured). `rows_from` turns the raw results of pipeline, rendering and hosts
into rows P1-P7; `table` formats them for the terminal and the Markdown page.
Standard library only.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

MIB = 1024 * 1024


@dataclass
class Row:
    id: str
    measure: str
    ours: str
    ref: str
    ratio: str
    target: str
    met: bool | None
    note: str = ""


def ms(seconds: float | None) -> str:
    if seconds is None or math.isnan(seconds):
        return "—"
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def mb(count: float) -> str:
    if count < MIB:
        return f"{count / 1024:.0f} KB"
    return f"{count / MIB:.2f} MB" if count < 10 * MIB else f"{count / MIB:.0f} MB"


def times(value: float) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.2f}x"


def not_measured(id_: str, measure: str, target: str, why: str) -> Row:
    return Row(id_, measure, "not measured", "—", "—", target, None, why)


def p1_rows(p1: dict[int, Any]) -> list[Row]:
    rows = []
    for size, r in sorted(p1.items()):
        if "error" in r:
            rows.append(not_measured("P1", f"{size}² canvas", "", r["error"]))
            continue
        med, ratio = r["median"], r["ratio"]
        where = f"{size}², region {r['region'][2]}², API {r['api_size']}"
        for side in ("request", "response"):
            label = "snapshot → request bytes" if side == "request" else "response → LayerPatch"
            rv = ratio[f"{side}_vs_floor"]
            rows.append(
                Row(
                    "P1",
                    f"{label}, {where}",
                    ms(med[f"ours_{side}"]),
                    f"floor {ms(med[f'floor_{side}'])}",
                    times(rv),
                    "≤ 1.5x",
                    rv <= 1.5,
                )
            )
            nv = ratio[f"naive_vs_ours_{side}"]
            big = size >= 8192
            runs = len(r["seconds"][f"naive_{side}"])
            rows.append(
                Row(
                    "P1",
                    f"{label}, {size}², against naive",
                    ms(med[f"ours_{side}"]),
                    f"naive {ms(med[f'naive_{side}'])} (n={runs})",
                    f"{nv:.1f}x faster" if nv < 10 else f"{nv:.0f}x faster",
                    "≥ 20x faster" if big else "—",
                    (nv >= 20) if big else None,
                )
            )
            native = ratio.get(f"native_{side}_vs_floor")
            if native is not None and not math.isnan(native):
                rows.append(
                    Row(
                        "P1",
                        f"{label}, {size}², context grown to the API size (no resampling)",
                        ms(med[f"native_{side}"]),
                        f"floor {ms(med[f'floor_{side}'])}",
                        times(native),
                        "(≤ 1.5x)",
                        None,
                        "what the floor leaves out: resampling",
                    )
                )
    return rows


def p2_rows(p2: dict[str, Any]) -> list[Row]:
    rows = []
    for kind in ("photo", "flat"):
        r = p2[kind]
        fmt = r["ours_format"].split("/")[-1]
        lossless = "lossless" if r["lossless"] else "NOT lossless"
        share = r["ours_bytes"] / r["png6_bytes"]
        rows.append(
            Row(
                "P2",
                f"upload bytes (image + mask), {kind}, {p2['api_size']}, {fmt}, {lossless}",
                mb(r["ours_bytes"]),
                f"PNG-6 {mb(r['png6_bytes'])}",
                times(share),
                "≤ 0.9x",
                share <= 0.9 and r["lossless"],
            )
        )
        rows.append(
            Row(
                "P2",
                f"encode time (image + mask), {kind}",
                ms(r["median"]["ours"]),
                f"PNG-6 {ms(r['median']['png6'])}",
                f"{r['speedup']:.1f}x faster",
                "≥ 4x faster",
                r["speedup"] >= 4,
            )
        )
    return rows


def p3_p4_rows(r: dict[str, Any]) -> list[Row]:
    if "error" in r:
        return [
            not_measured("P3", "n = 4 against n = 1", "≤ 1.2x", r["error"]),
            not_measured("P4", "first partial preview", "≤ 40 %", r["error"]),
        ]
    med, lat = r["median"], r["latency_per_image"]
    rows = []
    for mode, label in (
        ("stream", "previews on (default): 4 parallel requests"),
        ("plain", "previews off: one request for 4"),
    ):
        ratio = r[f"n4_vs_n1_{mode}"]
        rows.append(
            Row(
                "P3",
                f"edit, n = 4 against n = 1, {label}, stand-in {lat:g} s/image",
                ms(med[f"{mode}_n4"]),
                f"n=1 {ms(med[f'{mode}_n1'])}",
                times(ratio),
                "≤ 1.2x",
                ratio <= 1.2,
            )
        )
    share = r["first_partial_share"]
    first = sorted(r["first_partial"])[len(r["first_partial"]) // 2] if r["first_partial"] else None
    rows.append(
        Row(
            "P4",
            f"first partial preview (of 2) against the whole job, n = 1, stand-in {lat:g} s/image",
            ms(first),
            f"job {ms(med['stream_n1'])}",
            f"{share * 100:.0f} %",
            "≤ 40 %",
            share <= 0.40,
        )
    )
    return rows


def p5_rows(host: str, facts: dict[str, Any]) -> list[Row]:
    target = "< 50 ms"
    gui = facts.get("gui") if "not_measured" not in facts else None
    if gui is None or "error" in gui:
        why = facts.get("not_measured") or (gui or {}).get("error", "no facts").splitlines()[-1]
        return [not_measured("P5", f"longest GUI gap while a job runs, {host}", target, why)]
    idle = gui["idle_gap_ms"] / 1000
    canvas = f"{gui['canvas']}² canvas"
    rows = [
        Row(
            "P5",
            f"longest GUI gap while an edit runs, {host}, {canvas}",
            ms(gui["job_gap_ms"] / 1000),
            f"idle {ms(idle)}",
            times(gui["job_gap_ms"] / gui["idle_gap_ms"]),
            target,
            gui["job_gap_ms"] < 50,
        ),
        Row(
            "P5",
            "  the same, leaving out the plug-in's layer writes and their repaint",
            ms(gui["worker_gap_ms"] / 1000),
            f"idle {ms(idle)}",
            times(gui["worker_gap_ms"] / gui["idle_gap_ms"]),
            target,
            gui["worker_gap_ms"] < 50,
        ),
    ]
    if "worker_only_gap_ms" in gui:
        only = gui["worker_only_gap_ms"]
        rows.append(
            Row(
                "P5",
                "  from Go to the first layer write (only the worker thread busy)",
                ms(only / 1000),
                f"idle {ms(idle)}",
                times(only / gui["idle_gap_ms"]),
                target,
                only < 50,
            )
        )
    rows += [
        Row(
            "P5",
            "  GUI blocked at the click (reading canvas and selection)",
            ms(gui["click_ms"] / 1000),
            "—",
            "—",
            "—",
            None,
        ),
    ]
    write = gui.get("write")
    if write:
        rows.append(
            Row(
                "P5",
                "  one result layer written: apply_patch (pixels, then into the tree) "
                "against a background update",
                ms(write["plugin_apply_ms"] / 1000),
                f"background {ms(write['background_gap_ms'] / 1000)}",
                times(write["plugin_apply_ms"] / max(write["background_gap_ms"], 1e-9)),
                "—",
                None,
            )
        )
    return rows


def p6_rows(p1: dict[int, Any]) -> list[Row]:
    r = p1.get(8192)
    if r is None or "error" in r:
        return [
            not_measured(
                "P6",
                "peak extra memory, 8192² edit",
                "≤ 2x canvas",
                (r or {}).get("error", "P1 at 8192² did not run"),
            )
        ]
    mem, canvas = r["memory"], r["canvas_bytes"]
    how = mem["method"]
    return [
        Row(
            "P6",
            f"peak extra memory of an 8192² edit, host bytes → patch ({how})",
            mb(mem["ours_extra_bytes"]),
            f"canvas RGBA {mb(canvas)}",
            times(mem["ours_extra_bytes"] / canvas),
            "≤ 2x",
            mem["ours_extra_bytes"] <= 2 * canvas,
        ),
        Row(
            "P6",
            "  the naive pipeline, same edit",
            mb(mem["naive_extra_bytes"]),
            f"canvas RGBA {mb(canvas)}",
            times(mem["naive_extra_bytes"] / canvas),
            "—",
            None,
        ),
    ]


def p7_rows(hosts: dict[str, Any]) -> list[Row]:
    rows = []
    for host, facts in hosts.items():
        if host.startswith("_"):
            continue
        start = facts.get("startup") if "not_measured" not in facts else None
        if start is None or "error" in start:
            why = facts.get("not_measured") or (start or {}).get("error", "").strip()[-200:]
            rows.append(not_measured("P7", f"plug-in start-up cost, {host}", "≤ 150 ms", why))
            continue
        if host.startswith("krita"):
            total = start["median"] + start["docker_median"]
            rows.append(
                Row(
                    "P7",
                    f"start-up, {host}: import + registration (Python "
                    f"{start['python']}) + docker panel built",
                    ms(total),
                    f"import {ms(start['median'])}",
                    "—",
                    "≤ 150 ms",
                    total <= 0.150,
                )
            )
        else:
            runs = sorted(r["run_seconds"] for r in start["runs"])
            rows.append(
                Row(
                    "P7",
                    f"start-up, {host}: what GIMP's query imports "
                    f"(Python {start['python']}, gi and Gimp loaded)",
                    ms(start["median"]),
                    "—",
                    "—",
                    "≤ 150 ms",
                    start["median"] <= 0.150,
                )
            )
            rows.append(
                Row(
                    "P7",
                    f"  each call of a procedure, {host}: its imports (numpy, httpx, core)",
                    ms(runs[len(runs) // 2]),
                    "—",
                    "—",
                    "—",
                    None,
                )
            )
    return rows


def rows_from(raw: dict[str, Any]) -> list[Row]:
    p1 = {int(k): v for k, v in raw.get("p1", {}).items()}
    rows = p1_rows(p1)
    rows += p2_rows(raw["p2"]) if "p2" in raw and "error" not in raw["p2"] else []
    rows += p3_p4_rows(raw["rendering"]) if "rendering" in raw else []
    hosts = raw.get("hosts", {})
    for host, facts in hosts.items():
        if host.startswith("krita"):
            rows += p5_rows(host, facts)
    rows += p6_rows(p1)
    rows += p7_rows(hosts)
    from .engines_report import p8_rows  # it imports Row and the formatters from here

    rows += p8_rows(hosts)
    return rows


def table(rows: list[Row], markdown: bool = False) -> str:
    head = ["#", "measure", "ours", "naive / floor", "ratio", "target", "met?"]
    body = [[r.id, r.measure, r.ours, r.ref, r.ratio, r.target, _met(r)] for r in rows]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(c.replace("|", "/") for c in b) + " |" for b in body]
        return "\n".join(lines)
    widths = [max(len(str(c)) for c in col) for col in zip(head, *body, strict=False)]
    widths[1] = min(widths[1], 78)
    out = []
    for cells in [head, *body]:
        out.append("  ".join(str(c)[: widths[i]].ljust(widths[i]) for i, c in enumerate(cells)))
    return "\n".join(out)


def _met(row: Row) -> str:
    if row.ours == "not measured":
        return "not measured: " + row.note
    return {True: "yes", False: "NO", None: "—"}[row.met]


def as_json(rows: list[Row]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rows]


def main() -> int:
    """`python -m bench.report`: the last run's table as Markdown (for docs/performance.md)."""
    import json
    from pathlib import Path

    saved = json.loads((Path(__file__).resolve().parent / "results.json").read_text())
    print(table(rows_from(saved["raw"]), markdown=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
