"""`python -m bench.quick_standin --latency S`: the stand-in, but its pictures cost nothing.

The stand-in renders, blurs and encodes its answers on this machine's two cores,
in the request's critical path; a real server does that on its own hardware,
inside its render time. For P3 and P4 the server must take the fixed latency
and nothing else, so this wraps the stand-in's `render_job` in a memo: the
answers are deterministic (seeded by the request), so a repeated request gets
the same bytes, now without the work. The benchmark warms every case once.
Everything else is the stand-in as it is (`python -m standin`).
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from standin import __main__ as standin_main
from standin import handler, results

_memo: dict[tuple[Any, ...], Any] = {}
_lock = threading.Lock()
_render = results.render_job


def _key(job: Any) -> tuple[Any, ...]:
    seeds = tuple(results.seed_for(job, i) for i in range(job.n))
    return (seeds, job.output_format, job.compression, job.stream, job.partial_images)


def memo_render_job(job: Any) -> Any:
    key = _key(job)
    with _lock:
        found = _memo.get(key)
    if found is None:
        found = _render(job)
        with _lock:
            _memo[key] = found
    return found


if __name__ == "__main__":
    handler.render_job = memo_render_job
    sys.exit(standin_main.main())
