"""How many candidates a command may ask for, and the question asked before an
expensive job.

The bound is the plug-ins' (Krita's candidate box, GIMP's "count" argument):
10, or the model's own `n_max` when the runner cannot split the job into
single-image requests (a model with n_max 1 and no streaming). Without a
terminal to ask on, a job above the threshold is refused unless `--yes`: a
script must say it means to spend that much.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from ..errors import ValidationError
from ..jobs.cost import CostEstimate
from ..models.catalogue import ModelSpec, max_candidates

CONFIRM_ENV = "OPENAI_IMAGES_CONFIRM_USD"
DEFAULT_CONFIRM_USD = 1.0


class DeclinedError(Exception):
    """The job was not confirmed (answered no, or there was no terminal to ask)."""


def check_count(n: int, spec: ModelSpec) -> None:
    limit = max_candidates(spec)
    if not 1 <= n <= limit:
        raise ValidationError("-n", f"{spec.id} takes 1..{limit} candidates per job, not {n}")


def threshold(
    flag: float | None, environ: dict[str, str] | None = None, saved: float | None = None
) -> float:
    """The flag, else the environment, else the saved setting, else $1."""
    if flag is not None:
        return flag
    text = (os.environ if environ is None else environ).get(CONFIRM_ENV, "").strip()
    if not text:
        return DEFAULT_CONFIRM_USD if saved is None else saved
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(CONFIRM_ENV, f"is not an amount in USD: {text!r}") from None
    if not value >= 0:
        raise ValidationError(CONFIRM_ENV, "must be 0 or more")
    return value


def confirm(
    estimate: CostEstimate, limit: float, yes: bool,
    stdin: TextIO | None = None, stderr: TextIO | None = None,
) -> None:
    """Return when the job may go ahead; raise DeclinedError otherwise."""
    if yes or estimate.usd <= limit:
        return
    stdin = stdin or sys.stdin
    stderr = stderr or sys.stderr
    figure = f"about ${estimate.usd:.2f} (${estimate.low:.2f}-${estimate.high:.2f})"
    if not (stdin.isatty() and stderr.isatty()):
        raise DeclinedError(
            f"not sent: the estimate is {figure}, above ${limit:.2f}, and there is no "
            "terminal to confirm it; add --yes to go ahead (or --confirm-above)"
        )
    stderr.write(f"openai-images: this job is estimated at {figure}. Send it? [y/N] ")
    stderr.flush()
    answer = stdin.readline().strip().lower()
    if answer not in ("y", "yes"):
        raise DeclinedError("not sent: declined")
