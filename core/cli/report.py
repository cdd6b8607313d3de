"""The `--json` document of a finished job: what a script needs to carry on without
parsing a line of text (files, revised prompts, request ids, sizes, costs, history).

Field names are a promise to scripts: add fields, never rename one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..jobs.job_handle import Job
from ..store.secrets import user_text
from .outputs import OutputPlan


def job_report(command: str, job: Job, written: list[Path], plan: OutputPlan) -> dict[str, Any]:
    result = job.result
    est = result.estimate
    candidates = []
    for c in result.candidates:
        meta = c.entry.meta
        file = plan.out if plan.file_format == "ora" else plan.path_for(c.index,
                                                                       len(result.candidates))
        candidates.append({
            "index": c.index,
            "file": str(file),
            "revised_prompt": meta.revised_prompt,
            "request_id": meta.request_id,
            "size": meta.size,
            "quality": meta.quality,
            "background": meta.background,
            "estimated_cost_usd": _money(meta.estimated_cost),
            "booked_cost_usd": _money(meta.actual_cost),
            "history_image": str(c.entry.image_path),
            "history_sidecar": str(c.entry.sidecar_path),
        })
    return {
        "ok": True,
        "command": command,
        "model": job.options.model,
        "files": [str(p) for p in written],
        "format": plan.file_format,
        "candidates": candidates,
        "request_ids": list(result.request_ids),
        "estimated_cost_usd": None if est is None else _money(est.usd),
        "booked_cost_usd": _money(result.actual_cost_usd),
        # server text: masked and on one line, as every message
        "failures": [user_text(f) for f in result.failures],
        "notices": [user_text(n) for n in result.notices],
    }


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
